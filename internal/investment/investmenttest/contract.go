package investmenttest

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/investment"
)

// at is the suite's instant, at the microsecond, as the service stores times.
var at = time.Date(2021, 4, 1, 9, 30, 15, 123456000, time.UTC)

// shanghai is the county's zone: a time given in it comes back as the same
// instant in UTC.
var shanghai = time.FixedZone("Asia/Shanghai", 8*3600)

// StoreContract checks that st keeps what investment.Store documents: plans
// by year, a second Put of the same year replacing the first, every value
// coming back as it was put, times in UTC. newProject makes a project that
// plans may belong to and returns its ID (the SQL
// tables refer to projects); each case uses projects of its own, so the
// cases share st and run in parallel.
func StoreContract(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, st investment.Store, newProject func(t *testing.T) string)
	}{
		{"a project without plans has none", noneYet},
		{"plans come back by year, each project its own", plansByYear},
		{"a plan put again for its year replaces it", planReplaced},
		{"values come back as put, times in UTC", roundTrip},
		{"what a caller does with a list does not change the store", listsAreCopies},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, st, newProject)
		})
	}
}

func plan(id string, year int, yuan int64) investment.Plan {
	return investment.Plan{ProjectID: id, Year: year, PlannedYuan: yuan, Version: 1, UpdatedAt: at, UpdatedBy: "energy_editor"}
}

func putPlans(t *testing.T, st investment.Store, ps ...investment.Plan) {
	t.Helper()
	for _, p := range ps {
		require.NoError(t, st.PutPlan(context.Background(), p))
	}
}

func plansOf(t *testing.T, st investment.Store, id string) []investment.Plan {
	t.Helper()
	got, err := st.Plans(context.Background(), id)
	require.NoError(t, err)
	return got
}

func noneYet(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	id := newProject(t)
	assert.Empty(t, plansOf(t, st, id))
}

func plansByYear(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	a, b := newProject(t), newProject(t)
	putPlans(t, st, plan(a, 2023, 3), plan(b, 2022, 20), plan(a, 2021, 1), plan(a, 2031, 0), plan(a, 2022, 2))
	assert.Equal(t, []investment.Plan{plan(a, 2021, 1), plan(a, 2022, 2), plan(a, 2023, 3), plan(a, 2031, 0)}, plansOf(t, st, a))
	assert.Equal(t, []investment.Plan{plan(b, 2022, 20)}, plansOf(t, st, b))
}

func planReplaced(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	id := newProject(t)
	putPlans(t, st, plan(id, 2021, 1200), plan(id, 2022, 5))
	again := investment.Plan{ProjectID: id, Year: 2021, PlannedYuan: 1500, Version: 2, UpdatedAt: at.Add(time.Hour), UpdatedBy: "bureau"}
	putPlans(t, st, again)
	assert.Equal(t, []investment.Plan{again, plan(id, 2022, 5)}, plansOf(t, st, id), "every field replaced, the other year kept")
}

func roundTrip(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	id := newProject(t)
	p := investment.Plan{ProjectID: id, Year: 2000, PlannedYuan: 10_000_000_000_000, Version: 7,
		UpdatedAt: at.Add(time.Microsecond).In(shanghai), UpdatedBy: "能源局系统"}
	putPlans(t, st, p)
	want := p
	want.UpdatedAt = p.UpdatedAt.UTC()

	plans := plansOf(t, st, id)
	require.Len(t, plans, 1)
	assert.Equal(t, want, plans[0])
	assert.Equal(t, time.UTC, plans[0].UpdatedAt.Location())
	assert.True(t, p.UpdatedAt.Equal(plans[0].UpdatedAt), "the same instant")
}

func listsAreCopies(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	id := newProject(t)
	putPlans(t, st, plan(id, 2021, 1))
	plans := plansOf(t, st, id)
	plans[0].PlannedYuan, plans[0].Version = 99, 99
	assert.Equal(t, []investment.Plan{plan(id, 2021, 1)}, plansOf(t, st, id))
}
