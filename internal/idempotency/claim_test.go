package idempotency_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/idempotency"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestClaim: a key is claimed before the work and its answer filled in
// before the commit; a claim of a key already answered loses, and an
// expired one is taken over.
func TestClaim(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := idempotency.New(db)
		ctx := context.Background()
		rec := record("user-1", "claim-1", clock)
		err := db.InTx(ctx, func(ctx context.Context) error {
			won, err := st.Claim(ctx, rec)
			require.NoError(t, err)
			require.True(t, won)
			return st.Fill(ctx, rec)
		})
		require.NoError(t, err)
		got, err := st.Get(ctx, "user-1", "claim-1", clock)
		require.NoError(t, err)
		assert.Equal(t, rec, got)

		won, err := st.Claim(ctx, record("user-1", "claim-1", clock.Add(time.Hour)))
		require.NoError(t, err)
		assert.False(t, won, "the key is answered")
		won, err = st.Claim(ctx, record("user-1", "claim-1", clock.Add(idempotency.TTL)))
		require.NoError(t, err)
		assert.True(t, won, "the answer expired")

		err = st.Fill(ctx, record("user-1", "never-claimed", clock))
		require.Error(t, err, "only a claimed key is filled")
	})
}

// TestClaimWaitsForTheTwin: on PostgreSQL a claim of a key that a running
// transaction claimed waits for it: it loses when the twin commits, wins
// when the twin rolls back, and answers ErrInProgress when the twin runs
// longer than the claim waits.
func TestClaimWaitsForTheTwin(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	st := idempotency.New(db)
	idempotency.SetWait(st, 300*time.Millisecond)
	ctx := context.Background()

	// twin claims rec's key in a transaction that ends with end (nil
	// commits with the answer) once release is closed.
	twin := func(rec idempotency.Record, end error) (claimed, release chan struct{}, done chan error) {
		claimed, release, done = make(chan struct{}), make(chan struct{}), make(chan error, 1)
		go func() {
			done <- db.InTx(ctx, func(ctx context.Context) error {
				if won, err := st.Claim(ctx, rec); err != nil || !won {
					close(claimed)
					return errors.Join(err, errors.New("the twin lost its claim"))
				}
				close(claimed)
				<-release
				if end != nil {
					return end
				}
				return st.Fill(ctx, rec)
			})
		}()
		return claimed, release, done
	}
	claimAfter := func(rec idempotency.Record, pause time.Duration, release chan struct{}) (bool, error) {
		var won bool
		err := db.InTx(ctx, func(ctx context.Context) error {
			go func() { time.Sleep(pause); close(release) }()
			var err error
			won, err = st.Claim(ctx, rec)
			return err
		})
		return won, err
	}

	for _, tc := range []struct {
		name    string
		end     error
		pause   time.Duration
		wantWon bool
		wantErr error
	}{
		{"the twin commits", nil, 100 * time.Millisecond, false, nil},
		{"the twin rolls back", errors.New("the work failed"), 100 * time.Millisecond, true, nil},
		{"the twin outlasts the wait", nil, 2 * time.Second, false, idempotency.ErrInProgress},
	} {
		rec := record("user-2", "twin-"+tc.name, clock)
		claimed, release, done := twin(rec, tc.end)
		<-claimed
		won, err := claimAfter(rec, tc.pause, release)
		if tc.wantErr != nil {
			require.ErrorIs(t, err, tc.wantErr, tc.name)
			assert.Equal(t, time.Second, apperr.As(err).RetryAfter, "%s: the client retries in a second", tc.name)
		} else {
			require.NoError(t, err, tc.name)
		}
		assert.Equal(t, tc.wantWon, won, tc.name)
		twinErr := <-done
		if tc.end == nil {
			require.NoError(t, twinErr, tc.name)
		}
	}
}
