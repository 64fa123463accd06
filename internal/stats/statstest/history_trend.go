package statstest

import (
	"context"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// historyCase is a project whose history a store reads or not, for each
// of historyQueries.
type historyCase struct {
	name    string
	bt      project.BuildType
	stage   project.Stage // today's
	entries []string      // in recorded order
	read    [3]bool
}

// historyQueries are the days the cases look at: within 2021, at its end,
// and in the year after.
var historyQueries = [3]stats.Query{query(2021, "2021-06-30"), query(2021, "2021-12-31"), query(2022, "2022-03-31")}

// historyCases are read as stats.Query says: with an entry after as_of; or
// continuing, with a cancellation before the year, or cancelled today with
// an entry in the year.
var historyCases = []historyCase{
	{"an entry after as_of", project.New, project.Started,
		[]string{"landed@2021-03-01", "started@2021-07-01"}, [3]bool{true, false, false}},
	{"the last entry on as_of", project.New, project.Started,
		[]string{"landed@2021-03-01", "started@2021-06-30"}, [3]bool{false, false, false}},
	{"an import dated after the moves recorded after it", project.New, project.Signed,
		[]string{"import:landed@2021-07-10", "signed@2021-02-01"}, [3]bool{true, false, false}},
	{"continuing, cancelled before the year and corrected since", project.Continuing, project.Started,
		[]string{"started@2019-05-01", "cancelled@2020-10-01", "correction:started@2020-11-01"}, [3]bool{true, true, true}},
	{"continuing, cancelled on the last day before the year, corrected in it", project.Continuing, project.Started,
		[]string{"started@2019-05-01", "cancelled@2020-12-31", "correction:started@2021-02-01"}, [3]bool{true, true, true}},
	{"continuing, cancelled on the year's first day, corrected since", project.Continuing, project.Started,
		[]string{"started@2019-05-01", "cancelled@2021-01-01", "correction:started@2021-02-01"}, [3]bool{false, false, true}},
	{"continuing, cancelled today, in the year", project.Continuing, project.Cancelled,
		[]string{"started@2019-05-01", "cancelled@2021-05-01"}, [3]bool{true, true, true}},
	{"continuing, cancelled today, on the year's first day", project.Continuing, project.Cancelled,
		[]string{"started@2019-05-01", "cancelled@2021-01-01"}, [3]bool{true, true, true}},
	{"continuing, cancelled today without an entry in the year or a cancellation before it", project.Continuing, project.Cancelled,
		[]string{"started@2019-05-01", "suspended@2020-06-01"}, [3]bool{false, false, false}},
	{"continuing, resumed in the year", project.Continuing, project.Started,
		[]string{"started@2019-05-01", "suspended@2020-11-15", "resumption:started@2021-03-01"}, [3]bool{false, false, false}},
	{"new, cancelled before the year", project.New, project.Cancelled,
		[]string{"started@2020-03-01", "cancelled@2020-10-01"}, [3]bool{false, false, false}},
	{"new, cancelled in the year", project.New, project.Cancelled,
		[]string{"signed@2020-03-01", "cancelled@2021-05-01"}, [3]bool{false, false, false}},
	{"continuing, cancelled today, without a history", project.Continuing, project.Cancelled,
		nil, [3]bool{false, false, false}},
}

func histories(f *fixture) {
	ids := make([]string, len(historyCases))
	for i, c := range historyCases {
		ids[i] = f.add(as(c.bt, c.stage))
		f.move(ids[i], c.entries...)
	}
	for qi, q := range historyQueries {
		got := byID(f.rows(all, q))
		for i, c := range historyCases {
			var want []project.Step
			if c.read[qi] {
				for _, e := range c.entries {
					m := entry(e)
					want = append(want, project.Step{To: m.To, On: m.On})
				}
			}
			assert.Equal(f.t, want, got[ids[i]].History, "%s, as of %s: the whole history in recorded order, or none",
				c.name, q.AsOf.Format(time.DateOnly))
		}
	}
}

// trend is what MonthlyTrend answers, months without moves left out.
type trend struct {
	completed [12]int64
	moves     map[time.Month]map[project.Stage]int64
}

func (f *fixture) trend(sc project.Reach, year int) trend {
	f.t.Helper()
	completed, moves, err := f.st.MonthlyTrend(context.Background(), sc, year)
	require.NoError(f.t, err)
	out := trend{completed: completed, moves: map[time.Month]map[project.Stage]int64{}}
	for i, m := range moves {
		if len(m) > 0 {
			out.moves[time.Month(i+1)] = m
		}
	}
	return out
}

// trendRegister enters two energy projects, an industry one and an
// archived one, with reports and moves of 2021 and around it.
func trendRegister(f *fixture) {
	e1, e2, i1 := f.add(), f.add(), f.add(in("industry"))
	gone := f.add(archived)
	for _, p := range []struct {
		id    string
		year  int
		month time.Month
		yuan  int64
	}{
		{e1, 2021, time.January, 100}, {e1, 2021, time.March, 300}, {e1, 2021, time.December, 1200},
		{e1, 2020, time.December, 7}, {e1, 2022, time.January, 9}, {e2, 2021, time.March, 30},
		{i1, 2021, time.January, 1000}, {gone, 2021, time.March, 5000},
	} {
		f.progress(p.id, p.year, p.month, p.yuan)
	}
	f.move(e1, "import:signed@2021-01-05", "landed@2021-03-01", "started@2021-03-20", "suspended@2021-05-02",
		"resumption:started@2021-06-01", "signed@2020-12-31", "completed@2022-01-01")
	f.move(e2, "started@2021-03-05", "correction:cancelled@2021-12-31")
	f.move(i1, "landed@2021-01-01")
	f.move(gone, "started@2021-03-10")
}

type stages = map[project.Stage]int64

func monthlyTrend(f *fixture) {
	trendRegister(f)
	assert.Equal(f.t, trend{
		completed: [12]int64{1100, 0, 330, 0, 0, 0, 0, 0, 0, 0, 0, 1200},
		moves: map[time.Month]stages{
			time.January: {project.Landed: 1}, time.March: {project.Landed: 1, project.Started: 2},
			time.May: {project.Suspended: 1}, time.June: {project.Started: 1}, time.December: {project.Cancelled: 1},
		},
	}, f.trend(all, 2021), "2021: its first and last days included, the import aside, resumptions and corrections counted")
	assert.Equal(f.t, trend{
		completed: [12]int64{11: 7},
		moves:     map[time.Month]stages{time.December: {project.Signed: 1}},
	}, f.trend(all, 2020))
	assert.Equal(f.t, trend{
		completed: [12]int64{9},
		moves:     map[time.Month]stages{time.January: {project.Completed: 1}},
	}, f.trend(all, 2022))
	assert.Equal(f.t, trend{moves: map[time.Month]stages{}}, f.trend(all, 2019), "a year without reports or moves")
}

func trendScope(f *fixture) {
	trendRegister(f)
	assert.Equal(f.t, trend{
		completed: [12]int64{100, 0, 330, 0, 0, 0, 0, 0, 0, 0, 0, 1200},
		moves: map[time.Month]stages{
			time.March: {project.Landed: 1, project.Started: 2},
			time.May:   {project.Suspended: 1}, time.June: {project.Started: 1}, time.December: {project.Cancelled: 1},
		},
	}, f.trend(energy, 2021), "a department's own, archived projects aside")
	assert.Equal(f.t, trend{
		completed: [12]int64{1000},
		moves:     map[time.Month]stages{time.January: {project.Landed: 1}},
	}, f.trend(industry, 2021))
	assert.Equal(f.t, trend{moves: map[time.Month]stages{}}, f.trend(project.Reach{}, 2021), "no department, nothing")
	assert.Equal(f.t, trend{moves: map[time.Month]stages{}}, f.trend(project.Reach{Department: "tourism"}, 2021))
}
