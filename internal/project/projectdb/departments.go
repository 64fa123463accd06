package projectdb

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/platform/database"
)

// Departments keeps the county's departments.
type Departments struct{ db *database.DB }

var _ department.Store = (*Departments)(nil)

// NewDepartments returns the store of departments.
func NewDepartments(db *database.DB) *Departments { return &Departments{db: db} }

type departmentRow struct {
	Code      string `gorm:"primaryKey"`
	Name      string
	NameEn    string
	Version   int
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"`
}

func toDepartment(r departmentRow) department.Department {
	return department.Department{Code: r.Code, Name: r.Name, NameEN: r.NameEn, Version: r.Version}
}

func (departmentRow) TableName() string { return "departments" }

// List lists every department by code.
func (s *Departments) List(ctx context.Context) (_ []department.Department, err error) {
	defer apperr.Wrap(&err, "projectdb.Departments.List")
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []departmentRow
	if err := q.Order("code").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]department.Department, len(rows))
	for i, r := range rows {
		out[i] = toDepartment(r)
	}
	return out, nil
}

var errDuplicateDepartment = &apperr.Error{
	Kind:    apperr.Conflict,
	Message: "department.code_taken",
	Fields:  []apperr.FieldError{{Field: "code", Code: "not_unique"}},
}

// Create inserts a department.
func (s *Departments) Create(ctx context.Context, d department.Department, now time.Time) (err error) {
	defer apperr.Wrap(&err, "projectdb.Departments.Create")
	q, done := s.db.Conn(ctx)
	defer done()
	r := departmentRow{Code: d.Code, Name: d.Name, NameEn: d.NameEN, Version: d.Version, CreatedAt: now, UpdatedAt: now}
	err = q.Create(&r).Error
	if errors.Is(err, gorm.ErrDuplicatedKey) {
		return errDuplicateDepartment
	}
	return translate(err)
}

// Update loads, changes and saves a department.
func (s *Departments) Update(ctx context.Context, code string, now time.Time, change func(*department.Department) error) (_ department.Department, err error) {
	defer apperr.Wrap(&err, "projectdb.Departments.Update(%s)", code)
	var out department.Department
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		lq := s.db.ForUpdate(q.Where("code = ?", code))
		var r departmentRow
		if err := lq.Take(&r).Error; err != nil {
			return translate(err)
		}
		d := toDepartment(r)
		if err := change(&d); err != nil {
			return err
		}
		res := q.Model(&departmentRow{}).Where("code = ? AND version = ?", code, r.Version).
			Updates(map[string]any{"name": d.Name, "name_en": d.NameEN, "version": d.Version, "updated_at": now})
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected != 1 {
			return apperr.ErrVersionConflict
		}
		out = d
		return nil
	})
	return out, translate(err)
}
