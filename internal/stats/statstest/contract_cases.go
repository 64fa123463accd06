package statstest

import (
	"slices"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

func reportSums(f *fixture) {
	a, b := f.add(), f.add()
	f.report(a, "2019-06", 5, dispatch.Accepted)
	f.report(a, "2020-12", 7, dispatch.Submitted)
	f.report(a, "2020-11", 1000, dispatch.Returned)
	f.report(a, "2021-01", 100, dispatch.Accepted, 90)
	f.report(a, "2021-03", 300, dispatch.Submitted, 250)
	f.report(a, "2021-03", 330, dispatch.Submitted, 260) // corrected: the figure replaced
	f.report(a, "2021-04", 400, dispatch.Returned, 400)
	f.report(a, "2021-12", 1200, dispatch.Accepted)
	f.report(a, "2022-01", 9, dispatch.Accepted)
	f.report(b, "2021-03", 50, dispatch.Submitted)
	got := byID(f.rows(all, query(2021, "2021-06-30")))
	assert.Equal(f.t, [12]int64{100, 0, 330, 0, 0, 0, 0, 0, 0, 0, 0, 1200}, got[a].Months,
		"the year's submitted and accepted reports, a correction's figure, a returned one not, whatever as_of")
	assert.Equal(f.t, [12]int64{90, 0, 260}, got[a].Statistical)
	assert.Equal(f.t, int64(12), got[a].EarlierYuan, "every earlier year, returned reports aside")
	assert.Equal(f.t, [12]int64{2: 50}, got[b].Months)
	q := query(2021, "2021-06-30")
	q.AcceptedOnly = true
	got = byID(f.rows(all, q))
	assert.Equal(f.t, [12]int64{100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1200}, got[a].Months, "accepted only")
	assert.Equal(f.t, [12]int64{90}, got[a].Statistical)
	assert.Equal(f.t, int64(5), got[a].EarlierYuan)
	assert.Equal(f.t, [12]int64{}, got[b].Months)
	got = byID(f.rows(all, query(2022, "2022-03-31")))
	assert.Equal(f.t, [12]int64{9}, got[a].Months)
	assert.Equal(f.t, int64(5+7+100+330+1200), got[a].EarlierYuan)
}

func entries(f *fixture) {
	a, b, c := f.add(), f.add(in("industry")), f.add()
	f.plan(2020)
	f.plan(2021)
	f.entry(entryOf(a, 2020, plan.New))
	first := entryOf(a, 2021, plan.Continuing, func(e *plan.Entry) {
		e.PlannedYuan, e.PlannedStartMonth, e.Section, e.Leader = yuan(1200), month("2021-04"), plan.Infrastructure, "张副县长"
		e.Stalled, e.StalledReason, e.OpeningYuan = true, "资金未到位", yuan(3000)
	})
	f.entry(first)
	removed := entryOf(a, 2021, plan.Continuing, func(e *plan.Entry) {
		e.Version, e.Revision, e.EffectiveOn, e.Removed, e.Reason = 2, 1, dayPtr("2021-07-15"), true, "调出"
	})
	f.entry(removed)
	draft := entryOf(b, 2021, plan.Preliminary, func(e *plan.Entry) { e.EffectiveOn, e.Department = nil, "industry" })
	f.entry(draft)
	pick := func(e plan.Entry) plan.Entry {
		return plan.Entry{Year: e.Year, ProjectID: e.ProjectID, Version: e.Version, Revision: e.Revision, EffectiveOn: e.EffectiveOn,
			Removed: e.Removed, BuildType: e.BuildType, PlannedYuan: e.PlannedYuan, PlannedStartMonth: e.PlannedStartMonth,
			Section: e.Section, Stalled: e.Stalled, StalledReason: e.StalledReason, OpeningYuan: e.OpeningYuan,
			Department: e.Department, Leader: e.Leader}
	}
	got := byID(f.rows(all, query(2021, "2021-06-30")))
	assert.Equal(f.t, []plan.Entry{pick(first), pick(removed)}, pickAll(got[a].Entries, pick), "every state, in version order")
	assert.Equal(f.t, []plan.Entry{pick(draft)}, pickAll(got[b].Entries, pick), "a draft's entry")
	assert.Nil(f.t, got[c].Entries, "no entry")
	got = byID(f.rows(all, query(2020, "2020-12-31")))
	assert.Len(f.t, got[a].Entries, 1, "the year's own")
	assert.Equal(f.t, plan.New, got[a].Entries[0].BuildType)
	assert.Nil(f.t, got[b].Entries)
}

// pickAll keeps of each entry what the statistics read.
func pickAll(es []plan.Entry, pick func(plan.Entry) plan.Entry) []plan.Entry {
	var out []plan.Entry
	for _, e := range es {
		out = append(out, pick(e))
	}
	return out
}

func histories(f *fixture) {
	f.plan(2021)
	cases := []struct {
		name    string
		entry   bool
		entries []string
		read    [2]bool // as of 2021-06-30, 2021-12-31
	}{
		{"an entry after as_of", false, []string{"landed@2021-03-01", "started@2021-07-01"}, [2]bool{true, false}},
		{"the last entry on as_of", false, []string{"landed@2021-03-01", "started@2021-06-30"}, [2]bool{false, false}},
		{"an import dated after the moves recorded after it", false, []string{"import:landed@2021-07-10", "signed@2021-02-01"}, [2]bool{true, false}},
		{"in the plan", true, []string{"started@2019-05-01", "suspended@2020-11-15", "resumption:started@2021-03-01"}, [2]bool{true, true}},
		{"in the plan, without a history", true, nil, [2]bool{false, false}},
		{"neither", false, []string{"started@2019-05-01"}, [2]bool{false, false}},
	}
	ids := make([]string, len(cases))
	for i, c := range cases {
		ids[i] = f.add(at(project.Started))
		f.move(ids[i], c.entries...)
		if c.entry {
			f.entry(entryOf(ids[i], 2021, plan.Continuing))
		}
	}
	for qi, q := range []stats.Query{query(2021, "2021-06-30"), query(2021, "2021-12-31")} {
		got := byID(f.rows(all, q))
		for i, c := range cases {
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
	narrowed(f, ids)
}

// narrowed reads some of the projects ids, by their IDs or within a range
// of them: each row read is the one the whole register's read has.
func narrowed(f *fixture, ids []string) {
	q := query(2021, "2021-06-30")
	whole := f.rows(all, q)
	sorted := slices.Sorted(slices.Values(ids))
	for _, n := range []stats.Query{{IDs: ids[:3]}, {From: sorted[1], Before: sorted[4]}, {From: sorted[4]}, {Before: sorted[1]}} {
		n.Year, n.AsOf = q.Year, q.AsOf
		var want []stats.Row
		for _, r := range whole {
			if n.Reads(r.ID) {
				want = append(want, r)
			}
		}
		require.NotEmpty(f.t, want)
		assert.Equal(f.t, want, f.rows(all, n), "%+v", n)
	}
}

func yearOf(f *fixture) {
	y, err := f.st.Year(f.ctx(), 2021)
	require.NoError(f.t, err)
	assert.Nil(f.t, y.Plan, "no plan")
	assert.Empty(f.t, y.Adjustments)
	a, b := f.add(), f.add()
	targets := plan.Targets{StartRate: []plan.Checkpoint{{Date: date("2021-06-30"), Rate: 0.75}, {Date: date("2021-09-30"), Rate: 0.9}},
		Resumption: &plan.Checkpoint{Date: date("2021-03-31"), Rate: 1}, InvestmentYuan: yuan(5_000_000)}
	p := plan.Plan{Year: 2021, State: plan.Issued, IssuedOn: dayPtr("2021-02-20"), Revisions: 2, Targets: targets, Version: 4,
		UpdatedAt: time.Date(2021, 7, 20, 8, 0, 0, 0, time.UTC), UpdatedBy: "bureau"}
	require.NoError(f.t, f.reg.Plan(f.ctx(), p))
	f.entry(entryOf(a, 2021, plan.New))
	f.entry(entryOf(a, 2021, plan.New, func(e *plan.Entry) { e.Version, e.Revision, e.EffectiveOn = 2, 1, dayPtr("2021-07-01") }))
	f.entry(entryOf(b, 2021, plan.New, func(e *plan.Entry) { e.Version, e.Revision, e.EffectiveOn = 1, 1, dayPtr("2021-07-01") }))
	f.entry(entryOf(b, 2021, plan.New, func(e *plan.Entry) { e.Version, e.Revision, e.EffectiveOn = 2, 2, dayPtr("2021-09-15") }))
	for _, per := range []struct {
		m        string
		due      string
		combined bool
	}{{"2021-02", "2021-03-10", true}, {"2021-05", "2021-06-08", false}, {"2020-12", "2021-01-06", false}} {
		require.NoError(f.t, f.reg.Period(f.ctx(), *month(per.m), date(per.due), per.combined))
	}
	y, err = f.st.Year(f.ctx(), 2021)
	require.NoError(f.t, err)
	require.NotNil(f.t, y.Plan)
	assert.Equal(f.t, p, *y.Plan, "the plan as entered, its targets too")
	assert.ElementsMatch(f.t, []stats.Adjustment{{Revision: 1, EffectiveOn: date("2021-07-01")}, {Revision: 2, EffectiveOn: date("2021-09-15")}},
		y.Adjustments, "each adjustment once")
	assert.Equal(f.t, calendar.Periods{
		Due:      map[calendar.Month]time.Time{*month("2021-02"): date("2021-03-10"), *month("2021-05"): date("2021-06-08"), *month("2020-12"): date("2021-01-06")},
		Combined: map[int]bool{2021: true},
	}, y.Periods)
}

func designations(f *fixture) {
	a, b := f.add(), f.add(in("industry"))
	d := stats.Designation{Year: 2021, Batch: stats.Batch{Quarter: 2, Kind: stats.Started}, ProjectID: a,
		DesignatedAt: time.Date(2021, 4, 2, 0, 0, 0, 0, time.UTC), DesignatedBy: "bureau"}
	created, err := f.st.Designate(f.ctx(), d)
	require.NoError(f.t, err)
	assert.True(f.t, created)
	created, err = f.st.Designate(f.ctx(), d)
	require.NoError(f.t, err)
	assert.False(f.t, created, "a second time: nothing new")
	d2 := d
	d2.Kind = stats.Signed
	d2.Quarter = 1
	_, err = f.st.Designate(f.ctx(), d2)
	require.NoError(f.t, err)
	d3 := d
	d3.ProjectID = b
	_, err = f.st.Designate(f.ctx(), d3)
	require.NoError(f.t, err)
	got := byID(f.rows(all, query(2021, "2021-06-30")))
	assert.Equal(f.t, []stats.Batch{{Quarter: 1, Kind: stats.Signed}, {Quarter: 2, Kind: stats.Started}}, got[a].Designated, "by quarter and kind")
	assert.Equal(f.t, []stats.Batch{{Quarter: 2, Kind: stats.Started}}, got[b].Designated)
	assert.Nil(f.t, byID(f.rows(all, query(2022, "2022-06-30")))[a].Designated, "the year's own")
	require.NoError(f.t, f.st.Undesignate(f.ctx(), 2021, d.Batch, a))
	assert.Equal(f.t, apperr.NotFound, apperr.KindOf(f.st.Undesignate(f.ctx(), 2021, d.Batch, a)), "not designated any more")
	assert.Equal(f.t, apperr.NotFound, apperr.KindOf(f.st.Undesignate(f.ctx(), 2020, d.Batch, b)))
	got = byID(f.rows(all, query(2021, "2021-06-30")))
	assert.Equal(f.t, []stats.Batch{{Quarter: 1, Kind: stats.Signed}}, got[a].Designated)
}

type stages = map[project.Stage]int64

func monthlyMoves(f *fixture) {
	e1, e2, i1 := f.add(), f.add(), f.add(in("industry"))
	gone := f.add(archived)
	f.move(e1, "import:signed@2021-01-05", "landed@2021-03-01", "started@2021-03-20", "suspended@2021-05-02",
		"resumption:started@2021-06-01", "signed@2020-12-31", "completed@2022-01-01")
	f.move(e2, "started@2021-03-05", "correction:cancelled@2021-12-31")
	f.move(i1, "landed@2021-01-01")
	f.move(gone, "started@2021-03-10")
	moves := func(sc project.Reach, year int) map[time.Month]stages {
		ms, err := f.st.MonthlyMoves(f.ctx(), sc, year)
		require.NoError(f.t, err)
		out := map[time.Month]stages{}
		for i, m := range ms {
			if len(m) > 0 {
				out[time.Month(i+1)] = m
			}
		}
		return out
	}
	assert.Equal(f.t, map[time.Month]stages{
		time.January: {project.Landed: 1}, time.March: {project.Landed: 1, project.Started: 2},
		time.May: {project.Suspended: 1}, time.June: {project.Started: 1}, time.December: {project.Cancelled: 1},
	}, moves(all, 2021), "2021: its first and last days included, the import aside, resumptions and corrections counted")
	assert.Equal(f.t, map[time.Month]stages{time.December: {project.Signed: 1}}, moves(all, 2020))
	assert.Equal(f.t, map[time.Month]stages{time.January: {project.Completed: 1}}, moves(all, 2022))
	assert.Equal(f.t, map[time.Month]stages{}, moves(all, 2019), "a year without moves")
	assert.Equal(f.t, map[time.Month]stages{
		time.March: {project.Landed: 1, project.Started: 2},
		time.May:   {project.Suspended: 1}, time.June: {project.Started: 1}, time.December: {project.Cancelled: 1},
	}, moves(energy, 2021), "a department's own, archived projects aside")
	assert.Equal(f.t, map[time.Month]stages{time.January: {project.Landed: 1}}, moves(industry, 2021))
	assert.Equal(f.t, map[time.Month]stages{}, moves(project.Reach{}, 2021), "no department, nothing")
}

func attraction(f *fixture) {
	funded := f.add(func(p *Project) {
		p.SignedOn, p.LandedOn, p.ContractAmountYuan, p.InvestorOrigin = dayPtr("2021-02-01"), dayPtr("2021-04-30"), yuan(0), "jingjinji"
		p.FundsArrived = []project.FundsArrived{{Year: 2020, Yuan: 7}, {Year: 2021, Yuan: 2_500_000}, {Year: 2022, Yuan: 11}}
	})
	zero := f.add(func(p *Project) { p.FundsArrived = []project.FundsArrived{{Year: 2021, Yuan: 0}} })
	bare := f.add(func(p *Project) { p.FundsArrived = []project.FundsArrived{} })
	got := byID(f.rows(all, query(2021, "2021-06-30")))
	r := got[funded]
	assert.Equal(f.t, dayPtr("2021-04-30"), r.LandedOn)
	assert.Equal(f.t, yuan(0), r.ContractAmountYuan, "an amount of 0 is an amount")
	assert.Equal(f.t, project.Origin("jingjinji"), r.InvestorOrigin)
	assert.Equal(f.t, yuan(2_500_000), r.FundsArrivedYuan, "the query's year's funds")
	assert.Equal(f.t, yuan(0), got[zero].FundsArrivedYuan, "0 recorded for the year is recorded")
	assert.Nil(f.t, got[bare].FundsArrivedYuan, "none recorded")
	assert.Nil(f.t, got[bare].ContractAmountYuan)
	assert.Equal(f.t, project.Origin(""), got[bare].InvestorOrigin)
	got = byID(f.rows(all, query(2020, "2020-12-31")))
	assert.Equal(f.t, yuan(7), got[funded].FundsArrivedYuan)
	assert.Nil(f.t, got[zero].FundsArrivedYuan, "nothing recorded for 2020")
	got = byID(f.rows(all, query(2019, "2019-12-31")))
	assert.Nil(f.t, got[funded].FundsArrivedYuan, "a year without funds")
}
