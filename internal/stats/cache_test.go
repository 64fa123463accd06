package stats

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCache(t *testing.T) {
	ctx := context.Background()
	var mu sync.Mutex // the clock is read by loads in the background too
	clock := time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	advance := func(d time.Duration) { mu.Lock(); clock = clock.Add(d); mu.Unlock() }
	c := newCache(time.Minute)
	loads := 0
	load := func(v int) func(context.Context) (any, error) {
		return func(context.Context) (any, error) { loads++; return v, nil }
	}

	v, err := c.get(ctx, "a", now, load(1))
	require.NoError(t, err)
	v2, _ := c.get(ctx, "a", now, load(2))
	assert.Equal(t, []any{1, 1, 1}, []any{v, v2, loads}, "kept within its time to live")

	c.invalidate()
	v, _ = c.get(ctx, "a", now, load(3))
	assert.Equal(t, 3, v, "a change empties it")

	advance(time.Minute)
	v, _ = c.get(ctx, "a", now, load(4))
	assert.Equal(t, 4, v, "expired")

	// Past half its time to live a value still answers while it is loaded
	// again, in the background.
	advance(40 * time.Second)
	refreshed := make(chan struct{})
	v, _ = c.get(ctx, "a", now, func(context.Context) (any, error) { defer close(refreshed); return 5, nil })
	assert.Equal(t, 4, v, "answered at once")
	<-refreshed
	require.Eventually(t, func() bool {
		v, _ := c.get(ctx, "a", now, load(6))
		return v == 5
	}, time.Second, time.Millisecond, "and then replaced")
	advance(61 * time.Second) // since the refresh
	v, _ = c.get(ctx, "a", now, load(7))
	assert.Equal(t, 7, v, "never older than its time to live")

	for i := range 10 * maxStatsEntries {
		_, err := c.get(ctx, fmt.Sprint("day ", i), now, load(i))
		require.NoError(t, err)
		assert.LessOrEqual(t, len(c.entries), maxStatsEntries, "bounded")
	}
	advance(2 * time.Minute)
	_, _ = c.get(ctx, "fresh", now, load(0))
	assert.Len(t, c.entries, 1, "expired entries go as new ones come")

	_, err = c.get(ctx, "broken", now, func(context.Context) (any, error) { panic("boom") })
	require.ErrorContains(t, err, "panic: boom", "a panicking load is an error")

	off := newCache(0)
	_, _ = off.get(ctx, "a", now, load(5))
	v, _ = off.get(ctx, "a", now, load(6))
	assert.Equal(t, 6, v, "a time to live of 0 keeps nothing")
}
