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
// by guesses sent at once.
func FailureStoreContract(t *testing.T, st auth.FailureStore) {
	t.Helper()
	runCases(t, st, []contractCase[auth.FailureStore]{
		{"attempts count in the window of the first", failuresCounted},
		{"a window that began at or before since starts anew", failureWindowRenewed},
		{"an attempt given back is no longer counted, never below zero", failureReleased},
		{"a cleared key counts anew", failuresCleared},
		{"concurrent attempts each get a count of their own", failuresConcurrent},
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
