package authtest

import (
	"sync"
	"testing"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/auth"
)

// RefreshStoreContract checks that st keeps what auth.RefreshStore
// documents: a live token used once, and only once even when used
// concurrently; a used, revoked or expired one answered as not fresh and
// left as it was; a family's or a user's live tokens revoked together, each
// keeping the time it was first revoked; times in UTC. newUser creates a
// user that tokens may belong to and returns its ID (the SQL table refers
// to users).
func RefreshStoreContract(t *testing.T, st auth.RefreshStore, newUser func(t *testing.T) string) {
	t.Helper()
	cases := []contractCase[tokenStore]{
		{"a token is used once, then answered as used", tokenUsedOnce},
		{"of concurrent uses of a token exactly one is fresh", tokenUseRace},
		{"an unknown token is not found", tokenUnknown},
		{"an expired token is not fresh and stays unused", tokenExpired},
		{"a hash or an ID taken twice is a conflict", tokenTaken},
		{"revoking a family revokes its live tokens only, once", familyRevoked},
		{"revoking a user revokes every family of the user only", userRevoked},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, tokenStore{st, newUser(t), newUser})
		})
	}
}

// tokenStore is the store a case of RefreshStoreContract runs on, with a
// user of its own, and how to make more.
type tokenStore struct {
	auth.RefreshStore
	user    string
	newUser func(t *testing.T) string
}

// token is a live token of user in family, at the suites' instant.
func token(user, family string) auth.RefreshToken {
	return auth.RefreshToken{ID: newID(), FamilyID: family, UserID: user, Hash: unique("hash"),
		ExpiresAt: at.Add(auth.RefreshTTL), CreatedAt: at}
}

func createToken(t *testing.T, st auth.RefreshStore, tok auth.RefreshToken) auth.RefreshToken {
	t.Helper()
	must(t, st.CreateRefresh(ctx, tok), "create token")
	return tok
}

// use uses a token and fails t unless it is as fresh as want says.
func use(t *testing.T, st auth.RefreshStore, hash string, now time.Time, fresh bool) auth.RefreshToken {
	t.Helper()
	got, ok, err := st.UseRefresh(ctx, hash, now)
	must(t, err, "use")
	if ok != fresh {
		t.Errorf("use at %v: fresh %v, want %v", now, ok, fresh)
	}
	return got
}

func ptr(t time.Time) *time.Time { return &t }

func tokenUsedOnce(t *testing.T, st tokenStore) {
	tok := token(st.user, newID())
	tok.CreatedAt, tok.ExpiresAt = at.In(shanghai), at.Add(time.Hour).In(shanghai)
	createToken(t, st, tok)
	want := tok
	want.CreatedAt, want.ExpiresAt = at, at.Add(time.Hour)
	want.UsedAt = ptr(at.Add(time.Minute))
	equal(t, want, use(t, st, tok.Hash, at.Add(time.Minute).In(shanghai), true), "the token, used, times in UTC")
	equal(t, want, use(t, st, tok.Hash, at.Add(2*time.Minute), false), "the token used again: as first used")
}

func tokenUseRace(t *testing.T, st tokenStore) {
	tok := createToken(t, st, token(st.user, newID()))
	const n = 6
	fresh := make([]bool, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { _, fresh[i], errs[i] = st.UseRefresh(ctx, tok.Hash, at.Add(time.Minute)) })
	}
	wg.Wait()
	won := 0
	for i := range n {
		must(t, errs[i], "a concurrent use")
		if fresh[i] {
			won++
		}
	}
	equal(t, 1, won, "fresh uses")
}

func tokenUnknown(t *testing.T, st tokenStore) {
	for _, hash := range []string{unique("hash"), ""} {
		_, _, err := st.UseRefresh(ctx, hash, at)
		wantKind(t, apperr.NotFound, err, "use of "+hash)
	}
}

func tokenExpired(t *testing.T, st tokenStore) {
	tok := createToken(t, st, token(st.user, newID()))
	equal(t, tok, use(t, st, tok.Hash, tok.ExpiresAt, false), "at its expiry: expired, unused")
	equal(t, tok, use(t, st, tok.Hash, tok.ExpiresAt.Add(time.Hour), false), "after its expiry: expired, unused")
	use(t, st, tok.Hash, tok.ExpiresAt.Add(-time.Microsecond), true) // still unused, so fresh before its expiry
}

func tokenTaken(t *testing.T, st tokenStore) {
	first := createToken(t, st, token(st.user, newID()))
	again := token(st.user, newID())
	again.Hash = first.Hash
	wantKind(t, apperr.Conflict, st.CreateRefresh(ctx, again), "the hash again")
	again = token(st.user, newID())
	again.ID = first.ID
	wantKind(t, apperr.Conflict, st.CreateRefresh(ctx, again), "the ID again")
	_, _, err := st.UseRefresh(ctx, again.Hash, at)
	wantKind(t, apperr.NotFound, err, "the token of the ID taken")
	equal(t, first.FamilyID, use(t, st, first.Hash, at, true).FamilyID, "the first token stays")
}

func familyRevoked(t *testing.T, st tokenStore) {
	family, other := newID(), newID()
	used := createToken(t, st, token(st.user, family))
	use(t, st, used.Hash, at.Add(time.Minute), true)
	live := createToken(t, st, token(st.user, family))
	kept := createToken(t, st, token(st.user, other))
	revoked := at.Add(time.Hour)
	must(t, st.RevokeFamily(ctx, family, revoked.In(shanghai)), "revoke the family")
	must(t, st.RevokeFamily(ctx, family, revoked.Add(time.Hour)), "revoke the family again")
	must(t, st.RevokeFamily(ctx, newID(), revoked), "revoke an unknown family")
	for _, tok := range []auth.RefreshToken{used, live} {
		equal(t, ptr(revoked), use(t, st, tok.Hash, revoked.Add(time.Minute), false).RevokedAt, "revoked at the first revocation, in UTC")
	}
	equal(t, ptr(at.Add(time.Minute)), use(t, st, used.Hash, revoked, false).UsedAt, "the used token keeps its use")
	got := use(t, st, kept.Hash, revoked, true)
	equal(t, (*time.Time)(nil), got.RevokedAt, "the other family's token is live")
}

func userRevoked(t *testing.T, st tokenStore) {
	other := st.newUser(t)
	mine := []auth.RefreshToken{createToken(t, st, token(st.user, newID())), createToken(t, st, token(st.user, newID()))}
	theirs := createToken(t, st, token(other, newID()))
	revoked := at.Add(time.Hour)
	must(t, st.RevokeUser(ctx, st.user, revoked), "revoke the user")
	must(t, st.RevokeUser(ctx, st.user, revoked.Add(time.Hour)), "revoke the user again")
	for _, tok := range mine {
		equal(t, ptr(revoked), use(t, st, tok.Hash, revoked, false).RevokedAt, "revoked at the first revocation")
	}
	use(t, st, theirs.Hash, revoked, true)
}
