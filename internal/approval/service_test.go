package approval_test

import (
	"context"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

func TestChecklistReadsUnstoredItemsAsNotStarted(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	l, err := fx.svc.Checklist(context.Background(), energyViewer, windFarm)
	require.NoError(t, err)
	assert.Equal(t, approval.PowerWorksFiling, l.StartPermit)
	require.NotEmpty(t, l.Items)
	permits := 0
	for _, e := range l.Items {
		assert.Equal(t, approval.NotStarted, e.Status, e.Code)
		assert.Zero(t, e.Version)
		if e.StartPermit {
			permits++
			assert.Equal(t, approval.PowerWorksFiling, e.Code)
		}
	}
	assert.Equal(t, 1, permits)
	assert.Equal(t, approval.Readiness{Needed: len(l.Items)}, l.Readiness)
	assert.Equal(t, 0.0, *l.Readiness.Rate())
	assert.Len(t, l.Missing(), len(l.Items))
}

func TestChecklistOfAnotherDepartmentIsNotFound(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	_, err := fx.svc.Checklist(context.Background(), industryEditor, windFarm)
	assert.Equal(t, apperr.NotFound, apperr.KindOf(err))
	_, _, err = fx.svc.Put(context.Background(), industryEditor, windFarm, approval.Filing, 0, approval.Fields{Status: approval.InProgress})
	assert.Equal(t, apperr.NotFound, apperr.KindOf(err))
	assert.Empty(t, fx.audit.records)
}

// Readiness is obtained ÷ needed; an item not needed counts in neither.
func TestReadiness(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	put(t, fx, energyEditor, windFarm, approval.ApprovalCatalogue, 0, approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-03-01")})
	put(t, fx, energyEditor, windFarm, approval.EnvironmentalAssessment, 0,
		approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-03-02"), EnvLevel: approval.ReportForm})
	put(t, fx, energyEditor, windFarm, approval.SocialStability, 0, approval.Fields{Status: approval.NotNeeded, Reason: "不涉及征地拆迁"})
	put(t, fx, energyEditor, windFarm, approval.SoilWaterConservation, 0, approval.Fields{Status: approval.InProgress})
	l, err := fx.svc.Checklist(context.Background(), bureau, windFarm)
	require.NoError(t, err)
	all := len(l.Items)
	assert.Equal(t, approval.Readiness{Needed: all - 1, Obtained: 2}, l.Readiness)
	assert.InDelta(t, 2.0/float64(all-1), *l.Readiness.Rate(), 1e-9)
	assert.Len(t, l.Missing(), all-3)
	assert.Nil(t, approval.Readiness{}.Rate(), "nothing needed has no rate")
}

func TestPutValidates(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		code   approval.Code
		f      approval.Fields
		fields []string
	}{
		{"an unknown status", approval.Filing, approval.Fields{Status: "done"}, []string{"status"}},
		{"no status", approval.Filing, approval.Fields{}, []string{"status"}},
		{"not needed without a reason", approval.Filing, approval.Fields{Status: approval.NotNeeded, Reason: "  "}, []string{"reason"}},
		{"a reason while needed", approval.Filing, approval.Fields{Status: approval.InProgress, Reason: "x"}, []string{"reason"}},
		{"obtained without its day", approval.Filing, approval.Fields{Status: approval.Obtained}, []string{"obtained_on"}},
		{"obtained tomorrow", approval.Filing, approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-04-21")}, []string{"obtained_on"}},
		{"an obtained day while in progress", approval.Filing, approval.Fields{Status: approval.InProgress, ObtainedOn: date("2021-04-01")}, []string{"obtained_on"}},
		{"applied in the future", approval.Filing, approval.Fields{Status: approval.InProgress, AppliedOn: date("2021-05-01")}, []string{"applied_on"}},
		{"obtained before applied", approval.Filing,
			approval.Fields{Status: approval.Obtained, AppliedOn: date("2021-03-01"), ObtainedOn: date("2021-02-01")}, []string{"obtained_on"}},
		{"an env level on another item", approval.Filing, approval.Fields{Status: approval.InProgress, EnvLevel: approval.ReportBook}, []string{"env_level"}},
		{"an unknown env level", approval.EnvironmentalAssessment, approval.Fields{Status: approval.InProgress, EnvLevel: "report"}, []string{"env_level"}},
		{"an assessment obtained without its level", approval.EnvironmentalAssessment,
			approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-04-01")}, []string{"env_level"}},
		{"an approval number too long", approval.Filing, approval.Fields{Status: approval.InProgress, ApprovalNo: string(make([]rune, 201))}, []string{"approval_no"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t)
			// The factory's route is 备案; its checklist lists the assessment.
			_, _, err := fx.svc.Put(context.Background(), industryEditor, factory, c.code, 0, c.f)
			e := apperr.As(err)
			require.Equal(t, apperr.Invalid, e.Kind, "%v", err)
			var got []string
			for _, fe := range e.Fields {
				got = append(got, fe.Field)
			}
			assert.Equal(t, c.fields, got)
			assert.Empty(t, fx.audit.records)
		})
	}
}

func TestPutNotInChecklistOrUnknown(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	ctx := context.Background()
	_, _, err := fx.svc.Put(ctx, energyEditor, windFarm, approval.Filing, 0, approval.Fields{Status: approval.InProgress})
	assert.Equal(t, &apperr.Error{Kind: apperr.NotFound, Message: "approval.not_in_checklist"}, apperr.As(err), "a wind farm is 核准, not 备案")
	_, _, err = fx.svc.Put(ctx, energyEditor, windFarm, "building_permit", 0, approval.Fields{Status: approval.InProgress})
	assert.Equal(t, &apperr.Error{Kind: apperr.NotFound, Message: "approval.unknown_item"}, apperr.As(err))
	_, _, err = fx.svc.Put(ctx, bureau, archived, approval.ApprovalCatalogue, 0, approval.Fields{Status: approval.InProgress})
	assert.Equal(t, apperr.Conflict, apperr.KindOf(err), "an archived project")
	assert.Empty(t, fx.audit.records)
}

func TestPutNeedsWriteRights(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	for _, p := range []identity.Principal{energyViewer, leader} {
		_, _, err := fx.svc.Put(context.Background(), p, windFarm, approval.ApprovalCatalogue, 0, approval.Fields{Status: approval.InProgress})
		assert.Equal(t, apperr.Forbidden, apperr.KindOf(err), p.Name)
	}
}

// The first write creates the item at version 1; a later one needs
// If-Match on the version it changes, and a stale one is refused.
func TestPutVersions(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	ctx := context.Background()
	_, _, err := fx.svc.Put(ctx, energyEditor, windFarm, approval.ApprovalCatalogue, 1, approval.Fields{Status: approval.InProgress})
	assert.Equal(t, apperr.VersionConflict, apperr.KindOf(err), "If-Match on an item never written")
	e, created, err := fx.svc.Put(ctx, energyEditor, windFarm, approval.ApprovalCatalogue, 0,
		approval.Fields{Status: approval.InProgress, AppliedOn: date("2021-03-01"), Note: "  已报市发改委 "})
	require.NoError(t, err)
	assert.True(t, created)
	assert.Equal(t, 1, e.Version)
	assert.Equal(t, "energy_editor", e.UpdatedBy)
	assert.Equal(t, "已报市发改委", e.Note)
	_, _, err = fx.svc.Put(ctx, energyEditor, windFarm, approval.ApprovalCatalogue, 0, approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-04-01")})
	assert.Equal(t, &apperr.Error{Kind: apperr.PreconditionRequired, Message: "approval.if_match_required"}, apperr.As(err))
	_, _, err = fx.svc.Put(ctx, energyEditor, windFarm, approval.ApprovalCatalogue, 7, approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-04-01")})
	assert.Equal(t, apperr.VersionConflict, apperr.KindOf(err))
	e, created, err = fx.svc.Put(ctx, energyEditor, windFarm, approval.ApprovalCatalogue, 1,
		approval.Fields{Status: approval.Obtained, AppliedOn: date("2021-03-01"), ObtainedOn: date("2021-04-01"), ApprovalNo: "晋发改能源发〔2021〕12号", Issuer: "省发展和改革委员会"})
	require.NoError(t, err)
	assert.False(t, created)
	assert.Equal(t, 2, e.Version)
	// The same fields again write nothing.
	same, _, err := fx.svc.Put(ctx, energyEditor, windFarm, approval.ApprovalCatalogue, 2, e.Fields)
	require.NoError(t, err)
	assert.Equal(t, 2, same.Version)
	require.Len(t, fx.audit.records, 2)
	assert.Nil(t, fx.audit.records[0].Before, "the first write has nothing before it")
	assert.Equal(t, approval.ActionUpdate, fx.audit.records[1].Action)
	assert.Equal(t, windFarm+"/approval_catalogue", fx.audit.records[1].ResourceID)
	require.Len(t, fx.events.changes, 2)
	c := fx.events.changes[1]
	assert.Equal(t, event.ApprovalUpdated, c.Type)
	assert.Equal(t, approval.ResourceType, c.ResourceType)
	assert.Equal(t, windFarm, c.ProjectID)
	assert.Equal(t, 2, c.Version)
	assert.Contains(t, c.Changes, "status")
	assert.NotContains(t, c.Changes, "applied_on", "unchanged")
	assert.Equal(t, []string{"energy"}, c.Departments)
	assert.Equal(t, 3, fx.register.within, "each write, and the one that changed nothing, ran with the project locked")
}

func TestPutPassesStoreFailures(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	boom := errors.New("disk on fire")
	fx.store.Fail(boom)
	_, _, err := fx.svc.Put(context.Background(), bureau, windFarm, approval.ApprovalCatalogue, 0, approval.Fields{Status: approval.InProgress})
	assert.ErrorIs(t, err, boom)
	_, err = fx.svc.Checklist(context.Background(), bureau, windFarm)
	assert.ErrorIs(t, err, boom)
	_, err = fx.svc.StartPermit(context.Background(), fx.register.projects[windFarm])
	assert.ErrorIs(t, err, boom)
}

// The gate: the project's 开工 permit item, whether it is obtained, and the
// reason of one not needed.
func TestStartPermit(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, c := range []struct {
		name string
		f    *approval.Fields
		want project.Permit
	}{
		{"never written", nil, project.Permit{Item: "construction_permit"}},
		{"in progress", &approval.Fields{Status: approval.InProgress}, project.Permit{Item: "construction_permit"}},
		{"obtained", &approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-04-01")}, project.Permit{Item: "construction_permit", Obtained: true}},
		{"not needed, with its reason", &approval.Fields{Status: approval.NotNeeded, Reason: "投资额30万元以下，免于施工许可"},
			project.Permit{Item: "construction_permit", NotNeeded: "投资额30万元以下，免于施工许可"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			fx := newFixture(t)
			put(t, fx, industryEditor, factory, approval.Filing, 0, approval.Fields{Status: approval.Obtained, ObtainedOn: date("2021-01-01")})
			if c.f != nil {
				put(t, fx, industryEditor, factory, approval.ConstructionPermit, 0, *c.f)
			}
			got, err := fx.svc.StartPermit(ctx, fx.register.projects[factory])
			require.NoError(t, err)
			assert.Equal(t, c.want, got)
		})
	}
}

// Listed names the items of the checklist the project's fields derive now.
func TestListed(t *testing.T) {
	t.Parallel()
	fx := newFixture(t)
	pr := fx.register.projects[factory]
	assert.NotContains(t, fx.svc.Listed(pr), "land_preapproval")
	five := 5.0
	pr.NewConstructionLandMu = &five
	assert.Contains(t, fx.svc.Listed(pr), "land_preapproval")
	assert.Contains(t, fx.svc.Listed(pr), "construction_permit")
}

func TestOverdue(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		f    approval.Fields
		want bool
	}{
		{approval.Fields{Status: approval.NotStarted, ExpectedOn: date("2021-04-19")}, true},
		{approval.Fields{Status: approval.InProgress, ExpectedOn: date("2021-04-19")}, true},
		{approval.Fields{Status: approval.InProgress, ExpectedOn: date("2021-04-20")}, false},
		{approval.Fields{Status: approval.InProgress}, false},
		{approval.Fields{Status: approval.Obtained, ExpectedOn: date("2021-04-01")}, false},
		{approval.Fields{Status: approval.NotNeeded, ExpectedOn: date("2021-04-01")}, false},
	} {
		assert.Equal(t, c.want, c.f.Overdue(today), "%+v", c.f)
	}
}
