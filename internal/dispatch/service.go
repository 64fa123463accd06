package dispatch

import (
	"context"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// PeriodSetting is a period whose due day the bureau set, or a February
// that reports January too.
type PeriodSetting struct {
	Period    calendar.Month
	DueOn     time.Time
	Combined  bool
	Version   int
	UpdatedAt time.Time
	UpdatedBy string
}

// ProjectInfo is what the sheet shows of a project besides its plan entry.
type ProjectInfo struct {
	Name                string
	Department          string
	TotalInvestmentYuan *int64
	// Scale is the project's design capacity and its unit ("200 MW"), the
	// first part of the sheet's 建设规模及主要内容; empty when not known.
	Scale string
	// Archived projects are out of the dispatch's counts and sheet.
	Archived bool
}

// Store keeps the dispatch's periods and reports and reads the plan
// entries that owe them. Implementations translate their driver errors into
// apperr kinds.
type Store interface {
	// Settings lists every period the bureau set, in order; PutSetting
	// inserts or replaces one.
	Settings(ctx context.Context) ([]PeriodSetting, error)
	PutSetting(ctx context.Context, s PeriodSetting) error
	// Entries lists every state of the plan entries of year (of one
	// project when id is not empty), whatever their basis.
	Entries(ctx context.Context, year int, id string) ([]plan.Entry, error)
	// Reports lists a project's reports of a year (of every year when year
	// is 0), or every project's reports of a year when id is empty, in
	// order of month.
	Reports(ctx context.Context, id string, year int) ([]Report, error)
	// Opening sums, for each project, the reports of the years before year
	// that count (accepted only when acceptedOnly).
	Opening(ctx context.Context, year int, acceptedOnly bool) (map[string]int64, error)
	// PutReport inserts or replaces a project's report of a month.
	PutReport(ctx context.Context, r Report) error
	// Projects reads the projects of ids the sheet names; DepartmentNames
	// the departments' Chinese names by code.
	Projects(ctx context.Context, ids []string) (map[string]ProjectInfo, error)
	DepartmentNames(ctx context.Context) (map[string]string, error)
	// Blockers lists a project's blockers, the earliest created first: their
	// IDs, titles, kinds, responsible departments and statuses.
	Blockers(ctx context.Context, id string) ([]issue.Issue, error)
	// MarkHealthDue makes every live project's stored health due on day on:
	// a moved due day moves the investment its health reads.
	MarkHealthDue(ctx context.Context, on time.Time) error
}

// Register is what the dispatch needs of the register: to read a project
// as a principal may, and to change one of its resources with the project
// locked, its health computed again after (project.Service).
type Register interface {
	Get(ctx context.Context, p identity.Principal, id string) (project.Project, error)
	Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error)
}

// Auditor records a change in the audit trail, in the transaction carried by ctx.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

// Issues opens a blocker that a report names as its problem, of a project
// in scope sc (issue.Service.OpenIn).
type Issues interface {
	OpenIn(ctx context.Context, p identity.Principal, sc project.Reach, projectID string, f issue.Fields) (issue.Issue, error)
}

// Transactor runs fn in one transaction carried by the context it passes;
// a call inside another joins it.
type Transactor interface {
	InTx(ctx context.Context, fn func(context.Context) error) error
}

// Service applies the rules of the monthly dispatch.
type Service struct {
	store    Store
	register Register
	auditor  Auditor
	events   Recorder
	issues   Issues
	tx       Transactor
	now      func() time.Time
	county   string
	changed  func()
}

// Deps are what a Service is made of; Now is the clock and County the
// county's name, the sheet's title (a setting). Changed, when set, is told
// when a change that does not go through the register has committed (a
// period's due day), so that the statistics forget what they remembered.
type Deps struct {
	Store    Store
	Register Register
	Auditor  Auditor
	Issues   Issues
	Tx       Transactor
	Now      func() time.Time
	County   string
	Changed  func()
	// Events, when set, records reports' changes in the change feed.
	Events Recorder
}

// NewService returns a Service.
func NewService(d Deps) *Service {
	if d.Events == nil {
		d.Events = noEvents{}
	}
	return &Service{events: d.Events, store: d.Store, register: d.Register, auditor: d.Auditor, issues: d.Issues, tx: d.Tx, now: d.Now, county: d.County, changed: d.Changed}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Audit actions and resource types of the dispatch.
const (
	ResourcePeriod  = "dispatch_period"
	ActionPeriodSet = "dispatch.period_set"
	ActionReport    = "progress.reported"
	ActionAccept    = "report.accepted"
	ActionReturn    = "report.returned"
)

// Errors of the dispatch a client is told about.
var (
	errNoReport     = apperr.Coded(apperr.Forbidden, "dispatch.no_report")
	errNoReview     = apperr.Coded(apperr.Forbidden, "dispatch.no_review")
	errNoPlans      = apperr.Coded(apperr.Forbidden, "dispatch.no_manage")
	errOtherDept    = apperr.Coded(apperr.Forbidden, "dispatch.other_department")
	errNoSuchReport = apperr.Coded(apperr.NotFound, "dispatch.no_report_yet")
)

// errNotInPlan refuses a report of a project that owes none for period m.
func errNotInPlan(m calendar.Month) error {
	return &apperr.Error{Kind: apperr.Unprocessable, Message: "dispatch.not_in_plan",
		Fields: []apperr.FieldError{{Field: "project_id", Code: "not_in_plan", Param: m.String()}}}
}

// errCombinedJan refuses a January reported with February.
func errCombinedJan(m calendar.Month) error {
	feb := calendar.Month{Year: m.Year, Month: time.February}.String()
	return &apperr.Error{Kind: apperr.Unprocessable, Message: "dispatch.combined_january", Params: []string{feb},
		Fields: []apperr.FieldError{{Field: "period", Code: "combined_period", Param: feb}}}
}

// errFuture refuses a period after the current month.
func errFuture(this calendar.Month) error {
	return apperr.Fields([]apperr.FieldError{{Field: "period", Code: "in_future", Param: this.String()}})
}

// errState refuses a review of a report in a state it cannot leave so:
// a returned report cannot be accepted, nor an accepted one returned.
func errState(s State) error {
	fields := []apperr.FieldError{{Field: "state", Code: "is", Param: string(s)}}
	if s == Accepted {
		return &apperr.Error{Kind: apperr.Conflict, Message: "dispatch.report_accepted", Fields: fields}
	}
	return &apperr.Error{Kind: apperr.Conflict, Message: "dispatch.report_returned", Fields: fields}
}

// Calendar reads the dispatch calendar: the default due days with the
// bureau's settings.
func (s *Service) Calendar(ctx context.Context) (_ calendar.Periods, err error) {
	defer apperr.Wrap(&err, "dispatch.Service.Calendar")
	settings, err := s.store.Settings(ctx)
	if err != nil {
		return calendar.Periods{}, err
	}
	return PeriodsOf(settings), nil
}

// PeriodsOf is the calendar the settings make.
func PeriodsOf(settings []PeriodSetting) calendar.Periods {
	out := calendar.Periods{Due: map[calendar.Month]time.Time{}, Combined: map[int]bool{}}
	for _, st := range settings {
		out.Due[st.Period] = st.DueOn
		if st.Combined {
			out.Combined[st.Period.Year] = true
		}
	}
	return out
}

// Owes reports whether a plan entry, given all its states, owes period m
// (docs/dispatch.md, "Who owes a report"): it is in force, as the plan
// stands on each day, on the first or the last day of a month the period
// covers. The entry returned is the one in force on the latest such day.
func Owes(states []plan.Entry, cal calendar.Periods, m calendar.Month) (plan.Entry, bool) {
	months := []calendar.Month{m}
	if m.Month == time.February && cal.Combined[m.Year] {
		months = []calendar.Month{m.AddMonths(-1), m}
	}
	var out plan.Entry
	found := false
	for _, mm := range months {
		for _, day := range []time.Time{mm.First(), mm.Last()} {
			if e, ok := plan.InForce(states, plan.AsOf, day); ok {
				out, found = e, true
			}
		}
	}
	return out, found
}

// liveEntries groups the states of the entries of live projects by project.
func (s *Service) liveEntries(ctx context.Context, year int) (map[string][]plan.Entry, map[string]ProjectInfo, error) {
	entries, err := s.store.Entries(ctx, year, "")
	if err != nil {
		return nil, nil, err
	}
	by := byProject(entries)
	ids := make([]string, 0, len(by))
	for id := range by {
		ids = append(ids, id)
	}
	projects, err := s.store.Projects(ctx, ids)
	if err != nil {
		return nil, nil, err
	}
	for id := range by {
		if pr, ok := projects[id]; !ok || pr.Archived {
			delete(by, id)
		}
	}
	return by, projects, nil
}

func byProject(entries []plan.Entry) map[string][]plan.Entry {
	out := map[string][]plan.Entry{}
	for _, e := range entries {
		out[e.ProjectID] = append(out[e.ProjectID], e)
	}
	return out
}
