package httpapi

import (
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// The list, blocker and export query strings, parsed at the edge.

func TestParseListQuery(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		query string
		want  []string // field:code of the errors; nil for success
		check func(t *testing.T, q project.ListQuery)
	}{
		{"defaults", "", nil, func(t *testing.T, q project.ListQuery) {
			assert.Equal(t, project.DefaultLimit, q.Limit)
			assert.Equal(t, project.Sort{Key: project.SortCreated}, q.Sort)
			assert.False(t, q.Count)
		}},
		{"lists", "stage=started,signed&category=wind&department=energy,industry&build_type=new&key_level=city&health=red,yellow", nil,
			func(t *testing.T, q project.ListQuery) {
				assert.Equal(t, []project.Stage{project.Started, project.Signed}, q.Filter.Stages)
				assert.Equal(t, []project.Category{"wind"}, q.Filter.Categories)
				assert.Equal(t, []string{"energy", "industry"}, q.Filter.Departments)
				assert.Equal(t, []project.BuildType{project.New}, q.Filter.BuildTypes)
				assert.Equal(t, []project.KeyLevel{"city"}, q.Filter.KeyLevels)
				assert.Equal(t, []health.Level{health.Red, health.Yellow}, q.Filter.Healths)
			}},
		{"text", "q=风电&township=南村镇&leader=张三", nil, func(t *testing.T, q project.ListQuery) {
			assert.Equal(t, "风电", q.Filter.Q)
			assert.Equal(t, "南村镇", q.Filter.Township)
			assert.Equal(t, "张三", q.Filter.Leader)
		}},
		{"ranges", "min_investment_yuan=0&max_investment_yuan=100000000&planned_start_from=2021-01-01&planned_start_to=2021-06-30&updated_since=2021-04-01T00:00:00%2B08:00", nil,
			func(t *testing.T, q project.ListQuery) {
				assert.Equal(t, int64(100000000), *q.Filter.MaxInvest)
				assert.Equal(t, "2021-01-01", q.Filter.StartFrom.Format("2006-01-02"))
				assert.Equal(t, "2021-03-31T16:00:00Z", q.Filter.UpdatedSince.Format("2006-01-02T15:04:05Z07:00"))
			}},
		{"sort desc", "sort=-total_investment_yuan&limit=200&count=true", nil, func(t *testing.T, q project.ListQuery) {
			assert.Equal(t, project.Sort{Key: project.SortInvestment, Desc: true}, q.Sort)
			assert.Equal(t, 200, q.Limit)
			assert.True(t, q.Count)
		}},
		{"unknown parameter", "colour=red", []string{"colour:unknown_parameter"}, nil},
		{"repeated parameter", "stage=started&stage=signed", []string{"stage:repeated"}, nil},
		{"unknown stage", "stage=started,built", []string{"stage:invalid_value"}, nil},
		{"unknown sort", "sort=colour", []string{"sort:invalid_value"}, nil},
		{"limit 0", "limit=0", []string{"limit:out_of_range"}, nil},
		{"limit 201", "limit=201", []string{"limit:out_of_range"}, nil},
		{"limit text", "limit=ten", []string{"limit:out_of_range"}, nil},
		{"negative money", "min_investment_yuan=-1", []string{"min_investment_yuan:out_of_range"}, nil},
		{"bad date", "planned_start_from=2021-13-01", []string{"planned_start_from:invalid_format"}, nil},
		{"bad timestamp", "updated_since=yesterday", []string{"updated_since:invalid_format"}, nil},
		{"bad bool", "count=yes", []string{"count:invalid_value"}, nil},
		{"bad department", "department=Energy", []string{"department:invalid_format"}, nil},
		{"bad cursor", "cursor=not-a-cursor", []string{"cursor:invalid_value"}, nil},
		{"bad id", "id=7a3c1a52-3a4b-4c55-9e2f-0a1b2c3d4e5f,42", []string{"id:invalid_format"}, nil},
		{"upper-case id", "id=7A3C1A52-3A4B-4C55-9E2F-0A1B2C3D4E5F", []string{"id:invalid_format"}, nil},
		{"cursor of another sort", "sort=name&cursor=" + encodeCursor(project.Cursor{Sort: "created_at", Value: "2021-01-01T00:00:00Z", ID: "x"}),
			[]string{"cursor:invalid_value"}, nil},
		{"cursor with a wrong value type", "sort=total_investment_yuan&cursor=" + encodeCursor(project.Cursor{Sort: "total_investment_yuan", Value: "many", ID: "x"}),
			[]string{"cursor:invalid_value"}, nil},
		{"a name cursor with a NUL", "sort=name&cursor=" + encodeCursor(project.Cursor{Sort: "name", Value: "x\x00", ID: "x"}),
			[]string{"cursor:invalid_value"}, nil},
		{"null cursor on a required key", "cursor=" + encodeCursor(project.Cursor{Sort: "created_at", ID: "x"}), []string{"cursor:invalid_value"}, nil},
		{"every problem at once", "limit=0&sort=x", []string{"limit:out_of_range", "sort:invalid_value"}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			v, err := url.ParseQuery(tc.query)
			require.NoError(t, err)
			q, err := parseListQuery(v)
			if tc.want != nil {
				assert.ElementsMatch(t, tc.want, fieldCodes(t, err))
				return
			}
			require.NoError(t, err)
			tc.check(t, q)
		})
	}
}

func TestCursorRoundTrip(t *testing.T) {
	t.Parallel()
	p := project.Project{ID: "0192f0e0-0000-7000-8000-000000000001", Fields: project.Fields{Name: "水神堂", TotalInvestmentYuan: queryPtr(int64(3_400_000_000)), PlannedStartDate: queryDay("2021-05-01")}}
	for _, key := range project.SortKeys {
		for _, desc := range []bool{false, true} {
			s := project.Sort{Key: key, Desc: desc}
			name := key
			if desc {
				name = "-" + key
			}
			q, err := parseListQuery(url.Values{"sort": {name}, "cursor": {encodeCursor(project.CursorAfter(p, s))}})
			require.NoError(t, err, name)
			require.NotNil(t, q.After)
			assert.Equal(t, p.ID, q.After.ID)
		}
	}
	// An empty nullable value is a valid position.
	q, err := parseListQuery(url.Values{"sort": {"planned_start_date"}, "cursor": {encodeCursor(project.CursorAfter(project.Project{ID: "a"}, project.Sort{Key: project.SortStart}))}})
	require.NoError(t, err)
	assert.Nil(t, q.After.Value)
}

// FuzzParseListQuery holds that no query string makes the parser panic, and
// that a query it accepts has a limit and sort within the contract.
func FuzzParseListQuery(f *testing.F) {
	for _, s := range []string{
		"", "stage=started", "sort=-name&limit=5", "q=%E9%A3%8E", "cursor=eyJzIjoiY3JlYXRlZF9hdCJ9",
		"min_investment_yuan=99999999999999999999", "updated_since=2021-01-01T00:00:00Z", "stage=,,,", "limit=-1",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		q, err := parseListQuery(v)
		if err != nil {
			return
		}
		if q.Limit < 1 || q.Limit > project.MaxLimit {
			t.Fatalf("limit %d accepted", q.Limit)
		}
		if _, ok := sortColumnsKnown[q.Sort.Key]; !ok {
			t.Fatalf("sort %q accepted", q.Sort.Key)
		}
	})
}

var sortColumnsKnown = map[string]bool{project.SortName: true, project.SortInvestment: true, project.SortStart: true, project.SortUpdated: true, project.SortCreated: true}

func TestParseExportQuery(t *testing.T) {
	t.Parallel()
	q, err := parseExportQuery(url.Values{})
	require.NoError(t, err)
	assert.Equal(t, exchange.FormatXLSX, q.Format)
	assert.Equal(t, exchange.ExportPageSize, q.List.Limit)

	q, err = parseExportQuery(url.Values{"format": {"csv"}, "stage": {"started,signed"}, "q": {"风电"}})
	require.NoError(t, err)
	assert.Equal(t, exchange.FormatCSV, q.Format)
	assert.Equal(t, []project.Stage{project.Started, project.Signed}, q.List.Filter.Stages)
	assert.Equal(t, "风电", q.List.Filter.Q)

	_, err = parseExportQuery(url.Values{"format": {"pdf"}, "limit": {"10"}, "sort": {"name"}, "cursor": {"x"}, "stage": {"nowhere"}})
	assert.ElementsMatch(t, []string{"format:invalid_value", "limit:unknown_parameter", "sort:unknown_parameter",
		"cursor:unknown_parameter", "stage:invalid_value"}, fieldCodes(t, err))
}

func queryDay(s string) *time.Time {
	t, err := calendar.ParseDate(s)
	if err != nil {
		panic(err)
	}
	return &t
}

func queryPtr[T any](v T) *T { return &v }

// fieldCodes returns "field:code" for each field error of err.
func fieldCodes(t *testing.T, err error) []string {
	t.Helper()
	if err == nil {
		return nil
	}
	e := apperr.As(err)
	require.Equal(t, apperr.Invalid, e.Kind, "error %v", err)
	var out []string
	for _, f := range e.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}
