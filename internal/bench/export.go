package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/guangling/pipeline/internal/exchange"
)

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

const (
	exportPath    = "/api/v1/projects/export?format=xlsx"
	exportCSVPath = "/api/v1/projects/export?format=csv"
)

// exportSide downloads the XLSX export of the service at to a file of the
// side's own, one export a run.
func (r *run) exportSide(_ context.Context, name, at string) (side, error) {
	return r.exportFileSide(name, at, exportPath, ".xlsx"), nil
}

// exportFileSide downloads path from the service at to a file of the
// side's own, one export a run. It asks for no compression (Accept-Encoding:
// identity), as psql \copy writes none: a CSV export is otherwise gzipped
// for a client that takes it (docs/api.md).
func (r *run) exportFileSide(name, at, path, ext string) side {
	file := r.exportFile(name, ext)
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
		if _, err := r.download(ctx, at+path, token, f, "Accept-Encoding", "identity"); err != nil {
			return sample{}, err
		}
		return once(time.Since(t0)), f.Close()
	}}
}

func (r *run) exportFile(name, ext string) string {
	return filepath.Join(r.tmp, strings.ReplaceAll(name, " ", "-")+ext)
}

// exportPair measures the exports of the whole register, one of each side a
// round: the CSV export against psql \copy of the same columns, and the
// XLSX export against the CSV export of the same rows. It prints the
// service's peak resident set during them and the files' sizes.
func (r *run) exportPair(ctx context.Context) error {
	peak := r.watchRSS()
	query := exportSQL()
	copyFile := filepath.Join(r.tmp, "export-copy.csv")
	cp := side{name: `psql \copy`, run: func(ctx context.Context, _ time.Duration) (sample, error) {
		took, err := r.psqlCopy(ctx, query, copyFile)
		return once(took), err
	}}
	csv := r.exportFileSide("CSV export", r.svc.api, exportCSVPath, ".csv")
	xlsx := r.exportFileSide("XLSX export", r.svc.api, exportPath, ".xlsx")
	// The second side first in each round (copy, export, copy, export …):
	// each reads the register the other just read.
	err := r.measure(ctx, pair{key: "export csv", what: fmt.Sprintf("GET %s of %d projects against psql \\copy of the same columns as CSV (one of each a round, psql first; rates are exports/s)", exportCSVPath, r.o.Projects),
		a: csv, b: cp, atLeast: 1 / 1.5, goal: "≥ 0.67 (time ≤ 1.5×)", once: true, bFirst: true})
	if err == nil {
		err = r.measure(ctx, pair{key: "export xlsx", what: fmt.Sprintf("GET %s of %d projects against GET %s of the same rows (one of each a round, CSV first)", exportPath, r.o.Projects, exportCSVPath),
			a: xlsx, b: csv, atLeast: 0.5, goal: "≥ 0.50 (time ≤ 2×)", once: true, bFirst: true})
	}
	rss := peak()
	if err != nil {
		return err
	}
	for _, f := range []string{copyFile, r.exportFile("CSV export", ".csv"), r.exportFile("XLSX export", ".xlsx")} {
		if st, err := os.Stat(f); err == nil {
			r.printf("  %s: %.1f MB\n", filepath.Base(f), float64(st.Size())/1e6)
		}
	}
	r.printf("  service peak RSS during the exports %.0f MB\n", float64(rss)/(1<<20))
	r.results = append(r.results, result{key: "export RSS", measured: fmt.Sprintf("service peak RSS during the exports %.0f MB", float64(rss)/(1<<20)), info: true})
	return nil
}

// watchRSS samples the service's resident set every 20 ms until the
// function it returns is called, which returns the highest seen.
func (r *run) watchRSS() func() int64 {
	pid := r.svc.proc.Pid()
	var peak int64
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Go(func() {
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, residentSet(pid))
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	return func() int64 {
		close(stop)
		wg.Wait()
		return peak
	}
}

// residentSet is a process's VmRSS, from /proc (Linux); 0 when unknown.
func residentSet(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for l := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb * 1024
		}
	}
	return 0
}
