package stats

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Designation is a project the bureau designated into a quarter's batch of
// 三个一批 (docs/stats.md). Designations live beside the KPIs that count
// them: nothing else reads them.
type Designation struct {
	Year int
	Batch
	ProjectID    string
	DesignatedAt time.Time
	DesignatedBy string
}

// DesignationStore keeps designations. Implementations translate their
// driver errors into apperr kinds.
type DesignationStore interface {
	// Designate records d; created is false when it was recorded already
	// (and is left as it was).
	Designate(ctx context.Context, d Designation) (created bool, err error)
	// Undesignate removes a designation; NotFound when there is none.
	Undesignate(ctx context.Context, year int, b Batch, projectID string) error
}

// Register is what designations need of the register: to change a
// project's resources with the project locked, archived ones refused, and
// the statistics told once the change committed (project.Service).
type Register interface {
	Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error)
}

// Transactor runs fn in one transaction, carried by the context it passes
// fn: the removal of an archived project's designation, which the register
// does not lock, commits with its audit entry.
type Transactor interface {
	InTx(ctx context.Context, fn func(context.Context) error) error
}

// Auditor records a change in the audit trail, in the transaction carried by ctx.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

type designations struct {
	store    DesignationStore
	register Register
	tx       Transactor
	auditor  Auditor
}

// SetDesignations gives the service the store of designations, and the
// register, transactor and auditor their changes go through, before first
// use.
func (s *Service) SetDesignations(store DesignationStore, register Register, tx Transactor, auditor Auditor) {
	s.designations = &designations{store: store, register: register, tx: tx, auditor: auditor}
}

// Audit actions and resource type of designations.
const (
	ResourceDesignation = "batch_designation"
	ActionDesignate     = "batch.designated"
	ActionUndesignate   = "batch.undesignated"
)

var errNoDesignate = apperr.Coded(apperr.Forbidden, "stats.no_designate")

// checkBatch checks a designation's year (the years the statistics read:
// 2000 to the year after today's), quarter and kind.
func checkBatch(year int, b Batch, today time.Time) error {
	var c project.Check
	if maxYear := today.Year() + 1; year < project.MinYear || year > maxYear {
		c.Add("year", "out_of_range", strconv.Itoa(project.MinYear)+".."+strconv.Itoa(maxYear))
	}
	if b.Quarter < 1 || b.Quarter > 4 {
		c.Add("quarter", "out_of_range", "1..4")
	}
	if b.Kind != Signed && b.Kind != Started && b.Kind != InProduction {
		c.Add("kind", "invalid_value", "signed,started,in_production")
	}
	return c.Err()
}

// Designate designates a live project into a quarter's batch; created is
// false when it was designated already (nothing changes then).
func (s *Service) Designate(ctx context.Context, p identity.Principal, year int, b Batch, projectID string) (_ Designation, created bool, err error) {
	defer apperr.Wrap(&err, "stats.Service.Designate(%s)", projectID)
	if !p.May(identity.ManagePlans) {
		return Designation{}, false, errNoDesignate
	}
	if err := checkBatch(year, b, s.today()); err != nil {
		return Designation{}, false, err
	}
	d := Designation{Year: year, Batch: b, ProjectID: projectID, DesignatedAt: s.now().UTC().Truncate(time.Microsecond), DesignatedBy: p.Name}
	ds := s.designations
	_, err = ds.register.Within(ctx, project.ReachOf(p), projectID, func(ctx context.Context, _ *project.Project) error {
		var err error
		if created, err = ds.store.Designate(ctx, d); err != nil || !created {
			return err
		}
		return ds.auditor.Append(ctx, p, audit.Record{Action: ActionDesignate, ResourceType: ResourceDesignation,
			ResourceID: designationID(year, b, projectID), After: view(year, b, projectID)})
	})
	if err != nil {
		return Designation{}, false, err
	}
	return d, created, nil
}

// Undesignate takes a project out of a quarter's batch. An archived
// project's designation can be removed too (it counts nowhere while the
// project is archived, and would count again if it were restored): the
// register refuses to lock an archived project, so the removal commits in
// a transaction of its own, and the statistics forget after it.
func (s *Service) Undesignate(ctx context.Context, p identity.Principal, year int, b Batch, projectID string) (err error) {
	defer apperr.Wrap(&err, "stats.Service.Undesignate(%s)", projectID)
	if !p.May(identity.ManagePlans) {
		return errNoDesignate
	}
	if err := checkBatch(year, b, s.today()); err != nil {
		return err
	}
	ds := s.designations
	remove := func(ctx context.Context) error {
		if err := ds.store.Undesignate(ctx, year, b, projectID); err != nil {
			return err
		}
		return ds.auditor.Append(ctx, p, audit.Record{Action: ActionUndesignate, ResourceType: ResourceDesignation,
			ResourceID: designationID(year, b, projectID), Before: view(year, b, projectID)})
	}
	_, err = ds.register.Within(ctx, project.ReachOf(p), projectID, func(ctx context.Context, _ *project.Project) error { return remove(ctx) })
	if !errors.Is(err, project.ErrArchived) {
		return err
	}
	if err := ds.tx.InTx(ctx, remove); err != nil {
		return err
	}
	s.Forget()
	return nil
}

// designationID names a designation in the audit trail: 2021-Q2/started/<project>.
func designationID(year int, b Batch, projectID string) string {
	return fmt.Sprintf("%04d-Q%d/%s/%s", year, b.Quarter, b.Kind, projectID)
}

// view is what the audit trail keeps of a designation.
func view(year int, b Batch, projectID string) map[string]any {
	return map[string]any{"year": year, "quarter": b.Quarter, "kind": string(b.Kind), "project_id": projectID}
}
