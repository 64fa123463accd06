// Package projectdb keeps projects in PostgreSQL or SQLite through GORM. It
// applies the caller's scope to every query and translates driver errors
// into apperr kinds, so that no GORM error leaves it.
package projectdb

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

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
	Kind:    apperr.Conflict,
	Message: "project.code_taken",
	Fields:  []apperr.FieldError{{Field: "code", Code: "not_unique"}},
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
func scoped(q *gorm.DB, s project.Reach) *gorm.DB {
	switch {
	case s.All:
		return q
	case s.Responsible:
		return q.Where("(projects.department = ? OR EXISTS (SELECT 1 FROM issues i WHERE i.project_id = projects.id"+
			" AND i.responsible_department = ? AND i.status <> 'resolved')"+
			" OR EXISTS (SELECT 1 FROM project_units u WHERE u.project_id = projects.id AND u.department = ?))",
			s.Department, s.Department, s.Department)
	}
	return q.Where("projects.department = ?", s.Department)
}

// Create inserts the project and its import transition in one transaction.
func (s *Store) Create(ctx context.Context, p project.Project, t *project.Transition) (err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Create")
	return translate(s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		row := toRow(p)
		if err := q.Create(&row).Error; err != nil {
			return translate(err)
		}
		if err := saveUnits(q, p.ID, nil, p.CooperatingUnits); err != nil {
			return err
		}
		if t != nil {
			tr := toTransitionRow(*t)
			return translate(q.Create(&tr).Error)
		}
		return nil
	}))
}

// Get returns one project in scope.
func (s *Store) Get(ctx context.Context, sc project.Reach, id string) (_ project.Project, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Get(%s)", id)
	if !database.ValidID(id) {
		return project.Project{}, apperr.ErrNotFound
	}
	q, done := s.db.Conn(ctx)
	defer done()
	rows, err := allColumns.read(s.db, scoped(q.Model(&projectRow{}), sc).Where("id = ?", id).Limit(1), 1)
	switch {
	case err != nil:
		return project.Project{}, translate(err)
	case len(rows) == 0:
		return project.Project{}, apperr.ErrNotFound
	}
	return toProject(rows[0]), nil
}

// Update loads, changes and saves one project in a transaction. The row is
// locked on PostgreSQL; on both databases the save is conditional on the
// version read, so a concurrent change is a conflict, never a lost update.
func (s *Store) Update(ctx context.Context, sc project.Reach, id string, change func(*project.Project) error) (_ project.Project, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Update(%s)", id)
	if !database.ValidID(id) {
		return project.Project{}, apperr.ErrNotFound
	}
	var out project.Project
	err = s.db.InTx(ctx, func(ctx context.Context) error {
		q, done := s.db.Conn(ctx)
		defer done()
		lq := s.db.ForUpdate(scoped(q, sc).Where("id = ?", id))
		var row projectRow
		if err := lq.Take(&row).Error; err != nil {
			return translate(err)
		}
		p := toProject(row)
		if err := change(&p); err != nil {
			return err
		}
		changed := changedColumns(q, toRow(toProject(row)), toRow(p))
		if len(changed) == 0 {
			out = p
			return nil
		}
		res := q.Model(&projectRow{}).Where("id = ? AND version = ?", id, row.Version).Updates(changed)
		if res.Error != nil {
			return translate(res.Error)
		}
		if res.RowsAffected != 1 {
			return project.ErrChanged
		}
		if err := saveUnits(q, id, row.CooperatingUnits.V, p.CooperatingUnits); err != nil {
			return err
		}
		out = p
		return nil
	})
	return out, translate(err)
}

// unitRow is a cooperating unit of a project, which the read scope of its
// department queries (project.Reach's Responsible).
type unitRow struct {
	ProjectID  string
	Department string
}

func (unitRow) TableName() string { return "project_units" }

// saveUnits writes the cooperating units of project id when they differ
// from old; an unknown department is Invalid, naming the field.
func saveUnits(q *gorm.DB, id string, old, units []string) error {
	if slices.Equal(old, units) {
		return nil
	}
	if err := q.Where("project_id = ?", id).Delete(&unitRow{}).Error; err != nil {
		return translate(err)
	}
	if len(units) == 0 {
		return nil
	}
	rows := make([]unitRow, len(units))
	for i, u := range units {
		rows[i] = unitRow{ProjectID: id, Department: u}
	}
	err := q.Create(&rows).Error
	if errors.Is(err, gorm.ErrForeignKeyViolated) {
		return apperr.Fields([]apperr.FieldError{{Field: "cooperating_units", Code: "unknown"}})
	}
	return translate(err)
}

var errBusy = apperr.Coded(apperr.Conflict, "project.busy")

// Move writes a stage move in one statement on PostgreSQL
// (database.UpdateIf): the project's changed columns while it is at from's
// version and still has from's health facts (a plan, progress or blocker
// changes those, not the version, and the move's health is computed from
// them), its history row and the rows staged with it. A project that another
// transaction holds is waited for a moment (database.RowWait) and then
// matched as that one left it: the health refresher's write lets the move
// through, another move or change makes it ErrChanged; a project held longer
// is Conflict (errBusy).
func (s *Store) Move(ctx context.Context, from, to project.Project, t project.Transition) (err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Move")
	q, done := s.db.Conn(ctx)
	old := toRow(from)
	changed := changedColumns(q, old, toRow(to))
	done()
	tr := toTransitionRow(t)
	if err := s.db.Stage(ctx, &tr); err != nil {
		return err
	}
	match := map[string]any{"id": from.ID, "version": from.Version, "health_facts": old.HealthFacts}
	ok, err := s.db.UpdateIf(ctx, "projects", match, changed)
	switch {
	case database.IsLockUnavailable(err):
		return errBusy
	case err != nil:
		return translate(err)
	case !ok:
		return project.ErrChanged
	}
	return nil
}

// changedColumns maps the columns whose values differ between two rows of
// one project to their new values, so that an update writes only those (a
// stage move changes a few of some thirty).
func changedColumns(q *gorm.DB, old, cur projectRow) map[string]any {
	out := map[string]any{}
	ov, cv := reflect.ValueOf(old), reflect.ValueOf(cur)
	t := ov.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Name == "ID" || f.Name == "CreatedAt" {
			continue
		}
		a, b := ov.Field(i).Interface(), cv.Field(i).Interface()
		if !sameValue(a, b) {
			out[q.NamingStrategy.ColumnName("", f.Name)] = b
		}
	}
	return out
}

func sameValue(a, b any) bool {
	switch x := a.(type) {
	case time.Time:
		return x.Equal(b.(time.Time))
	case *time.Time:
		y := b.(*time.Time)
		return x == nil && y == nil || x != nil && y != nil && x.Equal(*y)
	}
	return reflect.DeepEqual(a, b)
}

// Transitions returns a project's history, oldest first.
func (s *Store) Transitions(ctx context.Context, sc project.Reach, id string) (_ []project.Transition, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Transitions(%s)", id)
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
func (s *Store) List(ctx context.Context, sc project.Reach, lq project.ListQuery) (_ project.Page, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.List")
	q, done := s.db.Conn(ctx)
	defer done()
	plan, err := s.planList(q, sc, lq)
	if err != nil {
		return project.Page{}, err
	}
	lq = plan.lq

	var page project.Page
	if lq.Count {
		var n int64
		if err := plan.count.Count(&n).Error; err != nil {
			return page, translate(err)
		}
		page.Total = &n
	}
	rows, err := plan.cols.read(s.db, plan.page, lq.Limit+1)
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

// listPlan is what List runs for one query.
type listPlan struct {
	lq    project.ListQuery // the query with its defaults filled in
	page  *gorm.DB          // the rows of the page and one more, to tell whether another follows
	cols  projectSelect     // the columns page reads
	count *gorm.DB          // every row the scope and filter admit
}

// planList checks lq, fills in its defaults (a zero query lists the first
// page by creation) and builds the statements of List on q. A sort key or
// cursor List cannot use is Invalid, never a database error.
func (s *Store) planList(q *gorm.DB, sc project.Reach, lq project.ListQuery) (listPlan, error) {
	if lq.Sort.Key == "" {
		lq.Sort = project.Sort{Key: project.SortCreated, Desc: lq.Sort.Desc}
	}
	sortCol, ok := sortColumns[lq.Sort.Key]
	if !ok {
		return listPlan{}, apperr.Fields([]apperr.FieldError{{Field: "sort", Code: "invalid_value"}})
	}
	if lq.Limit <= 0 {
		lq.Limit = project.DefaultLimit
	}
	var after any
	if c := lq.After; c != nil {
		if after, ok = keysetValue(lq.Sort.Key, c.Value); !ok || !database.ValidID(c.ID) {
			return listPlan{}, apperr.Fields([]apperr.FieldError{{Field: "cursor", Code: "invalid_value"}})
		}
	}
	plan := listPlan{lq: lq, count: s.filter(scoped(q.Model(&projectRow{}), sc), lq.Filter)}

	pq := s.filter(scoped(q.Model(&projectRow{}), sc), lq.Filter)
	// Empty values of the nullable keys come last in both directions: whoever
	// sorts by investment wants the largest known figure first.
	col := sortCol.col
	dir, cmp := "ASC", ">"
	if lq.Sort.Desc {
		dir, cmp = "DESC", "<"
	}
	if c := lq.After; c != nil {
		switch {
		case !sortCol.nullable:
			pq = pq.Where("("+col+", id) "+cmp+" (?, ?)", after, c.ID)
		case after == nil:
			pq = pq.Where(col+" IS NULL AND id "+cmp+" ?", c.ID)
		default:
			pq = pq.Where("("+col+" "+cmp+" ? OR "+col+" IS NULL OR ("+col+" = ? AND id "+cmp+" ?))", after, after, c.ID)
		}
	}
	order := col + " " + dir
	if sortCol.nullable {
		// Only where empties exist: on a NOT NULL column the plain order
		// lets PostgreSQL scan the ascending index backwards.
		order += " NULLS LAST"
	}
	cols := listColumns
	if lq.Brief {
		cols = briefColumns[lq.Sort.Key == project.SortUpdated]
	}
	plan.page, plan.cols = pq.Order(order+", id "+dir).Limit(lq.Limit+1), cols
	return plan, nil
}

// keysetValue turns a cursor's value into a query parameter of the sort
// key's column type, reporting false when it cannot be one. Cursors come
// from clients, so their values are checked here too and not only by
// the HTTP layer's parser: a value of the wrong type would be a database error.
func keysetValue(key string, v any) (any, bool) {
	nullable := sortColumns[key].nullable
	switch key {
	case project.SortName:
		s, ok := v.(string)
		return s, ok
	case project.SortInvestment:
		switch n := v.(type) {
		case nil:
			return nil, nullable
		case int64:
			return n, true
		case int:
			return int64(n), true
		case json.Number:
			i, err := n.Int64()
			return i, err == nil
		case float64:
			if n != math.Trunc(n) || math.Abs(n) > 1<<53 {
				return nil, false
			}
			return int64(n), true
		}
		return nil, false
	}
	var t time.Time
	switch x := v.(type) {
	case nil:
		return nil, nullable
	case time.Time:
		t = x
	case string:
		var err error
		if t, err = time.Parse(time.RFC3339Nano, x); err != nil {
			return nil, false
		}
	default:
		return nil, false
	}
	t = t.UTC()
	if key == project.SortStart {
		return *date(&t), true
	}
	return t, true
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
	in("projects.id", f.IDs)
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
		// One expression over the three fields, joined by a control character
		// that q can never hold, so a match never spans two fields. On
		// PostgreSQL it is the expression of the trigram index.
		if s.db.Dialect() == database.Postgres {
			q = q.Where("(name || chr(31) || company || chr(31) || coalesce(code, '')) ILIKE ?", pattern)
		} else {
			q = q.Where(`(name || char(31) || company || char(31) || coalesce(code, '')) LIKE ? ESCAPE '\'`, pattern)
		}
	}
	if f.MinInvest != nil {
		q = q.Where("total_investment_yuan >= ?", *f.MinInvest)
	}
	if f.MaxInvest != nil {
		q = q.Where("total_investment_yuan <= ?", *f.MaxInvest)
	}
	// Times go to the database in UTC: SQLite compares them as text.
	if f.StartFrom != nil {
		q = q.Where("planned_start_date >= ?", *date(f.StartFrom))
	}
	if f.StartTo != nil {
		q = q.Where("planned_start_date <= ?", *date(f.StartTo))
	}
	if f.UpdatedSince != nil {
		q = q.Where("updated_at >= ?", f.UpdatedSince.UTC())
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
