package projectdb_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/issue/issuetest"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// TestIssueStoreContract runs the contract of issue.Store, which the
// in-memory store of the domain's tests passes too, on SQLite and
// PostgreSQL. Blockers refer to departments and projects: each case makes
// its own through the project store.
func TestIssueStoreContract(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := projectdb.New(db)
		issuetest.StoreContract(t, projectdb.NewIssues(db), issuetest.Setup{
			Department: func(t *testing.T) string {
				b := make([]byte, 8)
				_, _ = rand.Read(b)
				code := "d" + hex.EncodeToString(b)
				require.NoError(t, projectdb.NewDepartments(db).Create(context.Background(), department.Department{Code: code, Name: "测试局", Version: 1}, clock))
				return code
			},
			Project: func(t *testing.T, department string) string {
				return create(t, st, newProject(func(p *project.Project) { p.Department = department })).ID
			},
			Archive: func(t *testing.T, id string) {
				_, err := st.Update(context.Background(), project.Reach{All: true}, id, func(p *project.Project) error {
					p.ArchivedAt = ptr(clock)
					return nil
				})
				require.NoError(t, err)
			},
		})
	})
}
