package projectdb

import (
	"context"
	"slices"

	"github.com/guangling/pipeline/internal/apperr"
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
