package authtest

import (
	"context"
	"testing"

	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/identity"
)

// StoreContract checks that st keeps what the stores of auth.Stores
// document: each store's suite in turn (UserStoreContract,
// ClientStoreContract, RefreshStoreContract, FailureStoreContract), the
// refresh tokens belonging to users st.Users creates. The cases of a suite
// share its store and run in parallel, each with names of its own.
func StoreContract(t *testing.T, st auth.Stores) {
	t.Helper()
	t.Run("users", func(t *testing.T) { UserStoreContract(t, st.Users) })
	t.Run("clients", func(t *testing.T) { ClientStoreContract(t, st.Clients) })
	t.Run("refresh tokens", func(t *testing.T) {
		RefreshStoreContract(t, st.Sessions, func(t *testing.T) string {
			return createUser(t, st.Users, user(unique("owner"), identity.RoleBureau, "")).ID
		})
	})
	t.Run("sign-in failures", func(t *testing.T) { FailureStoreContract(t, st.Failures) })
}

// contractCase is one case of a suite over a store of type S.
type contractCase[S any] struct {
	name string
	run  func(t *testing.T, st S)
}

// runCases runs each case in parallel on st.
func runCases[S any](t *testing.T, st S, cases []contractCase[S]) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, st)
		})
	}
}

// ctx is the context of the suites' calls: no transaction, no deadline.
var ctx = context.Background()
