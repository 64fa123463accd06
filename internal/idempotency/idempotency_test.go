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

var (
	clock    = time.Date(2021, 4, 1, 9, 30, 15, 123456000, time.UTC)
	shanghai = time.FixedZone("Asia/Shanghai", 8*3600)
)

func record(principal, key string, at time.Time) idempotency.Record {
	return idempotency.Record{
		Principal: principal, Key: key, Method: "POST", Path: "/api/v1/projects",
		RequestHash: "3f79bb7b435b05321651daefd374cdc681dc06faa65e374e38337b88ca046dea",
		Status:      201, Location: "/api/v1/projects/5d2c5f1e-8d8c-4d57-9d1e-0b8f7f6f1a2b",
		Body:      []byte("{\"name\":\"晨风风电\"}\x00\xff"),
		CreatedAt: at,
	}
}

func requireKind(t *testing.T, k apperr.Kind, err error) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.Code(), apperr.KindOf(err).Code(), "error: %v", err)
}

func TestStore(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := idempotency.New(db)
		ctx := context.Background()

		t.Run("put then get", func(t *testing.T) {
			t.Parallel()
			rec := record("user-1", "key-put-get", clock)
			require.NoError(t, st.Put(ctx, rec))
			got, err := st.Get(ctx, "user-1", "key-put-get", clock.Add(time.Minute))
			require.NoError(t, err)
			assert.Equal(t, rec, got)
		})
		t.Run("empty location", func(t *testing.T) {
			t.Parallel()
			rec := record("user-1", "key-no-location", clock)
			rec.Location = ""
			require.NoError(t, st.Put(ctx, rec))
			got, err := st.Get(ctx, "user-1", "key-no-location", clock)
			require.NoError(t, err)
			assert.Equal(t, rec, got)
		})
		t.Run("keys belong to their principal", func(t *testing.T) {
			t.Parallel()
			require.NoError(t, st.Put(ctx, record("user-2", "shared-key", clock)))
			_, err := st.Get(ctx, "user-3", "shared-key", clock)
			requireKind(t, apperr.NotFound, err)
			_, err = st.Get(ctx, "user-2", "other-key", clock)
			requireKind(t, apperr.NotFound, err)

			other := record("user-3", "shared-key", clock)
			other.RequestHash = "another request"
			require.NoError(t, st.Put(ctx, other), "another principal may use the same key")
			got, err := st.Get(ctx, "user-3", "shared-key", clock)
			require.NoError(t, err)
			assert.Equal(t, "another request", got.RequestHash)
			got, err = st.Get(ctx, "user-2", "shared-key", clock)
			require.NoError(t, err)
			assert.NotEqual(t, "another request", got.RequestHash)
		})
		t.Run("a live key is taken", func(t *testing.T) {
			t.Parallel()
			first := record("user-4", "key-taken", clock)
			require.NoError(t, st.Put(ctx, first))
			for _, at := range []time.Time{clock, clock.Add(time.Hour), clock.Add(idempotency.TTL - time.Microsecond)} {
				second := record("user-4", "key-taken", at)
				second.RequestHash = "second"
				err := st.Put(ctx, second)
				require.ErrorIs(t, err, idempotency.ErrTaken, "at %v", at)
				requireKind(t, apperr.Conflict, err)
			}
			got, err := st.Get(ctx, "user-4", "key-taken", clock.Add(idempotency.TTL-time.Microsecond))
			require.NoError(t, err)
			assert.Equal(t, first, got)
		})
		t.Run("an expired record is not returned and is replaced", func(t *testing.T) {
			t.Parallel()
			cases := []struct {
				name string
				age  time.Duration
			}{
				{"exactly the ttl", idempotency.TTL},
				{"just past the ttl", idempotency.TTL + time.Microsecond},
				{"long past", 30 * 24 * time.Hour},
			}
			for _, tc := range cases {
				key := "key-expired-" + tc.name
				require.NoError(t, st.Put(ctx, record("user-5", key, clock)))
				later := clock.Add(tc.age)
				_, err := st.Get(ctx, "user-5", key, later)
				requireKind(t, apperr.NotFound, err)

				fresh := record("user-5", key, later)
				fresh.RequestHash = "fresh"
				require.NoError(t, st.Put(ctx, fresh), tc.name)
				got, err := st.Get(ctx, "user-5", key, later)
				require.NoError(t, err, tc.name)
				assert.Equal(t, fresh, got, tc.name)
			}
		})
		t.Run("times in another zone are the same instants", func(t *testing.T) {
			t.Parallel()
			// Written in Shanghai time, read in UTC, and the other way round:
			// the age of a record is a duration, whatever the zone of the clock.
			require.NoError(t, st.Put(ctx, record("user-6", "key-zone", clock.In(shanghai))))
			got, err := st.Get(ctx, "user-6", "key-zone", clock.Add(idempotency.TTL-time.Hour))
			require.NoError(t, err)
			assert.True(t, clock.Equal(got.CreatedAt))
			assert.Equal(t, time.UTC, got.CreatedAt.Location())
			_, err = st.Get(ctx, "user-6", "key-zone", clock.Add(idempotency.TTL+time.Hour).In(shanghai))
			requireKind(t, apperr.NotFound, err)
			err = st.Put(ctx, record("user-6", "key-zone", clock.Add(idempotency.TTL-time.Hour).In(shanghai)))
			require.ErrorIs(t, err, idempotency.ErrTaken)

			require.NoError(t, st.Put(ctx, record("user-6", "key-zone-2", clock)))
			_, err = st.Get(ctx, "user-6", "key-zone-2", clock.Add(idempotency.TTL-time.Hour).In(shanghai))
			require.NoError(t, err)
			_, err = st.Get(ctx, "user-6", "key-zone-2", clock.Add(idempotency.TTL+time.Hour))
			requireKind(t, apperr.NotFound, err)
		})
		t.Run("written in the caller's transaction", func(t *testing.T) {
			t.Parallel()
			boom := errors.New("the creation failed")
			err := db.InTx(ctx, func(ctx context.Context) error {
				require.NoError(t, st.Put(ctx, record("user-7", "key-tx", clock)))
				_, err := st.Get(ctx, "user-7", "key-tx", clock)
				require.NoError(t, err, "visible inside the transaction")
				return boom
			})
			require.ErrorIs(t, err, boom)
			_, err = st.Get(ctx, "user-7", "key-tx", clock)
			requireKind(t, apperr.NotFound, err)
			require.NoError(t, st.Put(ctx, record("user-7", "key-tx", clock)), "the rolled back key is free")
		})
	})
}

// TestPurge: expired records go, live ones stay, as Get sees them.
func TestPurge(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := idempotency.New(db)
		ctx := context.Background()
		require.NoError(t, st.Put(ctx, record("user-1", "old", clock)))
		require.NoError(t, st.Put(ctx, record("user-1", "new", clock.Add(time.Hour))))

		now := clock.Add(idempotency.TTL)
		n, err := st.Purge(ctx, now)
		require.NoError(t, err)
		assert.Equal(t, int64(1), n, "the record a day old expired")
		_, err = st.Get(ctx, "user-1", "new", now)
		require.NoError(t, err, "the live one stays")
		n, err = st.Purge(ctx, now)
		require.NoError(t, err)
		assert.Zero(t, n)
	})
}
