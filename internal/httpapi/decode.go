package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/internal/apperr"
)

var errMediaType = apperr.New(apperr.UnsupportedMediaType, "请求体须为 application/json", "the request body must be application/json")

// readBody checks the content type and reads at most limit bytes of body.
// mergePatch also admits application/merge-patch+json.
func readBody(c *gin.Context, limit int64, mergePatch bool) ([]byte, error) {
	mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type"))
	if err != nil || !(mt == "application/json" || (mergePatch && mt == "application/merge-patch+json")) {
		return nil, errMediaType
	}
	b, err := io.ReadAll(http.MaxBytesReader(c.Writer, c.Request.Body, limit))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return nil, apperr.New(apperr.TooLarge, "请求体超过大小限制", "the request body exceeds the size limit")
	}
	return b, err
}

// decodeStrict decodes one JSON value into dst, rejecting unknown fields,
// wrong types and trailing data with a problem that names the field.
func decodeStrict(b []byte, dst any) error {
	d := json.NewDecoder(bytes.NewReader(b))
	d.DisallowUnknownFields()
	if err := d.Decode(dst); err != nil {
		return jsonError(err)
	}
	if _, err := d.Token(); !errors.Is(err, io.EOF) {
		return apperr.New(apperr.MalformedJSON, "JSON 值之后还有多余内容", "unexpected data after the JSON value")
	}
	return nil
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &apperr.Error{Kind: apperr.MalformedJSON, Err: err}
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.New(apperr.MalformedJSON, "请求体须为 JSON 对象", "the request body must be a JSON object")
		}
		return apperr.Fields([]apperr.FieldError{{Field: field, Code: "invalid_type", Param: jsonType(typ.Type.String())}})
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return &apperr.Error{Kind: apperr.UnknownField, Fields: []apperr.FieldError{{Field: name, Code: "unknown_field"}}}
	}
	return &apperr.Error{Kind: apperr.MalformedJSON, Err: err}
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
