package authdb_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/auth/authdb"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

var clock = time.Date(2021, 4, 1, 9, 30, 15, 123456000, time.UTC)

func user(username string, role identity.Role, dept string) auth.User {
	return auth.User{
		ID: uuid.NewString(), Username: username,
		PasswordHash: "$2a$10$abcdefghijklmnopqrstuu5Yz1KCwxs6sBVgO2fAJ.SRZkDBRW5Mm",
		Role:         role, Department: dept, Version: 1,
		CreatedAt: clock, UpdatedAt: clock.Add(time.Microsecond),
	}
}

func requireKind(t *testing.T, k apperr.Kind, err error) *apperr.Error {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.Code(), apperr.KindOf(err).Code(), "error: %v", err)
	return apperr.As(err)
}

func TestStore(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := authdb.New(db)
		ctx := context.Background()

		n, err := st.Count(ctx)
		require.NoError(t, err)
		assert.Zero(t, n, "a fresh database has no users")

		users := []auth.User{
			user("admin", identity.RoleAdmin, ""),
			user("bureau1", identity.RoleBureau, "drc"),
			user("leader1", identity.RoleLeader, ""),
			user("energy_editor", identity.RoleDeptEditor, "energy"),
			user("能源局查看员", identity.RoleDeptViewer, "energy"),
		}
		disabled := user("gone", identity.RoleDeptViewer, "tourism")
		disabled.Disabled, disabled.Version = true, 4
		disabled.CreatedAt = clock.In(time.FixedZone("Asia/Shanghai", 8*3600))
		users = append(users, disabled)
		for _, u := range users {
			require.NoError(t, st.Create(ctx, u), u.Username)
		}

		t.Run("by username", func(t *testing.T) {
			for _, u := range users {
				got, err := st.ByUsername(ctx, u.Username)
				require.NoError(t, err, u.Username)
				want := u
				want.CreatedAt, want.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
				assert.Equal(t, want, got)
			}
		})
		t.Run("unknown username", func(t *testing.T) {
			for _, name := range []string{"nobody", "", "ADMIN", "admin ", "'; DROP TABLE users; --"} {
				_, err := st.ByUsername(ctx, name)
				requireKind(t, apperr.NotFound, err)
			}
		})
		t.Run("duplicate username", func(t *testing.T) {
			err := st.Create(ctx, user("bureau1", identity.RoleLeader, ""))
			e := requireKind(t, apperr.Conflict, err)
			assert.Contains(t, e.Fields, apperr.FieldError{Field: "username", Code: "not_unique"})
			got, err := st.ByUsername(ctx, "bureau1")
			require.NoError(t, err)
			assert.Equal(t, users[1].ID, got.ID, "the first user stays")
		})
		t.Run("unknown department", func(t *testing.T) {
			err := st.Create(ctx, user("stranger", identity.RoleDeptEditor, "no_such_dept"))
			e := requireKind(t, apperr.Invalid, err)
			assert.Contains(t, e.Fields, apperr.FieldError{Field: "department", Code: "unknown"})
			_, err = st.ByUsername(ctx, "stranger")
			requireKind(t, apperr.NotFound, err)
		})
		t.Run("count", func(t *testing.T) {
			n, err := st.Count(ctx)
			require.NoError(t, err)
			assert.Equal(t, int64(len(users)), n)
		})
	})
}

// TestCreateRace shows that of several concurrent creations of one username
// exactly one wins and the others are conflicts, which is what lets replicas
// bootstrap the admin user at the same time.
func TestCreateRace(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		st := authdb.New(db)
		const n = 6
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() { errs[i] = st.Create(context.Background(), user("admin", identity.RoleAdmin, "")) })
		}
		wg.Wait()
		won := 0
		for _, err := range errs {
			if err == nil {
				won++
				continue
			}
			requireKind(t, apperr.Conflict, err)
		}
		assert.Equal(t, 1, won)
		count, err := st.Count(context.Background())
		require.NoError(t, err)
		assert.Equal(t, int64(1), count)
	})
}
