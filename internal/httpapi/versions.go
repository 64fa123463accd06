package httpapi

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/internal/apperr"
)

func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// ifMatch reads the version named by If-Match. It is required on PATCH and
// DELETE so that no change is made over one the caller has not seen. Tags
// compare strongly (RFC 9110 §13.1.1): a weak tag, or a value that names no
// version, can match none and answers 412. strictRequest has refused * and
// a list of two different versions before the route's handler runs.
func ifMatch(c *gin.Context) (int, error) {
	h := c.Request.Header.Values("If-Match")
	if strings.TrimSpace(strings.Join(h, "")) == "" {
		return 0, apperr.Coded(apperr.PreconditionRequired, "request.if_match_required")
	}
	if err := checkIfMatch(h); err != nil {
		return 0, err
	}
	if versions, _, _ := ifMatchTags(h); len(versions) > 0 {
		return versions[0], nil
	}
	return -1, nil
}

// optionalIfMatch reads If-Match where it is optional: 0 when absent.
func optionalIfMatch(c *gin.Context) int {
	if c.GetHeader("If-Match") == "" {
		return 0
	}
	v, _ := ifMatch(c)
	return v
}
