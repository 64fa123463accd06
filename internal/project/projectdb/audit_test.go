package projectdb_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

// brokenAuditor stands for an audit trail that cannot be written.
type brokenAuditor struct{ err error }

func (b brokenAuditor) Append(context.Context, identity.Principal, audit.Record) error { return b.err }

// TestChangesRollBackWithoutTheirAuditEntry: the project service writes each
// change and its audit entry in one transaction, so a change whose entry
// cannot be written is not made at all.
func TestChangesRollBackWithoutTheirAuditEntry(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		now := func() time.Time { return clock }
		bureau := identity.Principal{Subject: uuid.NewString(), Name: "bureau", Role: identity.RoleBureau}
		auditor := audit.NewService(auditdb.New(db), now)
		good := project.NewService(projectdb.New(db), db, auditor, now, uuid.NewString)
		boom := errors.New("the audit trail cannot be written")
		ids := make(chan string, 4)
		broken := project.NewService(projectdb.New(db), db, brokenAuditor{boom}, now, func() string {
			id := uuid.NewString()
			ids <- id
			return id
		})
		st := projectdb.New(db)

		entry := project.Draft{
			Fields: project.Fields{Name: "晨风50兆瓦风电项目", Category: "wind", Department: "energy"},
			Stage:  project.Started, Actual: project.Actual{StartedOn: day("2021-03-01")},
		}
		live, err := good.Create(ctx, bureau, entry)
		require.NoError(t, err)
		archived, err := good.Create(ctx, bureau, entry)
		require.NoError(t, err)
		require.NoError(t, good.Archive(ctx, bureau, archived.ID, 1))

		_, err = broken.Create(ctx, bureau, entry)
		require.ErrorIs(t, err, boom)
		close(ids)
		for id := range ids { // the project's and its import transition's
			_, err := st.Get(ctx, project.Reach{All: true}, id)
			requireKind(t, apperr.NotFound, err)
		}
		page, err := st.List(ctx, project.Reach{All: true}, project.ListQuery{Count: true})
		require.NoError(t, err)
		assert.EqualValues(t, 1, *page.Total, "only the live project is listed")

		_, err = broken.Update(ctx, bureau, live.ID, 1, func(f project.Fields) (project.Fields, error) {
			f.Name = "改名"
			return f, nil
		})
		require.ErrorIs(t, err, boom)
		require.ErrorIs(t, broken.Archive(ctx, bureau, live.ID, 1), boom)
		_, _, err = project.NewService(st, db, brokenAuditor{boom}, now, uuid.NewString).Move(ctx, bureau, live.ID, 1, project.Move{To: project.Suspended, OccurredOn: *day("2021-04-01"), Note: "用地调整"})
		require.ErrorIs(t, err, boom)
		_, err = broken.Restore(ctx, bureau, archived.ID)
		require.ErrorIs(t, err, boom)

		got, err := st.Get(ctx, project.Reach{All: true}, live.ID)
		require.NoError(t, err)
		assert.Equal(t, live, got, "neither the update nor the archive happened")
		got, err = st.Get(ctx, project.Reach{All: true}, archived.ID)
		require.NoError(t, err)
		assert.NotNil(t, got.ArchivedAt, "the restore did not happen")
		assert.Equal(t, 2, got.Version)
		ts, err := st.Transitions(ctx, project.Reach{All: true}, live.ID)
		require.NoError(t, err)
		require.Len(t, ts, 1)

		// A move whose history row cannot be written (its ID is taken) leaves
		// neither the project's new stage nor its audit entry behind.
		moved := got
		moved.Stage, moved.Version = project.Suspended, got.Version+1
		err = db.InTx(ctx, func(ctx context.Context) error {
			require.NoError(t, auditor.Append(ctx, bureau, audit.Record{Action: project.ActionMove, ResourceType: project.ResourceType, ResourceID: live.ID}))
			return st.Move(ctx, live, moved, project.Transition{ID: ts[0].ID, ProjectID: live.ID, To: project.Suspended,
				OccurredOn: *day("2021-04-01"), Kind: project.KindMove, RecordedAt: clock})
		})
		requireKind(t, apperr.Conflict, err)
		got, err = st.Get(ctx, project.Reach{All: true}, live.ID)
		require.NoError(t, err)
		assert.Equal(t, live, got, "the move did not happen")

		require.NoError(t, auditor.Flush(ctx))
		es, err := auditdb.New(db).Walk(ctx, 0, 100)
		require.NoError(t, err)
		var actions []string
		for _, e := range es {
			actions = append(actions, e.Action+" "+e.ResourceID)
		}
		assert.Equal(t, []string{
			"project.create " + live.ID, "project.create " + archived.ID, "project.archive " + archived.ID,
		}, actions, "the good service's changes, each with its entry")
		res, err := auditor.Verify(ctx, bureau)
		require.NoError(t, err)
		assert.Equal(t, audit.Result{OK: true, Entries: 3}, res)
	})
}
