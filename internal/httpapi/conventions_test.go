package httpapi_test

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// TestConventions holds the conventions of docs/api.md for the project routes: bodies, query
// parameters, unknown routes and methods. No row creates anything.
func TestConventions(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		e := newEnv(t, db)
		p := e.create(t, asBureau, projectBody("existing"))
		before := e.count(t, asBureau)
		valid := `{"name":"x","category":"wind","department":"energy"}`

		post := func(name string, body any, status int, code string, fields ...string) tc {
			return tc{name: name, principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: body, invalid: true,
				wantStatus: status, wantCode: code, wantFields: fields}
		}
		list := func(name, query string, fields ...string) tc {
			return tc{name: name, principal: asBureau, method: http.MethodGet, path: "/api/v1/projects?" + query, invalid: true,
				wantStatus: http.StatusBadRequest, wantCode: "validation_failed", wantFields: fields}
		}
		withHeaders := func(c tc, kv ...string) tc {
			c.headers = map[string]string{}
			for i := 0; i < len(kv); i += 2 {
				c.headers[kv[i]] = kv[i+1]
			}
			return c
		}
		cursor := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

		e.run(t, []tc{
			post("malformed JSON", `{"name": "x",`, http.StatusBadRequest, "malformed_json"),
			post("not JSON at all", `name=x`, http.StatusBadRequest, "malformed_json"),
			post("empty body", ``, http.StatusBadRequest, "malformed_json"),
			post("trailing garbage", valid+`garbage`, http.StatusBadRequest, "malformed_json"),
			post("a second JSON value", valid+` {"name":"y"}`, http.StatusBadRequest, "malformed_json"),
			post("an array", `[`+valid+`]`, http.StatusBadRequest, "malformed_json"),
			post("null", `null`, http.StatusBadRequest, "malformed_json"),
			post("a string", `"x"`, http.StatusBadRequest, "malformed_json"),
			post("invalid UTF-8 in a string", "{\"name\":\"\xff\xfe\",\"category\":\"wind\",\"department\":\"energy\"}", http.StatusBadRequest, "malformed_json"),
			post("unknown field", `{"name":"x","category":"wind","department":"energy","colour":"red"}`, http.StatusBadRequest,
				"unknown_field", "colour:unknown_field"),
			post("unknown field in funding", `{"name":"x","category":"wind","department":"energy","funding":[{"source":"enterprise","planned_yuan":1,"received_yuan":0,"bank":"x"}]}`,
				http.StatusBadRequest, "unknown_field", "bank:unknown_field"),
			post("a name in another case", `{"NAME":"x","category":"wind","department":"energy"}`, http.StatusBadRequest,
				"unknown_field", "NAME:unknown_field"),
			post("a name twice, once in another case", `{"name":"x","Name":"y","category":"wind","department":"energy"}`, http.StatusBadRequest,
				"unknown_field", "Name:unknown_field"),
			post("a nested name in another case", `{"name":"x","category":"wind","department":"energy","funding":[{"Source":"enterprise","planned_yuan":1,"received_yuan":0}]}`,
				http.StatusBadRequest, "unknown_field", "Source:unknown_field"),
			post("an unknown name with quotes", `{"name":"x","category":"wind","department":"energy","say \"hi\"":1}`, http.StatusBadRequest,
				"unknown_field", `say "hi":unknown_field`),
			post("read-only field on create", `{"name":"x","category":"wind","department":"energy","version":3}`, http.StatusBadRequest,
				"unknown_field", "version"),
			withHeaders(post("wrong content type", valid, http.StatusUnsupportedMediaType, "unsupported_media_type"), "Content-Type", "text/plain"),
			withHeaders(post("no content type", valid, http.StatusUnsupportedMediaType, "unsupported_media_type"), "Content-Type", ""),
			withHeaders(post("merge patch on create", valid, http.StatusUnsupportedMediaType, "unsupported_media_type"), "Content-Type", "application/merge-patch+json"),
			withHeaders(post("form on create", valid, http.StatusUnsupportedMediaType, "unsupported_media_type"), "Content-Type", "multipart/form-data; boundary=x"),
			post("body over the limit", `{"name":"`+strings.Repeat("x", bodyLimit)+`","category":"wind","department":"energy"}`,
				http.StatusRequestEntityTooLarge, "payload_too_large"),
			{name: "patch over the limit", principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + p.ID, invalid: true,
				headers: map[string]string{"If-Match": `"1"`}, body: `{"leader":"` + strings.Repeat("x", bodyLimit) + `"}`,
				wantStatus: http.StatusRequestEntityTooLarge, wantCode: "payload_too_large"},

			list("unknown query parameter", "colour=red", "colour:unknown_parameter"),
			list("a filter's misspelling", "departments=energy", "departments:unknown_parameter"),
			list("repeated parameter", "stage=planning&stage=signed", "stage:repeated"),
			list("unknown stage", "stage=built", "stage:invalid_value"),
			list("one unknown stage in a list", "stage=planning,built", "stage:invalid_value"),
			list("unknown category", "category=nuclear", "category:invalid_value"),
			list("unknown build type", "build_type=rebuild", "build_type:invalid_value"),
			list("unknown key level", "key_level=global", "key_level:invalid_value"),
			list("unknown health", "health=blue", "health:invalid_value"),
			list("department code in the wrong format", "department=Energy", "department:invalid_format"),
			list("bad sort key", "sort=colour", "sort:invalid_value"),
			list("bad descending sort key", "sort=-stage", "sort:invalid_value"),
			list("limit 0", "limit=0", "limit:out_of_range"),
			list("limit 201", "limit=201", "limit:out_of_range"),
			list("limit not a number", "limit=ten", "limit"),
			list("negative money", "min_investment_yuan=-1", "min_investment_yuan:out_of_range"),
			list("money not a number", "max_investment_yuan=1e9", "max_investment_yuan"),
			list("date not a date", "planned_start_from=2021-13-01", "planned_start_from:invalid_format"),
			list("timestamp not a timestamp", "updated_since=yesterday", "updated_since:invalid_format"),
			list("count not a boolean", "count=yes", "count:invalid_value"),
			list("archived not a boolean", "archived=1", "archived:invalid_value"),
			list("q too long", "q="+strings.Repeat("x", 101), "q:too_long"),
			list("garbage cursor", "cursor=not-a-cursor!", "cursor:invalid_value"),
			list("cursor that is no JSON", "cursor="+cursor("hello"), "cursor:invalid_value"),
			list("cursor of another sort", "cursor="+cursor(`{"s":"name","v":"x","id":"`+uuid.NewString()+`"}`), "cursor:invalid_value"),
			list("cursor with a wrong value type", "sort=total_investment_yuan&cursor="+cursor(`{"s":"total_investment_yuan","v":"x","id":"`+uuid.NewString()+`"}`), "cursor:invalid_value"),
			list("cursor with a bad time", "cursor="+cursor(`{"s":"created_at","v":"yesterday","id":"`+uuid.NewString()+`"}`), "cursor:invalid_value"),
			list("cursor without an id", "cursor="+cursor(`{"s":"created_at","v":"2021-06-15T02:00:00Z"}`), "cursor:invalid_value"),
			list("several problems at once", "limit=0&sort=colour&colour=red", "limit", "sort", "colour"),
			{name: "limit 1 and 200 are fine", principal: asBureau, method: http.MethodGet, path: "/api/v1/projects?limit=200", wantStatus: http.StatusOK},
			{name: "a well-formed cursor for an unknown id is fine", principal: asBureau, method: http.MethodGet,
				path:       "/api/v1/projects?cursor=" + cursor(`{"s":"created_at","v":"2021-06-15T02:00:00Z","id":"`+uuid.NewString()+`"}`),
				wantStatus: http.StatusOK},

			{name: "unknown path", principal: asBureau, method: http.MethodGet, path: "/api/v1/nothing", unrouted: true,
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "unknown path without a token", method: http.MethodGet, path: "/api/v2/projects", unrouted: true,
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "unknown project", principal: asBureau, method: http.MethodGet, path: "/api/v1/projects/" + uuid.NewString(),
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "unknown project action", principal: asBureau, method: http.MethodPost, path: "/api/v1/projects/" + p.ID + "/explode", unrouted: true,
				wantStatus: http.StatusNotFound, wantCode: "not_found"},
			{name: "wrong method on the collection", principal: asBureau, method: http.MethodPut, path: "/api/v1/projects", unrouted: true,
				body: valid, wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed",
				check: func(t *testing.T, res response) { assertAllow(t, res, "GET", "HEAD", "POST") }},
			{name: "wrong method on a project", principal: asBureau, method: http.MethodPost, path: "/api/v1/projects/" + p.ID, unrouted: true,
				body: valid, wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed",
				check: func(t *testing.T, res response) { assertAllow(t, res, "GET", "HEAD", "PATCH", "DELETE") }},
			{name: "wrong method on sign-in", method: http.MethodGet, path: loginPath, unrouted: true,
				wantStatus: http.StatusMethodNotAllowed, wantCode: "method_not_allowed",
				check: func(t *testing.T, res response) { assertAllow(t, res, "POST") }},
		})
		assert.Equal(t, before, e.count(t, asBureau), "nothing was created")
		got, etag := e.get(t, asBureau, p.ID)
		assert.Equal(t, p, got, "nothing was changed")
		assert.Equal(t, `"1"`, etag)
	})
}

func assertAllow(t *testing.T, res response, methods ...string) {
	t.Helper()
	allow := strings.Split(res.header.Get("Allow"), ",")
	for i := range allow {
		allow[i] = strings.TrimSpace(allow[i])
	}
	assert.ElementsMatch(t, methods, allow, "Allow: %q", res.header.Get("Allow"))
}

// TestCharsetIsAccepted: a JSON content type with parameters is JSON.
func TestCharsetIsAccepted(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: projectBody("x"),
		headers: map[string]string{"Content-Type": "application/json; charset=utf-8"}})
	assert.Equal(t, http.StatusCreated, res.status, "%s", res)
	res = e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: projectBody("y"),
		headers: map[string]string{"Content-Type": "Application/JSON"}})
	assert.Equal(t, http.StatusCreated, res.status, "%s", res)
}

var generatedID = regexp.MustCompile(`^[0-9a-f]{32}$`)

// TestRequestID: a sane X-Request-ID is echoed, anything else replaced, on
// success and on error alike, and the problem body carries it.
func TestRequestID(t *testing.T) {
	e := newEnv(t, dbtest.SQLite(t))
	for _, c := range []struct {
		name, sent string
		echoed     bool
	}{
		{"sane", "req-2021.06.15_10:00:00-abc", true},
		{"a UUID", uuid.NewString(), true},
		{"128 characters", strings.Repeat("a", 128), true},
		{"none", "", false},
		{"300 characters", strings.Repeat("a", 300), false},
		{"129 characters", strings.Repeat("a", 129), false},
		{"with spaces", "my request id", false},
		{"with a newline escape", "abc%0d%0aSet-Cookie:x", false},
		{"Chinese", "请求编号", false},
		{"HTML", "<script>", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, r := range []request{
				{method: http.MethodGet, path: "/healthz"},
				{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects"},
				{principal: asBureau, method: http.MethodGet, path: "/api/v1/projects?colour=red", invalid: true},
				{method: http.MethodGet, path: "/api/v1/projects"},
				{method: http.MethodGet, path: "/nowhere", unrouted: true},
			} {
				r.headers = map[string]string{"X-Request-ID": c.sent}
				res := e.do(t, r)
				got := res.header.Get("X-Request-ID")
				if c.echoed {
					assert.Equal(t, c.sent, got, "%s %s", r.method, r.path)
				} else {
					assert.NotEqual(t, c.sent, got)
					assert.Regexp(t, generatedID, got, "%s %s", r.method, r.path)
				}
				if res.status >= 400 {
					assert.Equal(t, got, res.problem(t).RequestID)
				}
			}
		})
	}
	// Generated IDs differ.
	a := e.do(t, request{method: http.MethodGet, path: "/healthz"}).header.Get("X-Request-ID")
	b := e.do(t, request{method: http.MethodGet, path: "/healthz"}).header.Get("X-Request-ID")
	assert.NotEqual(t, a, b)
	_ = url.QueryEscape
	require.NotEmpty(t, a)
}
