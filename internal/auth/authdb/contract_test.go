package authdb_test

import (
	"testing"

	"github.com/guangling/pipeline/internal/auth/authdb"
	"github.com/guangling/pipeline/internal/auth/authtest"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestStoreContract runs the contract of the stores of auth.Stores, which
// the in-memory fakes of the domain's tests pass too, on SQLite and
// PostgreSQL.
func TestStoreContract(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		authtest.StoreContract(t, authdb.Stores(db))
	})
}
