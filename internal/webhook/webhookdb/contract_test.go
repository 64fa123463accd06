package webhookdb_test

import (
	"testing"

	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/webhook/webhookdb"
	"github.com/guangling/pipeline/internal/webhook/webhooktest"
)

func TestContract(t *testing.T) {
	t.Parallel()
	for _, d := range []struct {
		name string
		open func(testing.TB) *database.DB
	}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}} {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			webhooktest.Contract(t, func(t *testing.T) webhooktest.Backend { return webhookdb.New(d.open(t)) })
		})
	}
}
