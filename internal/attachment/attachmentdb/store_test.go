package attachmentdb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

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
