// Package dispatchtest holds what tests of the monthly dispatch share: an
// in-memory dispatch.Store and StoreContract, the behaviour every Store
// keeps, which the SQL store and the in-memory one both pass. Only tests
// import it, so that neither is linked into a binary.
package dispatchtest

import (
	"cmp"
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/dispatch"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/plan"
)

// Store is a dispatch.Store in memory, safe for concurrent use. Plan
// entries, projects, departments and blockers, which other packages write,
// are added with AddEntry, AddProject, AddDepartment and AddIssue.
type Store struct {
	mu       sync.Mutex
	settings map[calendar.Month]dispatch.PeriodSetting
	reports  map[reportKey]dispatch.Report
	entries  []plan.Entry
	projects map[string]dispatch.ProjectInfo
	names    map[string]string
	issues   map[string][]string
	fields   map[string]issue.Fields // of blockers added with their fields
	healthOn *time.Time
	fail     map[string]error
}

type reportKey struct {
	project string
	month   calendar.Month
}

var _ dispatch.Store = (*Store)(nil)

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{settings: map[calendar.Month]dispatch.PeriodSetting{}, reports: map[reportKey]dispatch.Report{},
		projects: map[string]dispatch.ProjectInfo{}, names: map[string]string{}, issues: map[string][]string{}, fields: map[string]issue.Fields{}, fail: map[string]error{}}
}

// Fail makes every later call of the named method return err, as a failing
// database would; a nil err makes it work again.
func (s *Store) Fail(method string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err == nil {
		delete(s.fail, method)
	} else {
		s.fail[method] = err
	}
}

// AddEntry adds a state of a plan entry.
func (s *Store) AddEntry(e plan.Entry) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.entries = append(s.entries, e)
}

// AddProject adds a project the sheet may name.
func (s *Store) AddProject(id string, p dispatch.ProjectInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.projects[id] = p
}

// AddDepartment adds a department's Chinese name.
func (s *Store) AddDepartment(code, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.names[code] = name
}

// AddIssue adds a blocker of a project.
func (s *Store) AddIssue(projectID, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issues[projectID] = append(s.issues[projectID], id)
}

// AddIssueWith adds a blocker of a project with its fields.
func (s *Store) AddIssueWith(projectID, id string, f issue.Fields) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.issues[projectID] = append(s.issues[projectID], id)
	s.fields[id] = f
}

// HealthDueOn is the day MarkHealthDue was last called with, if ever.
func (s *Store) HealthDueOn() *time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.healthOn
}

// Settings lists every period set, in order.
func (s *Store) Settings(context.Context) ([]dispatch.PeriodSetting, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Settings"]; err != nil {
		return nil, err
	}
	out := slices.Collect(maps.Values(s.settings))
	slices.SortFunc(out, func(a, b dispatch.PeriodSetting) int { return compareMonths(a.Period, b.Period) })
	return out, nil
}

func compareMonths(a, b calendar.Month) int {
	return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Month, b.Month))
}

// PutSetting inserts or replaces a period's setting.
func (s *Store) PutSetting(_ context.Context, st dispatch.PeriodSetting) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["PutSetting"]; err != nil {
		return err
	}
	st.UpdatedAt = st.UpdatedAt.UTC()
	s.settings[st.Period] = st
	return nil
}

// Entries lists every state of the plan entries of year, of one project
// when id is not empty.
func (s *Store) Entries(_ context.Context, year int, id string) ([]plan.Entry, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Entries"]; err != nil {
		return nil, err
	}
	out := []plan.Entry{}
	for _, e := range s.entries {
		if e.Year == year && (id == "" || e.ProjectID == id) {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b plan.Entry) int {
		return cmp.Or(cmp.Compare(a.ProjectID, b.ProjectID), cmp.Compare(a.Version, b.Version))
	})
	return out, nil
}

func (s *Store) list(keep func(dispatch.Report) bool) []dispatch.Report {
	out := []dispatch.Report{}
	for _, r := range s.reports {
		if keep(r) {
			r.IssueIDs = slices.Clone(r.IssueIDs)
			out = append(out, r)
		}
	}
	slices.SortFunc(out, func(a, b dispatch.Report) int {
		return cmp.Or(compareMonths(a.Month, b.Month), cmp.Compare(a.ProjectID, b.ProjectID))
	})
	return out
}

// Reports lists a project's reports of a year, or of every year when year
// is 0, or every project's of a year when id is empty, in order.
func (s *Store) Reports(_ context.Context, id string, year int) ([]dispatch.Report, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Reports"]; err != nil {
		return nil, err
	}
	return s.list(func(r dispatch.Report) bool {
		return (id == "" || r.ProjectID == id) && (year == 0 || r.Month.Year == year)
	}), nil
}

// Opening sums each project's counting reports of the years before year.
func (s *Store) Opening(_ context.Context, year int, acceptedOnly bool) (map[string]int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Opening"]; err != nil {
		return nil, err
	}
	out := map[string]int64{}
	for _, r := range s.reports {
		if r.Month.Year < year && r.State.Counts(acceptedOnly) {
			out[r.ProjectID] += r.CompletedYuan
		}
	}
	return out, nil
}

// PutReport inserts or replaces a report.
func (s *Store) PutReport(_ context.Context, r dispatch.Report) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["PutReport"]; err != nil {
		return err
	}
	r.UpdatedAt = r.UpdatedAt.UTC()
	r.SubmittedAt, r.ReviewedAt = utc(r.SubmittedAt), utc(r.ReviewedAt)
	r.IssueIDs = slices.Clone(r.IssueIDs)
	if r.IssueIDs == nil {
		r.IssueIDs = []string{}
	}
	if r.Original != nil {
		o := *r.Original
		o.IssueIDs = slices.Clone(o.IssueIDs)
		if o.IssueIDs == nil {
			o.IssueIDs = []string{}
		}
		r.Original = &o
	}
	s.reports[reportKey{r.ProjectID, r.Month}] = r
	return nil
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Projects reads the projects of ids.
func (s *Store) Projects(_ context.Context, ids []string) (map[string]dispatch.ProjectInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Projects"]; err != nil {
		return nil, err
	}
	out := map[string]dispatch.ProjectInfo{}
	for _, id := range ids {
		if p, ok := s.projects[id]; ok {
			out[id] = p
		}
	}
	return out, nil
}

// DepartmentNames maps department codes to their Chinese names.
func (s *Store) DepartmentNames(context.Context) (map[string]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["DepartmentNames"]; err != nil {
		return nil, err
	}
	return maps.Clone(s.names), nil
}

// Blockers lists a project's blockers in the order they were added.
func (s *Store) Blockers(_ context.Context, id string) ([]issue.Issue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["Blockers"]; err != nil {
		return nil, err
	}
	out := make([]issue.Issue, len(s.issues[id]))
	for i, b := range s.issues[id] {
		out[i] = issue.Issue{ID: b, ProjectID: id, Fields: s.fields[b]}
	}
	return out, nil
}

// MarkHealthDue notes the day.
func (s *Store) MarkHealthDue(_ context.Context, on time.Time) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.fail["MarkHealthDue"]; err != nil {
		return err
	}
	s.healthOn = &on
	return nil
}

// Snapshot returns a function that puts the reports and settings back as
// they are now: a transaction's rollback, for the fakes that stand for one.
func (s *Store) Snapshot() (restore func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	settings, reports, healthOn := maps.Clone(s.settings), maps.Clone(s.reports), s.healthOn
	issues, fields := maps.Clone(s.issues), maps.Clone(s.fields)
	return func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.settings, s.reports, s.healthOn = settings, reports, healthOn
		s.issues, s.fields = issues, fields
	}
}
