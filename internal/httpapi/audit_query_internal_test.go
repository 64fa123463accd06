package httpapi

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/audit"
)

func TestParseAuditQuery(t *testing.T) {
	t.Parallel()
	since := time.Date(2021, 6, 15, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name   string
		query  string
		want   audit.Query
		fields []string // "field:code" of the expected errors
	}{
		{name: "empty", query: "", want: audit.Query{Limit: audit.DefaultLimit}},
		{name: "every filter", query: "resource_type=project&resource_id=p1&actor=bureau&since=2021-06-15T08:00:00%2B08:00&limit=200&cursor=" + encodeAuditCursor(42),
			want: audit.Query{ResourceType: "project", ResourceID: "p1", Actor: "bureau", Since: &since, Limit: 200, After: 42}},
		{name: "limit 1", query: "limit=1", want: audit.Query{Limit: 1}},
		{name: "unknown parameter", query: "colour=red", fields: []string{"colour:unknown_parameter"}},
		{name: "repeated", query: "actor=a&actor=b", fields: []string{"actor:repeated"}},
		{name: "limit 0", query: "limit=0", fields: []string{"limit:out_of_range"}},
		{name: "limit 201", query: "limit=201", fields: []string{"limit:out_of_range"}},
		{name: "limit not a number", query: "limit=ten", fields: []string{"limit:out_of_range"}},
		{name: "since not a time", query: "since=yesterday", fields: []string{"since:invalid_format"}},
		{name: "since a date only", query: "since=2021-06-15", fields: []string{"since:invalid_format"}},
		{name: "resource type in capitals", query: "resource_type=Project", fields: []string{"resource_type:invalid_format"}},
		{name: "resource id too long", query: "resource_id=" + strings.Repeat("x", 129), fields: []string{"resource_id:too_long"}},
		{name: "garbage cursor", query: "cursor=not-a-cursor!", fields: []string{"cursor:invalid_value"}},
		{name: "cursor of another list", query: "cursor=eyJzIjoiY3JlYXRlZF9hdCJ9", fields: []string{"cursor:invalid_value"}},
		{name: "cursor at zero", query: "cursor=" + encodeAuditCursor(0), fields: []string{"cursor:invalid_value"}},
		{name: "several problems", query: "limit=0&since=x&colour=red", fields: []string{"colour:unknown_parameter", "limit:out_of_range", "since:invalid_format"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			v, err := url.ParseQuery(c.query)
			require.NoError(t, err)
			q, err := parseAuditQuery(v)
			if len(c.fields) == 0 {
				require.NoError(t, err)
				assert.Equal(t, c.want, q)
				return
			}
			e := apperr.As(err)
			require.Equal(t, apperr.Invalid, e.Kind, "%v", err)
			var got []string
			for _, f := range e.Fields {
				got = append(got, f.Field+":"+f.Code)
			}
			assert.ElementsMatch(t, c.fields, got)
		})
	}
}
