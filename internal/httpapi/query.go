package httpapi

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/project"
)

// The query strings of lists (docs/api.md, "Lists"): unknown parameters,
// repeated parameters, unknown enum values and sort keys are errors, and
// every problem is reported at once. Cursors are opaque to clients: the
// domain's keyset position, as base64 JSON.

// encodeCursor makes an opaque token of c.
func encodeCursor(c project.Cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// decodeCursor reads a cursor token of a list sorted by sort; it is refused
// when it is not one this service made for that sort.
func decodeCursor(s string, sort project.Sort) (*project.Cursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return nil, false
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var c project.Cursor
	if d.Decode(&c) != nil || c.Sort != sort.String() || c.ID == "" || len(c.ID) > 64 {
		return nil, false
	}
	v, ok := cursorValue(c.Value, sort.Key)
	c.Value = v
	return &c, ok
}

// cursorValue checks a cursor's value against its sort key: text without
// control characters for the name (PostgreSQL refuses NUL), an RFC 3339 time
// for the dates, an integer for money, null only for the keys that may be
// empty. It returns the value as the store takes it.
func cursorValue(v any, key string) (any, bool) {
	switch v := v.(type) {
	case nil:
		return nil, key == project.SortInvestment || key == project.SortStart
	case string:
		if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' }) || key == project.SortInvestment {
			return nil, false
		}
		if key != project.SortName {
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return nil, false
			}
		}
		return v, true
	case json.Number:
		n, err := v.Int64()
		return n, err == nil && key == project.SortInvestment
	}
	return nil, false
}

var listParams = []string{
	"id", "stage", "category", "department", "build_type", "key_level", "health", "township", "leader", "q",
	"min_investment_yuan", "max_investment_yuan", "planned_start_from", "planned_start_to",
	"updated_since", "archived", "sort", "limit", "cursor", "count",
}

// parseListQuery reads the list parameters (docs/api.md, "Lists") from a query string.
// Unknown parameters, repeated parameters, unknown enum values and sort keys
// are errors; every problem is reported at once.
func parseListQuery(v url.Values) (project.ListQuery, error) {
	var c project.Check
	q := project.ListQuery{Limit: project.DefaultLimit, Sort: project.Sort{Key: project.SortCreated}}
	checkParams(&c, v, listParams)
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q.Filter = parseFilter(&c, get)
	q.Count = boolParam(&c, "count", get("count"))
	if s := get("sort"); s != "" {
		key := strings.TrimPrefix(s, "-")
		if !slices.Contains(project.SortKeys, key) {
			c.Add("sort", "invalid_value", strings.Join(project.SortKeys, ","))
		}
		q.Sort = project.Sort{Key: key, Desc: strings.HasPrefix(s, "-")}
	}
	if n := intParam(&c, "limit", get("limit"), 1, project.MaxLimit); n != nil {
		q.Limit = int(*n)
	}
	if s := get("cursor"); s != "" && c.Err() == nil {
		cur, ok := decodeCursor(s, q.Sort)
		if !ok {
			c.Add("cursor", "invalid_value", "")
		}
		q.After = cur
	}
	return q, c.Err()
}

// parseFilter reads the filters of a project list; get returns a
// parameter's trimmed value.
func parseFilter(c *project.Check, get func(string) string) project.Filter {
	var f project.Filter
	f.IDs = splitList(get("id"))
	switch {
	case len(f.IDs) > project.MaxLimit:
		c.Add("id", "too_long", strconv.Itoa(project.MaxLimit))
	case slices.ContainsFunc(f.IDs, func(id string) bool { return !uuidPattern.MatchString(id) }):
		c.Add("id", "invalid_format", "uuid")
	}
	f.Stages = enumList[project.Stage](c, "stage", get("stage"), project.Stages)
	f.Categories = enumList[project.Category](c, "category", get("category"), project.Categories)
	f.BuildTypes = enumList[project.BuildType](c, "build_type", get("build_type"), project.BuildTypes)
	f.KeyLevels = enumList[project.KeyLevel](c, "key_level", get("key_level"), project.KeyLevels)
	f.Healths = enumList[health.Level](c, "health", get("health"), project.Healths)
	f.Departments = departmentList(c, get("department"))
	f.Township, f.Leader, f.Q = get("township"), get("leader"), get("q")
	c.Text("township", f.Township, project.MaxTownship, false)
	c.Text("leader", f.Leader, project.MaxLeader, false)
	c.Text("q", f.Q, project.MaxQ, false)
	f.MinInvest = intParam(c, "min_investment_yuan", get("min_investment_yuan"), 0, project.MaxYuan)
	f.MaxInvest = intParam(c, "max_investment_yuan", get("max_investment_yuan"), 0, project.MaxYuan)
	f.StartFrom = dateParam(c, "planned_start_from", get("planned_start_from"))
	f.StartTo = dateParam(c, "planned_start_to", get("planned_start_to"))
	if s := get("updated_since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			c.Add("updated_since", "invalid_format", "RFC 3339")
		} else {
			t = t.UTC()
			f.UpdatedSince = &t
		}
	}
	f.Archived = boolParam(c, "archived", get("archived"))
	return f
}

// departmentList reads a comma-separated list of department codes.
func departmentList(c *project.Check, s string) []string {
	var out []string
	for _, d := range splitList(s) {
		if !identity.ValidDepartmentCode.MatchString(d) {
			c.Add("department", "invalid_format", identity.ValidDepartmentCode.String())
			return out
		}
		out = append(out, d)
	}
	return out
}

// checkParams reports the parameters of v that are not among known, and those
// given more than once, in a stable order.
func checkParams(c *project.Check, v url.Values, known []string) {
	for _, k := range slices.Sorted(maps.Keys(v)) {
		if !slices.Contains(known, k) {
			c.Add(k, "unknown_parameter", strings.Join(known, ","))
		} else if len(v[k]) > 1 {
			c.Add(k, "repeated", "")
		}
	}
}

func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func enumList[T ~string](c *project.Check, field, s string, ls []project.Label) []T {
	var out []T
	for _, p := range splitList(s) {
		if !slices.Contains(project.Values(ls), p) {
			c.Add(field, "invalid_value", strings.Join(project.Values(ls), ","))
			return nil
		}
		out = append(out, T(p))
	}
	return out
}

func intParam(c *project.Check, field, s string, min, max int64) *int64 {
	if s == "" {
		return nil
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < min || n > max {
		c.Add(field, "out_of_range", strconv.FormatInt(min, 10)+".."+strconv.FormatInt(max, 10))
		return nil
	}
	return &n
}

func dateParam(c *project.Check, field, s string) *time.Time {
	if s == "" {
		return nil
	}
	t, err := calendar.ParseDate(s)
	if err != nil {
		c.Add(field, "invalid_format", "YYYY-MM-DD")
		return nil
	}
	return &t
}

func boolParam(c *project.Check, field, s string) bool {
	switch s {
	case "", "false":
		return false
	case "true":
		return true
	}
	c.Add(field, "invalid_value", "true,false")
	return false
}

var issueParams = []string{"status", "kind", "department", "project_id", "overdue", "limit", "cursor", "count"}

// parseIssueQuery reads the parameters of GET /issues.
func parseIssueQuery(v url.Values, today time.Time) (issue.Query, error) {
	var c project.Check
	q := issue.Query{Limit: project.DefaultLimit, Today: today}
	checkParams(&c, v, issueParams)
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q.Statuses = enumList[issue.Status](&c, "status", get("status"), issue.Statuses)
	q.Kinds = enumList[issue.Kind](&c, "kind", get("kind"), issue.Kinds)
	q.Departments = departmentList(&c, get("department"))
	if id := get("project_id"); id != "" {
		if len(id) != 36 || strings.Count(id, "-") != 4 {
			c.Add("project_id", "invalid_format", "uuid")
		}
		q.ProjectID = id
	}
	if s := get("overdue"); s != "" {
		b := boolParam(&c, "overdue", s)
		q.Overdue = &b
	}
	q.Count = boolParam(&c, "count", get("count"))
	if n := intParam(&c, "limit", get("limit"), 1, project.MaxLimit); n != nil {
		q.Limit = int(*n)
	}
	if s := get("cursor"); s != "" && c.Err() == nil {
		cur, ok := decodeCursor(s, issue.Sort)
		if !ok {
			c.Add("cursor", "invalid_value", "")
		}
		q.After = cur
	}
	return q, c.Err()
}

// exportParams are the query parameters of an export: the list filters and
// the format. An export is in creation order, whole, so sort, limit, cursor
// and count do not apply and are refused.
var exportParams = func() []string {
	out := []string{"format"}
	for _, p := range listParams {
		if !slices.Contains([]string{"sort", "limit", "cursor", "count"}, p) {
			out = append(out, p)
		}
	}
	return out
}()

// parseExportQuery reads an export request: format (xlsx, the default, or
// csv) and the filters of parseListQuery.
func parseExportQuery(v url.Values) (exchange.ExportQuery, error) {
	var c project.Check
	q := exchange.ExportQuery{Format: exchange.FormatXLSX}
	filters := url.Values{}
	for _, k := range slices.Sorted(maps.Keys(v)) {
		switch {
		case !slices.Contains(exportParams, k):
			c.Add(k, "unknown_parameter", strings.Join(exportParams, ","))
		case k == "format":
			if len(v[k]) > 1 {
				c.Add(k, "repeated", "")
				continue
			}
			switch f := strings.TrimSpace(v.Get(k)); f {
			case exchange.FormatXLSX, exchange.FormatCSV:
				q.Format = f
			default:
				c.Add(k, "invalid_value", exchange.FormatXLSX+","+exchange.FormatCSV)
			}
		default:
			filters[k] = v[k]
		}
	}
	lq, err := parseListQuery(filters)
	q.List = lq
	q.List.Limit = exchange.ExportPageSize
	return q, project.JoinInvalid(c.Err(), err)
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
