package main

import (
	"context"
	"time"

	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/attachment/attachmentdb"
	"github.com/guangling/pipeline/internal/attachment/objectstore"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/identity"
)

// stagedUploadAge is how old the chunks of an upload that never ended are
// when they are swept: far longer than any upload may stream.
const stagedUploadAge = 24 * time.Hour

// newAttachments wires the files kept as evidence (docs/files.md): their
// contents in the database, or in the bucket of PIPELINE_BLOB_URL; their
// targets checked against the register's history, the dispatch's reports
// and the approvals' checklist.
func newAttachments(ctx context.Context, cfg config.Config, a *app) (*attachment.Service, error) {
	var blobs attachment.Blobs
	rows := attachmentdb.New(a.db)
	if u := cfg.Uploads.BlobURL; u != "" {
		st, err := objectstore.Open(ctx, u, newID)
		if err != nil {
			return nil, err
		}
		blobs = st
	} else {
		db := attachmentdb.NewBlobs(a.db, newID, time.Now)
		// An upload stages its chunks as they arrive; one the service's
		// stop cut leaves them, swept once they are a day old.
		a.staged = func(ctx context.Context) (int64, error) {
			return db.SweepStaged(ctx, time.Now().Add(-stagedUploadAge))
		}
		blobs = db
	}
	reports := attachment.ReportsFunc(func(ctx context.Context, p identity.Principal, id string, m calendar.Month) (bool, error) {
		_, err := a.dispatch.Report(ctx, p, m, id)
		return err == nil, err
	})
	s := attachment.NewService(attachment.Deps{
		Store: rows, Blobs: blobs, Register: a.projects, Auditor: a.audit, Now: time.Now, NewID: newID,
		Targets: attachment.ProjectTargets{History: a.projects, Reports: reports, Approvals: a.approvals},
	}, attachment.Settings{MaxBytes: cfg.Uploads.MaxBytes, Types: cfg.Uploads.Types})
	s.RecordEvents(a.events)
	return s, nil
}
