package audit

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// TestCheckpoints anchors a chain's head and verifies later chains against
// it: the removal of the newest entries, and their rewriting, which the
// chain alone cannot tell, are named.
func TestCheckpoints(t *testing.T) {
	t.Parallel()
	taken := time.Date(2026, 12, 7, 8, 0, 0, 0, time.UTC)
	s := NewService(&walker{entries: chain(7)}, func() time.Time { return taken })
	s.batch = 2
	cp, err := s.Checkpoint(context.Background(), bureau)
	require.NoError(t, err)
	es := chain(7)
	assert.Equal(t, Checkpoint{ID: 7, Hash: es[6].Hash, At: es[6].At, Taken: taken}, cp)
	older := Checkpoint{ID: 3, Hash: es[2].Hash, Taken: taken}

	rewritten := func() []Entry {
		es := chain(7)[:5]
		for _, e := range chain(7)[5:] {
			e.PrevHash, e.Actor = es[len(es)-1].Hash, "forger"
			e.Hash = Seal(e.PrevHash, e)
			es = append(es, e)
		}
		return es
	}()
	cases := []struct {
		name    string
		entries []Entry
		cps     []Checkpoint
		missed  *CheckpointMiss
		reason  string
	}{
		{name: "intact", entries: chain(7), cps: []Checkpoint{older, cp}},
		{name: "grown since", entries: chain(9), cps: []Checkpoint{cp}},
		{name: "the empty chain's checkpoint", entries: chain(2), cps: []Checkpoint{{Taken: taken}}},
		{name: "newest entries removed", entries: chain(5), cps: []Checkpoint{older, cp},
			missed: &CheckpointMiss{Checkpoint: cp}, reason: "no longer has entry 7"},
		{name: "newest entries rewritten", entries: rewritten, cps: []Checkpoint{cp},
			missed: &CheckpointMiss{Checkpoint: cp, Found: rewritten[6].Hash}, reason: "the trail was rewritten"},
		{name: "all removed", entries: nil, cps: []Checkpoint{older},
			missed: &CheckpointMiss{Checkpoint: older}, reason: "entries were removed"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := NewService(&walker{entries: c.entries}, time.Now)
			s.batch = 2
			res, err := s.VerifyCheckpoints(context.Background(), bureau, c.cps)
			require.NoError(t, err)
			assert.Nil(t, res.FirstBroken, "the chain itself holds")
			assert.Equal(t, c.missed == nil, res.OK)
			assert.Equal(t, c.missed, res.Missed)
			if c.missed != nil {
				assert.Contains(t, res.Missed.Reason(), c.reason)
			}
		})
	}

	broken := chain(4)
	broken[1].Actor = "admin"
	_, err = NewService(&walker{entries: broken}, time.Now).Checkpoint(context.Background(), bureau)
	assert.ErrorContains(t, err, "broken at entry 2")
	_, err = s.Checkpoint(context.Background(), identity.Principal{Subject: "x", Role: identity.RoleDeptEditor})
	assert.Equal(t, apperr.Forbidden, apperr.KindOf(err), "only readers of the trail")
}

func TestReadCheckpoints(t *testing.T) {
	t.Parallel()
	h := strings.Repeat("ab", 32)
	cps, err := ReadCheckpoints(strings.NewReader(`{"id":3,"hash":"` + h + `","at":"2026-12-07T07:00:00Z","taken":"2026-12-07T08:00:00Z"}` + "\n\n" +
		`{"id":0,"hash":"","at":"0001-01-01T00:00:00Z","taken":"2026-12-07T08:00:00Z"}` + "\n"))
	require.NoError(t, err)
	require.Len(t, cps, 2)
	assert.Equal(t, int64(3), cps[0].ID)
	assert.Equal(t, h, cps[0].Hash)
	for _, bad := range []string{
		"",
		"not json\n",
		`{"id":3,"hash":"` + h + `","extra":1}`,
		`{"id":3,"hash":"abc"}`,
		`{"id":3,"hash":"` + strings.ToUpper(h) + `"}`,
		`{"id":0,"hash":"` + h + `"}`,
		`{"id":-1,"hash":""}`,
	} {
		_, err := ReadCheckpoints(strings.NewReader(bad))
		assert.Error(t, err, bad)
	}
}
