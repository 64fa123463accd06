package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// rlo is U+202E RIGHT-TO-LEFT OVERRIDE, which makes "exe.txt" show as
// "txt.exe".
const rlo = "\u202e"

// TestIfMatchComparesStrongly: If-Match compares entity tags strongly
// (RFC 9110 §13.1.1): a weak tag matches no version, * is refused (the
// service compares versions only), and a list matches by the version it
// names, two different versions being refused (docs/api.md, "Versions,
// ETag and If-Match").
func TestIfMatchComparesStrongly(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, projectBody("强比较"))
		path := "/api/v1/projects/" + p.ID
		patch := func(name, ifMatch string, status int, code string) tc {
			return tc{name: name, principal: asBureau, method: http.MethodPatch, path: path, invalid: true,
				headers: map[string]string{"If-Match": ifMatch}, body: map[string]any{"leader": name},
				wantStatus: status, wantCode: code}
		}
		e.run(t, []tc{
			patch("a weak tag of the current version", `W/"1"`, http.StatusPreconditionFailed, "version_conflict"),
			patch("*", `*`, http.StatusPreconditionRequired, "precondition_required"),
			patch("* in a list", `"1", *`, http.StatusPreconditionRequired, "precondition_required"),
			patch("two different versions", `"1", "2"`, http.StatusBadRequest, "validation_failed"),
			patch("a tag without quotes", `1`, http.StatusPreconditionFailed, "version_conflict"),
			patch("a weak and a strong tag", `W/"1", "1"`, http.StatusOK, ""),
			patch("the same version twice", `"2", "2"`, http.StatusOK, ""),
			{name: "a weak tag on a stage move", principal: asBureau, method: http.MethodPost, path: path + "/transitions",
				headers: map[string]string{"If-Match": `W/"3"`}, body: map[string]any{"to": "signed", "occurred_on": day(1)},
				wantStatus: http.StatusPreconditionFailed, wantCode: "version_conflict"},
			{name: "a weak tag on DELETE", principal: asBureau, method: http.MethodDelete, path: path, invalid: true,
				headers: map[string]string{"If-Match": `W/"3"`}, wantStatus: http.StatusPreconditionFailed, wantCode: "version_conflict"},
		})
		got, etag := e.get(t, asBureau, p.ID)
		assert.Equal(t, `"3"`, etag, "only the two matching patches changed the project")
		assert.Equal(t, "the same version twice", got.Leader)
	})
}

// TestDuplicateMembers: a member named twice in one object, at any depth,
// is 400 naming it, on a create, a merge patch and sign-in alike; encoding/json
// would keep the last one.
func TestDuplicateMembers(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, projectBody("重复成员"))
		before := e.count(t, asBureau)
		post := func(name, body string, fields ...string) tc {
			return tc{name: name, principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: body, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: fields}
		}
		e.run(t, []tc{
			post("a member twice", `{"name":"x","name":"y","category":"wind","department":"energy"}`, "name:repeated"),
			post("a member twice, once escaped", `{"name":"x","n\u0061me":"y","category":"wind","department":"energy"}`, "name:repeated"),
			post("a member of an object in an array twice",
				`{"name":"x","category":"wind","department":"energy","funding":[{"source":"enterprise","source":"bank_loan","planned_yuan":1,"received_yuan":0}]}`,
				"funding[0].source:repeated"),
			post("two members twice", `{"name":"x","category":"wind","category":"wind","department":"energy","department":"energy"}`,
				"category:repeated", "department:repeated"),
			{name: "a merge patch with a member twice", principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + p.ID,
				headers: map[string]string{"If-Match": `"1"`, "Content-Type": "application/merge-patch+json"}, invalid: true,
				body: `{"leader":"甲","leader":"乙"}`, wantStatus: http.StatusBadRequest, wantCode: "validation_failed",
				wantFields: []string{"leader:repeated"}},
			{name: "sign-in with the username twice", method: http.MethodPost, path: loginPath, invalid: true,
				body:       `{"username":"nobody","username":"admin","password":"x"}`,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: []string{"username:repeated"}},
		})
		got, _ := e.get(t, asBureau, p.ID)
		assert.Equal(t, 1, got.Version, "the refused patch changed nothing")
		assert.Equal(t, before, e.count(t, asBureau), "no refused create made a project")
	})
}

// TestBidiControlsRefusedOnEveryWrite sends every route that takes a JSON
// body, as the administrator, once for each string in its body with U+202E
// added to it: each is 400 bidi_control naming that member, and nothing
// changes; a password is exempt (it is never shown, and one typed right
// to left may hold a mark). Other invisible characters pasted from
// documents are kept.
func TestBidiControlsRefusedOnEveryWrite(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		engine := routed(t, e.h)
		m := newMatrix(t, e, "bidi")
		m.tokenClient = e.newClient(t, "bidi reader", "energy", identity.ScopeProjectsRead)
		admin := who{name: asAdmin, role: identity.RoleAdmin}

		rows := matrixRows()
		tried := 0
		for _, rt := range engine.Routes() {
			key := rt.Method + " " + rt.Path
			row, found := rows[key]
			// Restore takes no body, and its request archives the project
			// first for the restore to undo.
			if !found || rt.Method == http.MethodGet || key == "POST /api/v1/projects/:id/restore" {
				continue
			}
			r := row.req(t, m, admin, &m.energy)
			doc, isJSON := jsonBody(r)
			if !isJSON {
				continue
			}
			leaves := stringLeaves(doc, "")
			if len(leaves) == 0 {
				t.Logf("%s: no string in its body", key)
				continue
			}
			before := m.snapshot(t)
			for _, leaf := range leaves {
				if leaf == "password" || strings.HasSuffix(leaf, ".password") {
					continue // a password may hold a mark typed right to left (below)
				}
				bad := r
				bad.principal, bad.invalid = asAdmin, true
				bad.body = withBidi(doc, leaf)
				res := e.do(t, bad)
				if assert.Equal(t, http.StatusBadRequest, res.status, "%s with U+202E in %s: %s", key, leaf, res) {
					assert.True(t, namesField(res.problem(t), leaf+":bidi_control"), "%s names %s: %s", key, leaf, res)
				}
				tried++
			}
			m.state = nil
			assert.Equal(t, before, m.snapshot(t), "a refused %s changed nothing", key)
		}
		t.Logf("%d strings refused with U+202E", tried)
		require.Positive(t, tried)

		rtl := e.do(t, request{method: http.MethodPost, path: "/api/v1/auth/login", invalid: true,
			body: map[string]any{"username": m.loginUser, "password": "كلمة\u200fسر\u061c"}})
		assert.Equal(t, http.StatusUnauthorized, rtl.status, "a password is never refused for its marks, only checked: %s", rtl)

		kept := "晨风\u200b风电\u200d项目\u00ad\u2060\ufeff二期"
		res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: projectBody(kept)})
		require.Equal(t, http.StatusCreated, res.status, "%s", res)
		assert.Equal(t, kept, res.project(t).Name, "zero-width characters, a soft hyphen and a BOM are kept")
	})
}

// jsonBody is the JSON document a test request sends, when it sends one.
func jsonBody(r request) (any, bool) {
	var b []byte
	switch v := r.body.(type) {
	case nil:
		return nil, false
	case string:
		b = []byte(v)
	case []byte:
		b = v
	default:
		var err error
		if b, err = json.Marshal(v); err != nil {
			return nil, false
		}
	}
	if ct := r.headers["Content-Type"]; ct != "" && !strings.Contains(ct, "json") {
		return nil, false
	}
	var doc any
	if json.Unmarshal(b, &doc) != nil {
		return nil, false
	}
	return doc, true
}

// stringLeaves are the paths of the strings of doc, as field errors name
// them (funding[0].source).
func stringLeaves(doc any, path string) []string {
	var out []string
	switch v := doc.(type) {
	case string:
		return []string{path}
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			p := k
			if path != "" {
				p = path + "." + k
			}
			out = append(out, stringLeaves(v[k], p)...)
		}
	case []any:
		for i, it := range v {
			out = append(out, stringLeaves(it, path+"["+strconv.Itoa(i)+"]")...)
		}
	}
	return out
}

// withBidi is doc with U+202E put inside the string at path.
func withBidi(doc any, path string) any {
	var walk func(v any, at string) any
	walk = func(v any, at string) any {
		switch x := v.(type) {
		case string:
			if at == path {
				if len(x) < 2 {
					return x + rlo
				}
				return x[:1] + rlo + x[1:]
			}
		case map[string]any:
			out := map[string]any{}
			for k, it := range x {
				p := k
				if at != "" {
					p = at + "." + k
				}
				out[k] = walk(it, p)
			}
			return out
		case []any:
			out := make([]any, len(x))
			for i, it := range x {
				out[i] = walk(it, at+"["+strconv.Itoa(i)+"]")
			}
			return out
		}
		return v
	}
	return walk(doc, "")
}

// TestBidiControlsInImportsAndExports: an imported cell with a bidirectional
// control is a row error naming its column, whatever the column; a value
// stored before they were refused is exported with U+FFFD in their place.
func TestBidiControlsInImportsAndExports(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		head := []string{"项目名称", "项目类别", "部门代码", "包联领导"}
		rep := e.importFailed(t, asBureau, "register.csv", csvFile(t, head,
			[]string{"好项目", "风电", "energy", "李县长"},
			[]string{"好" + rlo + "项目", "风电", "energy", "李县长"},
			[]string{"好项目", "风" + rlo + "电", "energy", "李" + rlo + "县长"},
		))
		assert.Equal(t, map[int][]string{
			3: {"项目名称:bidi_control"},
			4: {"项目类别:bidi_control", "包联领导:bidi_control"},
		}, errorsOf(rep))

		p := e.create(t, asBureau, projectBody("旧值"))
		q, done := e.db.Conn(context.Background())
		require.NoError(t, q.Exec("UPDATE projects SET name = ?, leader = ? WHERE id = ?",
			"旧值"+rlo+"txt.exe", "\u2066李\u2069县长\u200f", p.ID).Error)
		done()
		for _, format := range []string{"csv", "xlsx"} {
			g := readGrid(t, e.exportFile(t, asBureau, "format="+format))
			row := g.find(t, p.ID)
			assert.Equal(t, "旧值\ufffdtxt.exe", g.cell(t, row, "项目名称"), format)
			assert.Equal(t, "\ufffd李\ufffd县长\ufffd", g.cell(t, row, "包联领导"), format)
		}
	})
}

// TestQueryNotPercentEncoded: a query string that is not percent-encoded
// UTF-8 is 400 on every route, before any other check, where gin would read
// it with the parameter left out.
func TestQueryNotPercentEncoded(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		engine := routed(t, e.h)
		queries := map[string]string{
			"cursor=%%%x":      "cursor",
			"q=%zz":            "q",
			"limit=5&q=%e4%b8": "q",
			"%zz=1":            "",
			"q=%ff":            "q",
			"a=1;b=2":          "a",
		}
		for _, rt := range engine.Routes() {
			path := strings.NewReplacer(":id", newID(), ":project_id", newID(), ":year", "2021", ":period", "2021-05",
				":quarter", "2", ":kind", "signed", ":code", "energy", "*any", "doc.json", "*file", "index.html").Replace(rt.Path)
			for query, param := range queries {
				req := httptest.NewRequest(rt.Method, path+"?"+query, strings.NewReader(`{}`))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", e.authz[asAdmin])
				rec := httptest.NewRecorder()
				e.h.ServeHTTP(rec, req)
				res := response{status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
				if !assert.Equal(t, http.StatusBadRequest, res.status, "%s %s?%s: %s", rt.Method, path, query, res) {
					continue
				}
				checkProblem(t, res)
				p := res.problem(t)
				assert.Equal(t, "validation_failed", p.Code)
				if param != "" {
					assert.Contains(t, p.Detail, fmt.Sprintf("查询参数 %s ", param), "%s", res)
				} else {
					assert.Contains(t, p.Detail, "查询字符串", "%s", res)
				}
			}
		}
		res := e.do(t, request{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects?q=%E9%A3%8E%E7%94%B5&limit=5"})
		assert.Equal(t, http.StatusOK, res.status, "a well-encoded query is read: %s", res)
		var l api.ProjectList
		res.decode(t, &l)
	})
}
