package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"mime"
	"net"
	"net/http"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/internal/apperr"
)

var errMediaType = apperr.Coded(apperr.UnsupportedMediaType, "request.not_json")

// readBody checks the content type and reads at most limit bytes of body.
// mergePatch also admits application/merge-patch+json.
func readBody(c *gin.Context, limit int64, mergePatch bool) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || !(mt == "application/json" || (mergePatch && mt == "application/merge-patch+json")) {
		return nil, errMediaType
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var mbe *http.MaxBytesError
	switch {
	case err == nil:
		return b, nil
	case errors.As(err, &mbe):
		return nil, apperr.Coded(apperr.TooLarge, "request.too_large")
	case readTimedOut(err):
		return nil, &apperr.Error{Kind: apperr.RequestTimeout, Message: "request.body_timeout", Err: err}
	}
	// The client sent less than its Content-Length or the connection broke:
	// the client's fault, not the service's (docs/api.md, "Errors").
	return nil, &apperr.Error{Kind: apperr.Invalid, Message: "request.body_unreadable", Err: err}
}

// readTimedOut reports a read that passed the server's read timeout.
func readTimedOut(err error) bool {
	var ne net.Error
	return errors.Is(err, os.ErrDeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}

// decodeBody reads a JSON body into dst (decodeStrict).
func (h *handlers) decodeBody(c *gin.Context, dst any) error {
	body, err := readBody(c, h.cfg.BodyLimit, false)
	if err != nil {
		return err
	}
	return decodeStrict(body, dst)
}

// onlyParams refuses query parameters other than those named.
func onlyParams(c *gin.Context, names ...string) error {
	var fs []apperr.FieldError
	q := c.Request.URL.Query()
	for _, k := range slices.Sorted(maps.Keys(q)) {
		vs := q[k]
		switch {
		case !slices.Contains(names, k):
			fs = append(fs, apperr.FieldError{Field: k, Code: "unknown_parameter", Param: strings.Join(names, ",")})
		case len(vs) > 1:
			fs = append(fs, apperr.FieldError{Field: k, Code: "repeated"})
		}
	}
	return apperr.Fields(fs)
}

var errNotObject = apperr.Coded(apperr.MalformedJSON, "request.not_object")

// decodeStrict decodes a request's JSON body, one object, into dst,
// rejecting unknown fields, wrong types and trailing data with a problem
// that names the field, and then what scanJSON refuses: a member named
// twice and a bidirectional control character in any string.
func decodeStrict(b []byte, dst any) error {
	if err := decodeExact(b, dst); err != nil {
		return err
	}
	return scanJSON(b)
}

// decodeExact is decodeStrict without scanJSON, for a document the service
// made itself (a merge patch applied to the stored resource).
func decodeExact(b []byte, dst any) error {
	// Every body is an object: null would decode into a zero value (and, as a
	// merge patch, replace the whole resource), so it is refused as such.
	if bytes.Equal(bytes.TrimSpace(b), []byte("null")) {
		return errNotObject
	}
	// JSON text is UTF-8 (RFC 8259); encoding/json would quietly turn bad
	// bytes into U+FFFD and store the damage.
	if !utf8.Valid(b) {
		return apperr.Coded(apperr.MalformedJSON, "request.not_utf8")
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return apperr.Coded(apperr.MalformedJSON, "request.trailing_data")
	}
	if name, found := misspelt(b, reflect.TypeOf(dst)); found {
		return &apperr.Error{Kind: apperr.UnknownField, Fields: []apperr.FieldError{{Field: name, Code: "unknown_field"}}}
	}
	return nil
}

// misspelt returns the first member name in b, at any depth, that is not
// spelt exactly as a field of t. encoding/json matches names regardless of
// case, so without this {"NAME": …} would pass for name, and of
// {"name": …, "Name": …} the last would silently win.
func misspelt(b []byte, t reflect.Type) (string, bool) {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Struct:
		var members map[string]json.RawMessage
		if json.Unmarshal(b, &members) != nil {
			return "", false
		}
		fields := jsonFields(t)
		for _, k := range slices.Sorted(maps.Keys(members)) {
			ft, known := fields[k]
			if !known {
				return k, true
			}
			if name, found := misspelt(members[k], ft); found {
				return name, true
			}
		}
	case reflect.Slice, reflect.Array:
		var items []json.RawMessage
		if json.Unmarshal(b, &items) != nil {
			return "", false
		}
		for _, it := range items {
			if name, found := misspelt(it, t.Elem()); found {
				return name, true
			}
		}
	}
	return "", false
}

// jsonFields maps the JSON names of a struct's fields, embedded structs
// flattened, to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		switch {
		case tag == "-" || (!f.IsExported() && !f.Anonymous):
		case f.Anonymous && tag == "" && f.Type.Kind() == reflect.Struct:
			maps.Copy(out, jsonFields(f.Type))
		case tag != "":
			out[tag] = f.Type
		default:
			out[f.Name] = f.Type
		}
	}
	return out
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &apperr.Error{Kind: apperr.MalformedJSON, Err: err}
	case errors.As(err, &typ):
		field := wireField(typ.Field)
		if field == "" {
			return errNotObject
		}
		return apperr.Fields([]apperr.FieldError{{Field: field, Code: "invalid_type", Param: jsonType(typ.Type.String())}})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// The name is quoted with %q; unquote it so that a name with quotes or
		// escapes is reported as the client wrote it.
		quoted := strings.TrimPrefix(err.Error(), "json: unknown field ")
		name, uerr := strconv.Unquote(quoted)
		if uerr != nil {
			name = strings.Trim(quoted, `"`)
		}
		return &apperr.Error{Kind: apperr.UnknownField, Fields: []apperr.FieldError{{Field: name, Code: "unknown_field"}}}
	}
	return &apperr.Error{Kind: apperr.MalformedJSON, Err: err}
}

// wireField turns the path encoding/json reports for a type error into the
// member's wire name. The path names embedded Go structs by their type
// ("ProjectWrite.total_investment_yuan"); wire members are snake_case, so a
// segment that starts with an upper-case letter is such a name and dropped.
func wireField(path string) string {
	var out []string
	for _, seg := range strings.Split(path, ".") {
		if seg == "" || unicode.IsUpper([]rune(seg)[0]) {
			continue
		}
		out = append(out, seg)
	}
	return strings.Join(out, ".")
}

// jsonType names a Go type the way a JSON client thinks of it.
func jsonType(goType string) string {
	switch {
	case strings.Contains(goType, "int"):
		return "integer"
	case strings.Contains(goType, "float"):
		return "number"
	case strings.Contains(goType, "string"):
		return "string"
	case strings.Contains(goType, "bool"):
		return "boolean"
	case strings.HasPrefix(goType, "[]") || strings.HasPrefix(goType, "*[]"):
		return "array"
	}
	return "object"
}

func writeJSON(c *gin.Context, status int, contentType string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"code":"internal","status":500,"title":"Internal server error"}`)
		contentType = "application/problem+json"
	}
	c.Data(status, contentType+"; charset=utf-8", b)
}

func ok(c *gin.Context, status int, v any) { writeJSON(c, status, "application/json", v) }
