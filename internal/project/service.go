package project

import (
	"context"
	"errors"
	"reflect"
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
)

// Store keeps projects and their history. Implementations translate their
// driver errors into apperr kinds: NotFound for a missing or out-of-scope
// project, Conflict for a duplicate code, Invalid (field department) for an
// unknown department.
type Store interface {
	// Create inserts p, and an import transition when t is not nil.
	Create(ctx context.Context, p Project, t *Transition) error
	Get(ctx context.Context, s Reach, id string) (Project, error)
	// GetWithPeriods is Get and Periods in one read (a move's).
	GetWithPeriods(ctx context.Context, s Reach, id string) (Project, calendar.Periods, error)
	// CodeHolders maps each of codes that a project holds, in any
	// department, archived or not, to that project's ID (an import checks
	// the codes it gives before it writes).
	CodeHolders(ctx context.Context, codes []string) (map[string]string, error)
	// List returns one page; its projects come without Facts (what health
	// is computed from), which only changes read.
	List(ctx context.Context, s Reach, q ListQuery) (Page, error)
	// Update loads the project in scope, calls change on it and saves the
	// result, all in one transaction; change returning an error aborts it.
	Update(ctx context.Context, s Reach, id string, change func(*Project) error) (Project, error)
	// Move writes a stage move: the project as to, only while it is still
	// at from's version, with the move's history entry and the rows staged
	// in the transaction carried by ctx. A project changed or being changed
	// meanwhile is Conflict, and nothing is written.
	Move(ctx context.Context, from, to Project, t Transition) error
	Transitions(ctx context.Context, s Reach, id string) ([]Transition, error)
	// Facts reads what a project's health is computed from besides its own
	// fields: its plans, reported months (every year) and blockers.
	Facts(ctx context.Context, id string) (health.Facts, error)
	// Periods reads the dispatch calendar (the due days the bureau set),
	// which decides the months the investment rule reads.
	Periods(ctx context.Context) (calendar.Periods, error)
}

// Transactor runs fn in one transaction, carried by the context it passes
// fn; a call inside another joins the outer transaction. AfterCommit runs f
// once the transaction carried by ctx commits (at once outside one).
type Transactor interface {
	InTx(ctx context.Context, fn func(context.Context) error) error
	// Staged runs fn, a change whose only write is the store's Move, with a
	// stage for the rows that ride along with it (its audit entry), which
	// the Move's one statement writes and commits (database.DB.Staged);
	// inside a transaction it joins it.
	Staged(ctx context.Context, fn func(context.Context) error) error
	AfterCommit(ctx context.Context, f func())
}

// Auditor records a change in the audit trail, in the transaction carried by
// ctx, so that the entry commits with the change or not at all.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

// ErrChanged is a store's answer to a change conditional on what was read
// when the project has changed since.
var ErrChanged = apperr.Coded(apperr.Conflict, "project.changed_concurrently")

// Audit actions and the resource type of projects.
const (
	ResourceType  = "project"
	ActionCreate  = "project.create"
	ActionUpdate  = "project.update"
	ActionArchive = "project.archive"
	ActionRestore = "project.restore"
	ActionMove    = "project.stage_changed"
)

// Service applies the register's rules on top of a Store.
type Service struct {
	store   Store
	tx      Transactor
	auditor Auditor
	events  Recorder
	now     func() time.Time
	newID   func() string
	rules   health.Rules
	gate    StartGate
	file    FileStore
	// changed are told once a change to the register has committed.
	changed []func()
}

// NewService returns a Service with the default health rules. tx runs each
// change and its audit entry in one transaction that store and auditor join;
// now is the clock (Asia/Shanghai calendar days are taken from it); newID
// makes the IDs of projects, transitions and blockers.
func NewService(store Store, tx Transactor, auditor Auditor, now func() time.Time, newID func() string) *Service {
	s := &Service{store: store, tx: tx, auditor: auditor, events: noEvents{}, now: now, newID: newID, rules: health.DefaultRules(),
		file: noFileStore{}}
	if fs, ok := store.(FileStore); ok {
		s.file = fs
	}
	return s
}

// Notify has f called each time a change to the register has committed
// (with the caller's transaction, if it joins one), before first use: the
// statistics forget what they remembered. Called before the commit, f would
// let a reader fill them again from the rows as they were.
func (s *Service) Notify(f func()) { s.changed = append(s.changed, f) }

// committed tells whoever asked (Notify) that a change has committed.
func (s *Service) committed() {
	for _, f := range s.changed {
		f()
	}
}

// inTx runs fn in one transaction and, once it commits, tells whoever asked
// (Notify).
func (s *Service) inTx(ctx context.Context, fn func(context.Context) error) error {
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := fn(ctx); err != nil {
			return err
		}
		s.tx.AfterCommit(ctx, s.committed)
		return nil
	})
}

// SetHealthRules sets the thresholds of the health rules, before first use.
func (s *Service) SetHealthRules(r health.Rules) { s.rules = r }

// clock is the time now, as stored: UTC, to the microsecond.
func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// Draft is what creating a project takes: its fields and, for a project
// entered at a later stage, the stage and the dates it reached.
type Draft struct {
	Fields
	Stage  Stage
	Actual Actual
	// AsOf, when set, dates the import entry of a project entered past
	// planning: the day the source the entry comes from describes (by
	// default its latest actual date, else today); Note is that entry's note.
	AsOf *time.Time
	Note string
}

// Create validates and stores a new project. A department principal's project
// is its own department's; a project entered past planning gets an import
// entry in its history, dated by its latest actual date.
func (s *Service) Create(ctx context.Context, p identity.Principal, e Draft) (_ Project, err error) {
	defer apperr.Wrap(&err, "project.Service.Create")
	if err := CanWrite(p); err != nil {
		return Project{}, err
	}
	e.Fields.Normalize()
	if p.Role.DepartmentBound() {
		if e.Department != "" && e.Department != p.Department {
			return Project{}, apperr.Fields([]apperr.FieldError{{Field: "department", Code: "not_allowed", Param: p.Department}})
		}
		e.Department = p.Department
	}
	if e.Stage == "" {
		e.Stage = Planning
	}
	now := s.clock()
	today := calendar.Today(now)
	if err := validateDraft(e, today); err != nil {
		return Project{}, err
	}
	id := s.newID()
	pr := Project{
		ID: id, Fields: e.Fields, Stage: e.Stage, Actual: e.Actual, Version: 1, CreatedAt: now, UpdatedAt: now,
	}
	periods, err := s.store.Periods(ctx)
	if err != nil {
		return Project{}, err
	}
	pr.Health, pr.HealthReasons, pr.HealthDueOn = s.rules.Evaluate(healthInput(s.listedApprovals(pr), periods), today)
	var t *Transition
	if e.Stage != Planning {
		t = s.importEntry(p, pr.ID, e, today, now)
	}
	err = s.inTx(ctx, func(ctx context.Context) error {
		// In the transaction: a bundle named is locked while it is read.
		if err := s.checkFile(ctx, p, id, e.Fields, nil); err != nil {
			return err
		}
		if err := s.store.Create(ctx, pr, t); err != nil {
			return err
		}
		return s.recordChange(ctx, p, ActionCreate, nil, pr)
	})
	if err != nil {
		return Project{}, err
	}
	return pr, nil
}

// validateDraft checks a draft's fields, its stage and dates and the date and
// note of its import entry.
func validateDraft(e Draft, today time.Time) error {
	var c Check
	if l := e.Actual.Latest(); e.AsOf != nil && (e.AsOf.After(today) || l != nil && e.AsOf.Before(*l)) {
		c.Add("as_of", "out_of_range", "")
	}
	c.Text("note", e.Note, MaxNote, false)
	return JoinInvalid(e.Fields.ValidateOn(today), ValidateEntry(e.Stage, e.Actual, today), c.Err())
}

// importEntry is the history entry of a project entered past planning, dated
// AsOf, else by its latest actual date, else today.
func (s *Service) importEntry(p identity.Principal, projectID string, e Draft, today, now time.Time) *Transition {
	on := today
	if l := e.Actual.Latest(); l != nil {
		on = *l
	}
	if e.AsOf != nil {
		on = *e.AsOf
	}
	return &Transition{
		ID: s.newID(), ProjectID: projectID, To: e.Stage, OccurredOn: on, Kind: KindImport, Note: e.Note,
		Actor: p.Name, Department: p.Department, RecordedAt: now,
	}
}

// JoinInvalid merges validation errors so that a client sees every problem
// of its request in one answer.
func JoinInvalid(errs ...error) error {
	var fs []apperr.FieldError
	for _, err := range errs {
		if err == nil {
			continue
		}
		e := apperr.As(err)
		if e.Kind != apperr.Invalid {
			return err
		}
		fs = append(fs, e.Fields...)
	}
	return apperr.Fields(fs)
}

// Get returns one project within the principal's scope, archived or not.
func (s *Service) Get(ctx context.Context, p identity.Principal, id string) (_ Project, err error) {
	defer apperr.Wrap(&err, "project.Service.Get(%s)", id)
	if err := CanRead(p); err != nil {
		return Project{}, err
	}
	return s.store.Get(ctx, readReach(p), id)
}

// List returns a page of the projects within the principal's scope.
func (s *Service) List(ctx context.Context, p identity.Principal, q ListQuery) (_ Page, err error) {
	defer apperr.Wrap(&err, "project.Service.List")
	if err := CanRead(p); err != nil {
		return Page{}, err
	}
	if q.Filter.Archived && !p.May(identity.ReadArchived) {
		return Page{}, errArchiver
	}
	return s.store.List(ctx, ReachOf(p), q)
}

// Update changes a project's writable fields. ifMatch is the version the
// caller last saw; change receives the current fields and returns the new
// ones (the HTTP layer applies a merge patch there).
func (s *Service) Update(ctx context.Context, p identity.Principal, id string, ifMatch int, change func(Fields) (Fields, error)) (_ Project, err error) {
	defer apperr.Wrap(&err, "project.Service.Update(%s)", id)
	if err := CanWrite(p); err != nil {
		return Project{}, err
	}
	pr, err := s.change(ctx, p, id, ActionUpdate, func(ctx context.Context, pr *Project) error {
		if pr.Version != ifMatch {
			return apperr.ErrVersionConflict
		}
		if pr.ArchivedAt != nil {
			return ErrArchived
		}
		f, err := change(pr.Fields)
		if err != nil {
			return err
		}
		f.Normalize()
		if err := f.ValidateOn(calendar.Today(s.now())); err != nil {
			return err
		}
		if f.Department != pr.Department && p.Role.DepartmentBound() {
			return apperr.Fields([]apperr.FieldError{{Field: "department", Code: "not_allowed", Param: p.Department}})
		}
		if reflect.DeepEqual(f, pr.Fields) {
			return errUnchanged
		}
		if err := s.checkFile(ctx, p, id, f, &pr.Fields); err != nil {
			return err
		}
		pr.Fields = f
		s.touch(pr)
		return s.refreshHealth(ctx, pr)
	})
	if errors.Is(err, errUnchanged) {
		// Nothing to write: no new version, no audit entry, no sync churn.
		return s.store.Get(ctx, ReachOf(p), id)
	}
	return pr, err
}

// errUnchanged ends an update that would change nothing.
var errUnchanged = errors.New("project: unchanged")

// Move changes a project's stage by the rules of Apply, appends the move to
// its history and records it in the audit trail, in one transaction. Of two
// moves of one project sent at the same time exactly one wins: the other
// finds the project locked and answers Conflict at once (PostgreSQL), or, run
// after it (SQLite runs one transaction at a time), finds the stage moved on.
// ifMatch, when not 0, must name the current version.
func (s *Service) Move(ctx context.Context, p identity.Principal, id string, ifMatch int, m Move) (_ Project, _ Transition, err error) {
	defer apperr.Wrap(&err, "project.Service.Move(%s)", id)
	if err := CanWrite(p); err != nil {
		return Project{}, Transition{}, err
	}
	// Read, decide, then write the project, its history and its staged audit
	// entry in one statement on the condition that the project is still as
	// read (Store.Move): of two concurrent moves one wins and the other is
	// Conflict.
	pr, periods, err := s.store.GetWithPeriods(ctx, ReachOf(p), id)
	switch {
	case err != nil:
		return Project{}, Transition{}, err
	case ifMatch != 0 && pr.Version != ifMatch:
		return Project{}, Transition{}, apperr.ErrVersionConflict
	case pr.ArchivedAt != nil:
		return Project{}, Transition{}, ErrArchived
	}
	if m.Correction && pr.Stage == Cancelled {
		// How far back the correction may go: to the stage the
		// cancellation left, which the history tells.
		if m.left, err = s.cancellationLeft(ctx, p, id); err != nil {
			return Project{}, Transition{}, err
		}
	}
	now := s.clock()
	before := pr
	tr, err := Apply(&pr, m, p, pr.LastMoveOn, calendar.Today(now))
	if err != nil {
		return Project{}, Transition{}, err
	}
	if err := checkWaiver(before, tr); err != nil {
		return Project{}, Transition{}, err
	}
	tr.ID, tr.ProjectID, tr.RecordedAt = s.newID(), id, now
	on := tr.OccurredOn
	pr.LastMoveOn = &on
	s.touch(&pr)
	s.evaluate(&pr, periods)
	if err := s.writeGated(ctx, p, before, pr, &tr); err != nil {
		if ifMatch != 0 && errors.Is(err, ErrChanged) {
			err = apperr.ErrVersionConflict // the version asked for is gone
		}
		return Project{}, Transition{}, err
	}
	// Within a caller's transaction (an Idempotency-Key's) the move
	// commits with it.
	s.tx.AfterCommit(ctx, s.committed)
	return pr, tr, nil
}

// cancellationLeft is the stage that the latest cancellation of project id
// left, from its history ("" when there is none).
func (s *Service) cancellationLeft(ctx context.Context, p identity.Principal, id string) (Stage, error) {
	h, err := s.store.Transitions(ctx, ReachOf(p), id)
	if err != nil {
		return "", err
	}
	for _, t := range slices.Backward(h) {
		if t.To == Cancelled && t.From != nil {
			return *t.From, nil
		}
	}
	return "", nil
}

// writeGated writes a move as writeMove does. A first start that asks the
// 开工 gate (asks) locks the project first, in one transaction with the
// write, and asks the gate under that lock: an approval write, which holds
// the same lock (Within), is then either seen by the gate or waits for the
// move (docs/approvals.md, "The 开工 gate"). Any other move takes no lock
// and reads nothing more.
func (s *Service) writeGated(ctx context.Context, p identity.Principal, before, after Project, tr *Transition) error {
	if !s.asks(before, *tr) {
		return s.writeMove(ctx, p, before, after, *tr)
	}
	return s.tx.InTx(ctx, func(ctx context.Context) error {
		_, err := s.store.Update(ctx, ReachOf(p), before.ID, func(cur *Project) error {
			if cur.Version != before.Version {
				return ErrChanged
			}
			return s.checkStart(ctx, before, tr)
		})
		if err != nil {
			return err
		}
		return s.writeMove(ctx, p, before, after, *tr)
	})
}

// writeMove writes a move as one statement: its audit entry and event,
// staged, then the project as after with its history entry tr (Store.Move).
func (s *Service) writeMove(ctx context.Context, p identity.Principal, before, after Project, tr Transition) error {
	return s.tx.Staged(ctx, func(ctx context.Context) error {
		if err := s.recordChange(ctx, p, ActionMove, &before, after); err != nil {
			return err
		}
		return s.store.Move(ctx, before, after, tr)
	})
}

// change runs store.Update and records the change, before and after, in one
// transaction.
func (s *Service) change(ctx context.Context, p identity.Principal, id, action string, fn func(context.Context, *Project) error) (Project, error) {
	var out Project
	err := s.inTx(ctx, func(ctx context.Context) error {
		var before Project
		pr, err := s.store.Update(ctx, ReachOf(p), id, func(pr *Project) error {
			before = *pr
			return fn(ctx, pr)
		})
		if err != nil {
			return err
		}
		out = pr
		return s.recordChange(ctx, p, action, &before, pr)
	})
	if err != nil {
		return Project{}, err
	}
	return out, nil
}

// Within runs fn on a project in scope sc that is not archived, in one
// transaction with the project's row locked, and stores the project's health
// computed again after it from its facts read afresh. The project's version
// stays: plans, progress and blockers are resources of their own, changed by
// fn through their own stores.
func (s *Service) Within(ctx context.Context, sc Reach, id string, fn func(ctx context.Context, pr *Project) error) (_ Project, err error) {
	defer apperr.Wrap(&err, "project.Service.Within(%s)", id)
	var out Project
	err = s.inTx(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.store.Update(ctx, sc, id, func(pr *Project) error {
			if pr.ArchivedAt != nil {
				return ErrArchived
			}
			if err := fn(ctx, pr); err != nil {
				return err
			}
			if err := s.loadFacts(ctx, pr); err != nil {
				return err
			}
			return s.refreshHealth(ctx, pr)
		})
		return err
	})
	return out, err
}

func (s *Service) touch(pr *Project) {
	pr.Version++
	pr.UpdatedAt = s.now().UTC().Truncate(time.Microsecond)
}
