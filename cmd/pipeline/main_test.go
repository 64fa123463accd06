package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// envOf is the environment m, with bcrypt's least password cost unless m
// sets one: at its default cost a hash takes a second under the race detector.
func envOf(m map[string]string) func(string) string {
	return func(k string) string {
		if v, ok := m[k]; ok || k != "PIPELINE_PASSWORD_COST" {
			return v
		}
		return "4"
	}
}

// start runs the service as `pipeline` with no command and returns its URL,
// the printed sign-in help, and a stop function that waits for shutdown.
func start(t *testing.T, env map[string]string) (base, banner string, stop func() error) {
	t.Helper()
	env["PIPELINE_ADDR"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, nil, envOf(env), pw, io.Discard)
		pw.Close()
	}()
	var b strings.Builder
	sc := bufio.NewScanner(pr)
	urlRE := regexp.MustCompile(`serves on (http://\S+)`)
	deadline := time.After(30 * time.Second)
	lines := make(chan string)
	go func() {
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	for base == "" || !strings.Contains(b.String(), "Sign in:") {
		select {
		case l, ok := <-lines:
			if !ok {
				cancel()
				t.Fatalf("service stopped: %v\n%s", <-done, b.String())
			}
			b.WriteString(l + "\n")
			if m := urlRE.FindStringSubmatch(l); m != nil {
				base = m[1]
			}
		case <-deadline:
			cancel()
			t.Fatal("service did not start")
		}
	}
	go func() {
		for range lines {
		}
	}()
	return base, b.String(), func() error { cancel(); return <-done }
}

func login(t *testing.T, base, user, pw string) string {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"username": user, "password": pw})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&tok))
	return tok.AccessToken
}

func get(t *testing.T, url, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var out map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
	return resp.StatusCode, out
}

// TestServeZeroConfig starts the service with no configuration, as the
// README's first command does: it serves the demo data on SQLite, prints how
// to sign in, the printed accounts work, and a restart keeps the data.
func TestServeZeroConfig(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PIPELINE_DATA_DIR": filepath.Join(dir, "data")}
	base, banner, stop := start(t, env)
	m := regexp.MustCompile(`bureau / (\S+)`).FindStringSubmatch(banner)
	require.NotNil(t, m, banner)
	token := login(t, base, "bureau", m[1])

	status, body := get(t, base+"/api/v1/projects?stage=in_production&category=wind&count=true", token)
	require.Equal(t, http.StatusOK, status)
	assert.EqualValues(t, 3, body["total"], "the three wind farms connected in 2020")

	status, _ = get(t, base+"/readyz", "")
	assert.Equal(t, http.StatusOK, status)
	require.NoError(t, stop(), "graceful shutdown")

	_, err := os.Stat(filepath.Join(dir, "data", "demo-credentials.txt"))
	require.NoError(t, err)
	base, banner2, stop := start(t, env)
	assert.Contains(t, banner2, m[1], "a restart prints the same accounts")
	status, body = get(t, base+"/api/v1/projects?count=true&limit=1", login(t, base, "bureau", m[1]))
	require.Equal(t, http.StatusOK, status)
	assert.EqualValues(t, 56, body["total"], "the demo data is loaded once")
	status, body = get(t, base+"/api/v1/indicators", login(t, base, "bureau", m[1]))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, []any{2020.0, 2021.0}, body["items"], "the report's indicators and targets")
	status, body = get(t, base+"/api/v1/annual-plans/2021", login(t, base, "bureau", m[1]))
	require.Equal(t, http.StatusOK, status)
	assert.Equal(t, "draft", body["state"], "the report's 2021 plan, a draft")
	assert.Len(t, body["entries"], 23, "the projects the report's 2021 tasks name by type")
	assert.Equal(t, map[string]any{"date": "2021-06-30", "rate": 1.0}, body["targets"].(map[string]any)["resumption"], "the report's targets")
	require.NoError(t, stop())
}

// TestMigrateAndSeedPostgres runs the operator commands against an empty
// PostgreSQL schema: migrate, then seed --demo, then serve without demo.
func TestMigrateAndSeedPostgres(t *testing.T) {
	env := map[string]string{
		"PIPELINE_DATABASE_URL":   dbtest.PostgresURL(t),
		"PIPELINE_DATA_DIR":       t.TempDir(),
		"PIPELINE_ADMIN_PASSWORD": "admin-password-for-tests",
	}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"migrate"}, envOf(env), &out, io.Discard))
	assert.NotContains(t, out.String(), "applied 0 migration")
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"migrate"}, envOf(env), &out, io.Discard))
	assert.Contains(t, out.String(), "applied 0 migration", "migrating twice changes nothing")
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"seed", "--demo"}, envOf(env), &out, io.Discard))
	assert.Contains(t, out.String(), "loaded 56 demo projects")
	assert.Contains(t, out.String(), "loaded the county indicators of 2 years")
	assert.Contains(t, out.String(), "loaded 23 entries of the 2021 plan (a draft)")
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"seed", "--demo"}, envOf(env), &out, io.Discard))
	assert.Contains(t, out.String(), "loaded 0 demo projects", "seeding twice adds nothing")
	assert.Contains(t, out.String(), "loaded the county indicators of 0 years", "seeding twice adds nothing")
	assert.Contains(t, out.String(), "loaded 0 entries of the 2021 plan (a draft)", "seeding twice adds nothing")

	base, banner, stop := start(t, env)
	assert.NotContains(t, banner, "bureau /", "no demo accounts are printed on PostgreSQL")
	status, body := get(t, base+"/api/v1/projects?count=true&limit=1", login(t, base, "admin", "admin-password-for-tests"))
	require.Equal(t, http.StatusOK, status)
	assert.EqualValues(t, 56, body["total"])
	status, body = get(t, base+"/api/v1/indicators/2020", login(t, base, "admin", "admin-password-for-tests"))
	require.Equal(t, http.StatusOK, status)
	assert.Len(t, body["items"], 7)
	require.NoError(t, stop())
}

func TestUnknownCommand(t *testing.T) {
	var out bytes.Buffer
	err := run(context.Background(), []string{"fly"}, envOf(map[string]string{}), &out, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "unknown command")
	require.NoError(t, run(context.Background(), []string{"help"}, envOf(map[string]string{}), &out, io.Discard))
	assert.Contains(t, out.String(), "migrate")
}

func TestKeysRotate(t *testing.T) {
	dir := t.TempDir()
	env := envOf(map[string]string{"PIPELINE_KEY_DIR": dir})
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"keys", "rotate"}, env, &out, io.Discard))
	require.NoError(t, run(context.Background(), []string{"keys", "rotate"}, env, &out, io.Discard))
	names, err := filepath.Glob(filepath.Join(dir, "*.pem"))
	require.NoError(t, err)
	assert.Len(t, names, 2)
	require.Error(t, run(context.Background(), []string{"keys"}, env, &out, io.Discard))
}

// TestOperatorCommands creates a user, resets its password and registers a
// client from the command line, then signs in with what they printed.
func TestOperatorCommands(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PIPELINE_DATA_DIR": dir, "PIPELINE_DEMO": "false", "PIPELINE_ADMIN_PASSWORD": "admin-password-for-tests"}
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), []string{"user", "create", "wang.energy", "dept_editor", "energy"}, envOf(env), &out, io.Discard))
	m := regexp.MustCompile(`password: (\S+)`).FindStringSubmatch(out.String())
	require.NotNil(t, m, out.String())
	first := m[1]
	out.Reset()
	env["PIPELINE_NEW_PASSWORD"] = "a-chosen-password-123"
	require.NoError(t, run(context.Background(), []string{"user", "password", "wang.energy"}, envOf(env), &out, io.Discard))
	assert.NotContains(t, out.String(), "password:", "a chosen password is not printed")
	delete(env, "PIPELINE_NEW_PASSWORD")
	out.Reset()
	require.NoError(t, run(context.Background(), []string{"client", "create", "能源局项目系统", "energy", "projects:read"}, envOf(env), &out, io.Discard))
	assert.Contains(t, out.String(), "client_secret=pcs_")
	require.Error(t, run(context.Background(), []string{"user", "create", "x", "emperor"}, envOf(env), io.Discard, io.Discard))

	base, _, stop := start(t, env)
	login(t, base, "wang.energy", "a-chosen-password-123")
	body, _ := json.Marshal(map[string]string{"username": "wang.energy", "password": first})
	resp, err := http.Post(base+"/api/v1/auth/login", "application/json", bytes.NewReader(body))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "the old password no longer works")
	require.NoError(t, stop())
}

func TestBadConfiguration(t *testing.T) {
	err := run(context.Background(), nil, envOf(map[string]string{"PIPELINE_ACCESS_TOKEN_TTL": "2h"}), io.Discard, io.Discard)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "PIPELINE_ACCESS_TOKEN_TTL")
}
