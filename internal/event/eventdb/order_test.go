package eventdb_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/event/eventdb"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// written is one committed change: when its transaction began (read before
// it began) and when its commit returned (read after).
type written struct {
	began, committed time.Time
}

// TestCommitOrder holds the feed's ordering rule (docs/integration.md,
// "Commit order") on PostgreSQL: eight writers commit events for ten
// seconds while two sequencers, as two replicas, give positions and a
// reader follows the feed by its cursor. Every committed event is read
// exactly once, positions only grow, and an event whose transaction began
// after another's commit returned has the greater position.
func TestCommitOrder(t *testing.T) {
	t.Parallel()
	db := openPostgres(t, 24)
	bureau := identity.Principal{Subject: "u1", Name: "bureau", Role: identity.RoleBureau}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	replicas := []*event.Service{event.NewService(eventdb.New(db), time.Now, 0), event.NewService(eventdb.New(db), time.Now, 0)}
	var background sync.WaitGroup
	for _, r := range replicas {
		background.Go(func() { r.Run(ctx, func(err error) { t.Errorf("sequence: %v", err) }) })
	}
	reader := &follower{svc: replicas[1], who: bureau, seen: map[string]int64{}}
	background.Go(func() { reader.follow(ctx, t) })

	const writers = 8
	logs := make([]map[string]written, writers)
	var wg sync.WaitGroup
	deadline := time.Now().Add(10 * time.Second)
	for w := range writers {
		logs[w] = map[string]written{}
		wg.Go(func() { write(t, db, replicas[w%2], bureau, w, deadline, logs[w]) })
	}
	wg.Wait()
	all := map[string]written{}
	for _, l := range logs {
		for id, wr := range l {
			all[id] = wr
		}
	}
	require.NotEmpty(t, all)
	require.Eventually(t, func() bool { return reader.count() >= len(all) }, 60*time.Second, 50*time.Millisecond,
		"the reader saw %d of %d committed events", reader.count(), len(all))
	stop()
	background.Wait()

	reader.check(t, all)
	t.Logf("commit order figures: %d events by %d writers, %d pairs ordered by their begin and commit checked", len(all), writers, checkPairs(t, all, reader.seen))
}

// openPostgres opens a fresh PostgreSQL database with room for conns
// connections, or skips t.
func openPostgres(t *testing.T, conns int) *database.DB {
	t.Helper()
	url := dbtest.PostgresURL(t)
	db, err := database.Open(context.Background(), database.Options{URL: url, MaxOpenConns: conns, MaxIdleConns: conns, QueryTimeout: 30 * time.Second})
	require.NoError(t, err)
	t.Cleanup(func() { db.Close() })
	_, err = db.Migrate(context.Background())
	require.NoError(t, err)
	return db
}

// write commits events until deadline, each in a transaction of its own
// that holds a moment, so that commits interleave, and logs each commit.
func write(t *testing.T, db *database.DB, svc *event.Service, p identity.Principal, w int, deadline time.Time, log map[string]written) {
	ctx := context.Background()
	for n := 0; time.Now().Before(deadline); n++ {
		id := fmt.Sprintf("w%d-%d", w, n)
		began := time.Now()
		err := db.InTx(ctx, func(ctx context.Context) error {
			if err := svc.Record(ctx, p, event.Change{Type: event.ProjectUpdated, ResourceType: "project", ResourceID: id, ProjectID: id}); err != nil {
				return err
			}
			time.Sleep(time.Duration(rand.IntN(1500)) * time.Microsecond)
			return nil
		})
		if !assert.NoError(t, err) {
			return
		}
		log[id] = written{began: began, committed: time.Now()}
	}
}

// follower reads the feed by its cursor, as a department system would.
type follower struct {
	svc   *event.Service
	who   identity.Principal
	mu    sync.Mutex
	seen  map[string]int64 // resource ID → position
	order []int64          // positions in the order read
	twice []string
}

func (f *follower) follow(ctx context.Context, t *testing.T) {
	var after int64
	for ctx.Err() == nil {
		page, err := f.svc.Read(ctx, f.who, event.Query{After: after, Limit: event.MaxLimit}, time.Second)
		if err != nil {
			if ctx.Err() == nil {
				t.Errorf("read the feed: %v", err)
			}
			return
		}
		f.mu.Lock()
		for _, e := range page.Events {
			if _, ok := f.seen[e.ResourceID]; ok {
				f.twice = append(f.twice, e.ResourceID)
			}
			f.seen[e.ResourceID] = e.Position
			f.order = append(f.order, e.Position)
			after = e.Position
		}
		f.mu.Unlock()
	}
}

func (f *follower) count() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.seen)
}

// check: each committed event read once, nothing else read, positions
// strictly growing.
func (f *follower) check(t *testing.T, all map[string]written) {
	f.mu.Lock()
	defer f.mu.Unlock()
	assert.Empty(t, f.twice, "events read twice")
	assert.Len(t, f.seen, len(all))
	for id := range all {
		_, ok := f.seen[id]
		assert.True(t, ok, "committed event %s never read", id)
	}
	assert.True(t, slices.IsSorted(f.order), "positions read in order")
	assert.Len(t, slices.Compact(slices.Clone(f.order)), len(f.order), "no position twice")
}

// checkPairs asserts that every event whose transaction began after
// another's commit returned has a greater position, and returns how many
// such pairs there were.
func checkPairs(t *testing.T, all map[string]written, pos map[string]int64) int {
	type w struct {
		written
		pos int64
	}
	byCommit := make([]w, 0, len(all))
	for id, wr := range all {
		byCommit = append(byCommit, w{wr, pos[id]})
	}
	sort.Slice(byCommit, func(i, j int) bool { return byCommit[i].committed.Before(byCommit[j].committed) })
	// highest[i] is the greatest position among the first i+1 commits.
	highest := make([]int64, len(byCommit))
	for i, e := range byCommit {
		highest[i] = e.pos
		if i > 0 {
			highest[i] = max(highest[i], highest[i-1])
		}
	}
	pairs, broken := 0, 0
	for _, b := range byCommit {
		// The commits that returned before b began.
		n := sort.Search(len(byCommit), func(i int) bool { return !byCommit[i].committed.Before(b.began) })
		pairs += n
		if n > 0 && highest[n-1] >= b.pos {
			broken++
		}
	}
	assert.Zero(t, broken, "events whose transaction began after an earlier commit but took a smaller position")
	return pairs
}
