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

// StoreContract checks that st keeps what investment.Store documents:
// reported months by year and month (of one year, or of every year
// for year 0), a second Put of the same year or month replacing the first,
// every value coming back as it was put, times in UTC. newProject makes a
// project that reports may belong to and returns its ID (the SQL
// tables refer to projects); each case uses projects of its own, so the
// cases share st and run in parallel.
func StoreContract(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	t.Helper()
	cases := []struct {
		name string
		run  func(t *testing.T, st investment.Store, newProject func(t *testing.T) string)
	}{
		{"a project without reports has none", noneYet},
		{"months come back in order, of one year or of every year", monthsInOrder},
		{"a month reported again replaces its report", progressReplaced},
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

func progress(id string, year int, month time.Month, yuan int64) investment.Progress {
	return investment.Progress{ProjectID: id, Period: investment.Period{Year: year, Month: month}, CompletedYuan: yuan,
		Version: 1, UpdatedAt: at, ReportedBy: "energy_editor"}
}

func putProgress(t *testing.T, st investment.Store, ps ...investment.Progress) {
	t.Helper()
	for _, p := range ps {
		require.NoError(t, st.PutProgress(context.Background(), p))
	}
}

func progressOf(t *testing.T, st investment.Store, id string, year int) []investment.Progress {
	t.Helper()
	got, err := st.ProgressOf(context.Background(), id, year)
	require.NoError(t, err)
	return got
}

func periods(ps []investment.Progress) []string {
	out := []string{}
	for _, p := range ps {
		out = append(out, p.Period.String())
	}
	return out
}

func noneYet(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	id := newProject(t)
	assert.Empty(t, progressOf(t, st, id, 0))
	assert.Empty(t, progressOf(t, st, id, 2021))
}

func monthsInOrder(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	a, b := newProject(t), newProject(t)
	putProgress(t, st,
		progress(a, 2021, time.October, 10), progress(a, 2020, time.December, 12), progress(b, 2021, time.March, 3),
		progress(a, 2021, time.February, 2), progress(a, 2022, time.January, 1), progress(a, 2021, time.November, 11),
	)
	assert.Equal(t, []string{"2021-02", "2021-10", "2021-11"}, periods(progressOf(t, st, a, 2021)), "months in number order")
	assert.Equal(t, []string{"2020-12", "2021-02", "2021-10", "2021-11", "2022-01"}, periods(progressOf(t, st, a, 0)),
		"year 0: every year, by year and month")
	assert.Empty(t, progressOf(t, st, a, 2019))
	assert.Equal(t, []investment.Progress{progress(b, 2021, time.March, 3)}, progressOf(t, st, b, 0))
	assert.Equal(t, []investment.Progress{progress(a, 2022, time.January, 1)}, progressOf(t, st, a, 2022))
}

func progressReplaced(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	id := newProject(t)
	putProgress(t, st, progress(id, 2021, time.May, 100), progress(id, 2021, time.June, 40))
	again := investment.Progress{ProjectID: id, Period: investment.Period{Year: 2021, Month: time.May}, CompletedYuan: 150,
		Note: "更正", Version: 2, UpdatedAt: at.Add(time.Hour), ReportedBy: "bureau"}
	putProgress(t, st, again)
	assert.Equal(t, []investment.Progress{again, progress(id, 2021, time.June, 40)}, progressOf(t, st, id, 2021),
		"every field replaced, the other month kept")
}

func roundTrip(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	id := newProject(t)
	m := investment.Progress{ProjectID: id, Period: investment.Period{Year: 2000, Month: time.January}, CompletedYuan: 10_000_000_000_000,
		Note: "风机吊装完成\t第二批 «设备» 到场\n下月并网", Version: 3, UpdatedAt: at.Add(2 * time.Microsecond).In(shanghai), ReportedBy: "能源局系统"}
	putProgress(t, st, m)
	wantM := m
	wantM.UpdatedAt = m.UpdatedAt.UTC()

	months := progressOf(t, st, id, 2000)
	require.Len(t, months, 1)
	assert.Equal(t, wantM, months[0])
	assert.Equal(t, time.UTC, months[0].UpdatedAt.Location())
	assert.True(t, m.UpdatedAt.Equal(months[0].UpdatedAt), "the same instant")
}

func listsAreCopies(t *testing.T, st investment.Store, newProject func(t *testing.T) string) {
	id := newProject(t)
	putProgress(t, st, progress(id, 2021, time.May, 2))
	months := progressOf(t, st, id, 0)
	months[0].CompletedYuan, months[0].Note = 99, "changed"
	assert.Equal(t, []investment.Progress{progress(id, 2021, time.May, 2)}, progressOf(t, st, id, 2021))
}
