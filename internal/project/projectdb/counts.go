package projectdb

import (
	"context"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/project"
)

// LiveByStage counts the live (not archived) projects by stage and
// category, in one query.
func (s *Store) LiveByStage(ctx context.Context) (_ []project.StageCount, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.LiveByStage")
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []struct {
		Stage    string
		Category string
		N        int64
	}
	err = q.Model(&projectRow{}).Select("stage, category, COUNT(*) AS n").Where("archived_at IS NULL").
		Group("stage, category").Order("stage, category").Scan(&rows).Error
	if err != nil {
		return nil, translate(err)
	}
	out := make([]project.StageCount, len(rows))
	for i, r := range rows {
		out[i] = project.StageCount{Stage: project.Stage(r.Stage), Category: project.Category(r.Category), Count: r.N}
	}
	return out, nil
}
