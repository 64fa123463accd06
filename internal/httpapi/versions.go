package httpapi

import (
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/internal/apperr"
)

func etag(version int) string { return `"` + strconv.Itoa(version) + `"` }

// ifMatch reads the version named by If-Match. It is required on PATCH and
// DELETE so that no change is made over one the caller has not seen; a value
// that names no version can match none and answers 412.
func ifMatch(c *gin.Context) (int, error) {
	h := strings.TrimSpace(c.GetHeader("If-Match"))
	if h == "" {
		return 0, apperr.Coded(apperr.PreconditionRequired, "request.if_match_required")
	}
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		if n, err := strconv.Atoi(strings.Trim(tag, `"`)); err == nil && n > 0 && strings.HasPrefix(tag, `"`) {
			return n, nil
		}
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
