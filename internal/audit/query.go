package audit

import (
	"encoding/base64"
	"maps"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guangling/pipeline/internal/apperr"
)

// Query narrows and pages a list of entries. Empty fields do not filter.
type Query struct {
	ResourceType string
	ResourceID   string
	Actor        string     // the actor's name
	Since        *time.Time // entries at or after
	After        int64      // the cursor: entries with a greater ID
	Limit        int
}

// Page is one page of entries. Next, when set, is the cursor of the next page.
type Page struct {
	Items []Entry
	Next  *int64
}

// List limits.
const (
	DefaultLimit = 50
	MaxLimit     = 200
	maxText      = 128
)

var (
	queryParams      = []string{"resource_type", "resource_id", "actor", "since", "cursor", "limit"}
	validTypePattern = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,63}$`)
)

const cursorPrefix = "a:"

// EncodeCursor makes an opaque cursor that continues after the entry with ID
// id.
func EncodeCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(cursorPrefix + strconv.FormatInt(id, 10)))
}

func decodeCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), cursorPrefix) {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(string(b), cursorPrefix), 10, 64)
	return id, err == nil && id > 0
}

// ParseQuery reads the list parameters of GET /api/v1/audit. Unknown and
// repeated parameters are errors; every problem is reported at once.
func ParseQuery(v url.Values) (Query, error) {
	var errs fieldErrors
	errs.checkParams(v)
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q := Query{ResourceType: get("resource_type"), ResourceID: get("resource_id"), Actor: get("actor"), Limit: DefaultLimit}
	errs.checkFilters(q)
	if s := get("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			errs.add("since", "invalid_format", "RFC 3339")
		} else {
			t = t.UTC()
			q.Since = &t
		}
	}
	if s := get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			errs.add("limit", "out_of_range", "1.."+strconv.Itoa(MaxLimit))
		} else {
			q.Limit = n
		}
	}
	if s := get("cursor"); s != "" {
		id, ok := decodeCursor(s)
		if !ok {
			errs.add("cursor", "invalid_value", "")
		}
		q.After = id
	}
	return q, apperr.Fields(errs)
}

// fieldErrors collects the problems of a query.
type fieldErrors []apperr.FieldError

func (e *fieldErrors) add(field, code, param string) {
	*e = append(*e, apperr.FieldError{Field: field, Code: code, Param: param})
}

// checkParams notes the unknown and the repeated parameters of v.
func (e *fieldErrors) checkParams(v url.Values) {
	for _, k := range slices.Sorted(maps.Keys(v)) {
		if !slices.Contains(queryParams, k) {
			e.add(k, "unknown_parameter", strings.Join(queryParams, ","))
		} else if len(v[k]) > 1 {
			e.add(k, "repeated", "")
		}
	}
}

// checkFilters notes a malformed resource type and a resource ID or actor
// too long or with characters a name does not have.
func (e *fieldErrors) checkFilters(q Query) {
	if q.ResourceType != "" && !validTypePattern.MatchString(q.ResourceType) {
		e.add("resource_type", "invalid_format", validTypePattern.String())
	}
	for _, f := range []struct{ name, value string }{{"resource_id", q.ResourceID}, {"actor", q.Actor}} {
		switch {
		case utf8.RuneCountInString(f.value) > maxText:
			e.add(f.name, "too_long", strconv.Itoa(maxText))
		case !utf8.ValidString(f.value) || strings.ContainsFunc(f.value, func(r rune) bool { return r < ' ' }):
			e.add(f.name, "invalid_format", "")
		}
	}
}
