package bench

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// sample is what one side measured in one round.
type sample struct {
	n        int // requests or transactions
	elapsed  time.Duration
	p50, p99 time.Duration
}

func (s sample) rate() float64 { return float64(s.n) / s.elapsed.Seconds() }

// pairFailure is a side that could not be measured honestly (wrong answers,
// socket errors, a failed transaction): the pair fails, the others go on.
type pairFailure struct{ err error }

func (p pairFailure) Error() string { return p.err.Error() }
func (p pairFailure) Unwrap() error { return p.err }

func failure(format string, args ...any) error { return pairFailure{fmt.Errorf(format, args...)} }

// wrkCommon is the part of every wrk script that reports: it numbers the
// threads (so that a script can give each its own share of projects) and,
// at the end, prints one line with the figures and every error, wrong
// answers counted by a script's response function included.
const wrkCommon = `
local threads = {}
function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end
function done(summary, latency, requests)
  local wrong = 0
  for _, t in ipairs(threads) do wrong = wrong + (t:get("wrong") or 0) end
  local e = summary.errors
  io.write(string.format("wrk-result requests=%.0f duration_us=%.0f connect=%.0f read=%.0f write=%.0f timeout=%.0f status=%.0f wrong=%.0f p50_us=%.0f p99_us=%.0f\n",
    summary.requests, summary.duration, e.connect, e.read, e.write, e.timeout, e.status, wrong,
    latency:percentile(50), latency:percentile(99)))
end
`

var wrkResultRE = regexp.MustCompile(`wrk-result requests=(\d+) duration_us=(\d+) connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+) status=(\d+) wrong=(\d+) p50_us=(\d+) p99_us=(\d+)`)

// wrk loads url for d from a separate process, one connection per thread
// and as many as the bench's clients, with script (Lua: headers, request and
// response functions) after wrkCommon. Any error or answer wrk counts as
// wrong fails the side: a rate of 401s would measure nothing.
func (r *run) wrkRun(ctx context.Context, url, script string, d time.Duration) (sample, error) {
	path := filepath.Join(r.tmp, "wrk.lua")
	if err := os.WriteFile(path, []byte(wrkCommon+script), 0o600); err != nil {
		return sample{}, err
	}
	c := strconv.Itoa(r.o.Clients)
	cmd := exec.CommandContext(ctx, r.wrk, "-t", c, "-c", c, "-d", seconds(d), "--timeout", "60s", "--latency", "-s", path, url)
	cmd.Env = r.o.Env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return sample{}, failure("wrk %s: %v\n%s", url, err, out)
	}
	m := wrkResultRE.FindStringSubmatch(string(out))
	if m == nil {
		return sample{}, failure("wrk %s printed no result:\n%s", url, out)
	}
	v := make([]int64, len(m)-1)
	for i := range v {
		v[i], _ = strconv.ParseInt(m[i+1], 10, 64)
	}
	if errs := v[2] + v[3] + v[4] + v[5]; errs > 0 || v[6] > 0 || v[7] > 0 {
		return sample{}, failure("wrk %s: %d socket errors (connect %d, read %d, write %d, timeout %d), %d 4xx/5xx answers, %d answers other than the script expects:\n%s",
			url, errs, v[2], v[3], v[4], v[5], v[6], v[7], out)
	}
	if v[0] == 0 {
		return sample{}, failure("wrk %s: no request completed", url)
	}
	return sample{n: int(v[0]), elapsed: time.Duration(v[1]) * time.Microsecond,
		p50: time.Duration(v[8]) * time.Microsecond, p99: time.Duration(v[9]) * time.Microsecond}, nil
}

// seconds is d as wrk and pgbench take it, in whole seconds.
func seconds(d time.Duration) string { return strconv.Itoa(max(1, int(d.Seconds()))) }

// luaString quotes s for a Lua script. The values quoted (UUIDs, tokens,
// cursors, JSON bodies) hold no control characters, so Go's quoting is
// also Lua's.
func luaString(s string) string { return strconv.Quote(s) }

var (
	tpsRE    = regexp.MustCompile(`tps = ([0-9.]+) \(without initial connection time\)`)
	failedRE = regexp.MustCompile(`number of failed transactions: (\d+)`)
)

// pgbenchRun runs script with pgbench in prepared mode for d, as many
// clients and threads as the bench's clients, on the bench schema. It logs
// every transaction (-l) for p50 and p99.
func (r *run) pgbenchRun(ctx context.Context, name, script string, d time.Duration, defines ...string) (sample, error) {
	dir := filepath.Join(r.tmp, "pgbench-"+name)
	path := filepath.Join(dir, "script.sql")
	if err := freshFolder(dir, path, script); err != nil {
		return sample{}, err
	}
	c := strconv.Itoa(r.o.Clients)
	args := []string{"-n", "-M", "prepared", "-f", path, "-c", c, "-j", c, "-T", seconds(d), "-l", "--log-prefix", filepath.Join(dir, "tx")}
	for _, def := range defines {
		args = append(args, "-D", def)
	}
	cmd := exec.CommandContext(ctx, r.pgbench, append(args, r.baseURL)...)
	cmd.Env = r.pgEnv
	out, err := cmd.CombinedOutput()
	if err != nil {
		return sample{}, failure("pgbench %s: %v\n%s", name, err, out)
	}
	tps, err := pgbenchTPS(name, out)
	if err != nil {
		return sample{}, err
	}
	lat, err := pgbenchLatencies(dir)
	if err != nil {
		return sample{}, err
	}
	if len(lat) == 0 {
		return sample{}, failure("pgbench %s logged no transaction", name)
	}
	return sample{n: len(lat), elapsed: time.Duration(float64(len(lat)) / tps * float64(time.Second)),
		p50: quantile(lat, 0.50), p99: quantile(lat, 0.99)}, nil
}

// freshFolder makes dir empty and writes a file in it.
func freshFolder(dir, file, content string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	return os.WriteFile(file, []byte(content), 0o600)
}

// pgbenchTPS reads the rate from what pgbench printed, and fails the side
// if a transaction failed.
func pgbenchTPS(name string, out []byte) (float64, error) {
	if m := failedRE.FindSubmatch(out); m != nil && string(m[1]) != "0" {
		return 0, failure("pgbench %s: %s failed transactions:\n%s", name, m[1], out)
	}
	m := tpsRE.FindSubmatch(out)
	if m == nil {
		return 0, failure("pgbench %s printed no tps:\n%s", name, out)
	}
	tps, err := strconv.ParseFloat(string(m[1]), 64)
	if err != nil || tps <= 0 {
		return 0, failure("pgbench %s: tps %s", name, m[1])
	}
	return tps, nil
}

// pgbenchLatencies reads the transaction logs in dir: one line per
// transaction, "client transaction latency_us script epoch epoch_us".
func pgbenchLatencies(dir string) ([]time.Duration, error) {
	files, err := filepath.Glob(filepath.Join(dir, "tx.*"))
	if err != nil {
		return nil, err
	}
	var lat []time.Duration
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) < 3 {
				continue
			}
			us, err := strconv.ParseInt(fields[2], 10, 64)
			if err != nil {
				continue // "skipped" or "failed" in place of a latency
			}
			lat = append(lat, time.Duration(us)*time.Microsecond)
		}
		f.Close()
		if err := sc.Err(); err != nil {
			return nil, err
		}
	}
	slices.Sort(lat)
	return lat, nil
}

// quantile is the q-quantile of sorted.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[int(q*float64(len(sorted)-1))]
}

// psqlCopy writes the result of query to file as CSV with a header, with
// psql's \copy, and times it.
func (r *run) psqlCopy(ctx context.Context, query, file string) (time.Duration, error) {
	cmd := exec.CommandContext(ctx, r.psql, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", r.baseURL,
		"-c", `\copy (`+query+`) TO '`+file+`' WITH (FORMAT csv, HEADER)`)
	cmd.Env = r.pgEnv
	t0 := time.Now()
	out, err := cmd.CombinedOutput()
	took := time.Since(t0)
	if err != nil {
		return 0, failure("psql \\copy: %v\n%s", err, out)
	}
	return took, nil
}
