package audit

import (
	"bytes"
	"encoding/json"
	"slices"
)

// Format says what an entry's Before and After hold (docs/audit.md, "What is
// recorded"). It is sealed: each format has its own formula version.
type Format int

const (
	// FormatSnapshots entries hold the whole resource on each side, null on
	// the side where there is none: creations, removals, and every entry
	// staged before FormatChanges existed.
	FormatSnapshots Format = 1
	// FormatChanges entries hold, on each side, only the members of the
	// resource that the change changed: a member missing from After was
	// removed, one missing from Before was added.
	FormatChanges Format = 2
)

// String is the format's name as the API answers it.
func (f Format) String() string {
	if f == FormatChanges {
		return "changes"
	}
	return "snapshots"
}

// sides returns the canonical JSON that an entry keeps of a change from
// before to after: when both are JSON objects, only their members that
// differ, and those named in keep (FormatChanges); otherwise both whole
// (FormatSnapshots).
func sides(before, after any, keep ...string) (b, a json.RawMessage, f Format, err error) {
	if before != nil && after != nil {
		mb, okb, err := members(before)
		if err != nil {
			return nil, nil, 0, err
		}
		ma, oka, err := members(after)
		if err != nil {
			return nil, nil, 0, err
		}
		if okb && oka {
			b, a = changes(mb, ma, keep)
			return b, a, FormatChanges, nil
		}
	}
	if b, err = snapshot(before); err != nil {
		return nil, nil, 0, err
	}
	if a, err = snapshot(after); err != nil {
		return nil, nil, 0, err
	}
	return b, a, FormatSnapshots, nil
}

// members returns the canonical JSON of each member of v, and whether v is
// a JSON object at all. Canonical text is equal exactly when values are, so
// that members can be compared as bytes.
func members(v any) (map[string][]byte, bool, error) {
	if m, ok := v.(map[string]any); ok {
		// Every value is written into one buffer, and sliced once written.
		var buf bytes.Buffer
		ends := make(map[string][2]int, len(m))
		for k, x := range m {
			from := buf.Len()
			if err := writeValue(&buf, x); err != nil {
				return nil, false, err
			}
			ends[k] = [2]int{from, buf.Len()}
		}
		all := buf.Bytes()
		out := make(map[string][]byte, len(m))
		for k, e := range ends {
			out[k] = all[e[0]:e[1]:e[1]]
		}
		return out, true, nil
	}
	b, err := snapshot(v)
	if err != nil || len(b) == 0 || b[0] != '{' {
		return nil, false, err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, false, err
	}
	out := make(map[string][]byte, len(raw))
	for k, x := range raw {
		out[k] = x // canonical already: a member of canonical text
	}
	return out, true, nil
}

// changes returns the objects of the members of before and of after whose
// values differ or that only one side has, and those named in keep, in
// canonical JSON.
func changes(before, after map[string][]byte, keep []string) (b, a json.RawMessage) {
	var keys []string
	for k, x := range before {
		if y, ok := after[k]; !ok || !bytes.Equal(x, y) || slices.Contains(keep, k) {
			keys = append(keys, k)
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok && !slices.Contains(keep, k) {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, compareUTF16)
	return object(keys, before), object(keys, after)
}

// object writes the members of m named in keys, in that order (canonical
// when keys are sorted as RFC 8785 sorts them); m's values are canonical.
func object(keys []string, m map[string][]byte) json.RawMessage {
	var buf bytes.Buffer
	buf.WriteByte('{')
	n := 0
	for _, k := range keys {
		v, ok := m[k]
		if !ok {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		n++
		writeString(&buf, k)
		buf.WriteByte(':')
		buf.Write(v)
	}
	buf.WriteByte('}')
	return buf.Bytes()
}
