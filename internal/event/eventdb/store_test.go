package eventdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/event/eventdb"
	"github.com/guangling/pipeline/internal/event/eventtest"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

func TestContract(t *testing.T) {
	t.Parallel()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		eventtest.Contract(t, func(t *testing.T) event.Store { return eventdb.New(dbtest.SQLite(t)) })
	})
	t.Run("postgres", func(t *testing.T) {
		t.Parallel()
		eventtest.Contract(t, func(t *testing.T) event.Store { return eventdb.New(dbtest.Postgres(t)) })
	})
}

var editor = identity.Principal{Subject: "u1", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"}

func change(id string) event.Change {
	return event.Change{Type: event.ProjectUpdated, ResourceType: "project", ResourceID: id, ProjectID: id, Version: 2,
		Changes: map[string]any{"name": "晨风风电"}, Departments: []string{"energy"}}
}

// TestStagedWithTheChange holds that an event commits with its change and
// not without it.
func TestStagedWithTheChange(t *testing.T) {
	t.Parallel()
	errRolledBack := errors.New("rolled back")
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		svc := event.NewService(eventdb.New(db), time.Now, 0)
		err := db.InTx(ctx, func(ctx context.Context) error {
			require.NoError(t, svc.Record(ctx, editor, change("p-rolled-back")))
			return errRolledBack
		})
		require.ErrorIs(t, err, errRolledBack)
		require.NoError(t, db.InTx(ctx, func(ctx context.Context) error {
			return svc.Record(ctx, editor, change("p-committed"))
		}))
		n, err := svc.Flush(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
		page, err := svc.Read(ctx, editor, event.Query{}, 0)
		require.NoError(t, err)
		require.Len(t, page.Events, 1)
		e := page.Events[0]
		assert.Equal(t, "p-committed", e.ResourceID)
		assert.Equal(t, int64(1), e.Position)
		assert.JSONEq(t, `{"name":"晨风风电"}`, string(e.Changes))
		assert.Equal(t, []string{"energy"}, e.Departments)
		assert.Equal(t, "energy_editor", e.Actor)
		assert.Equal(t, int64(1), page.Head)
	})
}

// TestOutsideAChange holds that Record refuses no event outside a change:
// it commits in a transaction of its own.
func TestOutsideAChange(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		svc := event.NewService(eventdb.New(db), time.Now, 0)
		require.NoError(t, svc.Record(ctx, editor, change("p1")))
		n, err := svc.Flush(ctx)
		require.NoError(t, err)
		assert.Equal(t, 1, n)
	})
}
