package projectdb_test

import (
	"testing"

	"github.com/guangling/pipeline/internal/investment/investmenttest"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// TestInvestmentStoreContract runs the contract of investment.Store, which
// the in-memory store of the domain's tests passes too, on SQLite and
// PostgreSQL. Plans and reports belong to projects: each case creates its own.
func TestInvestmentStoreContract(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		investmenttest.StoreContract(t, st, func(t *testing.T) string {
			return create(t, st, newProject()).ID
		})
	})
}
