package authtest

import (
	"sync"
	"testing"
	"time"

	"github.com/guangling/pipeline/internal/auth"
)

// FailureStoreContract checks that st keeps what auth.FailureStore
// documents: a key's attempts counted in a window that begins with its
// first attempt and starts anew for an attempt when it began at or before
// since; an attempt given back, never below zero; a key forgotten when
// cleared; keys counted apart; window starts in UTC; concurrent attempts
// each counted once, so that a limit checked on the count cannot be passed
// by guesses sent at once; a key remembered, apart from its failures, and
// known after since; windows that ended and markers that aged purged, and
// nothing else.
func FailureStoreContract(t *testing.T, st auth.FailureStore) {
	t.Helper()
	runCases(t, st, []contractCase[auth.FailureStore]{
		{"attempts count in the window of the first", failuresCounted},
		{"a window that began at or before since starts anew", failureWindowRenewed},
		{"an attempt given back is no longer counted, never below zero", failureReleased},
		{"a cleared key counts anew", failuresCleared},
		{"concurrent attempts each get a count of their own", failuresConcurrent},
		{"a remembered key is known after since, apart from its failures", failureKeyKnown},
		{"a purge deletes the ended windows and the aged markers only", failuresPurged},
	})
}

// record records an attempt for keys at now, windows since since, and
// fails t unless the windows are want.
func record(t *testing.T, st auth.FailureStore, keys []string, now, since time.Time, want map[string]auth.Window) {
	t.Helper()
	got, err := st.RecordFailure(ctx, keys, now, since)
	must(t, err, "record")
	equal(t, want, got, "the windows")
}

// window is the window that began at start, with count attempts.
func window(start time.Time, count int) auth.Window { return auth.Window{Start: start, Count: count} }

func failuresCounted(t *testing.T, st auth.FailureStore) {
	user, addr := unique("user:"), unique("addr:")
	since := at.Add(-time.Hour)
	record(t, st, []string{user, addr}, at.In(shanghai), since,
		map[string]auth.Window{user: window(at, 1), addr: window(at, 1)})
	record(t, st, []string{user, addr}, at.Add(time.Minute), since,
		map[string]auth.Window{user: window(at, 2), addr: window(at, 2)})
	other := unique("user:")
	record(t, st, []string{other, addr}, at.Add(2*time.Minute), since,
		map[string]auth.Window{other: window(at.Add(2*time.Minute), 1), addr: window(at, 3)})
	record(t, st, []string{user}, at.Add(3*time.Minute), since, map[string]auth.Window{user: window(at, 3)})
}

func failureWindowRenewed(t *testing.T, st auth.FailureStore) {
	key := unique("user:")
	record(t, st, []string{key}, at, at.Add(-time.Hour), map[string]auth.Window{key: window(at, 1)})
	record(t, st, []string{key}, at.Add(time.Minute), at.Add(-time.Microsecond), map[string]auth.Window{key: window(at, 2)})
	later := at.Add(time.Hour)
	record(t, st, []string{key}, later, at, map[string]auth.Window{key: window(later, 1)})
	record(t, st, []string{key}, later.Add(time.Minute), later.Add(-time.Minute), map[string]auth.Window{key: window(later, 2)})
	record(t, st, []string{key}, later.Add(2*time.Minute), later.Add(time.Minute), map[string]auth.Window{key: window(later.Add(2*time.Minute), 1)})
}

func failureReleased(t *testing.T, st auth.FailureStore) {
	user, addr, unknown := unique("user:"), unique("addr:"), unique("addr:")
	since := at.Add(-time.Hour)
	record(t, st, []string{user, addr}, at, since, map[string]auth.Window{user: window(at, 1), addr: window(at, 1)})
	record(t, st, []string{user, addr}, at, since, map[string]auth.Window{user: window(at, 2), addr: window(at, 2)})
	must(t, st.ReleaseFailure(ctx, []string{user, addr, unknown}), "release")
	must(t, st.ReleaseFailure(ctx, []string{addr}), "release again")
	must(t, st.ReleaseFailure(ctx, []string{addr}), "release below zero")
	later := at.Add(time.Minute)
	record(t, st, []string{user, addr, unknown}, later, since,
		map[string]auth.Window{user: window(at, 2), addr: window(at, 1), unknown: window(later, 1)})
}

func failuresCleared(t *testing.T, st auth.FailureStore) {
	user, addr := unique("user:"), unique("addr:")
	since := at.Add(-time.Hour)
	record(t, st, []string{user, addr}, at, since, map[string]auth.Window{user: window(at, 1), addr: window(at, 1)})
	must(t, st.ClearFailures(ctx, user), "clear")
	must(t, st.ClearFailures(ctx, unique("user:")), "clear an unknown key")
	later := at.Add(time.Minute)
	record(t, st, []string{user, addr}, later, since, map[string]auth.Window{user: window(later, 1), addr: window(at, 2)})
}

func failuresConcurrent(t *testing.T, st auth.FailureStore) {
	pair, account := unique("pair:"), unique("user:")
	since := at.Add(-time.Hour)
	const n = 12
	counts := make(chan int, n)
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws, err := st.RecordFailure(ctx, []string{account, pair}, at, since)
			if err != nil {
				t.Errorf("record: %v", err)
				return
			}
			counts <- ws[pair].Count
		}()
	}
	wg.Wait()
	close(counts)
	seen := map[int]bool{}
	for c := range counts {
		seen[c] = true
	}
	want := map[int]bool{}
	for i := range n {
		want[i+1] = true
	}
	equal(t, want, seen, "each attempt's count")
	record(t, st, []string{account, pair}, at, since, map[string]auth.Window{account: window(at, n+1), pair: window(at, n+1)})
}

// known fails t unless key is known after since as want says.
func known(t *testing.T, st auth.FailureStore, key string, since time.Time, want bool) {
	t.Helper()
	got, err := st.Known(ctx, key, since)
	must(t, err, "known")
	equal(t, want, got, "known "+key+" after "+since.String())
}

func failureKeyKnown(t *testing.T, st auth.FailureStore) {
	key := unique("known:")
	known(t, st, key, at.Add(-time.Hour), false)
	must(t, st.Remember(ctx, key, at.In(shanghai)), "remember")
	known(t, st, key, at.Add(-time.Microsecond), true)
	known(t, st, key, at, false)
	later := at.Add(time.Minute)
	record(t, st, []string{key}, later, at.Add(-time.Hour), map[string]auth.Window{key: window(later, 1)})
	must(t, st.ClearFailures(ctx, key), "clear the key's failures")
	known(t, st, key, at.Add(-time.Microsecond), true)
	must(t, st.Remember(ctx, key, later), "remember again")
	known(t, st, key, at, true)
	record(t, st, []string{key}, later, at.Add(-time.Hour), map[string]auth.Window{key: window(later, 1)})
}

// failuresPurged works long before the other cases' instants, so that its
// purge touches none of theirs.
func failuresPurged(t *testing.T, st auth.FailureStore) {
	old := at.Add(-1000 * time.Hour)
	windowsBefore, markersBefore := old.Add(5*time.Hour), old.Add(-5*time.Hour)
	ended, boundary, open := unique("pair:"), unique("pair:"), unique("pair:")
	aged, young := unique("known:"), unique("known:")
	past := old.Add(-100 * time.Hour)
	record(t, st, []string{ended}, old, past, map[string]auth.Window{ended: window(old, 1)})
	record(t, st, []string{boundary}, windowsBefore, past, map[string]auth.Window{boundary: window(windowsBefore, 1)})
	record(t, st, []string{open}, old.Add(10*time.Hour), past, map[string]auth.Window{open: window(old.Add(10*time.Hour), 1)})
	must(t, st.Remember(ctx, aged, markersBefore), "remember")
	must(t, st.Remember(ctx, young, old), "remember")
	n, err := st.PurgeFailures(ctx, windowsBefore, markersBefore)
	must(t, err, "purge")
	equal(t, int64(3), n, "rows purged")
	known(t, st, aged, past, false)
	known(t, st, young, past, true)
	now := old.Add(20 * time.Hour)
	record(t, st, []string{ended, boundary, open}, now, past, map[string]auth.Window{
		ended: window(now, 1), boundary: window(now, 1), open: window(old.Add(10*time.Hour), 2),
	})
}
