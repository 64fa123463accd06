package auth

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/identity"
)

// TestFirstKeyOnce starts many loaders together on one empty folder, as
// replicas starting at once on a shared volume would: they must end up with
// one key between them, all signing with it.
func TestFirstKeyOnce(t *testing.T) {
	t.Parallel()
	for round := range 5 {
		dir := filepath.Join(t.TempDir(), "keys")
		const n = 16
		ids := make([]string, n)
		errs := make([]error, n)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				<-start
				ks, err := LoadKeys(dir)
				errs[i] = err
				if err == nil {
					ids[i] = ks.Signing().ID
				}
			})
		}
		close(start)
		wg.Wait()
		for i := range n {
			require.NoError(t, errs[i], "round %d, loader %d", round, i)
			assert.Equal(t, ids[0], ids[i], "round %d: loader %d signs with another key", round, i)
		}
		names, err := filepath.Glob(filepath.Join(dir, "*.pem"))
		require.NoError(t, err)
		assert.Len(t, names, 1, "round %d: one first key", round)
	}
}

// TestFirstKeyOnceAcrossProcesses is TestFirstKeyOnce with processes, which
// do not share the memory a lock within one process could use.
func TestFirstKeyOnceAcrossProcesses(t *testing.T) {
	if dir := os.Getenv("PIPELINE_TEST_KEY_DIR"); dir != "" {
		// The child: wait for the start signal, then load.
		for {
			if _, err := os.Stat(filepath.Join(filepath.Dir(dir), "go")); err == nil {
				break
			}
			time.Sleep(time.Millisecond)
		}
		ks, err := LoadKeys(dir)
		require.NoError(t, err)
		fmt.Printf("kid=%s\n", ks.Signing().ID)
		return
	}
	t.Parallel()
	root := t.TempDir()
	dir := filepath.Join(root, "keys")
	const n = 6
	cmds := make([]*exec.Cmd, n)
	outs := make([]strings.Builder, n)
	for i := range n {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestFirstKeyOnceAcrossProcesses$", "-test.count=1")
		cmds[i].Env = append(os.Environ(), "PIPELINE_TEST_KEY_DIR="+dir)
		cmds[i].Stdout = &outs[i]
		require.NoError(t, cmds[i].Start())
	}
	time.Sleep(200 * time.Millisecond) // let them reach the start line; not a timing assertion
	require.NoError(t, os.WriteFile(filepath.Join(root, "go"), nil, 0o600))
	kids := map[string]bool{}
	for i := range n {
		require.NoError(t, cmds[i].Wait(), outs[i].String())
		for l := range strings.Lines(outs[i].String()) {
			if kid, ok := strings.CutPrefix(strings.TrimSpace(l), "kid="); ok {
				kids[kid] = true
			}
		}
	}
	assert.Len(t, kids, 1, "every process signs with the same key")
	names, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	require.NoError(t, err)
	assert.Len(t, names, 1)
}

// TestRotationOverlap adds a key to the folder as an operator does when
// keys come from a Secret: after a restart the JWKS lists both keys, tokens
// signed by the old key still verify, and a key that starts signing later
// only verifies until then.
func TestRotationOverlap(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	before, err := LoadKeys(dir)
	require.NoError(t, err)
	tokens := func(ks *KeySet) *Tokens {
		tk, err := NewTokens(ks, "iss", "aud", 15*time.Minute, time.Now)
		require.NoError(t, err)
		return tk
	}
	p := identity.Principal{Subject: "u1", Name: "bureau", Role: identity.RoleBureau}
	old, err := tokens(before).Issue(p)
	require.NoError(t, err)

	now := time.Now()
	_, err = AddKeyFrom(dir, now, now.Add(time.Hour))
	require.NoError(t, err)
	after, err := LoadKeys(dir)
	require.NoError(t, err)
	jwks := after.JWKS()
	require.Len(t, jwks, 2, "the JWKS serves the old key and the new")
	assert.Equal(t, before.Signing().ID, jwks[1].Kid, "newest first")
	assert.Equal(t, before.Signing().ID, after.Signing().ID, "the new key does not sign before its time")
	got, err := tokens(after).Verify(old)
	require.NoError(t, err, "a token of the old key still verifies")
	assert.Equal(t, p, got)

	after.now = func() time.Time { return now.Add(time.Hour) }
	assert.Equal(t, jwks[0].Kid, after.Signing().ID, "from its time the new key signs")
	assert.NotEqual(t, before.Signing().ID, after.Signing().ID)
	fresh, err := tokens(after).Issue(p)
	require.NoError(t, err)
	_, err = tokens(after).Verify(fresh)
	require.NoError(t, err)
	_, err = tokens(after).Verify(old)
	require.NoError(t, err, "the old key still verifies during the overlap")
}

func TestKeyFileNames(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		want time.Time
	}{
		{"ed25519-20261207T070000.000000000Z.pem", time.Time{}},
		{"ed25519-20261207T070000.000000000Z-from-20261207T080000.000000000Z.pem", at},
		{"ed25519-20250101T000000.pem", time.Time{}},
		{"ed25519-20261207T070000.000000000Z-from-tomorrow.pem", time.Time{}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, notBefore(c.name), c.name)
	}
	dir := t.TempDir()
	name, err := AddKey(dir, at)
	require.NoError(t, err)
	_, err = AddKey(dir, at)
	require.Error(t, err, "a key never replaces another")
	k, err := readKey(name)
	require.NoError(t, err)
	assert.True(t, k.NotBefore.IsZero())
	leftovers, err := filepath.Glob(filepath.Join(dir, ".new-key-*"))
	require.NoError(t, err)
	assert.Empty(t, leftovers)
}
