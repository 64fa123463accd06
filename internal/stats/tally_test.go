package stats

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// tallyRows is a small register of the kinds the figures tell apart: 新建
// and 续建 entries started, stopped, resumed or not, with and without a
// planned amount, and a project outside the plan.
func tallyRows() []Row {
	amount := func(e *plan.Entry) { v := int64(1_000_000); e.PlannedYuan = &v }
	return []Row{
		{ID: "A", Department: "d1", Stage: project.Started, StartedOn: day("2021-03-01"),
			Entries: issued(plan.New, amount), Months: [12]int64{100, 200, 300}, TotalInvestmentYuan: 200_000_000},
		{ID: "B", Department: "d1", Stage: project.Suspended, StartedOn: day("2019-05-01"),
			Entries: issued(plan.Continuing), History: hist("started 2019-05-01", "suspended 2020-11-15")},
		{ID: "C", Department: "d2", Stage: project.Started, StartedOn: day("2019-05-01"),
			Entries: issued(plan.Continuing, amount), Months: [12]int64{50},
			History: hist("started 2019-05-01", "suspended 2020-11-15", "started 2021-02-10")},
		{ID: "D", Department: "d2", Stage: project.Signed, Entries: issued(plan.New)},
		{ID: "E", Department: "d3", Stage: project.Started, StartedOn: day("2020-11-20"),
			Entries: issued(plan.New), Months: [12]int64{10, 20}},
		{ID: "F", Department: "d3", Stage: project.Completed, StartedOn: day("2020-01-01"),
			CompletedOn: day("2021-02-01"), Months: [12]int64{5, 5}},
	}
}

// TestTallyIsTheOverview: the sum of each row's contribution gives the
// overview that folding every row gives, with and without a period; taking
// a contribution away gives the overview without its row.
func TestTallyIsTheOverview(t *testing.T) {
	rows := tallyRows()
	for _, f := range []frame{frameOn("2021-03-31", 2), frameOn("2021-06-30", 5), frameOn("2021-03-31", 0)} {
		parts := make([]Tally, len(rows))
		for i, r := range rows {
			parts[i] = contribution(r, f)
		}
		want := computeOverview(slices.Values(rows), f, false)
		require.Positive(t, want.StartAnnual.Denominator, "the register has 新建 entries")
		require.Positive(t, want.Resumption.Denominator, "and 续建 ones")
		assert.Equal(t, want, SumOf(slices.Values(parts)).overview(f))

		without := SumOf(slices.Values(parts))
		without.Sub(parts[0])
		assert.Equal(t, computeOverview(slices.Values(rows[1:]), f, false), without.overview(f))
	}
}

// TestTallyEncoding: a tally kept as JSON reads back as it was.
func TestTallyEncoding(t *testing.T) {
	f := frameOn("2021-03-31", 2)
	want := SumOf(func(yield func(Tally) bool) {
		for _, r := range tallyRows() {
			if !yield(contribution(r, f)) {
				return
			}
		}
	})
	got, err := decode(encode(want))
	require.NoError(t, err)
	assert.Equal(t, want.overview(f), got.overview(f))
	_, err = decode([]byte("{"))
	assert.Error(t, err)
}

// TestMemo: an overview is remembered under its fingerprint only, and not
// at all while committed events have no position or health is due; a
// caller changing what it got does not change what is remembered.
func TestMemo(t *testing.T) {
	today := time.Date(2021, 3, 31, 0, 0, 0, 0, time.UTC)
	k := Kept{Key: "k", Through: 7, Health: "h", Frame: "f"}
	fp := fingerprint(today, k, Pending{Head: 7})
	require.NotEmpty(t, fp)
	assert.Empty(t, fingerprint(today, k, Pending{IDs: []string{"A"}, Head: 7, Unsequenced: true}), "an event without a position")
	pending := fingerprint(today, k, Pending{IDs: []string{"A"}, Through: 8, Head: 8})
	assert.NotEmpty(t, pending, "sequenced events pending are named by their positions")
	assert.NotEqual(t, fp, pending)
	assert.Empty(t, fingerprint(today, Kept{Key: "k", Due: true}, Pending{}), "health due")
	assert.NotEqual(t, fp, fingerprint(today.AddDate(0, 0, 1), k, Pending{Head: 7}), "another day")

	var m memo
	o := computeOverview(slices.Values(tallyRows()), frameOn("2021-03-31", 2), false)
	m.put("d1", fp, o)
	got, ok := m.get("d1", fp)
	require.True(t, ok)
	assert.Equal(t, o, got)
	got.Misclassified = append(got.Misclassified, "X")
	for s := range got.ByStage {
		delete(got.ByStage, s)
	}
	again, _ := m.get("d1", fp)
	assert.Equal(t, o, again)
	_, ok = m.get("d1", fp+"x")
	assert.False(t, ok, "another fingerprint")
	_, ok = m.get("d2", fp)
	assert.False(t, ok, "another department")
	m.put("d1", "", o)
	_, ok = m.get("d1", "")
	assert.False(t, ok, "nothing kept without a fingerprint")
}

// TestSpans: the spans of a rebuild cover the whole ID space once, in
// order, each with at most n of the IDs known when it began.
func TestSpans(t *testing.T) {
	starts := []string{"a", "e", "i"} // of spans of 2 of a, c, e, g, i
	assert.Empty(t, Spans(nil))
	assert.Equal(t, []Query{{}}, Spans([]string{"a"}))
	assert.Equal(t, []Query{{Before: "e"}, {From: "e", Before: "i"}, {From: "i"}}, Spans(starts))
	for _, id := range []string{"", "a", "b", "d", "e", "h", "z"} {
		n := 0
		for _, q := range Spans(starts) {
			if q.Reads(id) {
				n++
			}
		}
		assert.Equal(t, 1, n, "%q is read by exactly one span", id)
	}
}
