package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// idsOf is n IDs of the form prefix-i.
func idsOf(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%08d", prefix, i)
	}
	return out
}

// oddIDs are strings encoding/json escapes, each its own way.
var oddIDs = []string{`<a`, `b>`, `c&d`, `"quoted"`, `back\slash`, "tab\there", "line\u2028sep", "bad\xffbyte", "中文项目", "\x7f", ""}

// richOverview has a list in every place the API has one: long, odd,
// empty and nil ones, and the nulls of a year without a plan or a period.
func richOverview(planned bool) stats.Overview {
	day := time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC)
	rate := 0.5
	o := stats.Overview{Year: 2021, AsOf: day, AcceptedOnly: !planned,
		StartAnnual:      stats.Rate{Numerator: 2, Denominator: 4, NumeratorIDs: idsOf("sa-n", 2), DenominatorIDs: idsOf("sa-d", 4)},
		StartToDate:      stats.Rate{NumeratorIDs: []string{}},
		Misclassified:    oddIDs,
		Resumption:       stats.Rate{Numerator: 1, Denominator: 3, NumeratorIDs: oddIDs[:1], DenominatorIDs: idsOf("re-d", 3)},
		Stalled:          []stats.Stalled{{ID: "st-1", Reason: "资金未到位 <停>"}},
		Investment:       stats.Rate{NumeratorIDs: idsOf("in-n", 300), DenominatorIDs: idsOf("in-d", 500)},
		NoAmountIDs:      idsOf("na", 7),
		NoAmount:         stats.Money{Yuan: 9, IDs: []string{}},
		OutsidePlan:      stats.Money{Yuan: 70, IDs: oddIDs},
		TimeProgress:     0.4167,
		Cumulative:       stats.Cumulative{OpeningYuan: 1, YearYuan: 2, IDs: idsOf("cu", 1000), OpeningSetIDs: nil},
		Statistical:      stats.Money{Yuan: 3, IDs: idsOf("stat", 2)},
		StatisticalCount: 2,
		Completed:        stats.Firsts{Plan: stats.Set{Count: 1, IDs: idsOf("co", 1)}},
		ByStage:          map[project.Stage]stats.Set{project.Stage("started"): {Count: 3, TotalInvestmentYuan: 5}},
		Over100M:         stats.Set{Count: 2, IDs: idsOf("big", 2)},
		All:              stats.Set{Count: 9, TotalInvestmentYuan: 11},
		Health:           map[health.Level]int64{health.Green: 4, health.Red: 1},
	}
	if planned {
		may := calendar.Month{Year: 2021, Month: time.May}
		o.Period, o.GapPoints = &may, &rate
		o.Plan = &stats.Version{State: "issued", IssuedOn: &day, Basis: plan.AsOf}
		o.StartAnnual.Rate = &rate
		o.StartCheckpoints = []plan.Checkpoint{{Date: day, Rate: 0.75}}
		o.StartTarget = o.StartCheckpoints[0]
	}
	return o
}

// TestWriteHollowIsMarshal: the overview written as it goes is, byte for
// byte, json.Marshal of its answer, whatever its lists hold: escaped
// strings, empty lists ([]), lists kept null, the nulls of a year without a
// plan, and a struct's lists under pointers and slices.
func TestWriteHollowIsMarshal(t *testing.T) {
	type inner struct {
		Names []string `json:"names"`
		Note  string   `json:"note"`
	}
	type nested struct {
		List    []string          `json:"list"`
		Empty   []string          `json:"empty"`
		Null    []string          `json:"null"`
		Ptr     *inner            `json:"ptr"`
		NilPtr  *inner            `json:"nil_ptr"`
		Items   []inner           `json:"items"`
		Map     map[string]string `json:"map"`
		private []string
	}
	cases := []struct {
		name string
		v    any
	}{
		{"an overview with a plan", toOverviewResponse(richOverview(true), true)},
		{"an overview without a plan or a period", toOverviewResponse(richOverview(false), true)},
		{"an overview of nothing", toOverviewResponse(stats.Overview{}, true)},
		{"an overview without the IDs", toOverviewResponse(richOverview(true), false)},
		{"lists under pointers and slices", nested{List: oddIDs, Empty: []string{}, Ptr: &inner{Names: idsOf("p", 3), Note: "n"},
			Items: []inner{{Names: idsOf("i", 2)}, {Names: []string{}}, {}}, Map: map[string]string{"k": "v"}, private: []string{"x"}}},
		{"the token's own shape in a string", nested{List: []string{`["0-0"]`}, Ptr: &inner{Note: `["0-0"]`}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			want, err := json.Marshal(c.v)
			require.NoError(t, err)
			var got bytes.Buffer
			require.NoError(t, writeHollow(&got, c.v))
			assert.Equal(t, string(want), got.String())
		})
	}
}

// TestWriteHollowKeepsTheCallersLists: the lists written are the caller's,
// unchanged, and writing the same answer twice at once gives the same
// bytes.
func TestWriteHollowKeepsTheCallersLists(t *testing.T) {
	o := richOverview(true)
	before := append([]string(nil), o.Investment.NumeratorIDs...)
	want, err := json.Marshal(toOverviewResponse(o, true))
	require.NoError(t, err)
	outs := make(chan string, 4)
	for range cap(outs) {
		go func() {
			var b bytes.Buffer
			_ = writeHollow(&b, toOverviewResponse(o, true))
			outs <- b.String()
		}()
	}
	for range cap(outs) {
		assert.Equal(t, string(want), <-outs)
	}
	assert.Equal(t, before, o.Investment.NumeratorIDs)
}

// largestWrite records the largest single write it is given.
type largestWrite struct{ n, largest int }

func (w *largestWrite) Write(b []byte) (int, error) {
	w.n += len(b)
	w.largest = max(w.largest, len(b))
	return len(b), nil
}

// TestWriteHollowIsFlat: an answer of some 20 MB goes out in writes of the
// buffer's size, and writing it allocates a small part of it: the IDs are
// not copied into one answer.
func TestWriteHollowIsFlat(t *testing.T) {
	o := richOverview(true)
	ids := idsOf("0190c5a4-7b1e-7d3a-9f2e", 100_000)
	o.Cumulative.IDs, o.Investment.NumeratorIDs, o.Investment.DenominatorIDs = ids, ids, ids
	o.Statistical.IDs, o.NoAmountIDs = ids, ids
	answer := toOverviewResponse(o, true)
	var w largestWrite
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	require.NoError(t, writeHollow(&w, answer))
	runtime.ReadMemStats(&after)
	assert.Greater(t, w.n, 16<<20)
	assert.LessOrEqual(t, w.largest, hollowBuffer)
	assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(1<<20), "allocated while writing %d bytes", w.n)
}

// TestWriteHollowFailures: a writer that fails fails the writing, and a
// list the skeleton does not show (a field encoding/json leaves out) is an
// error, never an answer without it.
func TestWriteHollowFailures(t *testing.T) {
	broken := &failingWriter{}
	err := writeHollow(broken, toOverviewResponse(richOverview(true), true))
	require.ErrorIs(t, err, io.ErrClosedPipe)

	type hidden struct {
		Shown  []string `json:"shown"`
		Hidden []string `json:"-"`
	}
	err = writeHollow(io.Discard, hidden{Shown: []string{"a"}, Hidden: []string{"b"}})
	require.ErrorContains(t, err, "1 of 2 lists found")
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, io.ErrClosedPipe }

// OverviewJSON is the answer of the overview o as json.Marshal gives it,
// for the route's tests to compare with what it writes.
func OverviewJSON(o stats.Overview, ids bool) ([]byte, error) {
	return json.Marshal(toOverviewResponse(o, ids))
}

// BenchmarkWriteHollow writes an answer of some 40 MB (1.2 million IDs, as
// 200,000 projects make) against json.Marshal of it.
func BenchmarkWriteHollow(b *testing.B) {
	o := richOverview(true)
	ids := idsOf("0190c5a4-7b1e-7d3a-9f2e", 200_000)
	o.Cumulative.IDs, o.Investment.NumeratorIDs, o.Investment.DenominatorIDs = ids, ids, ids
	o.Statistical.IDs, o.NoAmountIDs, o.Over100M.IDs = ids, ids, ids
	b.Run("hollow", func(b *testing.B) {
		for b.Loop() {
			if err := writeHollow(io.Discard, toOverviewResponse(o, true)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("marshal", func(b *testing.B) {
		for b.Loop() {
			if _, err := json.Marshal(toOverviewResponse(o, true)); err != nil {
				b.Fatal(err)
			}
		}
	})
}
