// Package approvaldb keeps the approval items of projects' checklists in
// PostgreSQL or SQLite through GORM, and translates driver errors into
// apperr kinds, so that no GORM error leaves it.
package approvaldb

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/platform/database"
)

// Store implements approval.Store.
type Store struct{ db *database.DB }

var _ approval.Store = (*Store)(nil)

// New returns a Store over db.
func New(db *database.DB) *Store { return &Store{db: db} }

type itemRow struct {
	ProjectID  string `gorm:"primaryKey"`
	Item       string `gorm:"primaryKey"`
	Status     string
	Reason     string
	AppliedOn  *time.Time
	ExpectedOn *time.Time
	ObtainedOn *time.Time
	ApprovalNo string
	Issuer     string
	Note       string
	EnvLevel   string
	Version    int
	UpdatedAt  time.Time `gorm:"autoUpdateTime:false"`
	UpdatedBy  string
}

func (itemRow) TableName() string { return "project_approvals" }

// date normalises a date to midnight UTC, whatever zone the driver read it in.
func date(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	y, m, d := t.Date()
	u := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	return &u
}

func toRow(it approval.Item) itemRow {
	return itemRow{ProjectID: it.ProjectID, Item: string(it.Code), Status: string(it.Status), Reason: it.Reason,
		AppliedOn: date(it.AppliedOn), ExpectedOn: date(it.ExpectedOn), ObtainedOn: date(it.ObtainedOn),
		ApprovalNo: it.ApprovalNo, Issuer: it.Issuer, Note: it.Note, EnvLevel: string(it.EnvLevel),
		Version: it.Version, UpdatedAt: it.UpdatedAt.UTC(), UpdatedBy: it.UpdatedBy}
}

func (r itemRow) item() approval.Item {
	return approval.Item{ProjectID: r.ProjectID, Code: approval.Code(r.Item), Fields: approval.Fields{
		Status: approval.Status(r.Status), Reason: r.Reason, AppliedOn: date(r.AppliedOn), ExpectedOn: date(r.ExpectedOn),
		ObtainedOn: date(r.ObtainedOn), ApprovalNo: r.ApprovalNo, Issuer: r.Issuer, Note: r.Note, EnvLevel: approval.EnvLevel(r.EnvLevel),
	}, Version: r.Version, UpdatedAt: r.UpdatedAt.UTC(), UpdatedBy: r.UpdatedBy}
}

// translate turns driver errors into apperr kinds; errors that already carry
// a kind pass unchanged, and the rest are internal, their text kept for the
// log.
func translate(err error) error {
	switch {
	case err == nil:
		return nil
	case apperr.KindOf(err) != apperr.Internal:
		return err
	case errors.Is(err, gorm.ErrRecordNotFound):
		return apperr.ErrNotFound
	case database.IsDuplicate(err):
		return apperr.ErrVersionConflict // written by another since it was read
	}
	return fmt.Errorf("approvaldb: %w", err)
}

// Items returns the stored items of project id, in code order.
func (s *Store) Items(ctx context.Context, id string) (_ []approval.Item, err error) {
	defer apperr.Wrap(&err, "approvaldb.Store.Items(%s)", id)
	if !database.ValidID(id) {
		return nil, nil
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var rows []itemRow
	if err := q.Where("project_id = ?", id).Order("item").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]approval.Item, len(rows))
	for i, r := range rows {
		out[i] = r.item()
	}
	return out, nil
}

// chunk bounds the IDs of one query's IN list.
const chunk = 500

// ItemsOf returns the stored items of the projects ids, by project.
func (s *Store) ItemsOf(ctx context.Context, ids []string) (_ map[string][]approval.Item, err error) {
	defer apperr.Wrap(&err, "approvaldb.Store.ItemsOf")
	out := map[string][]approval.Item{}
	q, done := s.db.Conn(ctx)
	defer done()
	for part := range slices.Chunk(slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return !database.ValidID(id) }), chunk) {
		var rows []itemRow
		if err := q.Where("project_id IN ?", part).Order("project_id, item").Find(&rows).Error; err != nil {
			return nil, translate(err)
		}
		for _, r := range rows {
			out[r.ProjectID] = append(out[r.ProjectID], r.item())
		}
	}
	return out, nil
}

// Put inserts it when version is 0, else saves it while it is still at
// version.
func (s *Store) Put(ctx context.Context, it approval.Item, version int) (err error) {
	defer apperr.Wrap(&err, "approvaldb.Store.Put(%s/%s)", it.ProjectID, it.Code)
	q, done := s.db.Conn(ctx)
	defer done()
	r := toRow(it)
	if version == 0 {
		return translate(q.Create(&r).Error)
	}
	res := q.Model(&itemRow{}).Where("project_id = ? AND item = ? AND version = ?", it.ProjectID, string(it.Code), version).
		Select("*").Updates(&r)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return apperr.ErrVersionConflict
	}
	return nil
}
