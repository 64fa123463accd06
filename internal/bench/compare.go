package bench

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// A comparison (Options.Against) measures two pipeline binaries serving
// one schema: a pair's service side runs against the service and against
// the baseline in turn, the order changing every round, so that the drift
// of a shared machine and the growth of the tables (every move adds
// history and audit rows) fall on both alike. Each side's rate and its
// processor time per operation, in the services and in PostgreSQL, are
// reported as the median of the rounds and their spread (min–max).

// comparison is a pair whose service side can run against either binary.
type comparison struct {
	key  string
	what string
	once bool
	side func(r *run, ctx context.Context, name, at string) (side, error)
}

var comparisons = []comparison{
	{key: "healthz", what: "GET /healthz", side: (*run).healthzSide},
	{key: "list", what: "GET " + listPath + " as the bureau", side: (*run).listSide},
	{key: "get", what: "GET /api/v1/projects/{id} of a random project", side: (*run).getSide},
	{key: "page", what: "GET " + firstPage + ", the deepest page up to 1,000, by its cursor", side: (*run).pageSide},
	{key: "move", what: "stage moves started ⇄ suspended with history and audit, the same projects on both", side: (*run).moveSide},
	{key: "overview", what: "GET " + overviewPath, side: (*run).overviewSide},
	{key: "export", what: "GET " + exportPath + ", one a round (rates are exports/s)", once: true, side: (*run).exportSide},
}

func comparableNames() []string {
	var names []string
	for _, c := range comparisons {
		names = append(names, c.key)
	}
	return names
}

func (r *run) comparisonSteps() []step {
	var steps []step
	for _, c := range comparisons {
		steps = append(steps, step{name: c.key, fn: func(ctx context.Context) error { return r.compare(ctx, c) }, pair: true})
	}
	return steps
}

// compare measures c against both binaries and prints each one's medians
// and spreads.
func (r *run) compare(ctx context.Context, c comparison) error {
	a, err := c.side(r, ctx, r.svc.name, r.svc.api)
	if err != nil {
		return err
	}
	b, err := c.side(r, ctx, r.against.name, r.against.api)
	if err != nil {
		return err
	}
	m, err := r.measureRounds(ctx, pair{key: c.key, what: c.what + "; the service against the baseline, in turns",
		a: a, b: b, once: c.once, alternate: true})
	if err != nil {
		return err
	}
	ra, rb := median(rates(m.a)), median(rates(m.b))
	r.printf("  median and spread (min–max) of %d rounds:\n", len(m.a))
	r.printf("  %s\n  %s\n", spreadLine(a.name, m.a, m.acpu), spreadLine(b.name, m.b, m.bcpu))
	r.printf("  ratio of the median rates %.2f\n", ra/rb)
	r.results = append(r.results, result{key: c.key, measured: fmt.Sprintf("%s %s/s vs %s %s/s (medians)", a.name, figure(ra), b.name, figure(rb)),
		ratio: fmt.Sprintf("%.2f", ra/rb), info: true})
	return nil
}

// spreadLine is a side's rate and processor time per operation in the
// services and in PostgreSQL: the median of the rounds and their spread.
func spreadLine(name string, ss []sample, cs []cpu) string {
	svc, pg := make([]float64, len(ss)), make([]float64, len(ss))
	pgOK := true
	for i, s := range ss {
		svc[i] = perOp(cs[i].service, s.n)
		pg[i] = perOp(cs[i].postgres, s.n)
		pgOK = pgOK && cs[i].pgOK
	}
	line := fmt.Sprintf("%-8s %s/s (%s)  cpu/op: service %s", name, figure(median(rates(ss))), spread(rates(ss), figure), msSpread(svc))
	if !pgOK {
		return line + ", PostgreSQL unknown"
	}
	return line + ", PostgreSQL " + msSpread(pg)
}

// perOp is d per operation, in milliseconds.
func perOp(d time.Duration, n int) float64 {
	if n <= 0 {
		return 0
	}
	return float64(d) / float64(n) / float64(time.Millisecond)
}

func rates(ss []sample) []float64 {
	x := make([]float64, len(ss))
	for i, s := range ss {
		x[i] = s.rate()
	}
	return x
}

// msSpread is the median of milliseconds xs and their spread.
func msSpread(xs []float64) string {
	return fmt.Sprintf("%s ms (%s)", figure(median(xs)), spread(xs, figure))
}

// spread is the lowest and highest of xs, as format writes them.
func spread(xs []float64, format func(float64) string) string {
	return format(slices.Min(xs)) + "–" + format(slices.Max(xs))
}

// median is the middle of xs, or the mean of the two middle ones.
func median(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
