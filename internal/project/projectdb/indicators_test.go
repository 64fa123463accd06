package projectdb_test

import (
	"testing"

	"github.com/guangling/pipeline/internal/indicator/indicatortest"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// TestIndicatorStoreContract runs the contract of indicator.Store, which
// the in-memory store of the domain's tests passes too, on SQLite and
// PostgreSQL.
func TestIndicatorStoreContract(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		indicatortest.StoreContract(t, projectdb.NewIndicators(db))
	})
}
