package faults

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestFaultKill kills the service with SIGKILL under write load, twice,
// starts it again each time, and reads back every write it acknowledged:
// an acknowledged write is committed, whatever happens to the process after.
// The audit trail stays intact (`pipeline audit verify`).
func TestFaultKill(t *testing.T) {
	need(t)
	c := startCluster(t)
	s := newService(t, c)
	l := newLedger()
	const rounds, writers = 2, 8
	for range rounds {
		s.start()
		ctx, cancel := context.WithCancel(context.Background())
		wait := s.load(ctx, l, writers)
		time.Sleep(3 * time.Second)
		s.kill()
		cancel()
		wait()
	}
	s.start()
	lost := s.lost(l)
	assert.Empty(t, lost, "acknowledged writes lost after kill -9")
	assert.Empty(t, l.others(http.StatusOK, http.StatusCreated, 0), "answers other than 2xx (0: none, while the service was down): %s", l.sampleLine())
	require.Positive(t, l.acked, "the writers got writes acknowledged")
	verified := s.auditVerify()
	t.Logf("fault figures: kill -9 under write load (%d rounds, %d writers): writes acknowledged %d, lost %d, unacknowledged %d (%s); %s",
		rounds, writers, l.acked, len(lost), l.unacked, l.statusLine(), verified)
}
