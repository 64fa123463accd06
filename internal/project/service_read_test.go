package project_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// readFixture holds projects of energy and industry, an archived one of
// energy's, and an industry project with a blocker energy must clear.
type readFixture struct {
	*fixture
	energy, industry, gone, blocked project.Project
}

func newReadFixture(t *testing.T) readFixture {
	f := newFixture(t)
	r := readFixture{fixture: f}
	r.energy = f.seed()
	r.industry = f.seed(func(p *project.Project) { p.Department = "industry" })
	r.gone = f.seed(archived)
	r.blocked = f.seed(func(p *project.Project) { p.Department = "industry" })
	f.store.AddFacts(r.blocked.ID, health.Facts{Issues: []health.IssueFact{{ID: id(900), DueOn: *day("2021-07-01"), CreatedAt: stamp}}}, "energy")
	return r
}

func TestGetAndTransitions(t *testing.T) {
	t.Parallel()
	r := newReadFixture(t)
	cases := []struct {
		name string
		by   identity.Principal
		id   func(r readFixture) string
		kind apperr.Kind // 0: read
	}{
		{"the bureau reads any", bureau, func(r readFixture) string { return r.industry.ID }, 0},
		{"a leader reads any", leader, func(r readFixture) string { return r.energy.ID }, 0},
		{"a viewer reads its department's", energyViewer, func(r readFixture) string { return r.energy.ID }, 0},
		{"an archived project is read", energyViewer, func(r readFixture) string { return r.gone.ID }, 0},
		{"not another department's", energyViewer, func(r readFixture) string { return r.industry.ID }, apperr.NotFound},
		{"but one whose blocker it must clear", energyViewer, func(r readFixture) string { return r.blocked.ID }, 0},
		{"a client with projects:read", clientRead, func(r readFixture) string { return r.energy.ID }, 0},
		{"a client without it", clientBlind, func(r readFixture) string { return r.energy.ID }, apperr.Forbidden},
		{"an unknown project", bureau, func(readFixture) string { return id(404) }, apperr.NotFound},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			want := tc.id(r)
			p, err := r.svc.Get(context.Background(), tc.by, want)
			h, herr := r.svc.Transitions(context.Background(), tc.by, want)
			hp, hperr := r.svc.Health(context.Background(), tc.by, want, time.Time{})
			if tc.kind != 0 {
				requireKind(t, tc.kind, err)
				requireKind(t, tc.kind, herr)
				requireKind(t, tc.kind, hperr)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, want, p.ID)
			require.NoError(t, herr)
			assert.NotNil(t, h)
			require.NoError(t, hperr)
			assert.Equal(t, today, hp.On)
		})
	}
}

func TestGetOwn(t *testing.T) {
	t.Parallel()
	r := newReadFixture(t)
	ctx := context.Background()
	p, err := r.svc.GetOwn(ctx, energyEditor, r.energy.ID)
	require.NoError(t, err)
	assert.Equal(t, r.energy, p)
	p, err = r.svc.GetOwn(ctx, energyEditor, r.gone.ID)
	require.NoError(t, err, "archived or not")
	assert.Equal(t, r.gone.ID, p.ID)
	_, err = r.svc.GetOwn(ctx, energyEditor, r.blocked.ID)
	requireKind(t, apperr.NotFound, err, "a blocker to clear lets a department read a project, not change it")
	_, err = r.svc.GetOwn(ctx, energyViewer, r.energy.ID)
	requireKind(t, apperr.Forbidden, err)
	_, err = r.svc.GetOwn(ctx, bureau, r.blocked.ID)
	require.NoError(t, err)
}

func TestList(t *testing.T) {
	t.Parallel()
	r := newReadFixture(t)
	cases := []struct {
		name     string
		by       identity.Principal
		archived bool
		want     []string
		kind     apperr.Kind
	}{
		{"the bureau lists every live project", bureau, false, []string{r.energy.ID, r.industry.ID, r.blocked.ID}, 0},
		{"a leader too", leader, false, []string{r.energy.ID, r.industry.ID, r.blocked.ID}, 0},
		{"a department its own, not those of its blockers", energyViewer, false, []string{r.energy.ID}, 0},
		{"a client with projects:read", clientRead, false, []string{r.energy.ID}, 0},
		{"a client without it", clientBlind, false, nil, apperr.Forbidden},
		{"the bureau lists the archived", bureau, true, []string{r.gone.ID}, 0},
		{"an administrator too", admin, true, []string{r.gone.ID}, 0},
		{"a leader too, to read", leader, true, []string{r.gone.ID}, 0},
		{"a department its own archived, to catch up on the change feed", energyEditor, true, []string{r.gone.ID}, 0},
		{"a client with projects:read its own", clientRead, true, []string{r.gone.ID}, 0},
		{"another department none of them", industryEditor, true, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			page, err := r.svc.List(context.Background(), tc.by, project.ListQuery{Filter: project.Filter{Archived: tc.archived}, Count: true})
			if tc.kind != 0 {
				requireKind(t, tc.kind, err)
				return
			}
			require.NoError(t, err)
			var got []string
			for _, p := range page.Items {
				got = append(got, p.ID)
			}
			assert.ElementsMatch(t, tc.want, got)
			assert.Equal(t, int64(len(tc.want)), *page.Total)
		})
	}
}

func TestTransitionsOldestFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p, err := f.svc.Create(ctx, bureau, entry(func(e *project.Draft) { e.Stage, e.Actual.SignedOn = project.Signed, day("2021-03-01") }))
	require.NoError(t, err)
	f.clock = now.Add(time.Hour)
	_, landed, err := f.svc.Move(ctx, bureau, p.ID, 0, project.Move{To: project.Landed, OccurredOn: *day("2021-06-10")})
	require.NoError(t, err)
	h, err := f.svc.Transitions(ctx, energyViewer, p.ID)
	require.NoError(t, err)
	require.Len(t, h, 2)
	assert.Equal(t, project.KindImport, h[0].Kind)
	assert.Equal(t, landed, h[1])
}

func TestCodeHolders(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	a := f.seed(func(p *project.Project) { p.Code = ptr("2021-140223-44-02-000001") })
	b := f.seed(archived, func(p *project.Project) { p.Code, p.Department = ptr("2021-140223-44-02-000002"), "industry" })
	got, err := f.svc.CodeHolders(context.Background(), []string{*a.Code, *b.Code, "2021-140223-44-02-000003"})
	require.NoError(t, err)
	assert.Equal(t, map[string]string{*a.Code: a.ID, *b.Code: b.ID}, got)
	f.store.Fail("CodeHolders", errBoom)
	_, err = f.svc.CodeHolders(context.Background(), []string{*a.Code})
	require.ErrorIs(t, err, errBoom)
}

func TestHealthOnADay(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	p := f.seed(func(p *project.Project) {
		p.PlannedStartDate = day("2021-05-01")
		p.Funding = []project.Funding{{Source: "enterprise", PlannedYuan: 100, ReceivedYuan: 150}}
	})
	cases := []struct {
		on      time.Time
		want    health.Level
		reasons []string
	}{
		{time.Time{}, health.Yellow, []string{health.RuleStartMissed, health.RuleFundingOverPlan}}, // today, 45 days late
		{*day("2021-05-01"), health.Yellow, []string{health.RuleFundingOverPlan}},
		{*day("2021-07-30"), health.Yellow, []string{health.RuleStartMissed, health.RuleFundingOverPlan}},
		{*day("2021-07-31"), health.Red, []string{health.RuleStartMissed, health.RuleFundingOverPlan}},
	}
	for _, tc := range cases {
		h, err := f.svc.Health(ctx, bureau, p.ID, tc.on)
		require.NoError(t, err)
		wantOn := tc.on
		if wantOn.IsZero() {
			wantOn = today
		}
		assert.Equal(t, wantOn, h.On)
		assert.Equal(t, tc.want, h.Health, tc.on)
		var rules []string
		for _, r := range h.Reasons {
			rules = append(rules, r.Rule)
		}
		assert.Equal(t, tc.reasons, rules, tc.on)
	}
	// Stricter rules: red today already.
	rules := health.DefaultRules()
	rules.DateRedDays = 30
	f.svc.SetHealthRules(rules)
	h, err := f.svc.Health(ctx, bureau, p.ID, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, health.Red, h.Health)
}
