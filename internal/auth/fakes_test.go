package auth_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/bcrypt"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/auth/authtest"
	"github.com/guangling/pipeline/internal/identity"
)

// TestMemoryStoreContract holds the in-memory stores to the contract the
// SQL store passes (internal/auth/authdb), so that what the service tests
// show with them holds with the database.
func TestMemoryStoreContract(t *testing.T) {
	t.Parallel()
	authtest.StoreContract(t, authtest.New().Stores())
}

// start is the service tests' clock when a fixture is made.
var start = time.Date(2021, 4, 15, 9, 0, 0, 0, time.UTC)

// The principals of the service tests. The administrator need not exist as
// a user: the service takes principals as the tokens carry them.
var (
	admin  = identity.Principal{Subject: "00000000-0000-4000-8000-00000000000a", Name: "admin", Role: identity.RoleAdmin}
	bureau = identity.Principal{Subject: "u-bureau", Name: "bureau", Role: identity.RoleBureau}
	// nonAdmins are every principal that may not administer users or clients.
	nonAdmins = []identity.Principal{
		bureau,
		{Subject: "u-leader", Name: "leader", Role: identity.RoleLeader},
		{Subject: "u-editor", Name: "energy_editor", Role: identity.RoleDeptEditor, Department: "energy"},
		{Subject: "u-viewer", Name: "energy_viewer", Role: identity.RoleDeptViewer, Department: "energy"},
		{Subject: "c-1", Name: "能源局系统", Role: identity.RoleDeptEditor, Department: "energy", ClientID: "pc_1",
			Scopes: identity.ClientScopes},
		{},
	}
)

// password is the password of the users the tests create.
const password = "correct horse battery"

// errDB is what a failing store answers.
var errDB = errors.New("the database is gone")

// clock is the fixture's clock, moved by the tests.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// audited is one record the auditor was given, with who made the change.
type audited struct {
	by     identity.Principal
	record audit.Record
}

// errOutsideTx is what the auditor answers an entry made outside a
// transaction, which could commit without its change or the other way.
var errOutsideTx = errors.New("audited outside a transaction")

// auditor records what it is given, in a transaction only.
type auditor struct {
	mu      sync.Mutex
	records []audited
	err     error
}

func (a *auditor) Append(ctx context.Context, p identity.Principal, r audit.Record) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	if !authtest.InTx(ctx) {
		return errOutsideTx
	}
	a.records = append(a.records, audited{p, r})
	return nil
}

func (a *auditor) fail(err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.err = err
}

// last returns the last record, failing t when there is none.
func (a *auditor) last(t *testing.T) audited {
	t.Helper()
	a.mu.Lock()
	defer a.mu.Unlock()
	require.NotEmpty(t, a.records, "nothing audited")
	return a.records[len(a.records)-1]
}

func (a *auditor) count() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return len(a.records)
}

// sleeper records the delays the service would have waited, and waits none.
type sleeper struct {
	mu     sync.Mutex
	delays []time.Duration
}

func (s *sleeper) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.delays = append(s.delays, d)
	return ctx.Err()
}

// last returns the delay of the latest attempt.
func (s *sleeper) last(t *testing.T) time.Duration {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	require.NotEmpty(t, s.delays, "nothing waited")
	return s.delays[len(s.delays)-1]
}

// fixture is a Service over the fakes, with bcrypt's lowest cost so that
// the tests are fast under the race detector, and a sleeper.
type fixture struct {
	svc    *auth.Service
	mem    *authtest.Memory
	clock  *clock
	audit  *auditor
	tokens *auth.Tokens
	sleep  *sleeper
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	keys, err := auth.GenerateKeySet()
	require.NoError(t, err)
	f := &fixture{mem: authtest.New(), clock: &clock{t: start}, audit: &auditor{}, sleep: &sleeper{}}
	f.tokens, err = auth.NewTokens(keys, "iss", "aud", 15*time.Minute, f.clock.now)
	require.NoError(t, err)
	f.svc = auth.NewService(f.mem.Stores(), f.mem.Tx, f.tokens, f.audit, f.clock.now, uuid.NewString)
	f.svc.SetPasswordCost(bcrypt.MinCost)
	f.svc.SetSleep(f.sleep.sleep)
	return f
}

// user creates a user with password as the administrator does.
func (f *fixture) user(t *testing.T, username string, role identity.Role, dept string) auth.User {
	t.Helper()
	u, err := f.svc.CreateUser(context.Background(), admin, username, password, role, dept)
	require.NoError(t, err)
	return u
}

// stored reads a user from the store.
func (f *fixture) stored(t *testing.T, id string) auth.User {
	t.Helper()
	u, err := f.mem.Users.UserByID(context.Background(), id)
	require.NoError(t, err)
	return u
}

// login signs a user in from an address of the tests, failing t on an error.
func (f *fixture) login(t *testing.T, username string) auth.Token {
	t.Helper()
	tok, _, err := f.svc.Login(context.Background(), username, password, "192.0.2.1")
	require.NoError(t, err)
	return tok
}

// setDisabled disables or enables a user in the store itself, past the
// service and its revocations.
func (f *fixture) setDisabled(t *testing.T, id string, disabled bool) {
	t.Helper()
	_, err := f.mem.Users.UpdateUser(context.Background(), id, func(u *auth.User) error {
		u.Disabled = disabled
		return nil
	})
	require.NoError(t, err)
}

// newClient registers a client as the administrator does and returns it
// with its secret.
func (f *fixture) newClient(t *testing.T, dept string, scopes ...string) (auth.Client, string) {
	t.Helper()
	c, secret, err := f.svc.CreateClient(context.Background(), admin, "能源局系统", dept, scopes)
	require.NoError(t, err)
	return c, secret
}

// requireKind asserts that err is of kind k and returns it.
func requireKind(t *testing.T, k apperr.Kind, err error) *apperr.Error {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, k.Code(), apperr.KindOf(err).Code(), "error: %v", err)
	return apperr.As(err)
}

// requireFields asserts that err is validation_failed with exactly fields.
func requireFields(t *testing.T, fields []apperr.FieldError, err error) {
	t.Helper()
	assert.Equal(t, fields, requireKind(t, apperr.Invalid, err).Fields)
}

// sha256Hex is the hash the service stores of a refresh token or a secret.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
