package projecttest

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/project"
)

// HealthStoreContract checks that hs keeps what project.HealthStore
// documents: the live projects whose health is due on a day, the earliest
// due first and no more than asked for; every live project made due at
// once; settings read back as put, "" when unset. hs keeps the projects of
// st, which holds none yet: the cases run in order, since marking every
// project due touches all of them.
func HealthStoreContract(t *testing.T, st project.Store, hs project.HealthStore) {
	t.Helper()
	ctx := context.Background()
	t.Run("settings", func(t *testing.T) {
		v, err := hs.Setting(ctx, "health_rules")
		require.NoError(t, err)
		assert.Empty(t, v, "unset")
		require.NoError(t, hs.PutSetting(ctx, "health_rules", "v1 date_red=90"))
		require.NoError(t, hs.PutSetting(ctx, "other", "x"))
		require.NoError(t, hs.PutSetting(ctx, "health_rules", "v1 date_red=30"))
		for key, want := range map[string]string{"health_rules": "v1 date_red=30", "other": "x", "unknown": ""} {
			v, err := hs.Setting(ctx, key)
			require.NoError(t, err)
			assert.Equal(t, want, v, key)
		}
	})

	due := func(d string) func(*project.Project) {
		return func(p *project.Project) {
			if d != "" {
				p.HealthDueOn = day(d)
			}
		}
	}
	a := create(t, st, newProject(due("2021-06-10")))
	b := create(t, st, newProject(due("2021-06-15")))
	c := create(t, st, newProject(due("2021-06-20")))
	d := create(t, st, newProject(due("")))
	gone := create(t, st, newProject(due("2021-06-01"), func(p *project.Project) { p.ArchivedAt = ptr(at) }))
	dueOn := func(on string, limit int) []string {
		ids, err := hs.HealthDue(ctx, *day(on), limit)
		require.NoError(t, err)
		return ids
	}

	t.Run("due", func(t *testing.T) {
		assert.Equal(t, []string{a.ID, b.ID}, dueOn("2021-06-15", 10), "due on or before the day, the earliest first")
		assert.Equal(t, []string{a.ID}, dueOn("2021-06-15", 1), "no more than asked for")
		assert.Empty(t, dueOn("2021-06-09", 10))
		assert.Equal(t, []string{a.ID, b.ID, c.ID}, dueOn("2030-01-01", 10), "neither the undue nor the archived")
	})

	t.Run("mark every live project due", func(t *testing.T) {
		require.NoError(t, hs.MarkHealthDue(ctx, *day("2021-06-12")))
		assert.Empty(t, dueOn("2021-06-11", 10))
		assert.ElementsMatch(t, []string{a.ID, b.ID, c.ID, d.ID}, dueOn("2021-06-12", 10))
		for _, p := range []project.Project{a, b, c, d} {
			assert.Equal(t, day("2021-06-12"), get(t, st, p.ID).HealthDueOn)
		}
		assert.Equal(t, day("2021-06-01"), get(t, st, gone.ID).HealthDueOn, "an archived project is left alone")
	})

	t.Run("a project computed again is no longer due", func(t *testing.T) {
		_, err := st.Update(ctx, all, a.ID, func(p *project.Project) error { p.HealthDueOn = nil; return nil })
		require.NoError(t, err)
		assert.ElementsMatch(t, []string{b.ID, c.ID, d.ID}, dueOn("2021-06-12", 10))
	})
}
