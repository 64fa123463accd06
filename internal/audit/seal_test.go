package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var at = time.Date(2021, time.June, 15, 2, 0, 0, 123456000, time.UTC)

func entry() Entry {
	return Entry{
		ID: 7, At: at, Actor: "bureau", ActorID: "0190a0b0-0000-7000-8000-000000000001", Dept: "",
		Action: "project.update", ResourceType: "project", ResourceID: "0190a0b0-0000-7000-8000-0000000000aa",
		Before: json.RawMessage(`{"name":"晨风","version":1}`), After: json.RawMessage(`{"name":"晨风风电","version":2}`),
		RequestID: "req-1", PrevHash: "ab12",
	}
}

// TestSealFormula recomputes one hash by hand, as docs/audit.md tells an
// auditor to, so that the documented formula and the code cannot part.
func TestSealFormula(t *testing.T) {
	t.Parallel()
	msg := "17:pipeline.audit.v1," + "4:ab12," + "1:7," + "27:2021-06-15T02:00:00.123456Z," +
		"6:bureau," + "36:0190a0b0-0000-7000-8000-000000000001," + "0:," + "14:project.update," + "7:project," +
		"36:0190a0b0-0000-7000-8000-0000000000aa," +
		`29:{"name":"晨风","version":1},` + `35:{"name":"晨风风电","version":2},` + "5:req-1,"
	sum := sha256.Sum256([]byte(msg))
	assert.Equal(t, hex.EncodeToString(sum[:]), Seal("ab12", entry()))
	snapshots := entry()
	snapshots.Format = FormatSnapshots
	assert.Equal(t, Seal("ab12", entry()), Seal("ab12", snapshots), "an entry without a format is whole snapshots")

	// An entry of the changed members opens with its own literal, so that
	// its format is sealed: the rest of the message is the same.
	changed := entry()
	changed.Format = FormatChanges
	sum = sha256.Sum256([]byte("17:pipeline.audit.v2," + msg[len("17:pipeline.audit.v1,"):]))
	assert.Equal(t, hex.EncodeToString(sum[:]), Seal("ab12", changed))
}

// TestSeal: every field but Hash is sealed, the previous hash stands in for
// PrevHash, and JSON is sealed in canonical form whatever its rendering.
func TestSeal(t *testing.T) {
	t.Parallel()
	base := Seal("ab12", entry())
	cases := []struct {
		name   string
		prev   string
		change func(*Entry)
		same   bool
	}{
		{name: "identical", prev: "ab12", change: func(*Entry) {}, same: true},
		{name: "hash is not sealed", prev: "ab12", change: func(e *Entry) { e.Hash = "anything" }, same: true},
		{name: "prev stands in for PrevHash", prev: "ab12", change: func(e *Entry) { e.PrevHash = "other" }, same: true},
		{name: "another prev", prev: "ab13", change: func(*Entry) {}},
		{name: "id", prev: "ab12", change: func(e *Entry) { e.ID = 8 }},
		{name: "at, by a microsecond", prev: "ab12", change: func(e *Entry) { e.At = e.At.Add(time.Microsecond) }},
		{name: "at in another zone is the same instant", prev: "ab12", same: true,
			change: func(e *Entry) { e.At = e.At.In(time.FixedZone("Asia/Shanghai", 8*3600)) }},
		{name: "actor", prev: "ab12", change: func(e *Entry) { e.Actor = "admin" }},
		{name: "actor id", prev: "ab12", change: func(e *Entry) { e.ActorID = "x" }},
		{name: "dept", prev: "ab12", change: func(e *Entry) { e.Dept = "energy" }},
		{name: "action", prev: "ab12", change: func(e *Entry) { e.Action = "project.archive" }},
		{name: "resource type", prev: "ab12", change: func(e *Entry) { e.ResourceType = "user" }},
		{name: "resource id", prev: "ab12", change: func(e *Entry) { e.ResourceID = "x" }},
		{name: "before", prev: "ab12", change: func(e *Entry) { e.Before = json.RawMessage(`{"name":"晨风","version":3}`) }},
		{name: "after", prev: "ab12", change: func(e *Entry) { e.After = json.RawMessage(`null`) }},
		{name: "request id", prev: "ab12", change: func(e *Entry) { e.RequestID = "req-2" }},
		{name: "format", prev: "ab12", change: func(e *Entry) { e.Format = FormatChanges }},
		{name: "a format not known", prev: "ab12", change: func(e *Entry) { e.Format = 3 }},
		{name: "fields shifted across a boundary", prev: "ab12", change: func(e *Entry) {
			e.Actor, e.ActorID = "bureau0190a0b0-0000-7000-8000-000000000001", ""
		}},
		{name: "before and after swapped", prev: "ab12", change: func(e *Entry) { e.Before, e.After = e.After, e.Before }},
		{name: "JSON rendered as jsonb does", prev: "ab12", same: true, change: func(e *Entry) {
			e.After = json.RawMessage(`{"name": "晨风风电", "version": 2.0}`)
		}},
		{name: "JSON members in another order", prev: "ab12", same: true, change: func(e *Entry) {
			e.Before = json.RawMessage(`{"version":1,"name":"\u6668\u98ce"}`)
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := entry()
			c.change(&e)
			got := Seal(c.prev, e)
			assert.Len(t, got, 64)
			if c.same {
				assert.Equal(t, base, got)
			} else {
				assert.NotEqual(t, base, got)
			}
		})
	}
	empty := entry()
	empty.Before = nil
	null := entry()
	null.Before = json.RawMessage("null")
	assert.Equal(t, Seal("", null), Seal("", empty), "empty JSON is sealed as null")
}

// TestCanonical checks RFC 8785 on its own examples and the edges.
func TestCanonical(t *testing.T) {
	t.Parallel()
	cases := []struct{ in, want string }{
		{`null`, `null`},
		{` { "b" : [ true , false , null ] , "a" : 1 } `, `{"a":1,"b":[true,false,null]}`},
		{`{"numbers":[333333333.33333329,1E30,4.50,2e-3,0.000000000000000000000000001]}`,
			`{"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27]}`},
		{`[0,-0,1e21,1e20,1e-6,1e-7,-1.5,100,9007199254740992]`, `[0,0,1e+21,100000000000000000000,0.000001,1e-7,-1.5,100,9007199254740992]`},
		// Integers that are IEEE doubles, however large, as Go writes them.
		{`[100000000000000000000,-18014398509481984,1000000000000000000000]`, `[100000000000000000000,-18014398509481984,1e+21]`},
		{`"\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/"`, `"€$\u000f\nA'B\"\\\\\"/"`},
		{`"<&>\u2028"`, "\"<&>\u2028\""},
		// Member names sort by UTF-16 code units: U+1F600 (D83D …) before U+FB33.
		{`{"\ufb33":1,"\ud83d\ude00":2,"a":3,"":4}`, "{\"\":4,\"a\":3,\"\U0001F600\":2,\"\uFB33\":1}"},
		{`{"a":{"d":1,"c":[{"f":1,"e":2}]}}`, `{"a":{"c":[{"e":2,"f":1}],"d":1}}`},
	}
	for _, c := range cases {
		got, err := canonical([]byte(c.in))
		require.NoError(t, err, c.in)
		assert.Equal(t, c.want, string(got), c.in)
	}
	for _, bad := range []string{``, `{`, `{} {}`, `1e400`, `9007199254740993`, `-9007199254740993`, `100000000000000000001`} {
		_, err := canonical([]byte(bad))
		assert.Error(t, err, bad)
	}
}

func TestES6Number(t *testing.T) {
	t.Parallel()
	cases := map[float64]string{
		1: "1", -1: "-1", 0.5: "0.5", 123456789: "123456789", 1e21: "1e+21", 1.5e21: "1.5e+21", 999999999999999900000: "999999999999999900000",
		1e-6: "0.000001", 1.25e-7: "1.25e-7", math.MaxFloat64: "1.7976931348623157e+308", 5e-324: "5e-324",
		99.875: "99.875", 3400000000: "3400000000",
	}
	for f, want := range cases {
		assert.Equal(t, want, es6Number(f), "%v", f)
	}
}

// TestWriteValueIsCanonical: snapshots written straight from Go values equal
// what encoding/json and canonical make of them, key order included where
// UTF-8 and UTF-16 orders differ.
func TestWriteValueIsCanonical(t *testing.T) {
	type stage string
	name, n, f := "晨风\"风电\"\n", int64(3_400_000_000), 50.5

	v := map[string]any{
		"name": name, "code": (*string)(nil), "total_investment_yuan": &n, "capacity": &f, "stage": stage("started"),
		"version": 3, "archived": false, "created_at": at, "planned_start_date": &at, "ratio": 1e-7, "big": 1e21,
		"funding": []struct {
			Source string `json:"source"`
			Yuan   int64  `json:"planned_yuan"`
		}{{"enterprise", 1}}, "nested": map[string]any{"\ue000": 1, "😀": 2, "é": 3, "z": nil},
	}
	var got bytes.Buffer
	require.NoError(t, writeValue(&got, v))
	b, err := json.Marshal(v)
	require.NoError(t, err)
	want, err := canonical(b)
	require.NoError(t, err)
	assert.Equal(t, string(want), got.String())
	assert.Error(t, writeValue(&got, map[string]any{"x": math.NaN()}))
	// Bytes that are not UTF-8 are written as encoding/json reads them.
	got.Reset()
	bad := map[string]any{"name": "晨风\xff\xfe风电"}
	require.NoError(t, writeValue(&got, bad))
	b, err = json.Marshal(bad)
	require.NoError(t, err)
	want, err = canonical(b)
	require.NoError(t, err)
	assert.Equal(t, string(want), got.String())
	assert.True(t, utf8.Valid(got.Bytes()))
	// Integers are written as they are up to 2^53 and checked beyond.
	for _, n := range []int64{1 << 53, -1 << 53, 1<<53 + 2} {
		got.Reset()
		require.NoError(t, writeValue(&got, n))
		want, err := canonical([]byte(strconv.FormatInt(n, 10)))
		require.NoError(t, err)
		assert.Equal(t, string(want), got.String())
	}
	assert.Error(t, writeValue(&got, int64(1<<53+1)), "not a double")
	assert.Error(t, writeValue(&got, uint64(1<<53+1)), "not a double")
}

// TestSealStagedIsSeal: an entry as Service.Entry makes it, creation (null
// before) and change alike, seals the same without its JSON parsed again
// as with; the verifier, which reads JSON as the database renders it, uses
// Seal.
func TestSealStagedIsSeal(t *testing.T) {
	t.Parallel()
	s := NewService(nil, func() time.Time { return at })
	snap := map[string]any{"name": "晨风\"风电\"", "version": 2, "capacity": 50.5, "created_at": at, "z": nil, "é": 1}
	for _, r := range []Record{
		{Action: "project.create", ResourceType: "project", ResourceID: "p1", After: snap},
		{Action: "project.update", ResourceType: "project", ResourceID: "p1", Before: snap, After: map[string]any{"version": 3}},
	} {
		e, err := s.entry(t.Context(), bureau, r)
		require.NoError(t, err)
		assert.Equal(t, Seal("ab12", e), SealStaged("ab12", e), r.Action)
	}
	// Text that is not canonical seals differently: SealStaged is only for
	// what Service.entry made.
	e := entry()
	e.Before = json.RawMessage(`{"version":1, "name":"晨风"}`)
	assert.NotEqual(t, Seal("ab12", e), SealStaged("ab12", e))
}
