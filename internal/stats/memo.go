package stats

import (
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// memo remembers the last current overview of each department (and the
// county's) with the fingerprint of what it was computed from: the day, the
// kept figures' key and position, the feed's newest position, the plan's and
// the calendar's versions. A read that finds no committed event without a
// position and the same fingerprint answers it again: every committed
// change moves the fingerprint (an event, sequenced or not, a plan's or a
// period's version, a new key), so the answer is the one a computation
// would give, on every replica, after one round trip (docs/stats.md,
// "Current figures"). Events past the kept position are in it by the
// positions it names: the same positions are the same events, and the
// projects they changed are as they were.
type memo struct {
	mu sync.Mutex
	m  map[string]memoEntry
}

type memoEntry struct {
	fp string
	o  Overview
}

// maxMemo bounds the departments remembered.
const maxMemo = 256

// fingerprint is what an overview of kept figures k with pending events p
// was computed from, on day today; "" when committed events have no
// position yet, events were left past the read's limit, or the stored
// health is due to be computed again (it is not remembered).
func fingerprint(today time.Time, k Kept, p Pending) string {
	if p.Unsequenced || p.More || p.Gap || k.Key == "" || k.Due {
		return ""
	}
	return fmt.Sprintf("%s|%s|%d|%d|%s|%s", today.Format(time.DateOnly), k.Key, k.Through, p.Head, k.Health, k.Frame)
}

func (m *memo) get(dept, fp string) (Overview, bool) {
	if fp == "" {
		return Overview{}, false
	}
	m.mu.Lock()
	e, ok := m.m[dept]
	m.mu.Unlock()
	if !ok || e.fp != fp {
		return Overview{}, false
	}
	return cloneOverview(e.o), true
}

func (m *memo) put(dept, fp string, o Overview) {
	if fp == "" {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.m == nil || len(m.m) >= maxMemo {
		m.m = map[string]memoEntry{}
	}
	m.m[dept] = memoEntry{fp: fp, o: cloneOverview(o)}
}

// cloneOverview copies what a caller could change of an overview without
// IDs: its maps and lists.
func cloneOverview(o Overview) Overview {
	o.ByStage, o.Health = maps.Clone(o.ByStage), maps.Clone(o.Health)
	o.Misclassified, o.Stalled = slices.Clone(o.Misclassified), slices.Clone(o.Stalled)
	o.StartCheckpoints = slices.Clone(o.StartCheckpoints)
	return o
}
