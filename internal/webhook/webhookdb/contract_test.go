package webhookdb_test

import (
	"testing"

	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/webhook/webhookdb"
	"github.com/guangling/pipeline/internal/webhook/webhooktest"
)

// backends are the databases the store's tests run on.
var backends = []struct {
	name string
	open func(testing.TB) *database.DB
}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}}

func TestContract(t *testing.T) {
	t.Parallel()
	for _, d := range backends {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			webhooktest.Contract(t, func(t *testing.T) webhooktest.Backend { return webhookdb.New(d.open(t)) })
		})
	}
}
