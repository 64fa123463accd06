package project

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
	"github.com/guangling/pipeline/internal/health"
)

// Filter narrows a project list. Empty fields do not filter.
type Filter struct {
	IDs          []string
	Stages       []Stage
	Categories   []Category
	Departments  []string
	BuildTypes   []BuildType
	KeyLevels    []KeyLevel
	Healths      []health.Level
	Township     string
	Leader       string
	Q            string
	MinInvest    *int64
	MaxInvest    *int64
	StartFrom    *time.Time
	StartTo      *time.Time
	UpdatedSince *time.Time
	Archived     bool // list archived projects instead of live ones
}

// Sort keys of a project list.
const (
	SortName       = "name"
	SortInvestment = "total_investment_yuan"
	SortStart      = "planned_start_date"
	SortUpdated    = "updated_at"
	SortCreated    = "created_at"
)

var sortKeys = []string{SortName, SortInvestment, SortStart, SortUpdated, SortCreated}

// Sort orders a list by one key, ties broken by ID in the same direction.
// Empty values sort after every value in both directions.
type Sort struct {
	Key  string
	Desc bool
}

// Cursor is the position after the last item of a page. Value is the sort
// key's value there (nil when empty): a string for name and dates, an integer
// for money.
type Cursor struct {
	Sort  string `json:"s"`
	Value any    `json:"v"`
	ID    string `json:"id"`
}

// ListQuery is a parsed list request.
type ListQuery struct {
	Filter Filter
	Sort   Sort
	Limit  int
	After  *Cursor
	Count  bool
	// Export reads only what the register file holds (Columns): the
	// listed projects come without funding, health reasons and timestamps.
	Export bool
}

// Page is one page of a list.
type Page struct {
	Items []Project
	Next  *Cursor
	Total *int64
}

// List limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	maxQ         = 100
)

// EncodeCursor makes an opaque token of c.
func EncodeCursor(c Cursor) string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string, sort Sort) (*Cursor, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) > 1024 {
		return nil, false
	}
	d := json.NewDecoder(strings.NewReader(string(b)))
	d.UseNumber()
	var c Cursor
	if d.Decode(&c) != nil || c.Sort != sortName(sort) || c.ID == "" || len(c.ID) > 64 {
		return nil, false
	}
	switch v := c.Value.(type) {
	case nil:
	case string:
		// A name holds no control characters (PostgreSQL refuses NUL).
		if strings.ContainsFunc(v, func(r rune) bool { return r < ' ' }) {
			return nil, false
		}
		if sort.Key != SortName {
			if _, err := time.Parse(time.RFC3339Nano, v); err != nil {
				return nil, false
			}
		}
	case json.Number:
		n, err := v.Int64()
		if err != nil || sort.Key != SortInvestment {
			return nil, false
		}
		c.Value = n
	default:
		return nil, false
	}
	if c.Value == nil && sort.Key != SortInvestment && sort.Key != SortStart {
		return nil, false
	}
	if _, isStr := c.Value.(string); isStr && sort.Key == SortInvestment {
		return nil, false
	}
	return &c, true
}

func sortName(s Sort) string {
	if s.Desc {
		return "-" + s.Key
	}
	return s.Key
}

// CursorAfter returns the cursor positioned after p under sort s.
func CursorAfter(p Project, s Sort) Cursor {
	c := Cursor{Sort: sortName(s), ID: p.ID}
	switch s.Key {
	case SortName:
		c.Value = p.Name
	case SortInvestment:
		if p.TotalInvestmentYuan != nil {
			c.Value = *p.TotalInvestmentYuan
		}
	case SortStart:
		if p.PlannedStartDate != nil {
			c.Value = p.PlannedStartDate.UTC().Format(time.RFC3339Nano)
		}
	case SortUpdated:
		c.Value = p.UpdatedAt.UTC().Format(time.RFC3339Nano)
	case SortCreated:
		c.Value = p.CreatedAt.UTC().Format(time.RFC3339Nano)
	}
	return c
}

var listParams = []string{
	"id", "stage", "category", "department", "build_type", "key_level", "health", "township", "leader", "q",
	"min_investment_yuan", "max_investment_yuan", "planned_start_from", "planned_start_to",
	"updated_since", "archived", "sort", "limit", "cursor", "count",
}

// ParseListQuery reads the list parameters (docs/api.md, "Lists") from a query string.
// Unknown parameters, repeated parameters, unknown enum values and sort keys
// are errors; every problem is reported at once.
func ParseListQuery(v url.Values) (ListQuery, error) {
	var c Check
	q := ListQuery{Limit: DefaultLimit, Sort: Sort{Key: SortCreated}}
	c.params(v, listParams)
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q.Filter.IDs = splitList(get("id"))
	switch {
	case len(q.Filter.IDs) > MaxLimit:
		c.Add("id", "too_long", strconv.Itoa(MaxLimit))
	case slices.ContainsFunc(q.Filter.IDs, func(id string) bool { return !uuidPattern.MatchString(id) }):
		c.Add("id", "invalid_format", "uuid")
	}
	q.Filter.Stages = enumList[Stage](&c, "stage", get("stage"), Stages)
	q.Filter.Categories = enumList[Category](&c, "category", get("category"), Categories)
	q.Filter.BuildTypes = enumList[BuildType](&c, "build_type", get("build_type"), BuildTypes)
	q.Filter.KeyLevels = enumList[KeyLevel](&c, "key_level", get("key_level"), KeyLevels)
	q.Filter.Healths = enumList[health.Level](&c, "health", get("health"), Healths)
	for _, d := range splitList(get("department")) {
		if !ValidDepartmentCode.MatchString(d) {
			c.Add("department", "invalid_format", ValidDepartmentCode.String())
			break
		}
		q.Filter.Departments = append(q.Filter.Departments, d)
	}
	q.Filter.Township = get("township")
	q.Filter.Leader = get("leader")
	q.Filter.Q = get("q")
	c.Text("township", q.Filter.Township, MaxTownship, false)
	c.Text("leader", q.Filter.Leader, MaxLeader, false)
	c.Text("q", q.Filter.Q, maxQ, false)
	q.Filter.MinInvest = intParam(&c, "min_investment_yuan", get("min_investment_yuan"), 0, MaxYuan)
	q.Filter.MaxInvest = intParam(&c, "max_investment_yuan", get("max_investment_yuan"), 0, MaxYuan)
	q.Filter.StartFrom = dateParam(&c, "planned_start_from", get("planned_start_from"))
	q.Filter.StartTo = dateParam(&c, "planned_start_to", get("planned_start_to"))
	if s := get("updated_since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			c.Add("updated_since", "invalid_format", "RFC 3339")
		} else {
			t = t.UTC()
			q.Filter.UpdatedSince = &t
		}
	}
	q.Filter.Archived = boolParam(&c, "archived", get("archived"))
	q.Count = boolParam(&c, "count", get("count"))
	if s := get("sort"); s != "" {
		key := strings.TrimPrefix(s, "-")
		if !slices.Contains(sortKeys, key) {
			c.Add("sort", "invalid_value", strings.Join(sortKeys, ","))
		}
		q.Sort = Sort{Key: key, Desc: strings.HasPrefix(s, "-")}
	}
	if n := intParam(&c, "limit", get("limit"), 1, MaxLimit); n != nil {
		q.Limit = int(*n)
	}
	if s := get("cursor"); s != "" && len(c.errs) == 0 {
		cur, ok := decodeCursor(s, q.Sort)
		if !ok {
			c.Add("cursor", "invalid_value", "")
		}
		q.After = cur
	}
	return q, c.Err()
}

// params reports the parameters of v that are not among known, and those
// given more than once, in a stable order.
func (c *Check) params(v url.Values, known []string) {
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

func enumList[T ~string](c *Check, field, s string, ls []Label) []T {
	var out []T
	for _, p := range splitList(s) {
		if !valid(ls, p) {
			c.Add(field, "invalid_value", strings.Join(Values(ls), ","))
			return nil
		}
		out = append(out, T(p))
	}
	return out
}

func intParam(c *Check, field, s string, min, max int64) *int64 {
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

func dateParam(c *Check, field, s string) *time.Time {
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

func boolParam(c *Check, field, s string) bool {
	switch s {
	case "", "false":
		return false
	case "true":
		return true
	}
	c.Add(field, "invalid_value", "true,false")
	return false
}

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
