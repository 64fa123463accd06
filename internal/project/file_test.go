package project_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// fieldErrs is the field errors of err, each "field:code".
func fieldErrs(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := apperr.As(err)
	require.Equal(t, apperr.Invalid, e.Kind, "error: %v", err)
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

// TestFileValidation: the project file's rules, each problem named by its
// field.
func TestFileValidation(t *testing.T) {
	t.Parallel()
	base := func() project.Fields {
		return project.Fields{Name: "项目", Category: "wind", Department: "energy"}
	}
	for _, tt := range []struct {
		name   string
		change func(f *project.Fields)
		want   []string
	}{
		{"nothing known", func(*project.Fields) {}, nil},
		{"every enumeration", func(f *project.Fields) {
			f.InvestmentType, f.ConstructionNature, f.WorksKind, f.InvestorOrigin = "government", "relocation", "road", "pearl_delta"
		}, nil},
		{"unknown enumerations", func(f *project.Fields) {
			f.InvestmentType, f.ConstructionNature, f.WorksKind, f.InvestorOrigin = "x", "x", "x", "mars"
		}, []string{"investment_type:invalid_value", "construction_nature:invalid_value", "works_kind:invalid_value", "investor_origin:invalid_value"}},
		{"parts of the land within the land needed", func(f *project.Fields) {
			f.LandNeededMu, f.NewConstructionLandMu, f.ArableLandMu, f.ForestLandMu = ptr(10.0), ptr(10.0), ptr(10.5), ptr(0.0)
		}, []string{"arable_land_mu:exceeds"}},
		{"parts without the land needed", func(f *project.Fields) { f.ForestLandMu = ptr(99.0) }, nil},
		{"secured above needed", func(f *project.Fields) { f.EnergyNeededTCE, f.EnergySecuredTCE = ptr(1.0), ptr(2.0) }, nil},
		{"negative quantities", func(f *project.Fields) {
			f.PowerSecuredKVA, f.ExpectedJobs, f.ContractAmountYuan = ptr(-1.0), ptr(-1), ptr(int64(-1))
		}, []string{"contract_amount_yuan:out_of_range", "expected_jobs:out_of_range", "power_secured_kva:out_of_range"}},
		{"two leads", func(f *project.Fields) {
			f.Leaders = []project.Leader{{Name: "甲", Lead: true}, {Name: "乙", Lead: true}}
		}, []string{"leaders:one_lead"}},
		{"a nameless leader and a repeated account", func(f *project.Fields) {
			f.Leaders = []project.Leader{{Name: " ", Lead: true, Username: "u"}, {Name: "乙", Username: "u"}}
		}, []string{"leaders[0].name:required", "leaders[1].username:not_unique"}},
		{"leader other than the lead", func(f *project.Fields) {
			f.Leader, f.Leaders = "丙", []project.Leader{{Name: "甲", Lead: true}}
		}, []string{"leader:not_lead"}},
		{"cooperating units", func(f *project.Fields) {
			f.CooperatingUnits = []string{"energy", "Bad", "water", "water"}
		}, []string{"cooperating_units[0]:owner", "cooperating_units[1]:invalid_format", "cooperating_units[3]:not_unique"}},
		{"funds arrived", func(f *project.Fields) {
			f.FundsArrived = []project.FundsArrived{{Year: 1999, Yuan: 1}, {Year: 2021, Yuan: -1}, {Year: 2021}, {Year: 2022}}
		}, []string{"funds_arrived[0].year:out_of_range", "funds_arrived[1].yuan:out_of_range", "funds_arrived[2].year:not_unique",
			"funds_arrived[3].year:in_future"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := base()
			tt.change(&f)
			f.Normalize()
			assert.ElementsMatch(t, tt.want, fieldErrs(t, f.ValidateOn(today)))
		})
	}
}

// TestLeaderAndLeaders: leader alone is a one-person list; leaders alone
// give leader their lead's name.
func TestLeaderAndLeaders(t *testing.T) {
	t.Parallel()
	f := project.Fields{Leader: " 王县长 "}
	f.Normalize()
	assert.Equal(t, []project.Leader{{Name: "王县长", Lead: true}}, f.Leaders)
	g := project.Fields{Leaders: []project.Leader{{Name: "甲"}, {Name: " 乙 ", Lead: true}}}
	g.Normalize()
	assert.Equal(t, "乙", g.Leader)
	h := project.Fields{}
	h.Normalize()
	assert.Equal(t, []project.Leader{}, h.Leaders)
	assert.Equal(t, []string{}, h.CooperatingUnits)
}

// TestOwnerContact: who sees the owner's contact, and how it is masked for
// the rest.
func TestOwnerContact(t *testing.T) {
	t.Parallel()
	pr := project.Project{Fields: project.Fields{Department: "energy",
		Leaders:          []project.Leader{{Name: "王县长", Lead: true, Username: "leader"}},
		OwnerContactName: "赵经理", OwnerContactPhone: "138-1234-5678",
	}}
	otherLeader := identity.Principal{Name: "leader2", Role: identity.RoleLeader}
	leaderClient := identity.Principal{Name: "leader", Role: identity.RoleLeader, ClientID: "c"}
	for _, tt := range []struct {
		name string
		p    identity.Principal
		may  bool
	}{
		{"admin", admin, true}, {"bureau", bureau, true}, {"a bureau client", bureauReader, true},
		{"the owner's editor", energyEditor, true}, {"the owner's viewer", energyViewer, true}, {"the owner's system", clientRead, true},
		{"a named leader", leader, true}, {"another leader", otherLeader, false}, {"a client named like the leader", leaderClient, false},
		{"another department", industryEditor, false},
	} {
		assert.Equal(t, tt.may, project.MayContact(tt.p, pr), tt.name)
		got := pr
		project.MaskContact(tt.p, &got)
		if tt.may {
			assert.Equal(t, "138-1234-5678", got.OwnerContactPhone, tt.name)
		} else {
			assert.Equal(t, "赵**", got.OwnerContactName, tt.name)
			assert.Equal(t, "138-****-5678", got.OwnerContactPhone, tt.name)
		}
	}
	for in, want := range map[string]string{"13812345678": "138****5678", "": "", "1234567": "*******", "0352-1234567": "035*-***4567"} {
		assert.Equal(t, want, project.MaskPhone(in), in)
	}
	for in, want := range map[string]string{"赵": "赵*", "": "", "欧阳修": "欧**"} {
		assert.Equal(t, want, project.MaskName(in), in)
	}
}

// TestLinks: the links a create or an update may make, and what related
// reads of them.
func TestLinks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	create := func(name string, mods ...func(*project.Fields)) project.Project {
		e := project.Draft{Fields: project.Fields{Name: name, Category: "urban", Department: "housing"}}
		for _, m := range mods {
			m(&e.Fields)
		}
		p, err := f.svc.Create(ctx, bureau, e)
		require.NoError(t, err, name)
		return p
	}
	after := func(id string) func(*project.Fields) { return func(f *project.Fields) { f.PredecessorID = &id } }
	under := func(id string) func(*project.Fields) { return func(f *project.Fields) { f.ParentID = &id } }
	one := create("一期")
	two := create("二期", after(one.ID))
	bundle := create("老西关规划一、二、三路")
	road := create("二路", under(bundle.ID))
	update := func(id string, change func(*project.Fields)) error {
		cur, err := f.svc.Get(ctx, bureau, id)
		require.NoError(t, err)
		_, err = f.svc.Update(ctx, bureau, id, cur.Version, func(fs project.Fields) (project.Fields, error) {
			change(&fs)
			return fs, nil
		})
		return err
	}
	assert.Equal(t, []string{"predecessor_id:cycle"}, fieldErrs(t, update(one.ID, after(two.ID))))
	assert.Equal(t, []string{"predecessor_id:self"}, fieldErrs(t, update(one.ID, after(one.ID))))
	assert.Equal(t, []string{"parent_id:nested"}, fieldErrs(t, update(one.ID, under(road.ID))))
	assert.Equal(t, []string{"parent_id:has_children"}, fieldErrs(t, update(bundle.ID, under(one.ID))))
	_, err := f.svc.Create(ctx, energyEditor, project.Draft{Fields: project.Fields{Name: "x", Category: "wind", PredecessorID: &one.ID}})
	assert.Equal(t, []string{"predecessor_id:unknown_project"}, fieldErrs(t, err), "a project the writer may not read")
	cooperated, err := f.svc.Create(ctx, bureau, project.Draft{Fields: project.Fields{Name: "锌合金", Category: "materials", Department: "industry",
		CooperatingUnits: []string{"energy"}}})
	require.NoError(t, err)
	_, err = f.svc.Get(ctx, energyEditor, cooperated.ID)
	require.NoError(t, err, "a cooperating unit reads the project")
	_, err = f.svc.Create(ctx, energyEditor, project.Draft{Fields: project.Fields{Name: "x", Category: "wind", ParentID: &cooperated.ID}})
	assert.Equal(t, []string{"parent_id:unknown_project"}, fieldErrs(t, err), "but may not put its own project under it")
	_, err = f.svc.Create(ctx, bureau, project.Draft{Fields: project.Fields{Name: "x", Category: "wind", Department: "energy",
		Leaders: []project.Leader{{Name: "王", Lead: true, Username: "nobody"}}}})
	assert.Equal(t, []string{"leaders[0].username:unknown"}, fieldErrs(t, err))
	f.store.AddLeaderAccount("wang")
	_, err = f.svc.Create(ctx, bureau, project.Draft{Fields: project.Fields{Name: "x", Category: "wind", Department: "energy",
		Leaders: []project.Leader{{Name: "王", Lead: true, Username: "wang"}}}})
	assert.NoError(t, err)

	r, err := f.svc.Related(ctx, bureau, one.ID)
	require.NoError(t, err)
	require.Len(t, r.Successors, 1)
	assert.Equal(t, two.ID, r.Successors[0].ID)
	r, err = f.svc.Related(ctx, bureau, road.ID)
	require.NoError(t, err)
	assert.Equal(t, bundle.ID, r.Parent.ID)
	r, err = f.svc.Related(ctx, energyEditor, road.ID)
	assert.Equal(t, apperr.NotFound, apperr.KindOf(err), "out of reach")
	_, err = f.svc.Related(ctx, clientBlind, road.ID)
	assert.Equal(t, apperr.Forbidden, apperr.KindOf(err))

	// Either the bundle or its children are entries of a year's plan.
	f.store.AddFacts(bundle.ID, health.Facts{Plans: map[int]int64{2021: 1}}, "")
	assert.Equal(t, []string{"project_id:both_planned"}, fieldErrs(t, f.svc.BundleClash(ctx, road, 2021)))
	assert.NoError(t, f.svc.BundleClash(ctx, road, 2022))
	f.store.AddFacts(road.ID, health.Facts{Plans: map[int]int64{2022: 1}}, "")
	assert.Equal(t, []string{"project_id:both_planned"}, fieldErrs(t, f.svc.BundleClash(ctx, bundle, 2022)))
	lone := create("三路", func(fs *project.Fields) {})
	f.store.AddFacts(lone.ID, health.Facts{Plans: map[int]int64{2021: 1}}, "")
	assert.Equal(t, []string{"parent_id:both_planned"}, fieldErrs(t, update(lone.ID, under(bundle.ID))))
}
