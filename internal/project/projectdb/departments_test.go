package projectdb_test

import (
	"testing"

	"github.com/guangling/pipeline/internal/department/departmenttest"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// TestDepartmentStoreContract runs the contract of department.Store, which
// the in-memory store of the domain's tests passes too, on SQLite and
// PostgreSQL, over the departments the first migration seeds.
func TestDepartmentStoreContract(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		departmenttest.StoreContract(t, projectdb.NewDepartments(db))
	})
}
