package httpapi

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// TestOutageLog: a burst of outage failures is logged once in full, then
// once every ten seconds with the count since, and once when the database
// answers again with no failure for ten seconds; without a burst, an answer
// logs nothing.
func TestOutageLog(t *testing.T) {
	t0 := time.Date(2021, 6, 15, 2, 0, 0, 0, time.UTC)
	type step struct {
		at   time.Duration // since t0
		fail bool          // a failure; otherwise the database answered
	}
	cases := []struct {
		name  string
		steps []step
		want  []string // the lines, as "LEVEL msg key=value…" prefixes
	}{
		{"answers alone log nothing", []step{{0, false}, {time.Second, false}}, nil},
		{"one failure, then back after ten quiet seconds", []step{{0, true}, {time.Second, false}, {11 * time.Second, false}, {12 * time.Second, false}},
			[]string{"ERROR database unavailable", "WARN database available again failures=0 total_failures=1 for=11s"}},
		{"answers amid failures do not end the burst", []step{{0, true}, {time.Second, false}, {2 * time.Second, true}, {5 * time.Second, false}, {11 * time.Second, false}},
			[]string{"ERROR database unavailable"}},
		{"a burst within ten seconds is one line", []step{{0, true}, {time.Second, true}, {9 * time.Second, true}},
			[]string{"ERROR database unavailable"}},
		{"a long burst, a line every ten seconds with the count since", []step{
			{0, true}, {time.Second, true}, {5 * time.Second, true}, {10 * time.Second, true},
			{11 * time.Second, true}, {19 * time.Second, true}, {20 * time.Second, true}, {21 * time.Second, true},
			{25 * time.Second, false}, {31 * time.Second, false},
		}, []string{
			"ERROR database unavailable",
			"WARN database still unavailable failures=3 for=10s",
			"WARN database still unavailable failures=3 for=20s",
			"WARN database available again failures=1 total_failures=8 for=31s",
		}},
		{"a second burst is logged in full again", []step{{0, true}, {10 * time.Second, false}, {12 * time.Second, true}, {13 * time.Second, true}},
			[]string{"ERROR database unavailable", "WARN database available again", "ERROR database unavailable"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			at := t0
			log := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
				ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
					if a.Key == slog.TimeKey {
						return slog.Attr{}
					}
					return a
				},
			}))
			o := newOutageLog(log, func() time.Time { return at })
			for _, s := range tc.steps {
				at = t0.Add(s.at)
				if s.fail {
					o.failed(context.Background(), errors.New("dial tcp: connection refused"), slog.String("request_id", "r1"))
				} else {
					o.up()
				}
			}
			var got []string
			for _, line := range strings.Split(strings.TrimSpace(buf.String()), "\n") {
				if line != "" {
					got = append(got, strings.NewReplacer("level=", "", "msg=", "", `"`, "").Replace(line))
				}
			}
			if assert.Len(t, got, len(tc.want), "%q", got) {
				for i, w := range tc.want {
					assert.True(t, strings.HasPrefix(got[i], w), "line %d: %q, want %q…", i, got[i], w)
				}
			}
			if len(got) > 0 {
				assert.Contains(t, got[0], "error=dial tcp: connection refused", "the first failure in full")
				assert.Contains(t, got[0], "request_id=r1")
			}
		})
	}
}
