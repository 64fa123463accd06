package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"time"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/platform/childproc"
)

// benchUser is the bureau account the bench signs in as: bureau staff read
// and write every project, as the pairs need.
const benchUser = "bench"

// service is a pipeline binary serving the bench schema.
type service struct {
	name string // its sides' name: "service", or "baseline" for Options.Against
	proc *childproc.Child
	api  string // its base URL
}

func (s *service) stop() error {
	if s == nil {
		return nil
	}
	return s.proc.Stop()
}

var servesRE = regexp.MustCompile(`pipeline serves on (http://\S+)`)

// startServices creates the bench's bureau user, starts the service on the
// bench schema (and the binary it is compared with, in a comparison) and
// serves the bare handler beside them.
func (r *run) startServices(ctx context.Context) error {
	b := make([]byte, 18)
	_, _ = rand.Read(b)
	r.password = hex.EncodeToString(b)
	if err := r.command(ctx, []string{"PIPELINE_NEW_PASSWORD=" + r.password}, "user", "create", benchUser, "bureau"); err != nil {
		return err
	}
	// The webhook receiver of the latency measurement is on loopback.
	env := []string{"PIPELINE_WEBHOOK_ALLOW_PRIVATE=true"}
	if r.o.Pprof != "" {
		env = append(env, "PIPELINE_PPROF_ADDR="+r.o.Pprof)
	}
	var err error
	if r.svc, err = r.startService(ctx, "service", r.o.Service, env); err != nil {
		return err
	}
	if r.o.Against != "" {
		// Started after the first, so that it finds the signing keys the
		// first made in the data folder both share.
		if r.against, err = r.startService(ctx, "baseline", r.o.Against, nil); err != nil {
			return err
		}
		if err := r.awaitHealthRefresh(ctx); err != nil {
			return err
		}
	}
	if r.o.Against != "" {
		return nil
	}
	if err := r.awaitKept(ctx); err != nil {
		return err
	}
	if r.o.Bare != nil {
		if r.bare, err = r.serveInProcess(r.o.Bare); err != nil {
			return err
		}
		r.printf("bare handler at %s (in the bench's own process)\n", r.bare.url)
	}
	if r.o.Floor != nil {
		if err := r.serveFloor(ctx); err != nil {
			return err
		}
		r.printf("floor (gin and pgx) at %s (in the bench's own process)\n", r.floor.url)
	}
	return nil
}

// awaitHealthRefresh waits until no live project's stored health is due: a
// baseline whose health rules differ from the service's (a build before a
// change of the rules) computes every project's health again when it
// starts, holding each row for a moment and spending its processor on it,
// which would count against it in the first rounds and make its moves meet
// held rows.
func (r *run) awaitHealthRefresh(ctx context.Context) error {
	const quiet = 5 * time.Second // what a baseline with the same rules takes to show it
	rules := func() (string, int, error) {
		var fp string
		var due int
		err := r.db.QueryRowContext(ctx, `SELECT COALESCE((SELECT value FROM settings WHERE key = 'health_rules'), ''),
			(SELECT count(*) FROM projects WHERE archived_at IS NULL AND health_due_on <= CURRENT_DATE)`).Scan(&fp, &due)
		return fp, due, err
	}
	t0 := time.Now()
	ours, _, err := rules()
	for err == nil {
		var fp string
		var due int
		if fp, due, err = rules(); err != nil || (due == 0 && (fp != ours || time.Since(t0) > quiet)) {
			break
		}
		if time.Since(t0) > 5*time.Minute {
			return fmt.Errorf("the baseline's health refresh still has %d projects to compute after 5 minutes", due)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("read the stored health's rules and what is due: %w", err)
	}
	r.printf("waited %s for the baseline's health refresh (a baseline with other rules computes every project's again)\n",
		time.Since(t0).Round(100*time.Millisecond))
	return nil
}

// awaitKept waits until the service has built the current figures
// (docs/stats.md, "Current figures") with every project's health
// computed: a service that has just started builds them in the background
// for some seconds, which the pairs after would otherwise count.
func (r *run) awaitKept(ctx context.Context) error {
	t0 := time.Now()
	for {
		var settled bool
		err := r.db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM stats_kept WHERE key LIKE '%|settled')
			AND NOT EXISTS (SELECT 1 FROM projects WHERE archived_at IS NULL AND health_due_on <= CURRENT_DATE)`).Scan(&settled)
		switch {
		case err != nil:
			return fmt.Errorf("read whether the current figures are built: %w", err)
		case settled:
			r.printf("waited %s for the service's first build of the current figures\n", time.Since(t0).Round(100*time.Millisecond))
			return nil
		case time.Since(t0) > 5*time.Minute:
			return errors.New("the service has not built the current figures after 5 minutes")
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// startService starts bin serving the bench schema and signs in to it. The
// service is returned once started, even when the checks after fail, so
// that it is stopped.
func (r *run) startService(ctx context.Context, name, bin string, env []string) (*service, error) {
	c, m, err := r.startChild(ctx, "the "+name, bin, env, servesRE, "serve")
	if err != nil {
		return nil, err
	}
	s := &service{name: name, proc: c, api: m[1]}
	if err := r.expect(ctx, http.MethodGet, s.api+"/readyz", "", http.StatusOK); err != nil {
		return s, err
	}
	if _, err := r.login(ctx, s.api); err != nil {
		return s, err
	}
	r.printf("%s at %s (pid %d)\n", name, s.api, c.Pid())
	return s, nil
}

// bareServer serves a handler of the bench's own, Options.Bare or the
// floor, in the bench's own process.
type bareServer struct {
	url  string
	srv  *http.Server
	done chan error
}

// serveInProcess serves h on a loopback port of its own, with the
// service's HTTP server settings.
func (r *run) serveInProcess(h http.Handler) (*bareServer, error) {
	cfg, err := config.Load(getenv(r.childEnv))
	if err != nil {
		return nil, fmt.Errorf("the service's configuration: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler: h, ReadHeaderTimeout: cfg.ReadHeaderTimeout, ReadTimeout: cfg.ReadTimeout,
		WriteTimeout: cfg.WriteTimeout, IdleTimeout: cfg.IdleTimeout, MaxHeaderBytes: cfg.MaxHeaderBytes,
	}
	b := &bareServer{url: "http://" + ln.Addr().String(), srv: srv, done: make(chan error, 1)}
	go func() { b.done <- srv.Serve(ln) }()
	return b, nil
}

func (b *bareServer) stop() error {
	if b == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := b.srv.Shutdown(ctx)
	if served := <-b.done; !errors.Is(served, http.ErrServerClosed) {
		err = errors.Join(err, served)
	}
	return err
}

// memory reads the service's peak memory so far.
func (r *run) memory(context.Context) error {
	rss, err := r.svc.proc.PeakRSS()
	r.results = append(r.results, result{key: "memory", rss: rss, rssErr: err})
	return nil
}

// stopServices stops the services, the bare handler and the floor.
func (r *run) stopServices(context.Context) error { return r.stopChildren() }

func (r *run) stopChildren() error {
	err := errors.Join(r.bare.stop(), r.floor.stop(), r.against.stop(), r.svc.stop())
	if r.floorPool != nil {
		r.floorPool.Close()
	}
	r.bare, r.floor, r.floorPool, r.against, r.svc = nil, nil, nil, nil, nil
	return err
}

// login signs the bench user in at the service whose base URL is at and
// returns an access token. Tokens live at most 15 minutes, so each
// measurement signs in afresh.
func (r *run) login(ctx context.Context, at string) (string, error) {
	body, _ := json.Marshal(api.LoginRequest{Username: benchUser, Password: r.password})
	var tok api.TokenResponse
	if err := r.do(ctx, http.MethodPost, at+"/api/v1/auth/login", "", body, http.StatusOK, &tok); err != nil {
		return "", fmt.Errorf("sign in: %w", err)
	}
	return tok.AccessToken, nil
}

// expect sends one request and fails unless it answers want.
func (r *run) expect(ctx context.Context, method, target, token string, want int) error {
	return r.do(ctx, method, target, token, nil, want, nil)
}

// do sends one request, fails unless it answers want, and decodes the JSON
// answer into into, when given.
func (r *run) do(ctx context.Context, method, target, token string, body []byte, want int, into any) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d, want %d: %.300s", method, target, resp.StatusCode, want, b)
	}
	if into != nil {
		return json.Unmarshal(b, into)
	}
	return nil
}
