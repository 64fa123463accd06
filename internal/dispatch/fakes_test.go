package dispatch_test

import (
	"testing"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/dispatch/dispatchtest"
	"github.com/guangling/pipeline/internal/plan"
)

// TestMemoryStoreContract holds the in-memory store to the contract the
// SQL store passes (internal/project/projectdb), so that what the service
// tests show with it holds with the database.
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	st := dispatchtest.NewStore()
	st.AddDepartment("energy", "能源局")
	dispatchtest.StoreContract(t, dispatchtest.Setup{
		Store: st,
		NewProject: func(_ *testing.T, name string, total *int64) string {
			id := uuid.NewString()
			st.AddProject(id, dispatch.ProjectInfo{Name: name, Department: "energy", TotalInvestmentYuan: total})
			return id
		},
		AddEntry: func(_ *testing.T, e plan.Entry) { st.AddEntry(e) },
		AddIssue: func(_ *testing.T, id string) string {
			i := uuid.NewString()
			st.AddIssue(id, i)
			return i
		},
	})
}
