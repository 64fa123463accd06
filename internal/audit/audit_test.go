package audit

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// chain returns n correctly sealed entries with IDs 1..n.
func chain(n int) []Entry {
	out := make([]Entry, n)
	prev := ""
	for i := range out {
		e := Entry{
			ID: int64(i + 1), At: at.Add(time.Duration(i) * time.Second), Actor: "bureau", ActorID: "u1",
			Action: "project.update", ResourceType: "project", ResourceID: "p" + strconv.Itoa(i%3),
			Before: json.RawMessage(`{"version":` + strconv.Itoa(i) + `}`), After: json.RawMessage(`{"version":` + strconv.Itoa(i+1) + `}`),
			RequestID: "r" + strconv.Itoa(i), PrevHash: prev,
		}
		e.Hash = Seal(prev, e)
		prev = e.Hash
		out[i] = e
	}
	return out
}

// walker serves a fixed chain to Verify; it stands for no database, only
// for the order in which a store hands entries out.
type walker struct {
	entries []Entry
	calls   int
}

func (w *walker) Append(context.Context, Entry) error           { panic("not used") }
func (w *walker) SealPending(context.Context, int) (int, error) { return 0, nil }
func (w *walker) List(context.Context, Query) (Page, error)     { panic("not used") }
func (w *walker) Walk(_ context.Context, after int64, limit int) ([]Entry, error) {
	w.calls++
	var out []Entry
	for _, e := range w.entries {
		if e.ID > after && len(out) < limit {
			out = append(out, e)
		}
	}
	return out, nil
}

var bureau = identity.Principal{Subject: "u1", Name: "bureau", Role: identity.RoleBureau}

// TestVerify walks chains with one kind of damage each, in batches smaller
// than the chain so that damage at a batch boundary is seen too.
func TestVerify(t *testing.T) {
	t.Parallel()
	id := func(n int64) *int64 { return &n }
	cases := []struct {
		name    string
		damage  func([]Entry) []Entry
		entries int64
		broken  *int64
	}{
		{name: "empty chain", damage: func([]Entry) []Entry { return nil }, entries: 0},
		{name: "intact", damage: func(es []Entry) []Entry { return es }, entries: 7},
		{name: "after changed", damage: func(es []Entry) []Entry {
			es[3].After = json.RawMessage(`{"version":99}`)
			return es
		}, entries: 7, broken: id(4)},
		{name: "actor changed in the first entry", damage: func(es []Entry) []Entry {
			es[0].Actor = "admin"
			return es
		}, entries: 7, broken: id(1)},
		{name: "content changed and resealed: the next link breaks", damage: func(es []Entry) []Entry {
			es[2].Dept = "energy"
			es[2].Hash = Seal(es[2].PrevHash, es[2])
			return es
		}, entries: 7, broken: id(4)},
		{name: "entry removed in the middle", damage: func(es []Entry) []Entry {
			return append(es[:2:2], es[3:]...)
		}, entries: 6, broken: id(4)},
		{name: "entry removed at a batch boundary", damage: func(es []Entry) []Entry {
			return append(es[:3:3], es[4:]...)
		}, entries: 6, broken: id(5)},
		{name: "first entry removed", damage: func(es []Entry) []Entry { return es[1:] }, entries: 6, broken: id(2)},
		{name: "last entry removed: the chain itself cannot tell", damage: func(es []Entry) []Entry { return es[:6] }, entries: 6},
		{name: "two entries swapped", damage: func(es []Entry) []Entry {
			es[4].ID, es[5].ID = es[5].ID, es[4].ID
			es[4], es[5] = es[5], es[4]
			return es
		}, entries: 7, broken: id(5)},
		{name: "forged entry inserted", damage: func(es []Entry) []Entry {
			f := es[2]
			f.ID, f.Action = 100, "project.archive"
			f.Hash = Seal(f.PrevHash, f)
			return append(es, f)
		}, entries: 8, broken: id(100)},
		{name: "two breaks: the first is named", damage: func(es []Entry) []Entry {
			es[1].RequestID, es[5].RequestID = "x", "y"
			return es
		}, entries: 7, broken: id(2)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			w := &walker{entries: c.damage(chain(7))}
			s := NewService(w, time.Now)
			s.batch = 2
			res, err := s.Verify(context.Background(), bureau)
			require.NoError(t, err)
			assert.Equal(t, Result{OK: c.broken == nil, Entries: c.entries, FirstBroken: c.broken}, res)
			assert.Equal(t, int(c.entries)/2+1, w.calls, "reads the chain in batches, to its end")
		})
	}
}

func TestOnlyTheBureauReadsTheTrail(t *testing.T) {
	t.Parallel()
	s := NewService(&walker{}, time.Now)
	for _, r := range identity.Roles {
		p := identity.Principal{Subject: "x", Name: "x", Role: r}
		_, verifyErr := s.Verify(context.Background(), p)
		if r == identity.RoleAdmin || r == identity.RoleBureau {
			assert.NoError(t, verifyErr, r)
			continue
		}
		_, listErr := s.List(context.Background(), p, Query{})
		assert.Equal(t, apperr.Forbidden, apperr.KindOf(listErr), r)
		assert.Equal(t, apperr.Forbidden, apperr.KindOf(verifyErr), r)
	}
}

func TestAppendRejectsAnIncompleteRecord(t *testing.T) {
	t.Parallel()
	s := NewService(&walker{}, time.Now)
	for _, r := range []Record{
		{ResourceType: "project", ResourceID: "p"},
		{Action: "project.create", ResourceID: "p"},
		{Action: "project.create", ResourceType: "project"},
		{Action: "project.create", ResourceType: "project", ResourceID: "p", After: map[string]any{"n": int64(1)<<60 + 1}},
		{Action: "project.create", ResourceType: "project", ResourceID: "p", After: func() {}},
	} {
		assert.Error(t, s.Append(context.Background(), bureau, r), "%+v", r)
	}
}

func TestRequestID(t *testing.T) {
	t.Parallel()
	assert.Empty(t, RequestIDFrom(context.Background()))
	assert.Equal(t, "abc", RequestIDFrom(WithRequestID(context.Background(), "abc")))
}
