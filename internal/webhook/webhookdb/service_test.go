package webhookdb_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/webhook"
	"github.com/guangling/pipeline/internal/webhook/webhookdb"
	"github.com/guangling/pipeline/internal/webhook/webhooktest"
)

// A new URL is checked against DNS before the transaction that changes the
// subscription: on SQLite that transaction holds the one connection, and a
// slow DNS answer would stall every other request.
func TestUpdateResolvesTargetBeforeTransaction(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.SQLite(t)
	store := webhookdb.New(db)
	asked, answer := make(chan struct{}), make(chan struct{})
	svc := webhook.NewService(webhook.Deps{Store: store, Queue: store, Feed: &webhooktest.Feed{}, Tx: db,
		Auditor: &webhooktest.Auditor{},
		Targets: webhook.Targets{Lookup: func(ctx context.Context, host string) ([]netip.Addr, error) {
			if host == "slow.example" {
				close(asked)
				<-answer
			}
			return []netip.Addr{netip.MustParseAddr("93.184.216.34")}, nil
		}},
		Render: func(event.Event) ([]byte, error) { return nil, nil }, Now: time.Now, NewID: uuid.NewString,
	}, webhook.Settings{})
	bureau := identity.Principal{Subject: "u", Name: "bureau", Role: identity.RoleBureau}
	sub, err := svc.Create(ctx, bureau, webhook.Input{URL: "https://fast.example/hook"})
	require.NoError(t, err)
	updated := make(chan error, 1)
	go func() {
		url := "https://slow.example/hook"
		_, err := svc.Update(ctx, bureau, sub.ID, 1, webhook.Change{URL: &url})
		updated <- err
	}()
	<-asked // the update waits for DNS
	read := make(chan error, 1)
	go func() { _, err := store.List(ctx, ""); read <- err }()
	select {
	case err := <-read:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Error("a read waited for another request's DNS lookup")
	}
	close(answer)
	require.NoError(t, <-updated)
	got, err := store.Get(ctx, "", sub.ID)
	require.NoError(t, err)
	require.Equal(t, "https://slow.example/hook", got.URL)
}

// The clock of leases is the database's: PostgreSQL's on PostgreSQL.
func TestNowIsTheDatabases(t *testing.T) {
	t.Parallel()
	for _, d := range backends {
		t.Run(d.name, func(t *testing.T) {
			t.Parallel()
			store := webhookdb.New(d.open(t))
			now, err := store.Now(context.Background())
			require.NoError(t, err)
			require.Equal(t, time.UTC, now.Location())
			require.WithinDuration(t, time.Now(), now, time.Hour, "the same moment, give or take the clocks' difference")
		})
	}
}

// A replica's fan-out skips, rather than waits for, the cursor another
// replica holds (PostgreSQL; SQLite has one connection).
func TestCursorHeldElsewhereIsSkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := dbtest.Postgres(t)
	store := webhookdb.New(db)
	held, release, done := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		done <- db.InTx(ctx, func(ctx context.Context) error {
			_, err := store.Cursor(ctx)
			close(held)
			<-release
			return err
		})
	}()
	<-held
	err := db.InTx(ctx, func(ctx context.Context) error { _, err := store.Cursor(ctx); return err })
	require.ErrorIs(t, err, webhook.ErrFanOutBusy)
	close(release)
	require.NoError(t, <-done)
	_, err = store.Cursor(ctx)
	require.NoError(t, err, "free again")
}
