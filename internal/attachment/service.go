package attachment

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
)

// Store keeps the attachments' rows. Implementations translate their driver
// errors into apperr kinds.
type Store interface {
	// Create inserts an attachment, in the transaction carried by ctx.
	Create(ctx context.Context, a Attachment) error
	// Get finds one by its ID, whatever its project: the service decides
	// who may see it by its project.
	Get(ctx context.Context, id string) (Attachment, error)
	// List returns a project's attachments that q keeps, the earliest
	// uploaded first.
	List(ctx context.Context, projectID string, q Query) ([]Attachment, error)
	// Update saves a if its version is still version (VersionConflict
	// otherwise).
	Update(ctx context.Context, a Attachment, version int) error
}

// Blob is content kept under its SHA-256.
type Blob struct {
	SHA256    string
	Size      int64
	MediaType string
}

// Blobs keeps contents by their SHA-256, each content once.
type Blobs interface {
	// Put stores what r yields, of media type mediaType, hashing it as it
	// streams, and calls then with the blob: in the transaction that keeps
	// the content when the content is kept in the database, so that an
	// error of then or of r leaves nothing stored. Content kept already is
	// not kept again.
	Put(ctx context.Context, r io.Reader, mediaType string, then func(ctx context.Context, b Blob) error) error
	// Open reads the content stored under sha256, a piece at a time.
	Open(ctx context.Context, sha256 string) (io.ReadCloser, error)
}

// Register is what attachments need of the register (project.Service).
type Register interface {
	// Get reads a project as the principal may read it.
	Get(ctx context.Context, p identity.Principal, id string) (project.Project, error)
	// GetOwn reads a project the principal may change.
	GetOwn(ctx context.Context, p identity.Principal, id string) (project.Project, error)
	// Within changes a resource of a project in scope with the project
	// locked, in one transaction.
	Within(ctx context.Context, sc project.Reach, id string, fn func(context.Context, *project.Project) error) (project.Project, error)
}

// Checker tells whether a target of a project exists.
type Checker interface {
	Exists(ctx context.Context, p identity.Principal, projectID string, t Target, id string) (bool, error)
}

// Auditor records a change in the audit trail, in the transaction carried by ctx.
type Auditor interface {
	Append(ctx context.Context, p identity.Principal, r audit.Record) error
}

// Settings are the operator's (docs/operations.md).
type Settings struct {
	// MaxBytes is the largest file taken (PIPELINE_UPLOAD_MAX_BYTES).
	MaxBytes int64
	// Types are the media types taken, as detected from the content
	// (PIPELINE_UPLOAD_TYPES).
	Types []string
}

// DefaultTypes are the media types taken unless the operator says
// otherwise: photos (HEIC/HEIF kept as files, though not previewed) and PDF.
var DefaultTypes = []string{"image/jpeg", "image/png", "image/heic", "image/heif", "image/webp", "application/pdf"}

// Deps are what a Service works with.
type Deps struct {
	Store    Store
	Blobs    Blobs
	Register Register
	Targets  Checker
	Auditor  Auditor
	Now      func() time.Time
	NewID    func() string
}

// Service applies the rules of attachments.
type Service struct {
	Deps
	set    Settings
	events Recorder
}

// NewService returns a Service.
func NewService(d Deps, set Settings) *Service {
	if set.MaxBytes <= 0 {
		set.MaxBytes = 20 << 20
	}
	if len(set.Types) == 0 {
		set.Types = DefaultTypes
	}
	return &Service{Deps: d, set: set, events: noEvents{}}
}

// MaxBytes is the largest file the service takes.
func (s *Service) MaxBytes() int64 { return s.set.MaxBytes }

func (s *Service) clock() time.Time { return s.Now().UTC().Truncate(time.Microsecond) }

// Audit actions and resource type of attachments.
const (
	ResourceType   = "attachment"
	ActionAdd      = "attachment.added"
	ActionWithdraw = "attachment.withdrawn"
	headSize       = 256 << 10
)

var (
	errWithdrawn     = apperr.Coded(apperr.Conflict, "attachment.withdrawn")
	errUnknownTarget = apperr.Fields([]apperr.FieldError{{Field: "target_id", Code: "unknown"}})
)

// Add keeps the file content yields as an attachment of a project the
// principal may change. The type is decided from the content; a file over
// the limit is TooLarge, one of a type not taken UnsupportedMediaType, and
// nothing is kept of either. Each of also runs in the transaction that
// keeps the file, once its row is written: its error keeps nothing (the
// caller's record of the answer, docs/files.md, "Idempotency").
func (s *Service) Add(ctx context.Context, p identity.Principal, projectID string, f Fields, content io.Reader,
	also ...func(context.Context, Attachment) error) (_ Attachment, err error) {
	defer apperr.Wrap(&err, "attachment.Service.Add(%s)", projectID)
	pr, err := s.Register.GetOwn(ctx, p, projectID)
	if err != nil {
		return Attachment{}, err
	}
	if pr.ArchivedAt != nil {
		return Attachment{}, project.ErrArchived // before the file is read
	}
	f.normalize()
	if err := f.check(calendar.Today(s.clock())); err != nil {
		return Attachment{}, err
	}
	if err := s.checkTarget(ctx, p, projectID, f); err != nil {
		return Attachment{}, err
	}
	r := newLimited(content, s.set.MaxBytes)
	head, err := readHead(r)
	if err != nil {
		return Attachment{}, err
	}
	mt, err := detect(head, s.set.Types)
	if err != nil {
		return Attachment{}, err
	}
	now := s.clock()
	a := Attachment{ID: s.NewID(), ProjectID: projectID, Fields: f, MediaType: mt, UploadedBy: p.Name, UploadedAt: now, Version: 1}
	if f.Kind == SitePhoto {
		a.EXIF = readEXIF(head)
	}
	err = s.Blobs.Put(ctx, io.MultiReader(bytes.NewReader(head), r), mt, func(ctx context.Context, b Blob) error {
		a.SHA256, a.Size = b.SHA256, b.Size
		return s.keep(ctx, p, a, also)
	})
	if err != nil {
		return Attachment{}, err
	}
	return a, nil
}

// keep writes a's row, audit entry and event, and runs also, in one
// transaction with the project locked.
func (s *Service) keep(ctx context.Context, p identity.Principal, a Attachment, also []func(context.Context, Attachment) error) error {
	_, err := s.Register.Within(ctx, project.ReachOf(p), a.ProjectID, func(ctx context.Context, pr *project.Project) error {
		if err := s.Store.Create(ctx, a); err != nil {
			return err
		}
		if err := s.Auditor.Append(ctx, p, audit.Record{Action: ActionAdd, ResourceType: ResourceType, ResourceID: a.ID, After: view(a)}); err != nil {
			return err
		}
		if err := s.record(ctx, p, pr, nil, a); err != nil {
			return err
		}
		for _, f := range also {
			if err := f(ctx, a); err != nil {
				return err
			}
		}
		return nil
	})
	return err
}

// checkTarget makes sure the target names something of the project.
func (s *Service) checkTarget(ctx context.Context, p identity.Principal, projectID string, f Fields) error {
	if f.Target == OfProject {
		return nil
	}
	ok, err := s.Targets.Exists(ctx, p, projectID, f.Target, f.TargetID)
	switch {
	case err != nil && apperr.KindOf(err) != apperr.NotFound:
		return err
	case err != nil || !ok:
		return errUnknownTarget
	}
	return nil
}

// readHead reads the first piece of the content, from which its type and
// EXIF are read.
func readHead(r io.Reader) ([]byte, error) {
	head := make([]byte, headSize)
	n, err := io.ReadFull(r, head)
	switch {
	case err == io.ErrUnexpectedEOF || err == io.EOF:
		err = nil
	case err != nil:
		return nil, err
	}
	if n == 0 {
		return nil, apperr.Fields([]apperr.FieldError{{Field: "file", Code: "required"}})
	}
	return head[:n], nil
}

// Get returns an attachment of a project the principal may read; another's
// is not found, as its project would be.
func (s *Service) Get(ctx context.Context, p identity.Principal, id string) (_ Attachment, err error) {
	defer apperr.Wrap(&err, "attachment.Service.Get(%s)", id)
	if err := project.CanRead(p); err != nil {
		return Attachment{}, err
	}
	a, err := s.Store.Get(ctx, id)
	if err != nil {
		return Attachment{}, err
	}
	if _, err := s.Register.Get(ctx, p, a.ProjectID); err != nil {
		return Attachment{}, err
	}
	return a, nil
}

// Open returns an attachment as Get does and a reader of its content,
// which the caller closes.
func (s *Service) Open(ctx context.Context, p identity.Principal, id string) (_ Attachment, _ io.ReadCloser, err error) {
	defer apperr.Wrap(&err, "attachment.Service.Open(%s)", id)
	a, err := s.Get(ctx, p, id)
	if err != nil {
		return Attachment{}, nil, err
	}
	rc, err := s.Blobs.Open(ctx, a.SHA256)
	if err != nil {
		return Attachment{}, nil, err
	}
	return a, rc, nil
}

// List returns the attachments of a project the principal may read.
func (s *Service) List(ctx context.Context, p identity.Principal, projectID string, q Query) (_ []Attachment, err error) {
	defer apperr.Wrap(&err, "attachment.Service.List(%s)", projectID)
	if err := project.CanRead(p); err != nil {
		return nil, err
	}
	var c project.Check
	if q.Target != "" {
		c.Enum("target", string(q.Target), Targets)
	} else if q.TargetID != "" {
		c.Add("target_id", "only_when", "target")
	}
	if err := c.Err(); err != nil {
		return nil, err
	}
	if _, err := s.Register.Get(ctx, p, projectID); err != nil {
		return nil, err
	}
	return s.Store.List(ctx, projectID, q)
}

// Withdraw withdraws an attachment of a project the principal may change,
// for reason: it stays kept, listed with its withdrawal on request.
func (s *Service) Withdraw(ctx context.Context, p identity.Principal, id, reason string) (_ Attachment, err error) {
	defer apperr.Wrap(&err, "attachment.Service.Withdraw(%s)", id)
	if err := project.CanWrite(p); err != nil {
		return Attachment{}, err
	}
	var c project.Check
	c.Text("reason", reason, MaxReason, true)
	if err := c.Err(); err != nil {
		return Attachment{}, err
	}
	cur, err := s.Store.Get(ctx, id)
	if err != nil {
		return Attachment{}, err
	}
	var out Attachment
	_, err = s.Register.Within(ctx, project.ReachOf(p), cur.ProjectID, func(ctx context.Context, pr *project.Project) error {
		a, err := s.Store.Get(ctx, id)
		if err != nil {
			return err
		}
		if a.WithdrawnAt != nil {
			return errWithdrawn
		}
		before := a
		now := s.clock()
		a.WithdrawnAt, a.WithdrawnBy, a.WithdrawReason = &now, p.Name, reason
		a.Version++
		if err := s.Store.Update(ctx, a, before.Version); err != nil {
			return err
		}
		if err := s.Auditor.Append(ctx, p, audit.Record{Action: ActionWithdraw, ResourceType: ResourceType, ResourceID: a.ID,
			Before: view(before), After: view(a)}); err != nil {
			return err
		}
		out = a
		return s.record(ctx, p, pr, &before, a)
	})
	return out, err
}

// view is an attachment as the audit trail and the change feed show it.
func view(a Attachment) map[string]any {
	v := map[string]any{
		"id": a.ID, "project_id": a.ProjectID, "target": a.Target, "target_id": a.TargetID, "kind": a.Kind,
		"filename": a.Filename, "media_type": a.MediaType, "size_bytes": a.Size, "sha256": a.SHA256,
		"place": a.Place, "note": a.Note, "uploaded_by": a.UploadedBy, "uploaded_at": a.UploadedAt,
		"taken_on": nil, "withdrawn_at": nil, "withdrawn_by": a.WithdrawnBy, "withdraw_reason": a.WithdrawReason,
		"version": a.Version,
	}
	if !a.TakenOn.IsZero() {
		v["taken_on"] = a.TakenOn.Format(time.DateOnly)
	}
	if a.WithdrawnAt != nil {
		v["withdrawn_at"] = *a.WithdrawnAt
	}
	return v
}
