package project_test

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// entry is a valid entry of energy's at planning, its name to be trimmed;
// mods adjust it.
func entry(mods ...func(*project.Draft)) project.Draft {
	e := project.Draft{Fields: project.Fields{Name: " 晨风50兆瓦风电项目 ", Category: "wind", Department: "energy"}}
	for _, m := range mods {
		m(&e)
	}
	return e
}

// nothingWritten asserts that a refused change left no trace.
func nothingWritten(t *testing.T, f *fixture) {
	t.Helper()
	page, err := f.store.List(context.Background(), project.Reach{All: true}, project.ListQuery{Count: true})
	require.NoError(t, err)
	assert.Zero(t, *page.Total, "a project was stored")
	assert.Empty(t, f.actions(), "a change was audited")
	assert.Zero(t, f.notified, "listeners were told of a change")
}

func TestCreate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		setup func(f *fixture)
		by    identity.Principal
		entry project.Draft
		err   func(t *testing.T, err error)
		check func(t *testing.T, f *fixture, p project.Project)
	}{
		{name: "the bureau enters a project at planning", by: bureau, entry: entry(), check: func(t *testing.T, f *fixture, p project.Project) {
			want := project.Project{ID: id(1), Fields: withEmptyFile(project.Fields{Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy",
				BuildType: project.New, KeyLevel: "none", Funding: []project.Funding{}}),
				Stage: project.Planning, Health: health.Green, HealthReasons: []health.Reason{}, Version: 1, CreatedAt: stamp, UpdatedAt: stamp}
			assert.Equal(t, want, p)
			assert.Equal(t, want, f.stored(p.ID))
			assert.Empty(t, f.history(p.ID), "no import entry at planning")
			records := f.auditor.all()
			require.Len(t, records, 1)
			assert.Equal(t, bureau, records[0].by)
			assert.Equal(t, project.ActionCreate, records[0].record.Action)
			assert.Equal(t, project.ResourceType, records[0].record.ResourceType)
			assert.Nil(t, records[0].record.Before)
			assert.Equal(t, 1, records[0].record.After.(map[string]any)["version"])
			assert.Equal(t, 1, f.notified)
		}},
		{name: "a department editor's project is its department's", by: energyEditor,
			entry: entry(func(e *project.Draft) { e.Department = "" }), check: func(t *testing.T, f *fixture, p project.Project) {
				assert.Equal(t, "energy", f.stored(p.ID).Department)
			}},
		{name: "a department editor may name its own department", by: energyEditor, entry: entry(), check: func(t *testing.T, f *fixture, p project.Project) {
			assert.Equal(t, "energy", p.Department)
		}},
		{name: "a client with projects:write enters its department's", by: clientWrite,
			entry: entry(func(e *project.Draft) { e.Department = "" }), check: func(t *testing.T, f *fixture, p project.Project) {
				assert.Equal(t, "energy", p.Department)
			}},
		{name: "a department editor may not enter another department's", by: energyEditor,
			entry: entry(func(e *project.Draft) { e.Department = "industry" }), err: func(t *testing.T, err error) {
				e := requireKind(t, apperr.Invalid, err)
				assert.Equal(t, []apperr.FieldError{{Field: "department", Code: "not_allowed", Param: "energy"}}, e.Fields)
			}},
		{name: "a viewer may not", by: energyViewer, entry: entry(), err: forbidden},
		{name: "a leader may not", by: leader, entry: entry(), err: forbidden},
		{name: "a client without projects:write may not", by: clientRead, entry: entry(), err: forbidden},
		{name: "entered past planning: an import entry dated by its latest date", by: bureau, entry: entry(func(e *project.Draft) {
			e.Stage, e.Note = project.Completed, "据2021年台账"
			e.Actual = project.Actual{StartedOn: day("2020-05-01"), CompletedOn: day("2021-03-01")}
		}), check: func(t *testing.T, f *fixture, p project.Project) {
			assert.Equal(t, project.Completed, p.Stage)
			assert.Equal(t, []project.Transition{{ID: id(2), ProjectID: id(1), To: project.Completed, OccurredOn: *day("2021-03-01"),
				Note: "据2021年台账", Evidence: []project.Evidence{}, Kind: project.KindImport, Actor: "bureau", Department: "drc", RecordedAt: stamp,
			}}, f.history(p.ID))
			assert.Nil(t, p.LastMoveOn, "an import entry is not a move")
		}},
		{name: "entered past planning without dates: dated today", by: bureau, entry: entry(func(e *project.Draft) { e.Stage = project.Signed }),
			check: func(t *testing.T, f *fixture, p project.Project) {
				h := f.history(p.ID)
				require.Len(t, h, 1)
				assert.Equal(t, today, h[0].OccurredOn)
			}},
		{name: "AsOf dates the import entry", by: bureau, entry: entry(func(e *project.Draft) {
			e.Stage, e.Actual.StartedOn, e.AsOf = project.Started, day("2021-03-01"), day("2021-05-31")
		}), check: func(t *testing.T, f *fixture, p project.Project) {
			h := f.history(p.ID)
			require.Len(t, h, 1)
			assert.Equal(t, *day("2021-05-31"), h[0].OccurredOn)
		}},
		{name: "AsOf may be today", by: bureau, entry: entry(func(e *project.Draft) { e.Stage, e.AsOf = project.Signed, ptr(today) })},
		{name: "AsOf in the future", by: bureau, entry: entry(func(e *project.Draft) { e.Stage, e.AsOf = project.Signed, day("2021-06-16") }),
			err: fields("as_of:out_of_range")},
		{name: "AsOf before the latest date", by: bureau, entry: entry(func(e *project.Draft) {
			e.Stage, e.Actual.SignedOn, e.AsOf = project.Signed, day("2021-03-01"), day("2021-02-28")
		}), err: fields("as_of:out_of_range")},
		{name: "every problem at once", by: bureau, entry: entry(func(e *project.Draft) {
			e.Name, e.Category, e.Stage, e.Actual.StartedOn = "", "coal", project.Signed, day("2021-01-01")
			e.AsOf, e.Note = day("2021-07-01"), strings.Repeat("注", project.MaxNote+1)
		}), err: fields("name:required", "category:invalid_value", "started_on:not_reached", "as_of:out_of_range", "note:too_long")},
		{name: "an unknown stage", by: bureau, entry: entry(func(e *project.Draft) { e.Stage = "built" }), err: fields("stage:invalid_value")},
		{name: "the health is computed at entry", by: bureau, entry: entry(func(e *project.Draft) { e.PlannedStartDate = day("2021-06-01") }),
			check: func(t *testing.T, f *fixture, p project.Project) {
				assert.Equal(t, health.Yellow, p.Health)
				require.Len(t, p.HealthReasons, 1)
				assert.Equal(t, health.RuleStartMissed, p.HealthReasons[0].Rule)
				assert.Equal(t, health.Yellow, f.stored(p.ID).Health)
				assert.NotNil(t, p.HealthDueOn)
			}},
		{name: "a code another project holds", by: bureau,
			setup: func(f *fixture) { f.seed(func(p *project.Project) { p.Code = ptr("2021-140223-44-02-000001") }) },
			entry: entry(func(e *project.Draft) { e.Code = ptr(" 2021-140223-44-02-000001 ") }), err: func(t *testing.T, err error) {
				e := requireKind(t, apperr.Conflict, err)
				assert.Equal(t, "code", e.Fields[0].Field)
			}},
		{name: "the audit trail fails: nothing is written", by: bureau, setup: func(f *fixture) { f.auditor.err = errBoom },
			entry: entry(), err: boom},
		{name: "the commit fails: nothing is written", by: bureau, setup: func(f *fixture) { f.tx.FailCommits(errBoom) },
			entry: entry(), err: boom},
		{name: "the store fails", by: bureau, setup: func(f *fixture) { f.store.Fail("Create", errBoom) }, entry: entry(), err: boom},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if tc.setup != nil {
				tc.setup(f)
			}
			before := f.notified
			p, err := f.svc.Create(context.Background(), tc.by, tc.entry)
			if tc.err != nil {
				tc.err(t, err)
				assert.Equal(t, project.Project{}, p)
				assert.Equal(t, before, f.notified)
				if tc.setup == nil || strings.Contains(tc.name, "nothing is written") {
					nothingWritten(t, f)
				}
				return
			}
			require.NoError(t, err)
			assert.Equal(t, 1, f.notified, "told once, after the commit")
			if tc.check != nil {
				tc.check(t, f, p)
			}
		})
	}
}

func forbidden(t *testing.T, err error) {
	t.Helper()
	requireKind(t, apperr.Forbidden, err)
}

func boom(t *testing.T, err error) {
	t.Helper()
	require.ErrorIs(t, err, errBoom)
}

// fields expects a validation error of exactly the field errors named
// "field:code", in order.
func fields(want ...string) func(t *testing.T, err error) {
	return func(t *testing.T, err error) {
		t.Helper()
		assert.Equal(t, want, fieldCodes(t, err))
	}
}

// TestCreateInACallersTransaction: a project created in a caller's
// transaction (an Idempotency-Key's) is told of once that transaction
// commits, and never if it rolls back.
func TestCreateInACallersTransaction(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	require.NoError(t, f.tx.InTx(ctx, func(ctx context.Context) error {
		_, err := f.svc.Create(ctx, bureau, entry())
		require.NoError(t, err)
		assert.Zero(t, f.notified, "not before the caller's commit")
		return nil
	}))
	assert.Equal(t, 1, f.notified)

	require.ErrorIs(t, f.tx.InTx(ctx, func(ctx context.Context) error {
		_, err := f.svc.Create(ctx, bureau, entry())
		require.NoError(t, err)
		return errBoom
	}), errBoom)
	assert.Equal(t, 1, f.notified, "a rolled back change is never told of")
	_, err := f.store.Get(ctx, project.Reach{All: true}, id(2))
	requireKind(t, apperr.NotFound, err, "the rolled back project is gone")
	assert.Len(t, f.auditor.all(), 1, "and so is its audit record")
}

func TestJoinInvalid(t *testing.T) {
	t.Parallel()
	assert.NoError(t, project.JoinInvalid(nil, nil))
	a := apperr.Fields([]apperr.FieldError{{Field: "a", Code: "required"}})
	b := apperr.Fields([]apperr.FieldError{{Field: "b", Code: "too_long"}})
	assert.Equal(t, []string{"a:required", "b:too_long"}, fieldCodes(t, project.JoinInvalid(a, nil, b)))
	assert.ErrorIs(t, project.JoinInvalid(a, errBoom, b), errBoom, "an error that is not a validation error is returned as it is")
}
