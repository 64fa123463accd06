package projectdb

import (
	"context"
	"slices"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
)

var _ project.FileStore = (*Store)(nil)

// LeaderAccounts returns those of usernames that are accounts of enabled
// users with the leader role.
func (s *Store) LeaderAccounts(ctx context.Context, usernames []string) (_ []string, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.LeaderAccounts")
	q, done := s.db.Conn(ctx)
	defer done()
	var out []string
	err = q.Table("users").Where("username IN ? AND role = 'leader' AND NOT disabled", usernames).
		Order("username").Pluck("username", &out).Error
	return out, translate(err)
}

// Linked returns the projects in scope sc linked to pr: its predecessor and
// parent, and those whose predecessor or parent it is.
func (s *Store) Linked(ctx context.Context, sc project.Reach, pr project.Project) (_ []project.Project, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Linked(%s)", pr.ID)
	q, done := s.db.Conn(ctx)
	defer done()
	ids := []string{}
	for _, id := range []*string{pr.PredecessorID, pr.ParentID} {
		if id != nil {
			ids = append(ids, *id)
		}
	}
	cond := q.Where("projects.predecessor_id = ? OR projects.parent_id = ?", pr.ID, pr.ID)
	if len(ids) > 0 {
		cond = cond.Or("projects.id IN ?", ids)
	}
	var rows []projectRow
	err = scoped(q.Model(&projectRow{}), sc).Where(cond).Omit("health_facts").Order("created_at, id").Find(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make([]project.Project, len(rows))
	for i, r := range rows {
		out[i] = toProject(r)
	}
	return out, nil
}

// Children returns the IDs of the projects whose parent is id.
func (s *Store) Children(ctx context.Context, id string) (_ []string, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Children(%s)", id)
	q, done := s.db.Conn(ctx)
	defer done()
	var out []string
	err = q.Model(&projectRow{}).Where("parent_id = ?", id).Order("id").Pluck("id", &out).Error
	for i := range out {
		out[i] = *lowerID(&out[i])
	}
	return out, translate(err)
}

// PlanYears maps each of ids to the years whose plans hold it as an entry
// in force, as every adjustment leaves them.
func (s *Store) PlanYears(ctx context.Context, ids []string) (_ map[string][]int, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.PlanYears")
	out := map[string][]int{}
	if len(ids) == 0 {
		return out, nil
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []planEntryRow
	if err := q.Model(&planEntryRow{}).Where("project_id IN ?", ids).Order("project_id, year, version").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	type key struct {
		id   string
		year int
	}
	states := map[key][]plan.Entry{}
	for _, r := range rows {
		k := key{*lowerID(&r.ProjectID), r.Year}
		states[k] = append(states[k], toEntry(r))
	}
	for k, es := range states {
		if _, in := plan.InForce(es, plan.Current, time.Time{}); in {
			out[k.id] = append(out[k.id], k.year)
		}
	}
	for id := range out {
		slices.Sort(out[id])
	}
	return out, nil
}

// LockBundle locks the row of project id until the transaction carried by
// ctx ends, on PostgreSQL (SQLite runs one writer at a time); a project
// that does not exist locks nothing.
func (s *Store) LockBundle(ctx context.Context, id string) (err error) {
	defer apperr.Wrap(&err, "projectdb.Store.LockBundle(%s)", id)
	if !database.ValidID(id) {
		return nil
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var ids []string
	return translate(s.db.ForUpdate(q.Model(&projectRow{}).Where("id = ?", id)).Pluck("id", &ids).Error)
}
