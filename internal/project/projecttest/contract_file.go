package projecttest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// FileSetup is what FileStoreContract runs on: a store that is also a
// project.FileStore, how facts are written (Setup.AddFacts) and how an
// account with the leader role is made.
type FileSetup struct {
	Setup
	File             project.FileStore
	AddLeaderAccount func(t *testing.T, username string)
}

// FileStoreContract checks what the project file needs of a store: the
// cooperating units in the read scope and not in lists, unknown units
// refused, the links read in scope, the children and plan years of
// projects, and the leader accounts.
func FileStoreContract(t *testing.T, s FileSetup) {
	t.Helper()
	for _, c := range []struct {
		name string
		run  func(t *testing.T, s FileSetup)
	}{
		{"a cooperating unit reads the project, lists stay its own", cooperatingReads},
		{"an unknown cooperating unit is refused", unknownUnit},
		{"links, children and plan years", linksAndYears},
		{"leader accounts", leaderAccounts},
	} {
		t.Run(c.name, func(t *testing.T) { c.run(t, s) })
	}
}

func (s FileSetup) create(t *testing.T, mods ...func(*project.Project)) project.Project {
	t.Helper()
	p := newProject(mods...)
	require.NoError(t, s.Store.Create(context.Background(), p, nil))
	return p
}

func cooperatingReads(t *testing.T, s FileSetup) {
	ctx := context.Background()
	p := s.create(t, func(p *project.Project) { p.CooperatingUnits = []string{"water", "industry"} })
	water := project.Reach{Department: "water", Responsible: true}
	got, err := s.Store.Get(ctx, water, p.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{"water", "industry"}, got.CooperatingUnits)
	_, err = s.Store.Get(ctx, project.Reach{Department: "water"}, p.ID)
	assert.Equal(t, apperr.NotFound, apperr.KindOf(err), "only the read scope admits it")
	page, err := s.Store.List(ctx, project.Reach{Department: "water"}, project.ListQuery{Count: true})
	require.NoError(t, err)
	for _, it := range page.Items {
		assert.NotEqual(t, p.ID, it.ID, "a cooperating project is not listed")
	}
	_, err = s.Store.Update(ctx, all, p.ID, func(p *project.Project) error {
		p.CooperatingUnits = []string{"industry"}
		return nil
	})
	require.NoError(t, err)
	_, err = s.Store.Get(ctx, water, p.ID)
	assert.Equal(t, apperr.NotFound, apperr.KindOf(err), "a unit taken off reads no more")
	_, err = s.Store.Get(ctx, project.Reach{Department: "industry", Responsible: true}, p.ID)
	assert.NoError(t, err)
}

func unknownUnit(t *testing.T, s FileSetup) {
	ctx := context.Background()
	p := newProject(func(p *project.Project) { p.CooperatingUnits = []string{"nowhere"} })
	err := s.Store.Create(ctx, p, nil)
	assert.Equal(t, apperr.Invalid, apperr.KindOf(err), "error: %v", err)
	assert.Contains(t, apperr.As(err).Fields, apperr.FieldError{Field: "cooperating_units", Code: "unknown"})
	_, err = s.Store.Get(ctx, all, p.ID)
	assert.Equal(t, apperr.NotFound, apperr.KindOf(err), "nothing written")
}

func linksAndYears(t *testing.T, s FileSetup) {
	ctx := context.Background()
	bundle := s.create(t, func(p *project.Project) { p.Department = "housing" })
	child := s.create(t, func(p *project.Project) { p.Department = "housing"; p.ParentID = &bundle.ID })
	later := s.create(t, func(p *project.Project) { p.Department = "energy"; p.PredecessorID = &bundle.ID })
	linked, err := s.File.Linked(ctx, all, bundle)
	require.NoError(t, err)
	assert.ElementsMatch(t, []string{child.ID, later.ID}, ids(linked))
	linked, err = s.File.Linked(ctx, project.Reach{Department: "housing"}, bundle)
	require.NoError(t, err)
	assert.Equal(t, []string{child.ID}, ids(linked), "in scope only")
	linked, err = s.File.Linked(ctx, all, child)
	require.NoError(t, err)
	assert.Equal(t, []string{bundle.ID}, ids(linked), "the parent")
	children, err := s.File.Children(ctx, bundle.ID)
	require.NoError(t, err)
	assert.Equal(t, []string{child.ID}, children)
	s.AddFacts(t, child.ID, health.Facts{Plans: map[int]int64{2021: 100, 2022: 200}}, "")
	years, err := s.File.PlanYears(ctx, []string{bundle.ID, child.ID})
	require.NoError(t, err)
	assert.Equal(t, map[string][]int{child.ID: {2021, 2022}}, years)
}

func leaderAccounts(t *testing.T, s FileSetup) {
	s.AddLeaderAccount(t, "contract_leader")
	got, err := s.File.LeaderAccounts(context.Background(), []string{"contract_leader", "nobody"})
	require.NoError(t, err)
	assert.Equal(t, []string{"contract_leader"}, got)
}

func ids(ps []project.Project) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.ID
	}
	return out
}
