package stats

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMarks: each list gives its IDs in the order they were added, a list
// equal to one made before shares its slice, an empty kept list is empty
// and not nil, and nothing is kept without marks.
func TestMarks(t *testing.T) {
	tests := []struct {
		name  string
		rows  []string
		in    [][]int // the lists each row goes into
		want  [][]string
		share [][2]int // pairs of lists that share one slice
	}{
		{name: "no rows", want: [][]string{{}, {}}, share: [][2]int{{0, 1}}},
		{name: "apart", rows: []string{"a", "b", "c"}, in: [][]int{{0}, {1}, {0, 1}},
			want: [][]string{{"a", "c"}, {"b", "c"}}},
		{name: "equal lists share", rows: []string{"a", "b", "c"}, in: [][]int{{0, 1, 2}, {1, 2}, {0, 1, 2}},
			want: [][]string{{"a", "c"}, {"a", "b", "c"}, {"a", "b", "c"}}, share: [][2]int{{1, 2}}},
		{name: "same length, other rows", rows: []string{"a", "b"}, in: [][]int{{0}, {1}},
			want: [][]string{{"a"}, {"b"}}},
		{name: "a row in no list", rows: []string{"a", "b", "c"}, in: [][]int{{0}, {}, {0}},
			want: [][]string{{"a", "c"}, {}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := newMarks(true)
			lists := make([]ids, len(tt.want))
			for i := range lists {
				lists[i] = m.list()
			}
			for i, id := range tt.rows {
				for _, k := range tt.in[i] {
					lists[k].add(id)
				}
			}
			got := make([][]string, len(lists))
			for i, l := range lists {
				got[i] = l.done()
				require.NotNil(t, got[i], "list %d", i)
			}
			assert.Equal(t, tt.want, got)
			for _, p := range tt.share {
				assert.Equal(t, reflect.ValueOf(got[p[0]]).Pointer(), reflect.ValueOf(got[p[1]]).Pointer(), "lists %v", p)
			}
		})
	}
}

func TestMarksNotKept(t *testing.T) {
	m := newMarks(false)
	l := m.list()
	l.add("a")
	assert.Nil(t, l.done())
	assert.Nil(t, noIDs(false))
	assert.Equal(t, []string{}, noIDs(true))
}

func TestMarksAtMost32Lists(t *testing.T) {
	m := newMarks(true)
	for range 32 {
		m.list()
	}
	assert.Panics(t, func() { m.list() })
}
