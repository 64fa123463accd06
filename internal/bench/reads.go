package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/exchange"
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

// exportSQL selects what the export writes, column for column, with the
// export's headers: the register's columns (exchange.Columns) of every live
// project in the export's order. Derived columns (万元) are computed as the
// export computes them; labels stay codes, which is psql's share of the
// work the export does.
func exportSQL() string {
	cols := exchange.Columns()
	alias := map[string]string{}
	for _, c := range cols {
		alias[c.Header] = c.Alias
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		expr := c.Alias
		if c.Source != "" {
			expr = fmt.Sprintf("%s / %d.0", alias[c.Source], c.Per)
		}
		sel[i] = fmt.Sprintf(`%s AS "%s"`, expr, c.Header)
	}
	return "SELECT " + strings.Join(sel, ", ") + " FROM projects WHERE archived_at IS NULL ORDER BY created_at, id"
}

const exportPath = "/api/v1/projects/export?format=xlsx"

// exportSide downloads the XLSX export of the service at to a file of the
// side's own, one export a run.
func (r *run) exportSide(_ context.Context, name, at string) (side, error) {
	file := r.exportFile(name)
	return side{name: name, run: func(ctx context.Context, _ time.Duration) (sample, error) {
		token, err := r.login(ctx, at)
		if err != nil {
			return sample{}, err
		}
		f, err := os.Create(file)
		if err != nil {
			return sample{}, err
		}
		defer f.Close()
		t0 := time.Now()
		if _, err := r.download(ctx, at+exportPath, token, f); err != nil {
			return sample{}, err
		}
		return once(time.Since(t0)), f.Close()
	}}, nil
}

func (r *run) exportFile(name string) string {
	return filepath.Join(r.tmp, strings.ReplaceAll(name, " ", "-")+".xlsx")
}

// exportPair: the XLSX export, read to a file, against psql \copy of the
// same columns to a CSV file; one of each per round.
func (r *run) exportPair(ctx context.Context) error {
	query := exportSQL()
	copyFile := filepath.Join(r.tmp, "export.csv")
	export, _ := r.exportSide(ctx, "export", r.svc.api)
	cp := side{name: `psql \copy`, run: func(ctx context.Context, _ time.Duration) (sample, error) {
		took, err := r.psqlCopy(ctx, query, copyFile)
		return once(took), err
	}}
	// psql first in each round (copy, export, copy, export …): each reads
	// the register the other just read.
	if err := r.measure(ctx, pair{key: "export", what: fmt.Sprintf("GET %s of %d projects against psql \\copy of the same columns as CSV (one of each a round, psql first; rates are exports/s)", exportPath, r.o.Projects),
		a: export, b: cp, atLeast: 1.0 / 3, goal: "≥ 0.33 (time ≤ 3×)", once: true, bFirst: true}); err != nil {
		return err
	}
	for _, f := range []string{copyFile, r.exportFile("export")} {
		if st, err := os.Stat(f); err == nil {
			r.printf("  %s: %.1f MB\n", filepath.Base(f), float64(st.Size())/1e6)
		}
	}
	return nil
}

// download streams what GET url answers to w and returns its size. An
// answer other than 200 or a broken one fails the pair.
func (r *run) download(ctx context.Context, url, token string, w io.Writer) (int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
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
