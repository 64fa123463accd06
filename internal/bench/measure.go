package bench

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
)

// side is one side of a pair: a run of the given length, one sample.
type side struct {
	name string
	run  func(ctx context.Context, d time.Duration) (sample, error)
	// inProcess: served by the bench's own process (the bare handler),
	// whose processor time then counts for the side.
	inProcess bool
}

// pair is two sides measured alternately, A then B every round (B then A
// with bFirst; the order changing every round with alternate); the target
// is a rate of A at least atLeast times B's.
type pair struct {
	key     string
	what    string
	a, b    side
	atLeast float64
	goal    string // the target as it reads beside the ratio
	// once: a side is one operation (an export), not a run of a given
	// length, and the pair gets no warm-up.
	once      bool
	bFirst    bool
	alternate bool
}

// result is one line of the summary.
type result struct {
	key      string
	measured string
	ratio    string
	value    float64 // the ratio, for the median of several runs
	target   float64 // what value must reach: at least, or at most with atMost
	atMost   bool
	run      int    // which of several runs measured it (0: the only one)
	cpu      string // each side's processor time per operation
	goal     string
	pass     bool
	info     bool  // a figure for comparison, with no target
	rss      int64 // memory only
	rssErr   error
}

// rounds is what the two sides of a pair measured, and the processor time
// each cost, round by round.
type rounds struct {
	a, b       []sample
	acpu, bcpu []cpu
}

// measureRounds runs p: a warm-up of each side (its figures dropped:
// caches, prepared statements, pools), then the rounds, printing each.
func (r *run) measureRounds(ctx context.Context, p pair) (rounds, error) {
	r.printf("\n%s: %s\n", p.key, p.what)
	var m rounds
	if !p.once {
		warm := min(r.o.Round, time.Second)
		for _, s := range []side{p.a, p.b} {
			if _, err := s.run(ctx, warm); err != nil {
				return m, err
			}
		}
	}
	for i := range r.o.Rounds {
		got, used, err := r.round(ctx, p, i)
		if err != nil {
			return m, err
		}
		m.a, m.b = append(m.a, got[0]), append(m.b, got[1])
		m.acpu, m.bcpu = append(m.acpu, used[0]), append(m.bcpu, used[1])
		r.printf("  round %d  %s  %s  ratio %.2f\n", i+1, sideLine(p.a.name, got[0]), sideLine(p.b.name, got[1]), got[0].rate()/got[1].rate())
	}
	return m, nil
}

// round runs each side of p once, in the order of round i, and returns
// what A and B measured and cost.
func (r *run) round(ctx context.Context, p pair, i int) (got [2]sample, used [2]cpu, err error) {
	order := []int{0, 1}
	if p.bFirst != (p.alternate && i%2 == 1) {
		order = []int{1, 0}
	}
	for _, k := range order {
		s := [2]side{p.a, p.b}[k]
		before := r.cpuNow()
		if got[k], err = s.run(ctx, r.o.Round); err != nil {
			return got, used, err
		}
		used[k] = r.cpuNow().sub(before)
		if !s.inProcess {
			used[k].bench = 0
		}
	}
	return got, used, nil
}

// measure runs p and prints its totals beside its target. A total's rate
// is all requests over all time; its p50 is the median of the rounds' p50
// and its p99 the highest round's p99 (wrk reports percentiles, not its
// samples, so rounds cannot be pooled).
func (r *run) measure(ctx context.Context, p pair) error {
	m, err := r.measureRounds(ctx, p)
	if err != nil {
		return err
	}
	a, b := total(m.a), total(m.b)
	ratio := a.rate() / b.rate()
	res := result{key: p.key, measured: p.a.name + " " + figure(a.rate()) + "/s vs " + p.b.name + " " + figure(b.rate()) + "/s",
		ratio: fmt.Sprintf("%.2f", ratio), value: ratio, target: p.atLeast, goal: p.goal, pass: ratio >= p.atLeast,
		cpu: fmt.Sprintf("%s: %s; %s: %s", p.a.name, sumCPU(m.acpu).perOp(a.n), p.b.name, sumCPU(m.bcpu).perOp(b.n))}
	r.printf("  total    %s  %s  ratio %.2f  target %s  %s\n", sideLine(p.a.name, a), sideLine(p.b.name, b), ratio, p.goal, mark(res.pass))
	r.printf("  cpu/op   %s\n", res.cpu)
	r.results = append(r.results, res)
	return nil
}

func total(ss []sample) sample {
	var t sample
	var p50 []time.Duration
	for _, s := range ss {
		t.n += s.n
		t.elapsed += s.elapsed
		p50 = append(p50, s.p50)
		t.p99 = max(t.p99, s.p99)
	}
	slices.Sort(p50)
	t.p50 = p50[len(p50)/2]
	return t
}

func sumCPU(cs []cpu) cpu {
	t := cpu{pgOK: true}
	for _, c := range cs {
		t = t.add(c)
	}
	return t
}

func once(took time.Duration) sample { return sample{n: 1, elapsed: took, p50: took, p99: took} }

func sideLine(name string, s sample) string {
	return fmt.Sprintf("%-15s %9s/s  p50 %8s  p99 %8s", name, figure(s.rate()), ms(s.p50), ms(s.p99))
}

// figure writes a rate or a time with three or four significant digits.
func figure(x float64) string {
	switch {
	case x >= 100:
		return fmt.Sprintf("%.0f", x)
	case x >= 10:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.3f", x)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond)) }

func mark(pass bool) string {
	if pass {
		return "PASS"
	}
	return "MISS"
}

// summary prints one line per pair (with each side's processor time per
// operation), the service's peak memory, the medians of several runs and
// how long each phase took.
func (r *run) summary() {
	r.printf("\nsummary: %d projects, %d client(s) a side, %d round(s) of %s\n", r.o.Projects, r.o.Clients, r.o.Rounds, r.o.Round)
	for _, x := range r.results {
		r.summaryLine(x)
	}
	if r.o.Runs > 1 {
		r.medians()
	}
	var ph []string
	for _, p := range r.phases {
		ph = append(ph, fmt.Sprintf("%s %s", p.name, p.took.Round(100*time.Millisecond)))
	}
	r.printf("phases: %s\n", strings.Join(ph, ", "))
}

func (r *run) summaryLine(x result) {
	if x.key == "memory" {
		if x.rssErr != nil {
			r.printf("  %-14s service peak RSS unknown: %v\n", x.key, x.rssErr)
			return
		}
		x.measured = fmt.Sprintf("service peak RSS (VmHWM) %.0f MB", float64(x.rss)/(1<<20))
		x.goal, x.pass = "< 150 MB", x.rss < 150<<20
	}
	m := mark(x.pass)
	if x.info {
		m = ""
	}
	key := x.key
	if x.run > 0 {
		key = fmt.Sprintf("%s (%d)", key, x.run)
	}
	r.printf("  %-14s %-62s %6s  %-22s %s\n", key, x.measured, x.ratio, x.goal, m)
	if x.cpu != "" {
		r.printf("  %-14s cpu/op %s\n", "", x.cpu)
	}
}

// medians prints, for each pair with a target, the median of its ratios
// over the runs, each run's, and whether the median meets the target.
func (r *run) medians() {
	r.printf("\nmedians of %d runs (the ratio of each run in brackets):\n", r.o.Runs)
	var keys []string
	byKey := map[string][]result{}
	for _, x := range r.results {
		if x.info || x.target == 0 {
			continue
		}
		if _, ok := byKey[x.key]; !ok {
			keys = append(keys, x.key)
		}
		byKey[x.key] = append(byKey[x.key], x)
	}
	for _, k := range keys {
		var vs []string
		var xs []float64
		for _, x := range byKey[k] {
			xs = append(xs, x.value)
			vs = append(vs, fmt.Sprintf("%.2f", x.value))
		}
		m := median(xs)
		pass := m >= byKey[k][0].target
		if byKey[k][0].atMost {
			pass = m <= byKey[k][0].target
		}
		r.printf("  %-14s median %.2f  (%s)  target %s  %s\n", k, m, strings.Join(vs, ", "), byKey[k][0].goal, mark(pass))
	}
}
