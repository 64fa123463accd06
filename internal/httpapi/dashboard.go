package httpapi

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/internal/apperr"
)

// dashboardFiles is the leadership dashboard (docs/stats.md): a static page
// that signs in and reads the JSON API like any other client. Everything it
// needs is in these files, so that it works on an intranet without the
// internet.
//
//go:embed dashboard
var dashboardFiles embed.FS

// dashboardFile is one file of the page, read once.
type dashboardFile struct {
	body        []byte
	contentType string
	etag        string
}

// dashboardTypes are the content types of the page's files, by extension;
// a file of any other kind is not served.
var dashboardTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
}

// dashboardCSP allows the page nothing but its own files and the API of its
// own origin: no inline script or style, no other site, no framing.
const dashboardCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; " +
	"connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

var dashboardIndex = loadDashboard()

func loadDashboard() map[string]dashboardFile {
	out := map[string]dashboardFile{}
	err := fs.WalkDir(dashboardFiles, "dashboard", func(name string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		ct, known := dashboardTypes[path.Ext(name)]
		if !known {
			return nil
		}
		b, err := dashboardFiles.ReadFile(name)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out["/"+strings.TrimPrefix(name, "dashboard/")] = dashboardFile{body: b, contentType: ct,
			etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		return nil
	})
	if err != nil {
		panic("httpapi: the embedded dashboard cannot be read: " + err.Error())
	}
	return out
}

var errNoDashboardFile = apperr.Coded(apperr.NotFound, "dashboard.no_file")

// dashboard serves the leadership dashboard's files under /dashboard/. The
// files are revalidated on every load (no-cache with an ETag), so that a
// new release reaches the meeting-room screen at its next reload.
func (h *handlers) dashboard(c *gin.Context) error {
	name := c.Param("file")
	if name == "" {
		// /dashboard: a relative reference (which http.Redirect would make
		// absolute) keeps the page working behind a proxy that serves the
		// service under a path prefix.
		target := "dashboard/"
		if q := c.Request.URL.RawQuery; q != "" {
			target += "?" + q
		}
		c.Header("Location", target)
		c.Status(http.StatusMovedPermanently)
		return nil
	}
	if name == "/" {
		name = "/index.html"
	}
	f, found := dashboardIndex[name]
	if !found {
		return errNoDashboardFile
	}
	hd := c.Writer.Header()
	hd.Set("Content-Security-Policy", dashboardCSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "no-referrer")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", f.etag)
	if match := c.GetHeader("If-None-Match"); match != "" && dashboardNotModified(match, f.etag) {
		c.Status(http.StatusNotModified)
		return nil
	}
	c.Data(http.StatusOK, f.contentType, f.body)
	return nil
}

// dashboardNotModified reports whether an If-None-Match value names tag (weak
// comparison, RFC 9110 §13.1.2).
func dashboardNotModified(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == tag || t == "*" {
			return true
		}
	}
	return false
}
