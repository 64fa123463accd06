package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/auth"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestKeysRotateOut writes a new key outside the service's read-only key
// folder, as an operator does to make a Secret of it, one that signs only
// later; the service's folder with it added serves both keys.
func TestKeysRotateOut(t *testing.T) {
	keyDir := t.TempDir()
	first, err := auth.LoadKeys(keyDir)
	require.NoError(t, err)
	require.NoError(t, os.Chmod(keyDir, 0o500))
	t.Cleanup(func() { _ = os.Chmod(keyDir, 0o700) })
	env := envOf(map[string]string{"PIPELINE_KEY_DIR": keyDir})
	ctx := context.Background()

	if os.Geteuid() != 0 { // root writes into read-only folders
		err = run(ctx, []string{"keys", "rotate"}, env, io.Discard, io.Discard)
		require.ErrorContains(t, err, "--out")
	}
	out := filepath.Join(t.TempDir(), "new")
	var stdout bytes.Buffer
	require.NoError(t, run(ctx, []string{"keys", "rotate", "--out", out, "--activate-in", "1h"}, env, &stdout, io.Discard))
	assert.Contains(t, stdout.String(), "restart every replica before then")
	names, err := filepath.Glob(filepath.Join(out, "*.pem"))
	require.NoError(t, err)
	require.Len(t, names, 1)
	assert.Contains(t, filepath.Base(names[0]), "-from-")

	// The Secret made of the old folder and the new key.
	both := t.TempDir()
	for _, f := range append(mustGlob(t, filepath.Join(keyDir, "*.pem")), names[0]) {
		b, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(both, filepath.Base(f)), b, 0o600))
	}
	ks, err := auth.LoadKeys(both)
	require.NoError(t, err)
	assert.Len(t, ks.JWKS(), 2)
	assert.Equal(t, first.Signing().ID, ks.Signing().ID, "the old key signs until the new one's time")

	for _, bad := range [][]string{{"keys", "rotate", "now"}, {"keys", "rotate", "--activate-in", "-1h"}, {"keys", "turn"}} {
		assert.Error(t, run(ctx, bad, env, io.Discard, io.Discard), strings.Join(bad, " "))
	}
}

func mustGlob(t *testing.T, pattern string) []string {
	t.Helper()
	names, err := filepath.Glob(pattern)
	require.NoError(t, err)
	return names
}

// TestMigrateNeedsOnlyTheDatabaseURL runs `pipeline migrate` as the
// Kubernetes migrate step does: the database URL and nothing else, no admin
// password, no key folder, no writable data folder.
func TestMigrateNeedsOnlyTheDatabaseURL(t *testing.T) {
	nowhere := filepath.Join(t.TempDir(), "absent")
	env := envOf(map[string]string{
		"PIPELINE_DATABASE_URL": dbtest.PostgresURL(t),
		"PIPELINE_DATA_DIR":     nowhere,
	})
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"migrate"}, env, &out, io.Discard))
	assert.NotContains(t, out.String(), "applied 0 migration")
	_, err := os.Stat(nowhere)
	assert.True(t, os.IsNotExist(err), "migrate writes no file: no keys, no data")
}
