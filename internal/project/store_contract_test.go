package project_test

import (
	"testing"

	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project/projecttest"
)

// TestMemoryStoreContract holds the in-memory store to the contract the
// SQL store passes (internal/project/projectdb), so that what the service
// tests show with it holds with the database.
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	st := projecttest.NewStore()
	projecttest.StoreContract(t, projecttest.Setup{
		Store: st, Tx: projecttest.NewTx(),
		AddFacts: func(_ *testing.T, id string, f health.Facts, responsible string) { st.AddFacts(id, f, responsible) },
	})
}

func TestMemoryHealthStoreContract(t *testing.T) {
	t.Parallel()
	st := projecttest.NewStore()
	projecttest.HealthStoreContract(t, st, st)
}

func TestMemoryFileStoreContract(t *testing.T) {
	t.Parallel()
	st := projecttest.NewStore()
	projecttest.FileStoreContract(t, projecttest.FileSetup{
		Setup: projecttest.Setup{Store: st, Tx: projecttest.NewTx(),
			AddFacts: func(_ *testing.T, id string, f health.Facts, responsible string) { st.AddFacts(id, f, responsible) }},
		File:             st,
		AddLeaderAccount: func(_ *testing.T, u string) { st.AddLeaderAccount(u) },
	})
}
