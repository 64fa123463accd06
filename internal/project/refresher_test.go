package project_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// TestRefresher: the stored health follows the passing of days and, when
// the rules change, is computed again for every live project; neither makes
// a version.
func TestRefresher(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	r := project.NewRefresher(f.svc, f.store)
	// A start planned for the 20th: green until then, yellow after.
	late := f.seed(func(p *project.Project) { p.PlannedStartDate = day("2021-06-20") })
	calm := f.seed()
	gone := f.seed(archived, func(p *project.Project) { p.PlannedStartDate = day("2021-01-01") })

	n, err := r.Refresh(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n, "the first run computes every live project under the rules")
	fp, err := f.store.Setting(ctx, "health_rules")
	require.NoError(t, err)
	assert.Equal(t, health.DefaultRules().Fingerprint(), fp)
	assert.Equal(t, day("2021-06-21"), f.stored(late.ID).HealthDueOn, "due again when the planned start has passed")
	assert.Nil(t, f.stored(calm.ID).HealthDueOn, "nothing will change by itself")

	n, err = r.Refresh(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "nothing is due the same day")

	f.clock = now.AddDate(0, 0, 6) // the 21st
	n, err = r.Refresh(ctx)
	require.NoError(t, err)
	assert.Equal(t, 1, n)
	got := f.stored(late.ID)
	assert.Equal(t, health.Yellow, got.Health, "the planned start passed yesterday")
	assert.Equal(t, 1, got.Version, "health is derived: no new version")

	// Stricter thresholds: every live project is computed again.
	rules := health.DefaultRules()
	rules.DateRedDays = 0
	f.svc.SetHealthRules(rules)
	n, err = r.Refresh(ctx)
	require.NoError(t, err)
	assert.Equal(t, 2, n)
	assert.Equal(t, health.Red, f.stored(late.ID).Health)
	assert.Equal(t, health.Green, f.stored(gone.ID).Health, "an archived project is left alone")
	fp, err = f.store.Setting(ctx, "health_rules")
	require.NoError(t, err)
	assert.Equal(t, rules.Fingerprint(), fp)
	assert.Empty(t, f.actions(), "a refresh is not audited")
}

// TestRefresherPages: more projects due than one read returns are all
// computed.
func TestRefresherPages(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for range 450 {
		f.seed()
	}
	n, err := project.NewRefresher(f.svc, f.store).Refresh(context.Background())
	require.NoError(t, err)
	assert.Equal(t, 450, n)
	assert.Equal(t, 1+450, f.notified, "the projects marked due and each computed one are committed changes")
}

func TestRefresherFailures(t *testing.T) {
	t.Parallel()
	for _, method := range []string{"Setting", "MarkHealthDue", "PutSetting", "HealthDue", "Update"} {
		t.Run(method, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			p := f.seed()
			f.store.Fail(method, errBoom)
			n, err := project.NewRefresher(f.svc, f.store).Refresh(context.Background())
			require.ErrorIs(t, err, errBoom)
			assert.Zero(t, n)
			f.store.Fail(method, nil)
			fp, err := f.store.Setting(context.Background(), "health_rules")
			require.NoError(t, err)
			if method == "HealthDue" || method == "Update" {
				assert.NotEmpty(t, fp, "the fingerprint committed before the projects were read")
				return
			}
			assert.Empty(t, fp, "the fingerprint is kept only with the projects marked due")
			assert.Nil(t, f.stored(p.ID).HealthDueOn, "nothing marked due")
		})
	}
}

// TestRefresherStopsAtAFailure: a failure part way reports what was
// computed before it.
func TestRefresherStopsAtAFailure(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	for range 3 {
		f.seed()
	}
	r := project.NewRefresher(f.svc, f.store)
	calls := 0
	f.svc.Notify(func() {
		if calls++; calls == 3 { // marked due, then two computed

			f.store.Fail("Update", errBoom)
		}
	})
	n, err := r.Refresh(context.Background())
	require.ErrorIs(t, err, errBoom)
	assert.Equal(t, 2, n, "computed before the failure")
}

// TestRefresherReadsFactsAfresh: facts stored in an earlier form, whose
// blockers did not know their departments, are read again once, so that a
// project's events reach the departments of its open blockers.
func TestRefresherReadsFactsAfresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	blocker := health.IssueFact{ID: "b1", DueOn: *day("2021-07-01"), CreatedAt: now.Add(-time.Hour)}
	old := f.seed(func(p *project.Project) { p.Facts = health.Facts{Issues: []health.IssueFact{blocker}} })
	f.store.AddFacts(old.ID, health.Facts{Issues: []health.IssueFact{blocker}}, "natural_resources")
	require.Empty(t, f.stored(old.ID).Facts.Issues[0].Dept, "stored in the earlier form")
	r := project.NewRefresher(f.svc, f.store)

	_, err := r.Refresh(ctx)
	require.NoError(t, err)
	assert.Equal(t, "natural_resources", f.stored(old.ID).Facts.Issues[0].Dept)
	form, err := f.store.Setting(ctx, "health_facts")
	require.NoError(t, err)
	assert.Equal(t, "2", form)
	n, err := r.Refresh(ctx)
	require.NoError(t, err)
	assert.Zero(t, n, "the facts are read afresh once, not at every refresh")
}
