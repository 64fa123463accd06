package faults

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/guangling/pipeline/api"
)

// period is the month the writers report progress for.
const period = "2021-05"

// ledger is the writers' record of every write the service acknowledged
// (2xx) with the version it answered, and of what else they got.
type ledger struct {
	mu       sync.Mutex
	projects map[string]int // project ID → highest version acknowledged
	reports  map[string]int // project ID → highest version of its report of period acknowledged
	acked    int
	unacked  int
	statuses map[int]int    // status → answers; 0: no answer
	samples  map[int]string // status other than 2xx → the first such answer, for a failure's message
	// seen, when set, is told of every answer and when its request began.
	seen func(began time.Time, a answer)
}

func newLedger() *ledger {
	return &ledger{projects: map[string]int{}, reports: map[string]int{}, statuses: map[int]int{}, samples: map[int]string{}}
}

func (l *ledger) note(began time.Time, a answer) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.statuses[a.status]++
	if _, ok := l.samples[a.status]; !ok && a.status/100 != 2 {
		l.samples[a.status] = fmt.Sprintf("%s: %d %v %s", a.request, a.status, a.err, a.problem)
	}
	if a.status/100 != 2 || a.err != nil {
		l.unacked++
	}
	if l.seen != nil {
		l.seen(began, a)
	}
}

func (l *ledger) ack(into map[string]int, id string, version int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.acked++
	into[id] = max(into[id], version)
}

// others lists the answers of a status not in want, "no answer" for none.
func (l *ledger) others(want ...int) map[int]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[int]int{}
	for k, n := range l.statuses {
		if !slices.Contains(want, k) {
			out[k] = n
		}
	}
	return out
}

// sampleLine lists the first answer of each status other than 2xx.
func (l *ledger) sampleLine() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lines []string
	for _, v := range l.samples {
		lines = append(lines, v)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// statusLine lists the answers by status, "no answer" for none.
func (l *ledger) statusLine() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var keys []int
	for k := range l.statuses {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	var parts []string
	for _, k := range keys {
		name := fmt.Sprint(k)
		if k == 0 {
			name = "no answer"
		}
		parts = append(parts, fmt.Sprintf("%s ×%d", name, l.statuses[k]))
	}
	return strings.Join(parts, ", ")
}

// load runs writers concurrent writers on s until ctx ends. Each creates a
// project, moves it to started, reports its progress, suspends it, reports
// again, resumes it, reports again, and starts over with a new project;
// after a write that was not acknowledged it starts over too, since it
// does not know what the project's state is.
func (s *service) load(ctx context.Context, l *ledger, writers int) (wait func()) {
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for n := 0; ctx.Err() == nil; n++ {
				id, ok := s.create(l, fmt.Sprintf("故障测试项目 %d-%d", w, n))
				for step := 0; ok && step < 6 && ctx.Err() == nil; step++ {
					ok = s.step(l, id, step)
				}
				if !ok {
					select {
					case <-ctx.Done():
					case <-time.After(50 * time.Millisecond):
					}
				}
			}
		})
	}
	return wg.Wait
}

func (s *service) create(l *ledger, name string) (string, bool) {
	var p api.Project
	began := time.Now()
	a, _ := s.send(http.MethodPost, "/api/v1/projects", map[string]string{"name": name, "category": "wind", "department": "energy"},
		&p, "Idempotency-Key", uuid.NewString())
	l.note(began, a)
	if a.status != http.StatusCreated || a.err != nil {
		return "", false
	}
	l.ack(l.projects, p.ID, p.Version)
	return p.ID, true
}

// step is the step-th write on the project id: a stage move on the even
// steps, a progress report on the odd ones.
func (s *service) step(l *ledger, id string, step int) bool {
	began := time.Now()
	if step%2 == 1 {
		var r api.Report
		yuan := int64(step+1) * 10000
		a, _ := s.send(http.MethodPut, "/api/v1/projects/"+id+"/progress/"+period, api.ReportWrite{CompletedYuan: &yuan}, &r)
		l.note(began, a)
		if a.status/100 != 2 || a.err != nil {
			return false
		}
		l.ack(l.reports, id, r.Version)
		return true
	}
	to := map[int]string{0: "started", 2: "suspended", 4: "started"}[step]
	waiver := map[int]string{0: "故障测试"}[step] // the first start, its permit item not recorded
	var res api.TransitionResult
	a, _ := s.send(http.MethodPost, "/api/v1/projects/"+id+"/transitions",
		api.TransitionCreate{To: to, OccurredOn: fmt.Sprintf("2021-01-%02d", step+1),
			Evidence: []api.Evidence{{Kind: "permit", Ref: "故障测试"}}, Note: "故障测试", PermitWaiver: waiver}, &res, "Idempotency-Key", uuid.NewString())
	l.note(began, a)
	if a.status != http.StatusCreated || a.err != nil {
		return false
	}
	l.ack(l.projects, id, res.Project.Version)
	return true
}

// lost reads back every acknowledged write and returns those the service
// no longer has: a project missing or older than the version acknowledged,
// a report missing or older.
func (s *service) lost(l *ledger) []string {
	s.t.Helper()
	var lost []string
	for id, v := range l.projects {
		var p api.Project
		st, _, err := s.call(http.MethodGet, "/api/v1/projects/"+id, nil, &p)
		if err != nil || st != http.StatusOK || p.Version < v {
			lost = append(lost, fmt.Sprintf("project %s: %d %v, version %d, acknowledged %d", id, st, err, p.Version, v))
		}
	}
	for id, v := range l.reports {
		var y api.YearProgress
		st, _, err := s.call(http.MethodGet, "/api/v1/projects/"+id+"/progress?year=2021", nil, &y)
		got := 0
		for _, m := range y.Months {
			if m.Period == period {
				got = m.Version
			}
		}
		if err != nil || st != http.StatusOK || got < v {
			lost = append(lost, fmt.Sprintf("report %s of %s: %d %v, version %d, acknowledged %d", period, id, st, err, got, v))
		}
	}
	return lost
}
