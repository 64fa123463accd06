package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/config"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestConditionalGet: a GET that answers an ETag answers 304 with the same
// ETag and no body when If-None-Match names it, under the weak comparison;
// a HEAD answers as its GET does.
func TestConditionalGet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, projectBody("conditional wind"))
		is := e.openBlocker(t, asBureau, p.ID, blocker("用地预审待批", "land", "natural_resources", "2021-07-01"))
		e.planEntry(t, p.ID, "energy")
		entry := "/api/v1/annual-plans/2021/entries/" + p.ID
		res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: entry})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		entryTag := res.header.Get("ETag")
		require.NotEmpty(t, entryTag)
		paths := map[string]string{projectURL(p.ID): `"1"`, issuesPath + "/" + is.ID: tag(is.Version), entry: entryTag}
		cases := []struct {
			name, noneMatch string
			want            int
		}{
			{"the same tag", "%s", http.StatusNotModified},
			{"the same tag, weak", "W/%s", http.StatusNotModified},
			{"among others", `"999", %s`, http.StatusNotModified},
			{"any", "*", http.StatusNotModified},
			{"another tag", `"999"`, http.StatusOK},
			{"another tag, weak", `W/"999"`, http.StatusOK},
		}
		for path, etag := range paths {
			for _, c := range cases {
				for _, method := range []string{http.MethodGet, http.MethodHead} {
					value := strings.ReplaceAll(c.noneMatch, "%s", etag)
					res := e.do(t, request{principal: asBureau, method: method, path: path,
						headers: map[string]string{"If-None-Match": value}})
					assert.Equal(t, c.want, res.status, "%s %s, %s: %s", method, path, c.name, res)
					assert.Equal(t, etag, res.header.Get("ETag"), "%s %s, %s", method, path, c.name)
					if c.want == http.StatusNotModified || method == http.MethodHead {
						assert.Empty(t, res.body, "%s %s, %s", method, path, c.name)
					} else {
						assert.NotEmpty(t, res.body, "%s %s, %s", method, path, c.name)
					}
				}
			}
		}
		// A change: the old tag no longer matches.
		res = e.do(t, request{principal: asBureau, method: http.MethodPatch, path: projectURL(p.ID),
			headers: map[string]string{"If-Match": `"1"`}, body: map[string]any{"leader": "张三"}})
		require.Equal(t, http.StatusOK, res.status, "%s", res)
		res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: projectURL(p.ID),
			headers: map[string]string{"If-None-Match": `"1"`}})
		assert.Equal(t, http.StatusOK, res.status)
		assert.Equal(t, `"2"`, res.header.Get("ETag"))
		// An error is never turned into 304.
		res = e.do(t, request{principal: asBureau, method: http.MethodGet, path: projectURL(newID()),
			headers: map[string]string{"If-None-Match": "*"}})
		assert.Equal(t, http.StatusNotFound, res.status)
	})
}

// TestHeadOnEveryGet: every GET route answers HEAD with the GET's status and
// headers and no body; the exports answer their file's headers.
func TestHeadOnEveryGet(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, projectBody("head wind"))
		e.planEntry(t, p.ID, "energy")
		lister, ok := e.h.(interface{ Routes() gin.RoutesInfo })
		require.True(t, ok)
		var paths []string
		for _, rt := range lister.Routes() {
			if rt.Method == http.MethodGet {
				paths = append(paths, routePath(rt.Path))
			}
		}
		paths = append(paths, projectURL(p.ID), exportPath, exportPath+"?format=csv", exportPath+"?format=pdf",
			"/api/v1/dispatch/2021-05/sheet", "/api/v1/dispatch/2021-05/sheet?format=csv", "/api/v1/dispatch/2021-13/sheet")
		for _, path := range paths {
			get := e.serveRaw(http.MethodGet, path, map[string]string{"Authorization": e.authz[asAdmin]})
			head := e.serveRaw(http.MethodHead, path, map[string]string{"Authorization": e.authz[asAdmin]})
			assert.Equal(t, get.Code, head.Code, "HEAD %s", path)
			assert.NotEqual(t, http.StatusMethodNotAllowed, head.Code, "HEAD %s", path)
			assert.Empty(t, head.Body.Bytes(), "HEAD %s", path)
			for _, h := range []string{"Content-Type", "ETag", "Cache-Control", "WWW-Authenticate", "Location"} {
				assert.Equal(t, get.Header().Get(h), head.Header().Get(h), "HEAD %s: %s", path, h)
			}
			assert.Equal(t, get.Header().Get("Content-Disposition") == "", head.Header().Get("Content-Disposition") == "",
				"HEAD %s: Content-Disposition", path)
		}
		head := e.serveRaw(http.MethodHead, exportPath, map[string]string{"Authorization": e.authz[asAdmin]})
		assert.Equal(t, http.StatusOK, head.Code)
		assert.Contains(t, head.Header().Get("Content-Disposition"), "attachment")
	})
}

// TestCompression: a larger answer is gzipped when the client asks, with its
// ETag unchanged (so that If-Match compares it as sent); an XLSX file, a
// small answer and a client that does not ask are sent as they are.
func TestCompression(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, projectBody("gzip wind"))
		for range 5 {
			e.create(t, asBureau, projectBody("gzip wind "+newID()))
		}
		is := e.openBlocker(t, asBureau, p.ID, with(blocker("用地预审待批", "land", "natural_resources", "2021-07-01"),
			"description", strings.Repeat("风电场升压站用地预审材料待补充。", 40)))
		auth := e.authz[asBureau]
		gz := map[string]string{"Authorization": auth, "Accept-Encoding": "gzip"}
		cases := []struct {
			name, path string
			headers    map[string]string
			gzipped    bool
		}{
			{"a blocker", issuesPath + "/" + is.ID, gz, true},
			{"the list", "/api/v1/projects", gz, true},
			{"the list, not asked", "/api/v1/projects", map[string]string{"Authorization": auth}, false},
			{"the list, identity only", "/api/v1/projects", map[string]string{"Authorization": auth, "Accept-Encoding": "identity"}, false},
			{"a small answer", "/healthz", gz, false},
			{"the register as xlsx", exportPath, gz, false},
			{"the register as csv", exportPath + "?format=csv", gz, true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				res := e.serveRaw(http.MethodGet, c.path, c.headers)
				require.Equal(t, http.StatusOK, res.Code, "%s", res.Body)
				assert.Contains(t, res.Header().Values("Vary"), "Accept-Encoding")
				body := res.Body.Bytes()
				if !c.gzipped {
					assert.Empty(t, res.Header().Get("Content-Encoding"))
					return
				}
				require.Equal(t, "gzip", res.Header().Get("Content-Encoding"))
				zr, err := gzip.NewReader(bytes.NewReader(body))
				require.NoError(t, err)
				plain, err := io.ReadAll(zr)
				require.NoError(t, err)
				assert.Greater(t, len(plain), len(body))
				if strings.HasPrefix(res.Header().Get("Content-Type"), "application/json") {
					assert.True(t, json.Valid(plain))
				}
			})
		}
		// The ETag of the compressed answer is the version, and If-Match takes it.
		res := e.serveRaw(http.MethodGet, issuesPath+"/"+is.ID, gz)
		require.Equal(t, "gzip", res.Header().Get("Content-Encoding"))
		require.Equal(t, tag(is.Version), res.Header().Get("ETag"))
		patch := e.do(t, request{principal: asBureau, method: http.MethodPatch, path: issuesPath + "/" + is.ID,
			headers: map[string]string{"If-Match": res.Header().Get("ETag")}, body: map[string]any{"title": "用地预审材料待补充"}})
		assert.Equal(t, http.StatusOK, patch.status, "%s", patch)
	})
}

// TestCORS: the configured origins may call the API from a browser: a
// preflight answers 204 with what they may send, an answer exposes the
// headers a client reads; other origins get no CORS headers, and without
// the setting there is no CORS at all.
func TestCORS(t *testing.T) {
	const origin = "https://app.example.org"
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db, func(c *config.Config) { c.CORSOrigins = []string{origin, "http://localhost:5173"} })
		off := newEnv(t, dbtest.SQLite(t))
		preflight := func(origin string) map[string]string {
			return map[string]string{"Origin": origin, "Access-Control-Request-Method": http.MethodPatch,
				"Access-Control-Request-Headers": "authorization,content-type,idempotency-key,if-match"}
		}
		cases := []struct {
			name, method, origin string
			env                  *env
			headers              map[string]string
			wantStatus           int
			allowed              bool
		}{
			{"preflight from an allowed origin", http.MethodOptions, origin, e, preflight(origin), http.StatusNoContent, true},
			{"preflight from another origin", http.MethodOptions, "https://evil.example", e, preflight("https://evil.example"), http.StatusNoContent, false},
			{"preflight without the setting", http.MethodOptions, origin, off, preflight(origin), http.StatusMethodNotAllowed, false},
			{"GET from an allowed origin", http.MethodGet, origin, e, map[string]string{"Origin": origin}, http.StatusOK, true},
			{"GET from another origin", http.MethodGet, "https://evil.example", e, map[string]string{"Origin": "https://evil.example"}, http.StatusOK, false},
			{"GET without the setting", http.MethodGet, origin, off, map[string]string{"Origin": origin}, http.StatusOK, false},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				c.headers["Authorization"] = c.env.authz[asBureau]
				res := c.env.serveRaw(c.method, "/api/v1/projects", c.headers)
				assert.Equal(t, c.wantStatus, res.Code, "%s", res.Body)
				hd := res.Header()
				if !c.allowed {
					assert.Empty(t, hd.Get("Access-Control-Allow-Origin"))
					assert.Empty(t, hd.Get("Access-Control-Expose-Headers"))
					return
				}
				assert.Equal(t, c.origin, hd.Get("Access-Control-Allow-Origin"))
				if c.method == http.MethodOptions {
					assert.Equal(t, http.MethodPatch, hd.Get("Access-Control-Allow-Methods"))
					allowed := strings.ToLower(hd.Get("Access-Control-Allow-Headers"))
					for _, h := range []string{"authorization", "content-type", "if-match", "idempotency-key"} {
						assert.Contains(t, allowed, h)
					}
					return
				}
				exposed := hd.Get("Access-Control-Expose-Headers")
				for _, h := range []string{"Etag", "Location", "X-Request-Id", "Retry-After"} {
					assert.Contains(t, exposed, h)
				}
			})
		}
	})
}

// routeList is the routes a test walks.
type routeList []gin.RouteInfo

func (l routeList) Routes() []gin.RouteInfo { return l }

// routed lists h's routes but HEAD: every GET answers HEAD through the
// same chain (TestHeadOnEveryGet compares the two), so the walks over the
// routes take each once, as GET.
func routed(t *testing.T, h http.Handler) routeList {
	t.Helper()
	lister, ok := h.(interface{ Routes() gin.RoutesInfo })
	require.True(t, ok, "httpapi.New lists its routes")
	all := lister.Routes()
	gets := map[string]bool{}
	for _, rt := range all {
		if rt.Method == http.MethodGet {
			gets[rt.Path] = true
		}
	}
	var out routeList
	for _, rt := range all {
		if rt.Method == http.MethodHead {
			assert.True(t, gets[rt.Path], "HEAD %s has no GET", rt.Path)
			continue
		}
		out = append(out, rt)
	}
	return out
}
