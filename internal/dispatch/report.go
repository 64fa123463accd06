package dispatch

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/project"
)

// Limits of a report's texts, in characters.
const (
	MaxText     = 2000
	MaxIssueIDs = 20
)

// Submission is a report as a department submits it: the figures, and
// optionally a blocker to open as its problem.
type Submission struct {
	Figures
	NewIssue *issue.Fields
}

// Via says which route a report came by: the dispatch's, which takes plan
// entries only, or the project's progress, which also records 计划外.
type Via int

// The routes of a report.
const (
	ViaDispatch Via = iota
	ViaProgress
)

func (f Figures) same(o Figures) bool {
	return f.CompletedYuan == o.CompletedYuan && eqYuan(f.StatisticalYuan, o.StatisticalYuan) && f.SiteProgress == o.SiteProgress &&
		f.Problems == o.Problems && slices.Equal(f.IssueIDs, o.IssueIDs) && f.NextPlan == o.NextPlan && f.Note == o.Note
}

// moneyChanged reports whether f's money differs from o's: what a
// correction is (docs/dispatch.md, "States").
func (f Figures) moneyChanged(o Figures) bool {
	return f.CompletedYuan != o.CompletedYuan || !eqYuan(f.StatisticalYuan, o.StatisticalYuan)
}

func eqYuan(a, b *int64) bool { return a == nil && b == nil || a != nil && b != nil && *a == *b }

func (f *Figures) check() error {
	var c project.Check
	c.Yuan("completed_yuan", &f.CompletedYuan)
	c.Yuan("statistical_yuan", f.StatisticalYuan)
	c.Text("site_progress", f.SiteProgress, MaxText, false)
	c.Text("problems", f.Problems, MaxText, false)
	c.Text("next_plan", f.NextPlan, MaxText, false)
	c.Text("note", f.Note, project.MaxNote, false)
	if len(f.IssueIDs) > MaxIssueIDs {
		c.Add("issue_ids", "too_many", "20")
	}
	if f.IssueIDs == nil {
		f.IssueIDs = []string{}
	}
	return c.Err()
}

// PutReport records a project's report of period m (docs/dispatch.md,
// "Reports"): through the dispatch, only a plan entry owing the period, by
// its responsible department or by the bureau on its behalf; through the
// project's progress, also a project outside the plan (计划外). It reports
// whether the report was new. ifMatch, when not 0, must name its version.
func (s *Service) PutReport(ctx context.Context, p identity.Principal, m calendar.Month, id string, in Submission, ifMatch int, via Via) (_ Report, _ bool, err error) {
	defer apperr.Wrap(&err, "dispatch.Service.PutReport(%s)", id)
	if !p.May(identity.ReportProgress) {
		return Report{}, false, errNoReport
	}
	if err := in.check(); err != nil {
		return Report{}, false, err
	}
	now := s.clock()
	cal, err := s.Calendar(ctx)
	if err != nil {
		return Report{}, false, err
	}
	if this := calendar.MonthOf(calendar.Today(now)); this.Before(m) {
		return Report{}, false, errFuture(this)
	}
	var out Report
	var created bool
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		if in.NewIssue != nil {
			bid, err := s.blocker(ctx, p, cal, m, id, *in.NewIssue, via)
			if err != nil {
				return err
			}
			if !slices.Contains(in.IssueIDs, bid) {
				in.IssueIDs = append(in.IssueIDs, bid)
			}
		}
		_, err := s.register.Within(ctx, project.Reach{All: true}, id, func(ctx context.Context, pr *project.Project) error {
			var err error
			out, created, err = s.submit(ctx, p, pr, cal, m, in.Figures, ifMatch, via)
			return err
		})
		return err
	})
	return out, created, err
}

// blocker is the blocker a report's new problem f names, in the
// transaction of ctx: once the caller is known to owe the report, the
// project's unresolved blocker with the same title, kind and responsible
// department when there is one, so that a retried submission opens no
// second one, else a new blocker, opened whoever owns the project. The
// project stays locked from the look-up to the report's write, so that two
// retries at once open one blocker.
func (s *Service) blocker(ctx context.Context, p identity.Principal, cal calendar.Periods, m calendar.Month, id string, f issue.Fields, via Via) (string, error) {
	found := ""
	_, err := s.register.Within(ctx, project.Reach{All: true}, id, func(ctx context.Context, pr *project.Project) error {
		if _, _, err := s.owing(ctx, p, pr.ID, pr.Department, cal, m, via); err != nil {
			return err
		}
		have, err := s.store.Blockers(ctx, id)
		if err != nil {
			return err
		}
		title, dept := strings.TrimSpace(f.Title), strings.TrimSpace(f.ResponsibleDepartment)
		for _, b := range have {
			if b.Status != issue.Resolved && b.Title == title && b.Kind == f.Kind && b.ResponsibleDepartment == dept {
				found = b.ID
				break
			}
		}
		return nil
	})
	if err != nil || found != "" {
		return found, err
	}
	is, err := s.issues.OpenIn(ctx, p, project.Reach{All: true}, id, f)
	return is.ID, err
}

// submit decides and writes a report with the project locked.
func (s *Service) submit(ctx context.Context, p identity.Principal, pr *project.Project, cal calendar.Periods, m calendar.Month, f Figures, ifMatch int, via Via) (Report, bool, error) {
	entry, owed, err := s.owing(ctx, p, pr.ID, pr.Department, cal, m, via)
	if err != nil {
		return Report{}, false, err
	}
	if err := s.checkIssues(ctx, pr.ID, f.IssueIDs); err != nil {
		return Report{}, false, err
	}
	before, err := s.find(ctx, pr.ID, m)
	if err != nil {
		return Report{}, false, err
	}
	version := 0
	if before != nil {
		version = before.Version
	}
	if ifMatch != 0 && ifMatch != version {
		return Report{}, false, apperr.ErrVersionConflict
	}
	now := s.clock()
	if before != nil && before.Figures.same(f) && before.State != Returned {
		return *before, false, nil
	}
	r := next(before, f, p, now, owed && calendar.Today(now).After(cal.DueOn(m)))
	r.ProjectID, r.Month = pr.ID, m
	if owed {
		r.OnBehalf = p.Department != entry.Department
	}
	if err := s.store.PutReport(ctx, r); err != nil {
		return Report{}, false, err
	}
	if err := s.auditor.Append(ctx, p, audit.Record{Action: ActionReport, ResourceType: project.ResourceType,
		ResourceID: pr.ID, Before: view(before), After: view(&r), Keep: reportKeys}); err != nil {
		return Report{}, false, err
	}
	return r, before == nil, s.recordReport(ctx, p, pr, event.ReportSubmitted, entry.Department, before, &r)
}

// next is the report that a submission of f makes of before (nil when
// there is none): submitted again, corrected when its money changes after
// the due day (pastDue) or after acceptance; texts, blockers and next
// month's plan may change without it.
func next(before *Report, f Figures, p identity.Principal, now time.Time, pastDue bool) Report {
	if before == nil {
		return Report{Figures: f, State: Submitted, SubmittedAt: &now, Late: pastDue, Version: 1, UpdatedAt: now, ReportedBy: p.Name}
	}
	r := *before
	if before.Figures.moneyChanged(f) && (pastDue || before.State == Accepted) {
		r.Corrected = true
		if r.Original == nil {
			orig := before.Figures
			r.Original = &orig
		}
	}
	r.Figures, r.State, r.ReturnReason, r.ReviewedBy, r.ReviewedAt = f, Submitted, "", "", nil
	r.Version, r.UpdatedAt, r.ReportedBy = before.Version+1, now, p.Name
	return r
}

// owing decides who may report month m of project id, of department
// dept: the entry owing it and whether there is one. A department caller that neither owns the
// project nor is responsible for the entry finds nothing (404); one that
// owns the project but not the entry is refused (403).
func (s *Service) owing(ctx context.Context, p identity.Principal, id, dept string, cal calendar.Periods, m calendar.Month, via Via) (plan.Entry, bool, error) {
	states, err := s.store.Entries(ctx, m.Year, id)
	if err != nil {
		return plan.Entry{}, false, err
	}
	e, owed := Owes(states, cal, cal.PeriodOf(m))
	reach := project.ReachOf(p)
	switch {
	case !reach.Admits(dept) && !(owed && reach.Admits(e.Department)):
		return plan.Entry{}, false, apperr.ErrNotFound
	case owed && !cal.IsPeriod(m):
		return plan.Entry{}, false, errCombinedJan(m)
	case !owed && via == ViaDispatch:
		return plan.Entry{}, false, errNotInPlan(m)
	case owed && !reach.Admits(e.Department):
		return plan.Entry{}, false, errOtherDept
	}
	return e, owed, nil
}

func (s *Service) checkIssues(ctx context.Context, id string, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	have, err := s.store.Blockers(ctx, id)
	if err != nil {
		return err
	}
	for _, i := range ids {
		if !slices.ContainsFunc(have, func(b issue.Issue) bool { return b.ID == i }) {
			return apperr.Fields([]apperr.FieldError{{Field: "issue_ids", Code: "unknown", Param: i}})
		}
	}
	return nil
}

func (s *Service) find(ctx context.Context, id string, m calendar.Month) (*Report, error) {
	rs, err := s.store.Reports(ctx, id, m.Year)
	if err != nil {
		return nil, err
	}
	for i := range rs {
		if rs[i].Month == m {
			return &rs[i], nil
		}
	}
	return nil, nil
}

// Review is the bureau's decision on a submitted report.
type Review struct {
	Accept bool
	Reason string // why it is returned
}

// maxReason bounds a return's reason, in characters.
const maxReason = 500

// ReviewReport accepts or returns project id's report of period m: a
// submitted report becomes accepted or returned; accepting an accepted
// report changes nothing; anything else is a conflict naming the state.
// ifMatch, when not 0, must name the version the bureau read: a report
// changed since is not decided on unseen.
func (s *Service) ReviewReport(ctx context.Context, p identity.Principal, m calendar.Month, id string, rv Review, ifMatch int) (_ Report, err error) {
	defer apperr.Wrap(&err, "dispatch.Service.ReviewReport(%s)", id)
	if !p.May(identity.ReviewReports) {
		return Report{}, errNoReview
	}
	if !rv.Accept {
		var c project.Check
		c.Text("reason", rv.Reason, maxReason, true)
		if err := c.Err(); err != nil {
			return Report{}, err
		}
	}
	cal, err := s.Calendar(ctx)
	if err != nil {
		return Report{}, err
	}
	var out Report
	_, err = s.register.Within(ctx, project.ReachOf(p), id, func(ctx context.Context, pr *project.Project) error {
		states, err := s.store.Entries(ctx, m.Year, id)
		if err != nil {
			return err
		}
		entry, owed := Owes(states, cal, m)
		if !owed || !cal.IsPeriod(m) {
			return errNotInPlan(m)
		}
		before, err := s.find(ctx, id, m)
		if err != nil {
			return err
		}
		if done, err := reviewable(before, rv, ifMatch); err != nil || done {
			if done {
				out = *before
			}
			return err
		}
		now := s.clock()
		r := *before
		r.State, r.ReviewedBy, r.ReviewedAt, r.Version, r.UpdatedAt = Accepted, p.Name, &now, before.Version+1, now
		action, typ := ActionAccept, event.ReportAccepted
		if !rv.Accept {
			r.State, r.ReturnReason, action, typ = Returned, rv.Reason, ActionReturn, event.ReportReturned
		}
		if err := s.store.PutReport(ctx, r); err != nil {
			return err
		}
		out = r
		if err := s.auditor.Append(ctx, p, audit.Record{Action: action, ResourceType: project.ResourceType, ResourceID: id, Before: view(before), After: view(&r), Keep: reportKeys}); err != nil {
			return err
		}
		return s.recordReport(ctx, p, pr, typ, entry.Department, before, &r)
	})
	return out, err
}

// reviewable decides whether review rv may change report before (nil when
// there is none), read at version ifMatch when not 0: done when it is
// decided already (accepting an accepted report), an error when refused.
func reviewable(before *Report, rv Review, ifMatch int) (done bool, err error) {
	switch {
	case before == nil:
		return false, errNoSuchReport
	case ifMatch != 0 && ifMatch != before.Version:
		return false, apperr.ErrVersionConflict
	case rv.Accept && before.State == Accepted:
		return true, nil
	case before.State != Submitted:
		return false, errState(before.State)
	}
	return false, nil
}

// Report reads project id's report of month m, as a principal that may see
// the project or is responsible for its entry.
func (s *Service) Report(ctx context.Context, p identity.Principal, m calendar.Month, id string) (_ Report, err error) {
	defer apperr.Wrap(&err, "dispatch.Service.Report(%s)", id)
	if err := s.canSee(ctx, p, id, m.Year); err != nil {
		return Report{}, err
	}
	r, err := s.find(ctx, id, m)
	if err != nil {
		return Report{}, err
	}
	if r == nil {
		return Report{}, errNoSuchReport
	}
	return *r, nil
}

// Reports reads a project's reports of a year, by month.
func (s *Service) Reports(ctx context.Context, p identity.Principal, id string, year int) (_ []Report, err error) {
	defer apperr.Wrap(&err, "dispatch.Service.Reports(%s)", id)
	if err := s.canSee(ctx, p, id, year); err != nil {
		return nil, err
	}
	return s.store.Reports(ctx, id, year)
}

// canSee admits a principal that may read the project, or whose department
// is responsible for one of the states of its entry of year.
func (s *Service) canSee(ctx context.Context, p identity.Principal, id string, year int) error {
	if err := project.CanRead(p); err != nil {
		return err
	}
	_, err := s.register.Get(ctx, p, id)
	if apperr.KindOf(err) != apperr.NotFound || !p.Role.DepartmentBound() {
		return err
	}
	states, serr := s.store.Entries(ctx, year, id)
	if serr != nil {
		return serr
	}
	for _, e := range states {
		if e.Department == p.Department {
			return nil
		}
	}
	return err
}

func view(r *Report) any {
	if r == nil {
		return nil
	}
	v := map[string]any{"period": r.Month.String(), "completed_yuan": r.CompletedYuan, "site_progress": r.SiteProgress,
		"problems": r.Problems, "issue_ids": r.IssueIDs, "next_plan": r.NextPlan, "note": r.Note, "state": string(r.State),
		"late": r.Late, "corrected": r.Corrected, "on_behalf": r.OnBehalf, "version": r.Version}
	if r.StatisticalYuan != nil {
		v["statistical_yuan"] = *r.StatisticalYuan
	}
	if r.ReturnReason != "" {
		v["return_reason"] = r.ReturnReason
	}
	return v
}

// reportKeys name a report's month in its audit entries, whose resource is
// the project: an entry of the changed members keeps it (docs/audit.md,
// "What is recorded").
var reportKeys = []string{"period"}
