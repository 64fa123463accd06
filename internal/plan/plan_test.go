package plan_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// state is one state of an entry: issued (revision 0) on 20 January, or
// an adjustment.
func state(version, revision int, on string, yuan int64, removed bool) plan.Entry {
	return plan.Entry{Version: version, Revision: revision, EffectiveOn: day(on), PlannedYuan: ptr(yuan), Removed: removed}
}

// TestInForce: the state a number reads, by basis and day, over the
// baseline and its adjustments.
func TestInForce(t *testing.T) {
	t.Parallel()
	baseline := state(1, 0, "2021-01-20", 100, false)
	raised := state(2, 2, "2021-05-01", 150, false)
	// An entry added by adjustment in July.
	added := []plan.Entry{state(1, 3, "2021-07-10", 80, false)}
	// One removed (调出) in August.
	removed := []plan.Entry{state(1, 0, "2021-01-20", 60, false), state(2, 4, "2021-08-01", 60, true)}
	changed := []plan.Entry{baseline, raised}
	draft := []plan.Entry{{Version: 3, PlannedYuan: ptr(int64(7))}}
	for _, tt := range []struct {
		name   string
		states []plan.Entry
		basis  plan.Basis
		on     string
		want   *int64 // nil: not in the plan
	}{
		{"the baseline before any adjustment", changed, plan.AsOf, "2021-04-30", ptr(int64(100))},
		{"the baseline counts before its 下达 day", changed, plan.AsOf, "2021-01-05", ptr(int64(100))},
		{"an adjustment from its effective day", changed, plan.AsOf, "2021-05-01", ptr(int64(150))},
		{"baseline ignores adjustments", changed, plan.Baseline, "2021-12-31", ptr(int64(100))},
		{"current reads every adjustment", changed, plan.Current, "2021-01-01", ptr(int64(150))},
		{"an entry added in July is not in the plan in June", added, plan.AsOf, "2021-06-30", nil},
		{"an entry added in July is from its day", added, plan.AsOf, "2021-07-10", ptr(int64(80))},
		{"an entry added by adjustment is not in the baseline", added, plan.Baseline, "2021-12-31", nil},
		{"an entry added by adjustment is in the current plan", added, plan.Current, "2021-01-01", ptr(int64(80))},
		{"a removed entry before its removal", removed, plan.AsOf, "2021-07-31", ptr(int64(60))},
		{"a removed entry from its removal", removed, plan.AsOf, "2021-08-01", nil},
		{"a removed entry stays in the baseline", removed, plan.Baseline, "2021-12-31", ptr(int64(60))},
		{"a removed entry is out of the current plan", removed, plan.Current, "2021-01-01", nil},
		{"a draft counts as it stands", draft, plan.AsOf, "2021-01-01", ptr(int64(7))},
		{"a draft under baseline", draft, plan.Baseline, "2021-01-01", ptr(int64(7))},
		{"no states", nil, plan.Current, "2021-01-01", nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, in := plan.InForce(tt.states, tt.basis, *day(tt.on))
			if tt.want == nil {
				assert.False(t, in)
				return
			}
			assert.True(t, in)
			assert.Equal(t, *tt.want, *got.PlannedYuan)
		})
	}
}

// TestDefaultBuildType: 续建 when first started before the year, else 新建
// at 签约 or later or when the project says new, else 前期.
func TestDefaultBuildType(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name       string
		p          project.Project
		want       plan.BuildType
		wantSource plan.Source
	}{
		{"started the year before", project.Project{Stage: project.Started, Actual: project.Actual{StartedOn: day("2020-12-31")}},
			plan.Continuing, plan.SourceStartedBefore},
		{"finished before the year, still started before", project.Project{Stage: project.InProduction, Actual: project.Actual{StartedOn: day("2019-03-01")}},
			plan.Continuing, plan.SourceStartedBefore},
		{"started on 1 January", project.Project{Stage: project.Started, Actual: project.Actual{StartedOn: day("2021-01-01")}},
			plan.New, plan.SourceStage},
		{"signed", project.Project{Stage: project.Signed}, plan.New, plan.SourceStage},
		{"cancelled after signing", project.Project{Stage: project.Cancelled, Fields: project.Fields{BuildType: project.Continuing}},
			plan.Preliminary, plan.SourceDefault},
		{"negotiating, the project says new", project.Project{Stage: project.Negotiating, Fields: project.Fields{BuildType: project.New}},
			plan.New, plan.SourceProject},
		{"planning, the project says continuing", project.Project{Stage: project.Planning, Fields: project.Fields{BuildType: project.Continuing}},
			plan.Preliminary, plan.SourceDefault},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, src := plan.DefaultBuildType(tt.p, 2021)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.wantSource, src)
		})
	}
}

func TestDefaultSection(t *testing.T) {
	t.Parallel()
	for c, want := range map[project.Category]plan.Section{
		"wind": plan.Industry, "materials": plan.Industry, "infrastructure": plan.Infrastructure, "urban": plan.Infrastructure,
		"environment": plan.Infrastructure, "social": plan.Livelihood, "real_estate": plan.RealEstate,
	} {
		assert.Equal(t, want, plan.DefaultSection(c), "%s", c)
	}
}

func TestDefaultTargets(t *testing.T) {
	t.Parallel()
	got := plan.DefaultTargets(2021)
	assert.Equal(t, []plan.Checkpoint{{Date: time.Date(2021, 6, 30, 0, 0, 0, 0, time.UTC), Rate: 0.75}}, got.StartRate)
	assert.Equal(t, &plan.Checkpoint{Date: time.Date(2021, 3, 31, 0, 0, 0, 0, time.UTC), Rate: 1}, got.Resumption)
	assert.Nil(t, got.InvestmentYuan)
}

func TestParseBasis(t *testing.T) {
	t.Parallel()
	for s, want := range map[string]plan.Basis{"": plan.AsOf, "as_of": plan.AsOf, "baseline": plan.Baseline, "current": plan.Current} {
		got, err := plan.ParseBasis(s)
		assert.NoError(t, err)
		assert.Equal(t, want, got)
	}
	_, err := plan.ParseBasis("latest")
	assert.Error(t, err)
}
