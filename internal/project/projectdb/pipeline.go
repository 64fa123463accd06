package projectdb

import (
	"context"
	"time"

	"gorm.io/gorm/clause"

	"github.com/guangling/pipeline/internal/apperr"
)

type settingRow struct {
	Key   string `gorm:"primaryKey"`
	Value string
}

func (settingRow) TableName() string { return "settings" }

// upsert inserts row or, when its key exists, replaces every column.
var upsert = clause.OnConflict{UpdateAll: true}

// HealthDue lists live projects whose health is due on day on.
func (s *Store) HealthDue(ctx context.Context, on time.Time, limit int) (_ []string, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.HealthDue")
	q, done := s.db.Conn(ctx)
	defer done()
	var ids []string
	err = q.Model(&projectRow{}).Where("archived_at IS NULL AND health_due_on <= ?", *date(&on)).
		Order("health_due_on").Limit(limit).Pluck("id", &ids).Error
	return ids, translate(err)
}

// MarkHealthDue makes every live project's health due on day on.
func (s *Store) MarkHealthDue(ctx context.Context, on time.Time) (err error) {
	defer apperr.Wrap(&err, "projectdb.Store.MarkHealthDue")
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Model(&projectRow{}).Where("archived_at IS NULL").Update("health_due_on", *date(&on)).Error)
}

// Setting reads a setting, "" when unset.
func (s *Store) Setting(ctx context.Context, key string) (_ string, err error) {
	defer apperr.Wrap(&err, "projectdb.Store.Setting")
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []settingRow
	if err := q.Where("key = ?", key).Find(&rows).Error; err != nil || len(rows) == 0 {
		return "", translate(err)
	}
	return rows[0].Value, nil
}

// PutSetting stores a setting.
func (s *Store) PutSetting(ctx context.Context, key, value string) (err error) {
	defer apperr.Wrap(&err, "projectdb.Store.PutSetting")
	q, done := s.db.Conn(ctx)
	defer done()
	return translate(q.Clauses(upsert).Create(&settingRow{Key: key, Value: value}).Error)
}
