package project

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestStatsCache(t *testing.T) {
	ctx := context.Background()
	clock := time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC)
	now := func() time.Time { return clock }
	c := newStatsCache(time.Minute)
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

	clock = clock.Add(time.Minute)
	v, _ = c.get(ctx, "a", now, load(4))
	assert.Equal(t, 4, v, "expired")

	for i := range 10 * maxStatsEntries {
		_, err := c.get(ctx, fmt.Sprint("day ", i), now, load(i))
		require.NoError(t, err)
		assert.LessOrEqual(t, len(c.entries), maxStatsEntries, "bounded")
	}
	clock = clock.Add(2 * time.Minute)
	_, _ = c.get(ctx, "fresh", now, load(0))
	assert.Len(t, c.entries, 1, "expired entries go as new ones come")

	off := newStatsCache(0)
	_, _ = off.get(ctx, "a", now, load(5))
	v, _ = off.get(ctx, "a", now, load(6))
	assert.Equal(t, 6, v, "a time to live of 0 keeps nothing")
}
