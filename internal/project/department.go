package project

import (
	"context"
	"strings"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/identity"
)

// DepartmentChange renames a department; nil fields stay. The code never
// changes: projects, users and clients refer to it.
type DepartmentChange struct {
	Name   *string
	NameEN *string
}

var errAdminOnly = apperr.New(apperr.Forbidden, "只有管理员可以管理部门", "only an administrator may manage departments")

func (d Department) validate() error {
	var c Check
	if !ValidDepartmentCode.MatchString(d.Code) {
		c.Add("code", "invalid_format", ValidDepartmentCode.String())
	}
	c.Text("name", d.Name, 100, true)
	c.Text("name_en", d.NameEN, 200, false)
	return c.Err()
}

func departmentView(d Department) map[string]any {
	return map[string]any{"code": d.Code, "name": d.Name, "name_en": d.NameEN, "version": d.Version}
}

// CreateDepartment adds a department (admin).
func (s *Service) CreateDepartment(ctx context.Context, p identity.Principal, d Department) (Department, error) {
	if !p.Is(identity.RoleAdmin) {
		return Department{}, errAdminOnly
	}
	d.Code, d.Name, d.NameEN, d.Version = strings.TrimSpace(d.Code), strings.TrimSpace(d.Name), strings.TrimSpace(d.NameEN), 1
	if err := d.validate(); err != nil {
		return Department{}, err
	}
	now := s.clock()
	return d, s.inTx(ctx, func(ctx context.Context) error {
		if err := s.store.CreateDepartment(ctx, d, now); err != nil {
			return err
		}
		return s.auditor.Append(ctx, p, audit.Record{Action: "department.create", ResourceType: "department", ResourceID: d.Code,
			After: departmentView(d)})
	})
}

// UpdateDepartment renames a department (admin); ifMatch is the version
// the caller last saw.
func (s *Service) UpdateDepartment(ctx context.Context, p identity.Principal, code string, ifMatch int, ch DepartmentChange) (Department, error) {
	if !p.Is(identity.RoleAdmin) {
		return Department{}, errAdminOnly
	}
	if !ValidDepartmentCode.MatchString(code) {
		return Department{}, apperr.ErrNotFound // no department has such a code
	}
	now := s.clock()
	var out Department
	err := s.inTx(ctx, func(ctx context.Context) error {
		var before Department
		d, err := s.store.UpdateDepartment(ctx, code, now, func(d *Department) error {
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
			d.Version++
			return nil
		})
		if err != nil {
			return err
		}
		out = d
		return s.auditor.Append(ctx, p, audit.Record{Action: "department.update", ResourceType: "department", ResourceID: code,
			Before: departmentView(before), After: departmentView(d)})
	})
	return out, err
}

// Departments lists every department, for any signed-in principal.
func (s *Service) Departments(ctx context.Context, p identity.Principal) ([]Department, error) {
	if !p.Role.Valid() {
		return nil, errNoRead
	}
	return s.store.Departments(ctx)
}

// GetOwn returns a project the principal may change (its scope, not the
// wider one of reading), archived or not.
func (s *Service) GetOwn(ctx context.Context, p identity.Principal, id string) (Project, error) {
	if err := CanWrite(p); err != nil {
		return Project{}, err
	}
	return s.store.Get(ctx, ScopeOf(p), id)
}

// CodeHolders maps each of codes that a project holds, in any department,
// archived or not, to that project's ID: an import checks the codes it
// gives before it writes.
func (s *Service) CodeHolders(ctx context.Context, codes []string) (map[string]string, error) {
	return s.store.CodeHolders(ctx, codes)
}
