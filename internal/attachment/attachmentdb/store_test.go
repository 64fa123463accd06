package attachmentdb_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/attachment"
	"github.com/guangling/pipeline/internal/attachment/attachmentdb"
	"github.com/guangling/pipeline/internal/attachment/attachmenttest"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// backends are the databases the store's tests run on.
var backends = []struct {
	name string
	open func(testing.TB) *database.DB
}{{"sqlite", dbtest.SQLite}, {"postgres", dbtest.Postgres}}

// project inserts a live project of the energy bureau and returns its ID.
func project(db *database.DB) func(t *testing.T) string {
	return func(t *testing.T) string {
		t.Helper()
		id := uuid.NewString()
		_, err := db.SQL().ExecContext(context.Background(), `INSERT INTO projects (id, name, category, department, build_type,
			key_level, stage, version, created_at, updated_at)
			VALUES ($1, '风电项目', 'wind', 'energy', 'new', 'county', 'planning', 1, $2, $2)`, id, time.Now().UTC())
		require.NoError(t, err)
		return id
	}
}

func TestStoreContract(t *testing.T) {
	t.Parallel()
	for _, d := range backends {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.open(t)
			attachmenttest.StoreContract(t, attachmentdb.New(db), project(db))
		})
	}
}

// TestBlobsContract: the content in chunks, kept once, and nothing of an
// upload whose read or row failed, on both databases.
func TestBlobsContract(t *testing.T) {
	t.Parallel()
	for _, d := range backends {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.open(t)
			attachmenttest.BlobsContract(t, attachmentdb.NewBlobs(db, uuid.NewString, time.Now), attachmenttest.BlobsOptions{
				Kept: func(t *testing.T) int {
					var blobs, chunks int
					require.NoError(t, db.SQL().QueryRow(`SELECT COUNT(*) FROM blobs`).Scan(&blobs))
					require.NoError(t, db.SQL().QueryRow(`SELECT COUNT(*) FROM blob_chunks`).Scan(&chunks))
					return blobs + chunks
				},
				Transactional: true, ChunkSize: attachmentdb.ChunkSize,
			})
		})
	}
}

// count answers a COUNT(*) query, bounded so that a connection held by
// another keeps it from hanging.
func count(t *testing.T, db *database.DB, query string, args ...any) (int, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	var n int
	err := db.SQL().QueryRowContext(ctx, query, args...).Scan(&n)
	return n, err
}

// TestPutHoldsNoConnection: while a slow client's upload waits for its next
// bytes, its chunks are staged and no connection is held (SQLite has one,
// which every other request needs); a read that fails then leaves nothing,
// on both databases.
func TestPutHoldsNoConnection(t *testing.T) {
	t.Parallel()
	for _, d := range backends {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.open(t)
			blobs := attachmentdb.NewBlobs(db, uuid.NewString, time.Now)
			pr, pw := io.Pipe()
			done := make(chan error, 1)
			go func() {
				done <- blobs.Put(context.Background(), pr, "application/pdf", func(context.Context, attachment.Blob) error {
					return errors.New("then ran after a failed read")
				})
			}()
			_, err := pw.Write(bytes.Repeat([]byte{'x'}, 2*attachmentdb.ChunkSize+10))
			require.NoError(t, err)
			require.Eventually(t, func() bool {
				n, err := count(t, db, `SELECT COUNT(*) FROM blob_chunks`)
				return err == nil && n == 2
			}, 10*time.Second, 20*time.Millisecond, "the chunks are staged as they arrive, each committed on its own")
			assert.Zero(t, db.SQL().Stats().InUse, "no connection is held while the client is silent")
			n, err := count(t, db, `SELECT COUNT(*) FROM blobs`)
			require.NoError(t, err)
			assert.Zero(t, n, "staged chunks are no content")

			broken := errors.New("the client went away")
			require.NoError(t, pw.CloseWithError(broken))
			assert.ErrorIs(t, <-done, broken)
			for _, table := range []string{"blobs", "blob_chunks"} {
				n, err := count(t, db, `SELECT COUNT(*) FROM `+table)
				require.NoError(t, err)
				assert.Zero(t, n, "a failed upload leaves nothing in %s", table)
			}
		})
	}
}

// TestSweepStaged: the chunks of an upload begun before the cutoff that
// never ended are removed; those of an upload streaming now and those of
// contents stay, on both databases.
func TestSweepStaged(t *testing.T) {
	t.Parallel()
	for _, d := range backends {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			db := d.open(t)
			now := time.Date(2021, 6, 14, 9, 30, 0, 0, time.UTC)
			blobs := attachmentdb.NewBlobs(db, uuid.NewString, func() time.Time { return now })
			content := strings.Repeat("a", 64)
			for _, key := range []string{"upload:20210612T093000Z:" + uuid.NewString(), "upload:20210614T092900Z:" + uuid.NewString(), content} {
				for seq := range 2 {
					_, err := db.SQL().ExecContext(context.Background(), `INSERT INTO blob_chunks (sha256, seq, data) VALUES ($1, $2, $3)`,
						key, seq, []byte("data"))
					require.NoError(t, err)
				}
			}
			n, err := blobs.SweepStaged(context.Background(), now.Add(-24*time.Hour))
			require.NoError(t, err)
			assert.Equal(t, int64(1), n, "one upload two days old")
			left, err := count(t, db, `SELECT COUNT(*) FROM blob_chunks WHERE sha256 LIKE 'upload:20210612%'`)
			require.NoError(t, err)
			assert.Zero(t, left)
			all, err := count(t, db, `SELECT COUNT(*) FROM blob_chunks`)
			require.NoError(t, err)
			assert.Equal(t, 4, all, "the upload of this minute and the content stay")
		})
	}
}
