package stats

import "fmt"

// marks holds the IDs behind a computation's numbers a row at a time: the
// ID of each row that is behind some number, once, with a bit for each list
// it belongs to. The lists are made at the end, each at its size, and a
// list that comes out equal to one made before is that one: at 200,000
// projects the overview's lists hold over a million IDs, half of them in
// lists equal to another (docs/performance.md, "Memory"). The lists made
// are shared, as the computation's results are: callers read them and
// never change them.
type marks struct {
	ids   []string
	bits  []uint32
	lists int
	made  []madeList
}

type madeList struct {
	bit  uint32
	list []string
}

// ids is one list of a computation's marks; its zero value keeps nothing
// (the IDs not asked for).
type ids struct {
	m   *marks
	bit uint32
}

// newMarks is the marks of a computation that keeps its IDs, else nil.
func newMarks(kept bool) *marks {
	if !kept {
		return nil
	}
	return &marks{}
}

// list is a new list of m's, or one that keeps nothing when m is nil.
func (m *marks) list() ids {
	if m == nil {
		return ids{}
	}
	if m.lists == 32 {
		panic(fmt.Sprintf("stats: more than %d lists of IDs in one computation", m.lists))
	}
	m.lists++
	return ids{m: m, bit: 1 << (m.lists - 1)}
}

// add puts id in the list. The rows come one after another and each row's
// ID is its own, so an ID equal to the last one marked is the same row; a
// list is given each row at most once.
func (l ids) add(id string) {
	m := l.m
	if m == nil {
		return
	}
	if n := len(m.ids); n > 0 && m.ids[n-1] == id {
		m.bits[n-1] |= l.bit
		return
	}
	m.ids = append(m.ids, id)
	m.bits = append(m.bits, l.bit)
}

// done is the list's IDs in the order they were added: nil when nothing is
// kept, else a list, empty or not, that an equal list made before shares.
func (l ids) done() []string {
	m := l.m
	if m == nil {
		return nil
	}
	n := 0
	for _, b := range m.bits {
		if b&l.bit != 0 {
			n++
		}
	}
	for _, d := range m.made {
		if len(d.list) == n && m.same(d.bit, l.bit) {
			return d.list
		}
	}
	list := make([]string, 0, n)
	for i, b := range m.bits {
		if b&l.bit != 0 {
			list = append(list, m.ids[i])
		}
	}
	m.made = append(m.made, madeList{bit: l.bit, list: list})
	return list
}

// same reports whether the lists of bits x and y hold the same rows.
func (m *marks) same(x, y uint32) bool {
	for _, b := range m.bits {
		if (b&x == 0) != (b&y == 0) {
			return false
		}
	}
	return true
}

// noIDs is an empty list of IDs when they are kept, else nil.
func noIDs(kept bool) []string {
	if kept {
		return []string{}
	}
	return nil
}
