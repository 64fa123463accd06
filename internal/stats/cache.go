package stats

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// cache remembers statistics for a short while. A register of 200,000
// projects takes the best part of a second to read whole, and a dashboard
// asks for the same numbers again and again. A change made through this
// service empties it at once; one made through another replica shows
// within the time to live.
type cache struct {
	ttl     time.Duration
	mu      sync.Mutex
	gen     uint64
	entries map[string]statsEntry
	flight  singleflight.Group
}

type statsEntry struct {
	v  any
	at time.Time
}

func newCache(ttl time.Duration) *cache {
	return &cache{ttl: ttl, entries: map[string]statsEntry{}}
}

// get answers key from the cache, or loads it once for all the callers that
// ask at the same time. A value loaded while a change committed is not kept.
// Past half its time to live a value is loaded again in the background while
// it goes on answering, so that with steady readers none waits for a load
// and none gets a value older than the time to live.
func (c *cache) get(ctx context.Context, key string, now func() time.Time, load func(context.Context) (any, error)) (any, error) {
	c.mu.Lock()
	e, ok := c.entries[key]
	gen := c.gen
	c.mu.Unlock()
	// A caller never joins a load that began before a change it may have
	// made: the generation is part of the flight's key.
	flight := key + "#" + strconv.FormatUint(gen, 10)
	fill := func() (any, error) { return c.fill(ctx, key, gen, now, load) }
	if age := now().Sub(e.at); ok && age < c.ttl {
		if age >= c.ttl/2 {
			c.flight.DoChan(flight, fill)
		}
		return e.v, nil
	}
	v, err, _ := c.flight.Do(flight, fill)
	return v, err
}

// fill loads key and keeps it, unless a change committed meanwhile. A
// panicking load is an error: a load in the background has no request's
// recovery around it.
func (c *cache) fill(ctx context.Context, key string, gen uint64, now func() time.Time, load func(context.Context) (any, error)) (v any, err error) {
	defer func() {
		if p := recover(); p != nil {
			v, err = nil, fmt.Errorf("statistics %s: panic: %v", key, p)
		}
	}()
	at := now()
	v, err = load(context.WithoutCancel(ctx))
	if err != nil || c.ttl <= 0 {
		return v, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return v, nil
	}
	// Expired entries go as new ones come, and there are never more than
	// maxStatsEntries: a reader asking for every day of every year cannot
	// fill the memory.
	for k, e := range c.entries {
		if at.Sub(e.at) >= c.ttl {
			delete(c.entries, k)
		}
	}
	if len(c.entries) >= maxStatsEntries {
		clear(c.entries)
	}
	c.entries[key] = statsEntry{v: v, at: at}
	return v, nil
}

// maxStatsEntries bounds the statistics kept at once.
const maxStatsEntries = 64

// invalidate forgets every entry, after a change.
func (c *cache) invalidate() {
	c.mu.Lock()
	c.gen++
	clear(c.entries)
	c.mu.Unlock()
}
