package attachmentdb

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"time"

	"gorm.io/gorm/clause"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/platform/database"
)

// ChunkSize is the size of a stored chunk of content: what an upload or a
// download holds in memory at a time.
const ChunkSize = 256 << 10

// Blobs keeps contents in the database (attachment.Blobs): a row per
// content in blobs, the bytes in chunks in blob_chunks.
type Blobs struct {
	db    *database.DB
	newID func() string
	now   func() time.Time
	chunk int
}

var _ attachment.Blobs = (*Blobs)(nil)

// NewBlobs returns Blobs over db; newID names uploads while they stream.
func NewBlobs(db *database.DB, newID func() string, now func() time.Time) *Blobs {
	return &Blobs{db: db, newID: newID, now: now, chunk: ChunkSize}
}

type blobRow struct {
	SHA256    string `gorm:"column:sha256;primaryKey"`
	SizeBytes int64
	MediaType string
	CreatedAt time.Time `gorm:"autoCreateTime:false"`
}

func (blobRow) TableName() string { return "blobs" }

type chunkRow struct {
	SHA256 string `gorm:"column:sha256;primaryKey"`
	Seq    int    `gorm:"primaryKey"`
	Data   []byte
}

func (chunkRow) TableName() string { return "blob_chunks" }

// Staged chunks are kept under stagedPrefix, the time the upload began
// (stagedStamp, UTC) and an upload ID: "upload:20210614T093000Z:<id>".
const (
	stagedPrefix = "upload:"
	stagedStamp  = "20060102T150405Z"
)

// Put stages r's chunks under an upload key, hashing it, each chunk an
// insert of its own under the query deadline, outside any transaction: a
// slow client holds no connection between its chunks (docs/files.md,
// "Storage"). Then one short transaction names the chunks by the hash (or
// drops them when the content is kept already: two uploads of the same
// content at once, the second waits for the first's row, the unique key)
// and runs then. On any error the staged chunks are deleted, best effort;
// what a crash leaves is removed by SweepStaged.
func (b *Blobs) Put(ctx context.Context, r io.Reader, mediaType string, then func(context.Context, attachment.Blob) error) (err error) {
	key := stagedPrefix + b.now().UTC().Format(stagedStamp) + ":" + b.newID()
	defer func() {
		if err != nil {
			b.drop(context.WithoutCancel(ctx), key)
		}
	}()
	sum, size, err := b.writeChunks(ctx, key, r)
	if err != nil {
		return err
	}
	return b.db.InTx(ctx, func(ctx context.Context) error {
		if err := b.name(ctx, key, blobRow{SHA256: sum, SizeBytes: size, MediaType: mediaType, CreatedAt: b.now().UTC()}); err != nil {
			return err
		}
		return then(ctx, attachment.Blob{SHA256: sum, Size: size, MediaType: mediaType})
	})
}

// writeChunks writes what r yields under key, a chunk at a time, each in a
// statement of its own, and answers its SHA-256 and size.
func (b *Blobs) writeChunks(ctx context.Context, key string, r io.Reader) (string, int64, error) {
	h := sha256.New()
	buf := make([]byte, b.chunk)
	var size int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(r, buf)
		if n > 0 {
			h.Write(buf[:n])
			size += int64(n)
			if err := b.insertChunk(ctx, chunkRow{SHA256: key, Seq: seq, Data: buf[:n]}); err != nil {
				return "", 0, err
			}
		}
		switch {
		case err == io.EOF || err == io.ErrUnexpectedEOF:
			return hex.EncodeToString(h.Sum(nil)), size, nil
		case err != nil:
			return "", 0, err
		}
	}
}

// insertChunk inserts one chunk, holding a connection only for it.
func (b *Blobs) insertChunk(ctx context.Context, c chunkRow) error {
	q, done := b.db.Conn(ctx)
	defer done()
	if err := q.Create(&c).Error; err != nil {
		return fmt.Errorf("staging chunk %d: %w", c.Seq, translate(err))
	}
	return nil
}

// drop deletes the chunks staged under key, best effort: a chunk left is
// invisible (no blob names it) and swept later.
func (b *Blobs) drop(ctx context.Context, key string) {
	q, done := b.db.Conn(ctx)
	defer done()
	if err := q.Where("sha256 = ?", key).Delete(&chunkRow{}).Error; err != nil {
		slog.WarnContext(ctx, "attachments: dropping staged chunks", "key", key, "err", err)
	}
}

// SweepStaged deletes the chunks of uploads that began before cutoff and
// never ended (the service stopped while they streamed), and answers how
// many uploads it removed.
func (b *Blobs) SweepStaged(ctx context.Context, cutoff time.Time) (_ int64, err error) {
	defer apperr.Wrap(&err, "attachmentdb.Blobs.SweepStaged")
	var keys []string
	q, done := b.db.Conn(ctx)
	// A range on the key, not LIKE, which PostgreSQL cannot read from the
	// primary key's index under a language's collation: the keys of
	// uploads begun before cutoff, the time fixed-width after the prefix.
	err = q.Model(&chunkRow{}).Distinct("sha256").Where("sha256 >= ? AND sha256 < ?",
		stagedPrefix, stagedPrefix+cutoff.UTC().Format(stagedStamp)).Pluck("sha256", &keys).Error
	done()
	if err != nil {
		return 0, translate(err)
	}
	var removed int64
	for _, key := range keys {
		stamp, _, _ := strings.Cut(strings.TrimPrefix(key, stagedPrefix), ":")
		began, err := time.Parse(stagedStamp, stamp)
		if err == nil && !began.Before(cutoff) {
			continue // an upload streaming now; a key without a time is older than this form
		}
		q, done := b.db.Conn(ctx)
		err = q.Where("sha256 = ?", key).Delete(&chunkRow{}).Error
		done()
		if err != nil {
			return removed, translate(err)
		}
		removed++
	}
	return removed, nil
}

// name keeps the chunks under key as the content of blob, or drops them
// when the content is kept already.
func (b *Blobs) name(ctx context.Context, key string, blob blobRow) error {
	q, done := b.db.Conn(ctx)
	defer done()
	res := q.Clauses(clause.OnConflict{DoNothing: true}).Create(&blob)
	if res.Error != nil {
		return translate(res.Error)
	}
	if res.RowsAffected == 0 {
		return translate(q.Where("sha256 = ?", key).Delete(&chunkRow{}).Error)
	}
	return translate(q.Model(&chunkRow{}).Where("sha256 = ?", key).Update("sha256", blob.SHA256).Error)
}

// Open reads the content of sum a chunk at a time, each chunk one query.
func (b *Blobs) Open(ctx context.Context, sum string) (_ io.ReadCloser, err error) {
	defer apperr.Wrap(&err, "attachmentdb.Blobs.Open(%s)", sum)
	q, done := b.db.Conn(ctx)
	defer done()
	var blob blobRow
	if err := q.Where("sha256 = ?", sum).Take(&blob).Error; err != nil {
		return nil, translate(err)
	}
	return &chunkReader{ctx: ctx, db: b.db, sum: sum, left: blob.SizeBytes}, nil
}

// chunkReader reads a content's chunks in order, holding one at a time.
type chunkReader struct {
	ctx  context.Context
	db   *database.DB
	sum  string
	seq  int
	left int64
	buf  []byte
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.left <= 0 {
			return 0, io.EOF
		}
		if err := c.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}

// next reads the next chunk.
func (c *chunkReader) next() error {
	q, done := c.db.Conn(c.ctx)
	defer done()
	var ch chunkRow
	if err := q.Where("sha256 = ? AND seq = ?", c.sum, c.seq).Take(&ch).Error; err != nil {
		return fmt.Errorf("attachmentdb: chunk %d of %s: %w", c.seq, c.sum, translate(err))
	}
	if len(ch.Data) == 0 {
		return fmt.Errorf("attachmentdb: chunk %d of %s is empty", c.seq, c.sum)
	}
	c.seq++
	c.left -= int64(len(ch.Data))
	c.buf = ch.Data
	return nil
}

func (c *chunkReader) Close() error { return nil }
