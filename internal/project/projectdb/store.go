// Package projectdb keeps projects in PostgreSQL or SQLite through GORM. It
// applies the caller's scope to every query and translates driver errors
// into apperr kinds, so that no GORM error leaves it.
package projectdb

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
)

// Store implements project.Store.
type Store struct {
	db *database.DB
}

var _ project.Store = (*Store)(nil)

// New returns a Store over db.
func New(db *database.DB) *Store { return &Store{db: db} }

var errDuplicateCode = &apperr.Error{
	Kind:   apperr.Conflict,
	Detail: apperr.Text{ZH: "项目代码已被其他项目使用", EN: "the project code is already used by another project"},
	Fields: []apperr.FieldError{{Field: "code", Code: "not_unique"}},
}

// translate turns driver errors into apperr kinds; errors that already carry
// a kind pass unchanged.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case apperr.KindOf(err) != apperr.Internal:
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return apperr.ErrNotFound
	case errors.Is(err, gorm.ErrDuplicatedKey):
		return errDuplicateCode
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return apperr.Fields([]apperr.FieldError{{Field: "department", Code: "unknown"}})
	}
	return err
}

// scoped limits q to the projects the scope may see. The condition is a
// string so that an empty department can never silently drop it.
func scoped(q *gorm.DB, s project.Scope) *gorm.DB {
	if s.Department != "" {
		q = q.Where("projects.department = ?", s.Department)
	}
	return q
}

// Create inserts the project and its import transition in one transaction.
func (s *Store) Create(ctx context.Context, p project.Project, t *project.Transition) error {
	return translate(s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		row := toRow(p)
		if err := q.Create(&row).Error; err != nil {
			return translate(err)
		}
		if t != nil {
			tr := toTransitionRow(*t)
			return q.Create(&tr).Error
		}
		return nil
	}))
}

// Get returns one project in scope.
func (s *Store) Get(ctx context.Context, sc project.Scope, id string) (project.Project, error) {
	if uuid.Validate(id) != nil {
		return project.Project{}, apperr.ErrNotFound
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var row projectRow
	if err := scoped(q, sc).Where("id = ?", id).Take(&row).Error; err != nil {
		return project.Project{}, translate(err)
	}
	return toProject(row), nil
}

// Update loads, changes and saves one project in a transaction. The row is
// locked on PostgreSQL; on both databases the save is conditional on the
// version read, so a concurrent change is a conflict, never a lost update.
func (s *Store) Update(ctx context.Context, sc project.Scope, id string, change func(*project.Project) error) (project.Project, error) {
	if uuid.Validate(id) != nil {
		return project.Project{}, apperr.ErrNotFound
	}
	var out project.Project
	err := s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		lq := scoped(q, sc).Where("id = ?", id)
		if s.db.Dialect() == database.Postgres {
			lq = lq.Clauses(clause.Locking{Strength: "UPDATE"})
		}
		var row projectRow
		if err := lq.Take(&row).Error; err != nil {
			return translate(err)
		}
		p := toProject(row)
		old := p.Version
		if err := change(&p); err != nil {
			return err
		}
		nr := toRow(p)
		res := q.Model(&projectRow{}).Where("id = ? AND version = ?", id, old).
			Select("*").Omit("id", "created_at").Updates(&nr)
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected != 1 {
			return apperr.New(apperr.Conflict, "项目同时被他人修改，请重试", "the project was changed concurrently; try again")
		}
		out = p
		return nil
	})
	return out, translate(err)
}

// Transitions returns a project's history, oldest first.
func (s *Store) Transitions(ctx context.Context, sc project.Scope, id string) ([]project.Transition, error) {
	if _, err := s.Get(ctx, sc, id); err != nil {
		return nil, err
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []transitionRow
	if err := q.Where("project_id = ?", id).Order("recorded_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]project.Transition, len(rows))
	for i, r := range rows {
		out[i] = toTransition(r)
	}
	return out, nil
}

// Departments lists every department by code.
func (s *Store) Departments(ctx context.Context) ([]project.Department, error) {
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []departmentRow
	if err := q.Order("code").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]project.Department, len(rows))
	for i, r := range rows {
		out[i] = project.Department{Code: r.Code, Name: r.Name, NameEN: r.NameEn, Version: r.Version}
	}
	return out, nil
}

// sortColumns maps sort keys to columns; nullable ones need care in keysets.
var sortColumns = map[string]struct {
	col      string
	nullable bool
}{
	project.SortName:       {"name", false},
	project.SortInvestment: {"total_investment_yuan", true},
	project.SortStart:      {"planned_start_date", true},
	project.SortUpdated:    {"updated_at", false},
	project.SortCreated:    {"created_at", false},
}

// List returns one page. It pages by keyset (the sort key and id of the last
// row), never by offset, so pages stay stable under concurrent inserts.
func (s *Store) List(ctx context.Context, sc project.Scope, lq project.ListQuery) (project.Page, error) {
	q, done := s.db.Conn(ctx)
	defer done()
	q = s.filter(scoped(q.Model(&projectRow{}), sc), lq.Filter)

	var page project.Page
	if lq.Count {
		var n int64
		if err := q.Session(&gorm.Session{}).Count(&n).Error; err != nil {
			return page, translate(err)
		}
		page.Total = &n
	}

	sc2 := sortColumns[lq.Sort.Key]
	col := sc2.col
	dir, nulls, cmp := "ASC", "NULLS LAST", ">"
	if lq.Sort.Desc {
		dir, nulls, cmp = "DESC", "NULLS FIRST", "<"
	}
	if c := lq.After; c != nil {
		v := cursorValue(lq.Sort.Key, c.Value)
		switch {
		case !sc2.nullable:
			q = q.Where("("+col+", id) "+cmp+" (?, ?)", v, c.ID)
		case v == nil && !lq.Sort.Desc:
			q = q.Where(col+" IS NULL AND id > ?", c.ID)
		case v == nil:
			q = q.Where("("+col+" IS NOT NULL OR id < ?)", c.ID)
		case !lq.Sort.Desc:
			q = q.Where("("+col+" > ? OR "+col+" IS NULL OR ("+col+" = ? AND id > ?))", v, v, c.ID)
		default:
			q = q.Where("("+col+" < ? OR ("+col+" = ? AND id < ?))", v, v, c.ID)
		}
	}
	var rows []projectRow
	err := q.Order(col + " " + dir + " " + nulls + ", id " + dir).Limit(lq.Limit + 1).Find(&rows).Error
	if err != nil {
		return page, translate(err)
	}
	if len(rows) > lq.Limit {
		rows = rows[:lq.Limit]
		next := project.CursorAfter(toProject(rows[len(rows)-1]), lq.Sort)
		page.Next = &next
	}
	page.Items = make([]project.Project, len(rows))
	for i, r := range rows {
		page.Items[i] = toProject(r)
	}
	return page, nil
}

// cursorValue turns a cursor's JSON value into a query parameter.
func cursorValue(key string, v any) any {
	if s, ok := v.(string); ok && key != project.SortName {
		t, _ := time.Parse(time.RFC3339Nano, s) // checked when the cursor was parsed
		return t
	}
	return v
}

func (s *Store) filter(q *gorm.DB, f project.Filter) *gorm.DB {
	if f.Archived {
		q = q.Where("archived_at IS NOT NULL")
	} else {
		q = q.Where("archived_at IS NULL")
	}
	in := func(col string, vs []string) {
		if len(vs) > 0 {
			q = q.Where(col+" IN ?", vs)
		}
	}
	in("stage", strs(f.Stages))
	in("category", strs(f.Categories))
	in("department", f.Departments)
	in("build_type", strs(f.BuildTypes))
	in("key_level", strs(f.KeyLevels))
	in("health", strs(f.Healths))
	if f.Township != "" {
		q = q.Where("township = ?", f.Township)
	}
	if f.Leader != "" {
		q = q.Where("leader = ?", f.Leader)
	}
	if f.Q != "" {
		pattern := "%" + escapeLike(f.Q) + "%"
		const expr = "(name || ' ' || company || ' ' || coalesce(code, ''))"
		if s.db.Dialect() == database.Postgres {
			q = q.Where(expr+" ILIKE ?", pattern)
		} else {
			q = q.Where(expr+` LIKE ? ESCAPE '\'`, pattern)
		}
	}
	if f.MinInvest != nil {
		q = q.Where("total_investment_yuan >= ?", *f.MinInvest)
	}
	if f.MaxInvest != nil {
		q = q.Where("total_investment_yuan <= ?", *f.MaxInvest)
	}
	if f.StartFrom != nil {
		q = q.Where("planned_start_date >= ?", *f.StartFrom)
	}
	if f.StartTo != nil {
		q = q.Where("planned_start_date <= ?", *f.StartTo)
	}
	if f.UpdatedSince != nil {
		q = q.Where("updated_at >= ?", *f.UpdatedSince)
	}
	return q
}

func strs[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

func escapeLike(s string) string { return likeEscaper.Replace(s) }
