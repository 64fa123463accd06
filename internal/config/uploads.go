package config

import (
	"mime"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/attachment"
)

// Uploads are the settings of the files kept as evidence (docs/files.md,
// docs/operations.md, "Files").
type Uploads struct {
	// MaxBytes is the largest file taken.
	MaxBytes int64 // PIPELINE_UPLOAD_MAX_BYTES
	// Types are the media types taken, as detected from a file's content.
	Types []string // PIPELINE_UPLOAD_TYPES, comma-separated
	// BlobURL is the bucket of S3-compatible object storage that keeps the
	// files' contents; empty: the database keeps them.
	BlobURL string // PIPELINE_BLOB_URL, s3://bucket?endpoint=…&region=…
	// Timeout is how long an upload's body may take to arrive, in place of
	// the server's read deadline.
	Timeout time.Duration // PIPELINE_UPLOAD_TIMEOUT
}

// MaxUploadTimeout is the longest PIPELINE_UPLOAD_TIMEOUT may set: well
// within the day after which an unfinished upload's chunks are swept.
const MaxUploadTimeout = 12 * time.Hour

// MaxUploadBytes is the largest limit PIPELINE_UPLOAD_MAX_BYTES may set.
const MaxUploadBytes = 1 << 30

// uploads reads the settings of files.
func (l *loader) uploads() Uploads {
	u := Uploads{
		MaxBytes: l.int64("PIPELINE_UPLOAD_MAX_BYTES", 20<<20),
		Types:    l.list("PIPELINE_UPLOAD_TYPES"),
		BlobURL:  l.str("PIPELINE_BLOB_URL", ""),
		Timeout:  l.duration("PIPELINE_UPLOAD_TIMEOUT", 10*time.Minute),
	}
	if len(u.Types) == 0 {
		u.Types = slices.Clone(attachment.DefaultTypes)
	}
	for i, t := range u.Types {
		u.Types[i] = strings.ToLower(t)
	}
	return u
}

// checkUploads checks the settings of files.
func (l *loader) checkUploads(u Uploads) {
	if u.MaxBytes <= 0 || u.MaxBytes > MaxUploadBytes {
		l.fail("PIPELINE_UPLOAD_MAX_BYTES", "must be between 1 and 1073741824 (1 GiB)")
	}
	if u.Timeout < time.Second || u.Timeout > MaxUploadTimeout {
		l.fail("PIPELINE_UPLOAD_TIMEOUT", "must be between 1s and 12h")
	}
	for _, t := range u.Types {
		mt, params, err := mime.ParseMediaType(t)
		if err != nil || len(params) > 0 || mt != t || !strings.Contains(t, "/") {
			l.fail("PIPELINE_UPLOAD_TYPES", "must be media types such as image/jpeg, comma-separated: "+t)
			break
		}
	}
	if u.BlobURL != "" {
		b, err := url.Parse(u.BlobURL)
		if err != nil || b.Scheme != "s3" || b.Host == "" {
			l.fail("PIPELINE_BLOB_URL", "must be an s3://bucket?endpoint=…&region=… URL")
		}
	}
}
