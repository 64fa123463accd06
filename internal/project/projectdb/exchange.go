package projectdb

import (
	"context"
	"slices"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
)

// CodeHolders maps each of codes that a project holds, in any department,
// archived or not, to that project's ID. The code's unique index covers the
// whole table, so an import must check against all of it before it writes:
// on PostgreSQL a violated index would abort the import's transaction.
func (s *Store) CodeHolders(ctx context.Context, codes []string) (_ map[string]string, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.CodeHolders")
	out := map[string]string{}
	q, done := s.db.Conn(ctx)
	defer done()
	for chunk := range slices.Chunk(codes, 500) {
		var rows []struct {
			ID   string
			Code string
		}
		if err := q.Model(&projectRow{}).Select("id, code").Where("code IN ?", chunk).Scan(&rows).Error; err != nil {
			return nil, translate(err)
		}
		for _, r := range rows {
			out[r.Code] = r.ID
		}
	}
	return out, nil
}

// Stream calls fn with each project that the scope and filter admit, in
// creation order, with the fields of the register file (docs/api.md,
// "Export and import"), read in one COPY on PostgreSQL
// (database.DB.CopyOut) and decoded as List decodes rows; fn must not keep
// the project. It answers false on SQLite, whose exports read pages
// (List) instead.
func (s *Store) Stream(ctx context.Context, sc project.Reach, f project.Filter, fn func(*project.Project) error) (_ bool, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Stream")
	if s.db.Dialect() != database.Postgres {
		return false, nil
	}
	q, done := s.db.Conn(ctx)
	stmt := s.filter(scoped(q.Session(&gorm.Session{DryRun: true}).Model(&projectRow{}), sc), f).
		Select(streamColumns()).Order("created_at, id").Find(&[]projectRow{}).Statement
	done()
	if stmt.Error != nil {
		return true, translate(stmt.Error)
	}
	rd := newCopyReader(fn)
	if err := s.db.CopyOut(ctx, rd, stmt.SQL.String(), stmt.Vars...); err != nil {
		return true, translate(err)
	}
	return true, rd.end()
}
