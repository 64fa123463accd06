package httpapi

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// outageEvery is how often a burst of outage failures is logged again.
const outageEvery = 10 * time.Second

// outageLog logs a database outage once per burst rather than once per
// request (docs/api.md, "Errors"): the first failure in full, at ERROR;
// then, while failures go on, one WARN line every outageEvery with the
// count of failures since the last line; and a WARN line when the
// database answers again (a statement it answered, or a readiness probe
// that passed) with no failure for outageEvery, with the burst's count and
// length. An answer amid failures does not end the burst: a partial outage,
// such as one table locked past the query timeout, leaves the other tables
// answering, and would otherwise log every failure in full.
type outageLog struct {
	log  *slog.Logger
	now  func() time.Time
	down atomic.Bool // a burst is on: up has work to do

	mu    sync.Mutex
	start time.Time // the burst's first failure
	last  time.Time // the burst's last line
	fail  time.Time // the burst's last failure
	since int       // failures since the last line
	total int       // failures of the burst
}

func newOutageLog(log *slog.Logger, now func() time.Time) *outageLog {
	return &outageLog{log: log, now: now}
}

// failed notes a request that failed on an outage; attrs describe it.
func (o *outageLog) failed(ctx context.Context, err error, attrs ...slog.Attr) {
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	if !o.down.Load() {
		o.down.Store(true)
		o.start, o.last, o.fail, o.since, o.total = now, now, now, 0, 1
		o.log.LogAttrs(ctx, slog.LevelError, "database unavailable", append(attrs, slog.Any("error", err))...)
		return
	}
	o.fail = now
	o.since++
	o.total++
	if now.Sub(o.last) >= outageEvery {
		o.log.LogAttrs(ctx, slog.LevelWarn, "database still unavailable", slog.Int("failures", o.since),
			slog.String("for", now.Sub(o.start).String()), slog.Any("error", err))
		o.last, o.since = now, 0
	}
}

// up notes that the database answered: it ends a burst that has had no
// failure for outageEvery.
func (o *outageLog) up() {
	if !o.down.Load() {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	now := o.now()
	if !o.down.Load() || now.Sub(o.fail) < outageEvery {
		return
	}
	o.down.Store(false)
	o.log.LogAttrs(context.Background(), slog.LevelWarn, "database available again", slog.Int("failures", o.since),
		slog.Int("total_failures", o.total), slog.String("for", now.Sub(o.start).String()))
}
