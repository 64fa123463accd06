package httpapi_test

import (
	"net/http"
	"reflect"
	"strconv"
	"testing"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
)

// fuzzCreateSeeds are bodies the fuzzers start from.
var fuzzCreateSeeds = []string{
	`{"name":"晨风50兆瓦风电项目","category":"wind","department":"energy"}`,
	`{"code":"2021-140223-44-01-000001","name":"x","category":"wind","department":"energy","capacity":50.5,"capacity_unit":"MW",` +
		`"total_investment_yuan":340000000,"funding":[{"source":"enterprise","planned_yuan":1,"received_yuan":0}],` +
		`"planned_sign_date":"2021-03-31","planned_start_date":"2021-05-01"}`,
	`{"name":"x","category":"wind","department":"energy","stage":"started","signed_on":"2020-03-01","started_on":"2020-09-01"}`,
	`{"name":"x","category":"wind","department":"nosuch"}`,
	`{"name":"x","category":"wind","department":"energy","total_investment_yuan":1.5}`,
	`{"name":"x","category":"wind","department":"energy","capacity":1e308,"capacity_unit":"MW"}`,
	`{"name":"x","colour":"red"}`,
	`{"name":"x"} trailing`,
	`{"name":`, `[]`, `null`, ``,
}

// FuzzCreateProject drives POST /api/v1/projects with arbitrary bodies: the
// service never panics and never answers 500, and what it answers matches
// the spec.
func FuzzCreateProject(f *testing.F) {
	for _, s := range fuzzCreateSeeds {
		f.Add([]byte(s))
	}
	e := newEnv(f, dbtest.SQLite(f))
	f.Fuzz(func(t *testing.T, body []byte) {
		res := e.do(t, request{principal: asBureau, method: http.MethodPost, path: "/api/v1/projects", body: body, invalid: true})
		switch {
		case res.status == http.StatusCreated:
			res.project(t)
		case res.status == http.StatusBadRequest, res.status == http.StatusConflict, res.status == http.StatusRequestEntityTooLarge:
		default:
			t.Fatalf("status %s", res)
		}
	})
}

// fuzzPatchSeeds are merge patches the fuzzer starts from.
var fuzzPatchSeeds = []string{
	`{"leader":"李"}`, `{"name":null}`, `{"code":null,"capacity":null}`, `{"funding":[{"source":"enterprise","planned_yuan":5,"received_yuan":1}]}`,
	`{"funding":null}`, `{"stage":"signed"}`, `{"nickname":"x"}`, `{"total_investment_yuan":1.5}`, `{"name":{"zh":"x"}}`,
	`{"capacity":"50"}`, `{"planned_start_date":"2023-01-01"}`, `{"department":"industry"}`, `{"department":"nosuch"}`,
	`{}`, `null`, `[]`, `"x"`, `{"leader":"x"}x`,
}

// FuzzPatchProject drives PATCH /api/v1/projects/{id} with arbitrary merge
// patches against a live project: never a panic, never 500, always the spec.
func FuzzPatchProject(f *testing.F) {
	for _, s := range fuzzPatchSeeds {
		f.Add([]byte(s))
	}
	e := newEnv(f, dbtest.SQLite(f))
	p := e.create(f, asBureau, with(projectBody("fuzzed"), "planned_completion_date", "2022-06-30"))
	f.Fuzz(func(t *testing.T, body []byte) {
		cur, etag := e.get(t, asBureau, p.ID)
		res := e.do(t, request{principal: asBureau, method: http.MethodPatch, path: "/api/v1/projects/" + p.ID, body: body,
			headers: map[string]string{"If-Match": etag, "Content-Type": "application/merge-patch+json"}, invalid: true})
		switch res.status {
		case http.StatusOK:
			// A patch that changes something makes a new version; one that
			// changes nothing leaves the project as it was.
			got := res.project(t)
			want := cur.Version
			if !sameWritable(cur, got) {
				want++
			}
			if got.Version != want {
				t.Fatalf("version %d after %d", got.Version, cur.Version)
			}
			if res.header.Get("ETag") != `"`+strconv.Itoa(want)+`"` {
				t.Fatalf("ETag %s after version %d", res.header.Get("ETag"), cur.Version)
			}
		case http.StatusBadRequest, http.StatusConflict, http.StatusRequestEntityTooLarge:
			if _, after := e.get(t, asBureau, p.ID); after != etag {
				t.Fatalf("a refused patch changed the project: %s -> %s", etag, after)
			}
		default:
			t.Fatalf("status %s", res)
		}
	})
}

// sameWritable reports whether two answers agree on every writable field.
func sameWritable(a, b api.Project) bool {
	return reflect.DeepEqual(a.ProjectWrite, b.ProjectWrite)
}
