package approval_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

const (
	mill  = "55555555-5555-4555-8555-555555555555" // industry, planning
	ranch = "66666666-6666-4666-8666-666666666666" // agriculture, landed
)

func addProjects(fx fixture) {
	fx.register.projects[mill] = pr(mill, "铸件机械", "industry", "manufacturing", project.Planning)
	fx.register.projects[ranch] = pr(ranch, "海高农牧", "agriculture", "livestock", project.Landed)
}

// Readiness counts the projects still to start, by department; the
// drill-down lists one department's projects.
func TestReadinessByDepartment(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	addProjects(fx)
	put(t, fx, bureau, factory, approval.Filing, 0, approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-01-01")})
	put(t, fx, bureau, factory, approval.SocialStability, 0, approval.Fields{Status: approval.NotNeeded, Reason: "企业自有用地"})
	put(t, fx, bureau, windFarm, approval.ApprovalCatalogue, 0, approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-01-01")})
	put(t, fx, bureau, pvPlant, approval.Filing, 0, approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-01-01")})
	ctx := context.Background()
	r, err := fx.svc.Readiness(ctx, bureau, "")
	require.NoError(t, err)
	require.Len(t, r.Departments, 3, "the started PV plant and the archived project are left out")
	assert.Equal(t, []string{"agriculture", "energy", "industry"}, []string{r.Departments[0].Department, r.Departments[1].Department, r.Departments[2].Department})
	// A factory's checklist: 备案 and the five that are always there, and
	// 施工许可; the wind farm's: 核准, the five, its permit and grid.
	assert.Equal(t, approval.Readiness{Needed: 7, Obtained: 0}, r.Departments[0].Readiness)
	assert.Equal(t, approval.Readiness{Needed: 8, Obtained: 1}, r.Departments[1].Readiness)
	assert.Equal(t, 2, r.Departments[2].Projects)
	assert.Equal(t, approval.Readiness{Needed: 7 + 6, Obtained: 1}, r.Departments[2].Readiness)
	assert.Equal(t, approval.Readiness{Needed: 7 + 8 + 13, Obtained: 2}, r.Total)
	assert.Nil(t, r.Projects)

	drill, err := fx.svc.Readiness(ctx, bureau, "industry")
	require.NoError(t, err)
	require.Len(t, drill.Projects, 2)
	assert.Equal(t, "铸件机械", drill.Projects[0].Name)
	assert.Equal(t, factory, drill.Projects[1].ProjectID)
	assert.Equal(t, approval.ConstructionPermit, drill.Projects[1].StartPermit)
	assert.NotContains(t, drill.Projects[1].Missing, approval.Filing)
	assert.NotContains(t, drill.Projects[1].Missing, approval.SocialStability)
	assert.Contains(t, drill.Projects[1].Missing, approval.ConstructionPermit)

	own, err := fx.svc.Readiness(ctx, energyViewer, "")
	require.NoError(t, err)
	require.Len(t, own.Departments, 1, "a department sees its own")
	assert.Equal(t, "energy", own.Departments[0].Department)
}

func month(y int, m time.Month) *calendar.Month { return &calendar.Month{Year: y, Month: m} }

func entry(id string, m *calendar.Month, dept string, stage project.Stage) plan.Entry {
	return plan.Entry{Year: 2021, ProjectID: id, PlannedStartMonth: m, Department: dept, Project: plan.Summary{Stage: stage, Department: dept}}
}

// The entries planned to start in the quarter whose projects lack
// approvals: the earliest planned first, a project with every item done
// and one already started left out.
func TestPendingStarts(t *testing.T) {
	t.Parallel()
	fx := newFixture(t,
		entry(windFarm, month(2021, 6), "energy", project.Landed),
		entry(factory, month(2021, 4), "industry", project.Signed),
		entry(pvPlant, month(2021, 5), "energy", project.Started),
		entry(mill, month(2021, 7), "industry", project.Planning),
		entry(ranch, month(2021, 5), "agriculture", project.Landed),
	)
	addProjects(fx)
	ctx := context.Background()
	l, err := fx.svc.Checklist(ctx, bureau, ranch)
	require.NoError(t, err)
	for _, e := range l.Items {
		f := approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-04-01")}
		if e.Code == approval.EnvironmentalAssessment {
			f.EnvLevel = approval.RegistrationForm
		}
		put(t, fx, bureau, ranch, e.Code, 0, f)
	}
	put(t, fx, bureau, factory, approval.ConstructionPermit, 0, approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-04-01")})

	got, err := fx.svc.PendingStarts(ctx, bureau, 0, 0)
	require.NoError(t, err)
	require.Len(t, got, 2)
	assert.Equal(t, factory, got[0].ProjectID)
	assert.Equal(t, calendar.Month{Year: 2021, Month: 4}, got[0].PlannedStartMonth)
	assert.False(t, got[0].StartPermitMissing)
	assert.Equal(t, "industry", got[0].ResponsibleDepartment)
	assert.Equal(t, windFarm, got[1].ProjectID)
	assert.True(t, got[1].StartPermitMissing)
	assert.Contains(t, got[1].Missing, approval.PowerWorksFiling)

	q3, err := fx.svc.PendingStarts(ctx, bureau, 2021, 3)
	require.NoError(t, err)
	require.Len(t, q3, 1)
	assert.Equal(t, mill, q3[0].ProjectID)

	own, err := fx.svc.PendingStarts(ctx, industryEditor, 2021, 2)
	require.NoError(t, err)
	require.Len(t, own, 1, "a department sees its own")
	assert.Equal(t, factory, own[0].ProjectID)

	_, err = fx.svc.PendingStarts(ctx, bureau, 2021, 5)
	assert.Equal(t, apperr.Invalid, apperr.KindOf(err))
}
