// Package department keeps the county's departments (部门): the owners of
// projects, the responsible parties of blockers and the homes of department
// users and systems. A department's code never changes; its names may.
package department

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Department is a county department that owns projects.
type Department struct {
	Code    string
	Name    string
	NameEN  string
	Version int
}

// Store keeps departments. Implementations translate their driver errors
// into apperr kinds.
type Store interface {
	// List lists every department by code.
	List(ctx context.Context) ([]Department, error)
	// Create inserts a department; a taken code is Conflict.
	Create(ctx context.Context, d Department, now time.Time) error
	// Update loads, changes and saves a department in one transaction; an
	// unknown code is NotFound.
	Update(ctx context.Context, code string, now time.Time, change func(*Department) error) (Department, error)
}

// Transactor runs fn in one transaction, carried by the context it passes fn.
type Transactor interface {
	InTx(ctx context.Context, fn func(context.Context) error) error
}

// Auditor records a change in the audit trail, in the transaction carried by ctx.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

// Service administers departments.
type Service struct {
	store   Store
	tx      Transactor
	auditor Auditor
	now     func() time.Time
}

// NewService returns a Service; now is the clock.
func NewService(store Store, tx Transactor, auditor Auditor, now func() time.Time) *Service {
	return &Service{store: store, tx: tx, auditor: auditor, now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// errUnchanged ends an update that would change nothing.
var errUnchanged = errors.New("department: unchanged")

var errNoRole = apperr.Coded(apperr.Forbidden, "department.no_read")

// Change renames a department; nil fields stay. The code never
// changes: projects, users and clients refer to it.
type Change struct {
	Name   *string
	NameEN *string
}

var errAdminOnly = apperr.Coded(apperr.Forbidden, "department.admin_only")

func (d Department) validate() error {
	var c project.Check
	if !identity.ValidDepartmentCode.MatchString(d.Code) {
		c.Add("code", "invalid_format", identity.ValidDepartmentCode.String())
	}
	c.Text("name", d.Name, 100, true)
	c.Text("name_en", d.NameEN, 200, false)
	return c.Err()
}

func view(d Department) map[string]any {
	return map[string]any{"code": d.Code, "name": d.Name, "name_en": d.NameEN, "version": d.Version}
}

// Create adds a department (admin).
func (s *Service) Create(ctx context.Context, p identity.Principal, d Department) (_ Department, err error) {
	defer apperr.Wrap(&err, "department.Service.Create")
	if !p.May(identity.Administer) {
		return Department{}, errAdminOnly
	}
	d.Code, d.Name, d.NameEN, d.Version = strings.TrimSpace(d.Code), strings.TrimSpace(d.Name), strings.TrimSpace(d.NameEN), 1
	if err := d.validate(); err != nil {
		return Department{}, err
	}
	now := s.clock()
	return d, s.tx.InTx(ctx, func(ctx context.Context) error {
		if err := s.store.Create(ctx, d, now); err != nil {
			return err
		}
		return s.auditor.Append(ctx, p, audit.Record{Action: "department.create", ResourceType: "department", ResourceID: d.Code,
			After: view(d)})
	})
}

// Update renames a department (admin); ifMatch is the version
// the caller last saw.
func (s *Service) Update(ctx context.Context, p identity.Principal, code string, ifMatch int, ch Change) (_ Department, err error) {
	defer apperr.Wrap(&err, "department.Service.Update(%s)", code)
	if !p.May(identity.Administer) {
		return Department{}, errAdminOnly
	}
	if !identity.ValidDepartmentCode.MatchString(code) {
		return Department{}, apperr.ErrNotFound // no department has such a code
	}
	now := s.clock()
	var out Department
	err = s.tx.InTx(ctx, func(ctx context.Context) error {
		var before Department
		d, err := s.store.Update(ctx, code, now, func(d *Department) error {
			if d.Version != ifMatch {
				return apperr.ErrVersionConflict
			}
			before = *d
			if ch.Name != nil {
				d.Name = strings.TrimSpace(*ch.Name)
			}
			if ch.NameEN != nil {
				d.NameEN = strings.TrimSpace(*ch.NameEN)
			}
			if err := d.validate(); err != nil {
				return err
			}
			if *d == before {
				return errUnchanged
			}
			d.Version++
			return nil
		})
		if errors.Is(err, errUnchanged) {
			// Nothing to write: no new version, no audit entry, as for
			// a project.
			out = before
			return nil
		}
		if err != nil {
			return err
		}
		out = d
		return s.auditor.Append(ctx, p, audit.Record{Action: "department.update", ResourceType: "department", ResourceID: code,
			Before: view(before), After: view(d)})
	})
	return out, err
}

// List lists every department, for any signed-in principal.
func (s *Service) List(ctx context.Context, p identity.Principal) (_ []Department, err error) {
	defer apperr.Wrap(&err, "department.Service.List")
	if !p.Role.Valid() {
		return nil, errNoRole
	}
	return s.store.List(ctx)
}
