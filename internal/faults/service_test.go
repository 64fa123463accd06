package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/childproc"
)

// binary is the pipeline binary TestMain built, when the tests are asked
// for; buildErr says why it is missing.
var binary, buildErr = "", error(nil)

func TestMain(m *testing.M) {
	if os.Getenv(gateEnv) == "" {
		os.Exit(m.Run())
	}
	sweep()
	dir, err := os.MkdirTemp("", "pipeline-faults-bin-")
	if err == nil {
		err = own(dir)
	}
	if err != nil {
		buildErr = err
		os.Exit(m.Run())
	}
	binary = filepath.Join(dir, "pipeline")
	out, err := exec.Command("go", "build", "-o", binary, "github.com/guangling/pipeline/cmd/pipeline").CombinedOutput()
	if err != nil {
		buildErr = fmt.Errorf("%w\n%s", err, out)
	}
	code := m.Run()
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

const adminPassword = "fault-tests-admin-password"

// service is the pipeline binary serving a cluster's database; started
// again, it keeps its environment, data folder (signing keys) included.
type service struct {
	t     *testing.T
	env   []string
	proc  *childproc.Child
	base  string // its URL, http://127.0.0.1:port
	token string // the admin's access token
}

var servesRE = regexp.MustCompile(`pipeline serves on (http://\S+)`)

// newService configures the service for the cluster c, with settings on
// top of the test's; start starts it.
func newService(t *testing.T, c *cluster, settings ...string) *service {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PIPELINE_") {
			env = append(env, kv)
		}
	}
	env = append(env, "PIPELINE_DATABASE_URL="+c.url(), "PIPELINE_ADDR=127.0.0.1:0",
		"PIPELINE_DATA_DIR="+t.TempDir(), "PIPELINE_DEMO=false", "PIPELINE_ADMIN_PASSWORD="+adminPassword,
		"PIPELINE_PASSWORD_COST=4", "PIPELINE_LOG_LEVEL=warn", "PIPELINE_DB_MAX_OPEN_CONNS=20")
	s := &service{t: t, env: append(env, settings...)}
	t.Cleanup(func() {
		if s.proc != nil {
			s.proc.Kill()
		}
	})
	return s
}

// start starts the service, waits until it is ready and signs in as the
// admin.
func (s *service) start() {
	s.t.Helper()
	proc, m, err := childproc.Start(context.Background(), "the service", binary, s.env, servesRE, "serve")
	if err != nil {
		s.t.Fatal(err)
	}
	s.proc, s.base = proc, strings.Replace(m[1], "localhost", "127.0.0.1", 1)
	if st, _, err := s.call(http.MethodGet, "/readyz", nil, nil); err != nil || st != http.StatusOK {
		s.t.Fatalf("/readyz: %d %v\n%s", st, err, proc.Output())
	}
	var tok api.TokenResponse
	st, _, err := s.call(http.MethodPost, "/api/v1/auth/login", api.LoginRequest{Username: "admin", Password: adminPassword}, &tok)
	if err != nil || st != http.StatusOK {
		s.t.Fatalf("sign in: %d %v", st, err)
	}
	s.token = tok.AccessToken
}

// kill ends the service with SIGKILL.
func (s *service) kill() {
	s.proc.Kill()
	s.proc = nil
}

// auditVerify runs `pipeline audit verify` on the service's database and
// fails t unless the trail is intact; it returns the line it printed.
func (s *service) auditVerify() string {
	s.t.Helper()
	cmd := exec.Command(binary, "audit", "verify")
	cmd.Env = s.env
	out, err := cmd.Output()
	if err != nil || !strings.Contains(string(out), "audit trail intact") {
		s.t.Fatalf("pipeline audit verify: %v\n%s", err, out)
	}
	return strings.TrimSpace(string(out))
}

var client = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 32}}

// answer is what a request got: its status (0: no answer) and headers.
type answer struct {
	request    string // its method and path
	status     int
	problem    string // the start of the body of an answer other than 2xx
	retryAfter string
	err        error
	took       time.Duration
}

// call sends a request with the admin's token (once signed in) and decodes a
// 2xx answer's JSON body into into.
func (s *service) call(method, path string, body, into any, header ...string) (int, http.Header, error) {
	a, h := s.send(method, path, body, into, header...)
	return a.status, h, a.err
}

func (s *service) send(method, path string, body, into any, header ...string) (answer, http.Header) {
	start := time.Now()
	var r io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, s.base+path, r)
	if err != nil {
		return answer{err: err}, nil
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if s.token != "" {
		req.Header.Set("Authorization", "Bearer "+s.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return answer{request: method + " " + path, err: err, took: time.Since(start)}, nil
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	a := answer{request: method + " " + path, status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), err: err, took: time.Since(start)}
	if resp.StatusCode/100 != 2 {
		a.problem = string(b[:min(len(b), 300)])
	}
	if err == nil && into != nil && resp.StatusCode/100 == 2 {
		a.err = json.Unmarshal(b, into)
	}
	return a, resp.Header
}
