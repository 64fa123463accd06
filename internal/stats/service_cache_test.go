package stats_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// cachedCalls are the statistics the service remembers, each asked as p
// for a day: it answers something to compare and its error.
func cachedCalls(svc *stats.Service) map[string]func(p identity.Principal, day string) (any, error) {
	ctx := context.Background()
	render := func(o stats.Overview) ([]byte, error) { return fmt.Appendf(nil, "%d %v", o.All.Count, o.AsOf), nil }
	return map[string]func(identity.Principal, string) (any, error){
		"rendered overview": func(p identity.Principal, day string) (any, error) {
			return svc.RenderedOverview(ctx, p, params(day), false, render)
		},
		"overview with the IDs": func(p identity.Principal, day string) (any, error) {
			return svc.IDsOverview(ctx, p, params(day))
		},
		"breakdown": func(p identity.Principal, day string) (any, error) {
			return svc.Breakdown(ctx, p, "stage", params(day), false)
		},
		"batches": func(p identity.Principal, day string) (any, error) {
			return svc.Batches(ctx, p, on(day).Year(), int(on(day).Month()+2)/3)
		},
		"trend": func(p identity.Principal, day string) (any, error) {
			return svc.Trend(ctx, p, params(day))
		},
	}
}

// TestCachedUntilForgotten: a statistic asked again within the cache's time
// to live does not read the store, whoever asks with the same scope, until
// Forget; another scope or other parameters are remembered apart.
func TestCachedUntilForgotten(t *testing.T) {
	t.Parallel()
	for name := range cachedCalls(nil) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			call := cachedCalls(f.svc)[name]
			first, err := call(bureau, "2021-04-15")
			require.NoError(t, err)
			reads := f.reads()
			again, err := call(bureau, "2021-04-15")
			require.NoError(t, err)
			assert.Equal(t, first, again)
			assert.Equal(t, reads, f.reads(), "a second call does not read the store")
			_, err = call(leader, "2021-04-15")
			require.NoError(t, err)
			assert.Equal(t, reads, f.reads(), "nor one with the same scope")

			_, err = call(energyViewer, "2021-04-15")
			require.NoError(t, err)
			assert.NotEqual(t, reads, f.reads(), "another scope reads its own")
			reads = f.reads()
			_, err = call(bureau, "2022-10-15")
			require.NoError(t, err)
			assert.NotEqual(t, reads, f.reads(), "other parameters are another statistic")

			reads = f.reads()
			f.svc.Forget()
			_, err = call(bureau, "2021-04-15")
			require.NoError(t, err)
			assert.NotEqual(t, reads, f.reads(), "after Forget, the next call reads the store")
			reads = f.reads()
			_, err = call(bureau, "2021-04-15")
			require.NoError(t, err)
			assert.Equal(t, reads, f.reads(), "and is remembered again")
		})
	}
}

// TestCacheTimeToLive: a statistic is remembered for the time to live of
// the service's clock, DefaultCacheTTL unless set; a time to live of 0
// remembers nothing.
func TestCacheTimeToLive(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	breakdown := func() {
		_, err := f.svc.Breakdown(ctx, bureau, "category", params("2021-06-15"), false)
		require.NoError(t, err)
	}
	breakdown()
	reads := f.reads()
	f.clock.advance(stats.DefaultCacheTTL/2 - time.Second)
	breakdown()
	assert.Equal(t, reads, f.reads(), "within its time to live")
	f.clock.advance(stats.DefaultCacheTTL/2 + time.Second)
	breakdown()
	assert.Equal(t, reads[0]+1, f.reads()[0], "past its time to live, read again")

	off := newFixture(t)
	off.svc.SetCacheTTL(0)
	for i := range 3 {
		_, err := off.svc.Trend(ctx, bureau, params("2021-06-15"))
		require.NoError(t, err)
		_, err = off.svc.Breakdown(ctx, bureau, "stage", params("2021-06-15"), false)
		require.NoError(t, err)
		assert.Equal(t, [2]int{2 * (i + 1), i + 1}, off.reads(), "a time to live of 0 never caches")
	}

	short := newFixture(t)
	short.svc.SetCacheTTL(time.Minute)
	_, err := short.svc.Trend(ctx, bureau, params("2021-06-15"))
	require.NoError(t, err)
	short.clock.advance(59 * time.Second)
	_, err = short.svc.Trend(ctx, bureau, params("2021-06-15"))
	require.NoError(t, err)
	require.Eventually(t, func() bool { return short.reads() == [2]int{2, 2} }, time.Second, time.Millisecond,
		"past half its time to live, it is read again in the background")
}

// TestStoreErrorsAreNotCached: a failed read answers its error, and the
// next call reads the store again.
func TestStoreErrorsAreNotCached(t *testing.T) {
	t.Parallel()
	boom := errors.New("connection reset")
	for _, method := range []string{"Rows", "Year", "MonthlyMoves"} {
		for name := range cachedCalls(nil) {
			if method == "MonthlyMoves" && name != "trend" {
				continue // only the trend reads it
			}
			f := newFixture(t)
			call := cachedCalls(f.svc)[name]
			f.store.Fail(method, boom)
			_, err := call(bureau, "2021-06-15")
			require.ErrorIs(t, err, boom, "%s, %s failing", name, method)
			f.store.Fail(method, nil)
			reads := f.reads()
			_, err = call(bureau, "2021-06-15")
			require.NoError(t, err, "%s: the error was not remembered", name)
			assert.NotEqual(t, reads, f.reads(), name)
		}
	}
}

// forgetting is a store that, while the rows are read, sees a change
// commit.
type forgetting struct {
	stats.Store
	svc *stats.Service
}

func (s forgetting) Rows(ctx context.Context, sc project.Reach, q stats.Query, yield func(stats.Row) bool) error {
	s.svc.Forget()
	return s.Store.Rows(ctx, sc, q, yield)
}

// TestALoadBesideAChangeIsNotKept: statistics read while a change
// committed answer their caller, but the next caller reads afresh.
func TestALoadBesideAChangeIsNotKept(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	st := &forgetting{Store: f.store}
	svc := stats.NewService(st, f.clock.now)
	st.svc = svc
	for range 2 {
		b, err := svc.Batches(context.Background(), bureau, 2021, 2)
		require.NoError(t, err)
		assert.Equal(t, []string{i1}, b.Signed.IDs)
	}
	assert.Equal(t, 2, f.store.Reads("Rows"), "read each time")
}

// TestRenderedOverview: without the IDs the rendering is remembered,
// rendered once; with them the overview is remembered (IDsOverview), read
// once and rendered on every call, apart from the one without; a
// rendering that fails is not kept.
func TestRenderedOverview(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	asOf := params("2021-06-15")
	renders := 0
	render := func(o stats.Overview) ([]byte, error) {
		renders++
		return fmt.Appendf(nil, "%d %v", o.All.Count, o.StartAnnual.DenominatorIDs), nil
	}
	overview := func(ids bool) string {
		b, err := f.svc.RenderedOverview(ctx, bureau, asOf, ids, render)
		require.NoError(t, err)
		return string(b)
	}
	assert.Equal(t, "3 []", overview(false))
	assert.Equal(t, "3 [p1-energy-new p3-industry-new]", overview(true), "with the IDs, not the rendering without them")
	assert.Equal(t, "3 []", overview(false))
	assert.Equal(t, "3 [p1-energy-new p3-industry-new]", overview(true))
	assert.Equal(t, 3, renders, "without the IDs rendered once, with them each time")
	assert.Equal(t, 2, f.store.Reads("Rows"), "each computed once")
	o, err := f.svc.IDsOverview(ctx, bureau, asOf)
	require.NoError(t, err)
	assert.Equal(t, []string{"p1-energy-new", "p3-industry-new"}, o.StartAnnual.DenominatorIDs)
	assert.Equal(t, 2, f.store.Reads("Rows"), "the overview the rendering with the IDs read")

	broken := errors.New("cannot render")
	fails := func(stats.Overview) ([]byte, error) { return nil, broken }
	for _, ids := range []bool{false, true} {
		_, err := f.svc.RenderedOverview(ctx, bureau, params("2021-06-14"), ids, fails)
		require.ErrorIs(t, err, broken)
		b, err := f.svc.RenderedOverview(ctx, bureau, params("2021-06-14"), ids, render)
		require.NoError(t, err, "the failure was not remembered")
		assert.Equal(t, map[bool]string{false: "3 []", true: "3 [p1-energy-new p3-industry-new]"}[ids], string(b))
	}
}
