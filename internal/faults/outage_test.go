package faults

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// outage is what the writers saw of a database outage: the answers to the
// requests that began after the database stopped and were answered before
// it was started again, and the first acknowledged write that began after
// that.
type outage struct {
	stopped  time.Time // when pg_ctl stop returned
	starting time.Time // when pg_ctl start was run
	started  time.Time // when it returned: the database takes connections
	firstOK  time.Time
	during   map[int]int // status → answers; 0: no answer
	// noRetryAfter counts the 503s without Retry-After.
	noRetryAfter int
}

// watch is the ledger's seen hook; the ledger's lock is held.
func (o *outage) watch(began time.Time, a answer) {
	switch {
	case !o.stopped.IsZero() && began.After(o.stopped) && o.starting.IsZero():
		o.during[a.status]++
		if a.status == http.StatusServiceUnavailable && a.retryAfter == "" {
			o.noRetryAfter++
		}
	case !o.starting.IsZero() && began.After(o.starting) && a.status/100 == 2 && o.firstOK.IsZero():
		o.firstOK = time.Now()
	}
}

// TestFaultDatabaseRestart stops the database at once (pg_ctl stop -m
// immediate) under write load and starts it again: while it is down every
// request answers 503 with Retry-After, never 500; once it is back the
// same service process acknowledges writes again, and every write it
// acknowledged before, during or after is there, the audit trail intact.
func TestFaultDatabaseRestart(t *testing.T) {
	need(t)
	c := startCluster(t)
	s := newService(t, c)
	s.start()
	l, o := newLedger(), &outage{during: map[int]int{}}
	l.seen = o.watch
	set := func(at *time.Time) { l.mu.Lock(); *at = time.Now(); l.mu.Unlock() }
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	wait := s.load(ctx, l, 8)
	time.Sleep(2 * time.Second)
	require.NoError(t, c.stop())
	set(&o.stopped)
	time.Sleep(4 * time.Second)
	set(&o.starting)
	require.NoError(t, c.start())
	set(&o.started)
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		l.mu.Lock()
		back := !o.firstOK.IsZero()
		l.mu.Unlock()
		if back {
			break
		}
	}
	time.Sleep(2 * time.Second)
	cancel()
	wait()

	require.False(t, o.firstOK.IsZero(), "no write was acknowledged within a minute of the database's return, statuses: %s\n%s", l.statusLine(), s.proc.Output())
	assert.Positive(t, o.during[http.StatusServiceUnavailable], "503s while the database was down")
	assert.Equal(t, map[int]int{http.StatusServiceUnavailable: o.during[http.StatusServiceUnavailable]}, o.during,
		"while the database was down, every request answers 503 (0: no answer)")
	assert.Zero(t, o.noRetryAfter, "503s without Retry-After")
	assert.Empty(t, l.others(http.StatusOK, http.StatusCreated, http.StatusServiceUnavailable), "answers other than 2xx and 503: %s", l.sampleLine())
	lost := s.lost(l)
	assert.Empty(t, lost, "acknowledged writes lost")
	verified := s.auditVerify()
	t.Logf("fault figures: database stopped for 4 s under write load (8 writers): writes acknowledged %d, lost %d, unacknowledged %d; "+
		"503s %d, 500s %d (%s); writes acknowledged again %.2f s after the database was back, the service not restarted; %s",
		l.acked, len(lost), l.unacked, l.statuses[http.StatusServiceUnavailable], l.statuses[http.StatusInternalServerError],
		l.statusLine(), max(0, o.firstOK.Sub(o.started).Seconds()), verified)
}
