package httpapi

import (
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
)

// conditional answers If-None-Match and HEAD for every GET route in one
// place (docs/api.md, "HTTP"): a 200 whose ETag the request's If-None-Match
// names becomes 304 Not Modified with the same headers and no body, and a
// HEAD answers the headers its GET would, without the body.
func conditional(c *gin.Context) {
	method := c.Request.Method
	if method != http.MethodGet && method != http.MethodHead {
		c.Next()
		return
	}
	c.Writer = &conditionalWriter{
		ResponseWriter: c.Writer,
		head:           method == http.MethodHead,
		noneMatch:      c.Request.Header.Values("If-None-Match"),
	}
	c.Next()
}

// conditionalWriter drops the body of a HEAD or a 304, and turns a 200 into
// a 304 when its ETag matches If-None-Match.
type conditionalWriter struct {
	gin.ResponseWriter
	head      bool
	noneMatch []string
	discard   bool
}

func (w *conditionalWriter) WriteHeader(code int) {
	if w.ResponseWriter.Written() {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if code == http.StatusOK && len(w.noneMatch) > 0 && noneMatch(w.noneMatch, w.Header().Get("ETag")) {
		code = http.StatusNotModified
		w.Header().Del("Content-Length")
	}
	w.discard = w.head || code == http.StatusNotModified
	w.ResponseWriter.WriteHeader(code)
}

func (w *conditionalWriter) WriteHeaderNow() {
	if !w.ResponseWriter.Written() {
		w.WriteHeader(w.ResponseWriter.Status())
	}
	w.ResponseWriter.WriteHeaderNow()
}

func (w *conditionalWriter) Write(b []byte) (int, error) {
	w.WriteHeaderNow()
	if w.discard {
		return len(b), nil
	}
	return w.ResponseWriter.Write(b)
}

func (w *conditionalWriter) WriteString(s string) (int, error) {
	w.WriteHeaderNow()
	if w.discard {
		return len(s), nil
	}
	return w.ResponseWriter.WriteString(s)
}

// noneMatch reports whether If-None-Match's values name tag under the weak
// comparison (RFC 9110 §13.1.2): W/"3" matches "3", and * matches any
// current representation.
func noneMatch(values []string, tag string) bool {
	if tag == "" {
		return false
	}
	tag = strings.TrimPrefix(tag, "W/")
	for _, v := range values {
		for _, t := range strings.Split(v, ",") {
			t = strings.TrimSpace(t)
			if t == "*" || strings.TrimPrefix(t, "W/") == tag {
				return true
			}
		}
	}
	return false
}
