package httpapi

import (
	"encoding/base64"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/project"
)

// The query string and the cursor of GET /api/v1/audit.

var (
	auditParams      = []string{"resource_type", "resource_id", "actor", "since", "cursor", "limit"}
	validTypePattern = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,63}$`)
)

// maxAuditText bounds a resource ID or actor name asked for.
const maxAuditText = 128

const auditCursorPrefix = "a:"

// encodeAuditCursor makes an opaque cursor that continues after the entry
// with ID id.
func encodeAuditCursor(id int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte(auditCursorPrefix + strconv.FormatInt(id, 10)))
}

func decodeAuditCursor(s string) (int64, bool) {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || !strings.HasPrefix(string(b), auditCursorPrefix) {
		return 0, false
	}
	id, err := strconv.ParseInt(strings.TrimPrefix(string(b), auditCursorPrefix), 10, 64)
	return id, err == nil && id > 0
}

// parseAuditQuery reads the list parameters of GET /api/v1/audit. Unknown
// and repeated parameters are errors; every problem is reported at once.
func parseAuditQuery(v url.Values) (audit.Query, error) {
	var c project.Check
	checkParams(&c, v, auditParams)
	get := func(k string) string { return strings.TrimSpace(v.Get(k)) }
	q := audit.Query{ResourceType: get("resource_type"), ResourceID: get("resource_id"), Actor: get("actor"), Limit: audit.DefaultLimit}
	checkAuditFilters(&c, q)
	if s := get("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			c.Add("since", "invalid_format", "RFC 3339")
		} else {
			t = t.UTC()
			q.Since = &t
		}
	}
	if n := intParam(&c, "limit", get("limit"), 1, audit.MaxLimit); n != nil {
		q.Limit = int(*n)
	}
	if s := get("cursor"); s != "" {
		id, ok := decodeAuditCursor(s)
		if !ok {
			c.Add("cursor", "invalid_value", "")
		}
		q.After = id
	}
	return q, c.Err()
}

// checkAuditFilters notes a malformed resource type and a resource ID or
// actor too long or with characters a name does not have.
func checkAuditFilters(c *project.Check, q audit.Query) {
	if q.ResourceType != "" && !validTypePattern.MatchString(q.ResourceType) {
		c.Add("resource_type", "invalid_format", validTypePattern.String())
	}
	for _, f := range []struct{ name, value string }{{"resource_id", q.ResourceID}, {"actor", q.Actor}} {
		switch {
		case utf8.RuneCountInString(f.value) > maxAuditText:
			c.Add(f.name, "too_long", strconv.Itoa(maxAuditText))
		case !utf8.ValidString(f.value) || strings.ContainsFunc(f.value, func(r rune) bool { return r < ' ' }):
			c.Add(f.name, "invalid_format", "")
		}
	}
}
