package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"
)

// overviewPath is the overview as the dashboard's tiles ask for it: without
// the IDs, fetched when a number is opened (docs/api.md).
const overviewPath = "/api/v1/stats/overview?ids=false"

func (r *run) overviewSide(_ context.Context, name, at string) (side, error) {
	return r.get(name, at, overviewPath, true, ""), nil
}

// overview measures GET /api/v1/stats/overview alone: its target is a
// latency. The first request reads the register; it is timed apart.
func (r *run) overview(ctx context.Context) error {
	r.printf("\noverview: GET %s, as the dashboard's tiles ask (p99 target < 50 ms)\n", overviewPath)
	token, err := r.login(ctx, r.svc.api)
	if err != nil {
		return err
	}
	t0 := time.Now()
	if err := r.expect(ctx, http.MethodGet, r.svc.api+overviewPath, token, http.StatusOK); err != nil {
		return err
	}
	r.printf("  first request (cold) %s\n", ms(time.Since(t0)))
	s, _ := r.overviewSide(ctx, "service", r.svc.api)
	var ss []sample
	for i := range r.o.Rounds {
		x, err := s.run(ctx, r.o.Round)
		if err != nil {
			return err
		}
		ss = append(ss, x)
		r.printf("  round %d  %s\n", i+1, sideLine("service", x))
	}
	t := total(ss)
	pass := t.p99 < 50*time.Millisecond
	r.printf("  total    %s  target p99 < 50 ms  %s\n", sideLine("service", t), mark(pass))
	r.results = append(r.results, result{key: "overview", measured: fmt.Sprintf("%s/s, p50 %s, p99 %s", figure(t.rate()), ms(t.p50), ms(t.p99)),
		goal: "p99 < 50 ms", pass: pass})
	return nil
}

// overviewIDs measures the overview with the IDs behind every number, as an
// integrating system or a drill-down asks for it: one round, reported with
// the answer's size and the service's peak memory after it, no target.
func (r *run) overviewIDs(ctx context.Context) error {
	const path = "/api/v1/stats/overview"
	token, err := r.login(ctx, r.svc.api)
	if err != nil {
		return err
	}
	t0 := time.Now()
	n, err := r.download(ctx, r.svc.api+path, token, io.Discard)
	if err != nil {
		return err
	}
	r.printf("\noverview-ids: GET %s with every ID behind its numbers (%.1f MB), for comparison\n", path, float64(n)/(1<<20))
	r.printf("  first request (cold) %s\n", ms(time.Since(t0)))
	x, err := r.get("service", r.svc.api, path, true, "").run(ctx, r.o.Round)
	if err != nil {
		return err
	}
	rss, err := r.svc.proc.PeakRSS()
	if err != nil {
		return err
	}
	r.printf("  round 1  %s  service peak RSS now %.0f MB\n", sideLine("service", x), float64(rss)/(1<<20))
	r.results = append(r.results, result{key: "ids", measured: fmt.Sprintf("%s/s, p50 %s, p99 %s, %.1f MB each, peak RSS %.0f MB",
		figure(x.rate()), ms(x.p50), ms(x.p99), float64(n)/(1<<20), float64(rss)/(1<<20)), info: true})
	return nil
}

// download streams what GET url answers to w and returns its size, with
// header's names and values (pairs) set on the request. An
// answer other than 200 or a broken one fails the pair.
func (r *run) download(ctx context.Context, url, token string, w io.Writer, header ...string) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return 0, failure("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 300))
		return 0, failure("GET %s: %d: %s", url, resp.StatusCode, b)
	}
	n, err := io.Copy(w, resp.Body)
	if err != nil {
		return n, failure("GET %s: %v", url, err)
	}
	return n, nil
}
