package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/project"
)

// The input rules that hold for every route whatever it takes
// (docs/api.md, "Strict input"): a JSON body names each member once and
// carries no bidirectional control character in any string; a query string
// is percent-encoded UTF-8; If-Match names one version.

// scanJSON walks the JSON text b, which has decoded already (so its syntax
// is sound), and names each member given twice in one object, at any depth
// (encoding/json would keep the last one silently), and each string that
// holds a bidirectional control character.
func scanJSON(b []byte) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	s := &jsonScan{d: d}
	if err := s.value(""); err != nil {
		return &apperr.Error{Kind: apperr.MalformedJSON, Err: err}
	}
	return apperr.Fields(s.errs)
}

type jsonScan struct {
	d    *json.Decoder
	errs []apperr.FieldError
}

// value reads the value at path, the member's name as field errors name it
// (funding[1].note).
func (s *jsonScan) value(path string) error {
	tok, err := s.d.Token()
	if err != nil {
		return err
	}
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return s.object(path)
		}
		if v == '[' {
			return s.array(path)
		}
	case string:
		if !secret(path) && strings.ContainsFunc(v, project.BidiControl) {
			s.errs = append(s.errs, apperr.FieldError{Field: path, Code: "bidi_control"})
		}
	}
	return nil
}

// secret reports whether the member at path is a password: it is never
// shown, so no control can mislead a reader, and a password typed with a
// right-to-left keyboard may hold one.
func secret(path string) bool {
	return path == "password" || strings.HasSuffix(path, ".password")
}

func (s *jsonScan) object(path string) error {
	seen := map[string]bool{}
	for s.d.More() {
		tok, err := s.d.Token()
		if err != nil {
			return err
		}
		name, _ := tok.(string)
		member := name
		if path != "" {
			member = path + "." + name
		}
		if seen[name] {
			s.errs = append(s.errs, apperr.FieldError{Field: member, Code: "repeated"})
		}
		seen[name] = true
		if err := s.value(member); err != nil {
			return err
		}
	}
	_, err := s.d.Token() // }
	return err
}

func (s *jsonScan) array(path string) error {
	for i := 0; s.d.More(); i++ {
		if err := s.value(path + "[" + strconv.Itoa(i) + "]"); err != nil {
			return err
		}
	}
	_, err := s.d.Token() // ]
	return err
}

// strictRequest refuses, ahead of every route's own checks, a query string
// that is not percent-encoded UTF-8 and an If-Match that can name no single
// version.
func strictRequest(c *gin.Context) error {
	if err := checkQuery(c.Request.URL.RawQuery); err != nil {
		return err
	}
	if c.Request.Method == http.MethodGet || c.Request.Method == http.MethodHead {
		return nil
	}
	return checkIfMatch(c.Request.Header.Values("If-Match"))
}

// checkQuery refuses a query string that url.ParseQuery, and so gin, would
// read with parameters quietly left out (cursor=%%%x would become no
// cursor), or whose names or values are not UTF-8 once unescaped. The
// parameter named is the first whose value is at fault, when its name reads.
func checkQuery(raw string) error {
	if raw == "" || validQuery(raw) {
		return nil
	}
	for _, pair := range strings.Split(raw, "&") {
		k, v, _ := strings.Cut(pair, "=")
		name, err := url.QueryUnescape(k)
		if err != nil || !utf8.ValidString(name) || strings.Contains(k, ";") {
			break
		}
		if value, err := url.QueryUnescape(v); err != nil || !utf8.ValidString(value) || strings.Contains(v, ";") {
			return apperr.Coded(apperr.Invalid, "request.bad_query_parameter", name)
		}
	}
	return apperr.Coded(apperr.Invalid, "request.bad_query")
}

// validQuery reports whether a query string parses, with every name and
// value UTF-8 once unescaped.
func validQuery(raw string) bool {
	q, err := url.ParseQuery(raw)
	if err != nil {
		return false
	}
	for k, vs := range q {
		if !utf8.ValidString(k) {
			return false
		}
		for _, v := range vs {
			if !utf8.ValidString(v) {
				return false
			}
		}
	}
	return true
}

// ifMatchTags reads If-Match's entity tags (RFC 9110 §13.1.1): the versions
// its strong tags name, and whether it is *. A weak tag (W/"3") never
// matches under the strong comparison If-Match asks for, and a tag that
// names no version of ours matches none; both are left out.
func ifMatchTags(values []string) (versions []int, star, weak bool) {
	for _, h := range values {
		for _, tag := range strings.Split(h, ",") {
			tag = strings.TrimSpace(tag)
			if tag == "*" {
				star = true
				continue
			}
			if strings.HasPrefix(tag, "W/") {
				weak = true
				continue
			}
			if len(tag) < 3 || tag[0] != '"' || tag[len(tag)-1] != '"' {
				continue
			}
			digits := tag[1 : len(tag)-1]
			if n, err := strconv.Atoi(digits); err == nil && n > 0 && strconv.Itoa(n) == digits {
				versions = append(versions, n)
			}
		}
	}
	return versions, star, weak
}

var (
	errIfMatchStar     = apperr.Coded(apperr.PreconditionRequired, "request.if_match_star")
	errIfMatchVersions = apperr.Coded(apperr.Invalid, "request.if_match_versions")
	errIfMatchWeak     = apperr.Coded(apperr.VersionConflict, "request.if_match_weak")
)

// checkIfMatch refuses an If-Match the service cannot compare: * (which
// would let a change pass over one the caller has not seen) and a list of
// two different versions (a resource has one); one of weak tags only
// fails (412) with a message that says why.
func checkIfMatch(values []string) error {
	versions, star, weak := ifMatchTags(values)
	switch {
	case star:
		return errIfMatchStar
	case weak && len(versions) == 0:
		return errIfMatchWeak
	case len(versions) > 1:
		for _, v := range versions[1:] {
			if v != versions[0] {
				return errIfMatchVersions
			}
		}
	}
	return nil
}
