// Package attachmentdb keeps attachments, and their content in chunks, in
// PostgreSQL or SQLite through GORM, and translates driver errors into
// apperr kinds, so that no GORM error leaves it.
package attachmentdb

import (
	"context"
	"errors"
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/platform/database"
)

// Store implements attachment.Store.
type Store struct{ db *database.DB }

var _ attachment.Store = (*Store)(nil)

// New returns a Store over db.
func New(db *database.DB) *Store { return &Store{db: db} }

type row struct {
	ID             string `gorm:"primaryKey"`
	ProjectID      string
	Target         string
	TargetID       string
	Kind           string
	Filename       string
	MediaType      string
	SizeBytes      int64
	SHA256         string `gorm:"column:sha256"`
	TakenOn        *time.Time
	Place          string
	ExifTakenAt    *time.Time
	ExifLatitude   *float64
	ExifLongitude  *float64
	Note           string
	UploadedBy     string
	UploadedAt     time.Time `gorm:"autoCreateTime:false"`
	WithdrawnAt    *time.Time
	WithdrawnBy    string
	WithdrawReason string
	Version        int
}

func (row) TableName() string { return "attachments" }

func optDate(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

func optUTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

func toRow(a attachment.Attachment) row {
	return row{
		ID: a.ID, ProjectID: a.ProjectID, Target: string(a.Target), TargetID: a.TargetID, Kind: string(a.Kind),
		Filename: a.Filename, MediaType: a.MediaType, SizeBytes: a.Size, SHA256: a.SHA256, TakenOn: optDate(a.TakenOn),
		Place: a.Place, ExifTakenAt: optUTC(a.EXIF.TakenAt), ExifLatitude: a.EXIF.Latitude, ExifLongitude: a.EXIF.Longitude,
		Note: a.Note, UploadedBy: a.UploadedBy, UploadedAt: a.UploadedAt.UTC(), WithdrawnAt: optUTC(a.WithdrawnAt),
		WithdrawnBy: a.WithdrawnBy, WithdrawReason: a.WithdrawReason, Version: a.Version,
	}
}

func (r row) attachment() attachment.Attachment {
	a := attachment.Attachment{
		ID: r.ID, ProjectID: r.ProjectID,
		Fields: attachment.Fields{Target: attachment.Target(r.Target), TargetID: r.TargetID, Kind: attachment.Kind(r.Kind),
			Filename: r.Filename, Place: r.Place, Note: r.Note},
		MediaType: r.MediaType, Size: r.SizeBytes, SHA256: r.SHA256,
		EXIF:       attachment.EXIF{TakenAt: optUTC(r.ExifTakenAt), Latitude: r.ExifLatitude, Longitude: r.ExifLongitude},
		UploadedBy: r.UploadedBy, UploadedAt: r.UploadedAt.UTC(), WithdrawnAt: optUTC(r.WithdrawnAt),
		WithdrawnBy: r.WithdrawnBy, WithdrawReason: r.WithdrawReason, Version: r.Version,
	}
	if r.TakenOn != nil {
		a.TakenOn = time.Date(r.TakenOn.Year(), r.TakenOn.Month(), r.TakenOn.Day(), 0, 0, 0, 0, time.UTC)
	}
	return a
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
	case errors.Is(err, gorm.ErrForeignKeyViolated):
		return apperr.ErrNotFound // the project is gone
	}
	return fmt.Errorf("attachmentdb: %w", err)
}

// Create inserts an attachment.
func (s *Store) Create(ctx context.Context, a attachment.Attachment) (err error) {
	defer apperr.Wrap(&err, "attachmentdb.Store.Create")
	q, done := s.db.Conn(ctx)
	defer done()
	r := toRow(a)
	return translate(q.Create(&r).Error)
}

// Get finds an attachment by ID.
func (s *Store) Get(ctx context.Context, id string) (_ attachment.Attachment, err error) {
	defer apperr.Wrap(&err, "attachmentdb.Store.Get(%s)", id)
	if !database.ValidID(id) {
		return attachment.Attachment{}, apperr.ErrNotFound
	}
	q, done := s.db.Conn(ctx)
	defer done()
	var r row
	if err := q.Where("id = ?", id).Take(&r).Error; err != nil {
		return attachment.Attachment{}, translate(err)
	}
	return r.attachment(), nil
}

// List returns a project's attachments that q keeps, the earliest uploaded
// first.
func (s *Store) List(ctx context.Context, projectID string, aq attachment.Query) (_ []attachment.Attachment, err error) {
	defer apperr.Wrap(&err, "attachmentdb.Store.List(%s)", projectID)
	if !database.ValidID(projectID) {
		return []attachment.Attachment{}, nil
	}
	q, done := s.db.Conn(ctx)
	defer done()
	q = q.Where("project_id = ?", projectID)
	if aq.Target != "" {
		q = q.Where("target = ?", string(aq.Target))
		if aq.TargetID != "" {
			q = q.Where("target_id = ?", aq.TargetID)
		}
	}
	if !aq.Withdrawn {
		q = q.Where("withdrawn_at IS NULL")
	}
	var rows []row
	if err := q.Order("uploaded_at, id").Find(&rows).Error; err != nil {
		return nil, translate(err)
	}
	out := make([]attachment.Attachment, len(rows))
	for i, r := range rows {
		out[i] = r.attachment()
	}
	return out, nil
}

// Update saves a if its version is still version.
func (s *Store) Update(ctx context.Context, a attachment.Attachment, version int) (err error) {
	defer apperr.Wrap(&err, "attachmentdb.Store.Update(%s)", a.ID)
	q, done := s.db.Conn(ctx)
	defer done()
	r := toRow(a)
	res := q.Model(&row{}).Where("id = ? AND version = ?", a.ID, version).
		Select("*").Omit("id", "project_id", "sha256", "size_bytes", "media_type", "uploaded_at", "uploaded_by").Updates(&r)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected != 1 {
		return apperr.ErrVersionConflict
	}
	return nil
}
