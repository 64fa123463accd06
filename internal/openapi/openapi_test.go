package openapi

import (
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"testing/fstest"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// wire is a small wire package: an answer, a body only sent, and an enum
// whose derived name is a schema's.
const wire = `package api

type Yuan int64

type Thing struct {
	ID       string   ` + "`json:\"id\"`" + `
	Capacity *float64 ` + "`json:\"capacity\"`" + `
	Total    Yuan     ` + "`json:\"total\"`" + `
	Counts   []int    ` + "`json:\"counts\"`" + `
	Health   string   ` + "`json:\"health\"`" + `
	Note     string   ` + "`json:\"note,omitempty\"`" + `
	Inner
}

type Inner struct {
	Depth int32 ` + "`json:\"depth\"`" + `
}

type ThingHealth struct {
	Health string ` + "`json:\"health\"`" + `
}

type ThingCreate struct {
	Capacity *float64 ` + "`json:\"capacity\"`" + `
}

type Problem struct {
	Type   string ` + "`json:\"type\"`" + `
	Title  string ` + "`json:\"title\"`" + `
	Status int    ` + "`json:\"status\"`" + `
}
`

const swagger = `{
 "swagger": "2.0", "info": {"title": "t", "version": "1"}, "basePath": "/",
 "securityDefinitions": {
  "BearerAuth": {"type": "apiKey", "name": "Authorization", "in": "header"},
  "OAuth2": {"type": "oauth2", "flow": "application", "tokenUrl": "/token", "scopes": {"things:read": "read"}}
 },
 "paths": {
  "/things": {"post": {
   "operationId": "createThing", "security": [{"BearerAuth": []}],
   "consumes": ["application/json"], "produces": ["application/json", "application/problem+json"],
   "parameters": [{"name": "thing", "in": "body", "required": true, "schema": {"$ref": "#/definitions/api.ThingCreate"}}],
   "responses": {
    "201": {"description": "Created", "schema": {"$ref": "#/definitions/api.Thing"}},
    "401": {"description": "Unauthorized", "schema": {"$ref": "#/definitions/api.Problem"}},
    "403": {"description": "Forbidden", "schema": {"$ref": "#/definitions/api.Problem"}}
   }}},
  "/things/{id}/health": {"get": {
   "operationId": "thingHealth",
   "produces": ["application/json", "application/problem+json"],
   "parameters": [{"name": "id", "in": "path", "required": true, "type": "string"}],
   "responses": {
    "200": {"description": "OK", "schema": {"$ref": "#/definitions/api.ThingHealth"}},
    "404": {"description": "Not Found", "schema": {"$ref": "#/definitions/api.Problem"}}
   }}},
  "/things/export": {"get": {
   "operationId": "exportThings",
   "produces": ["text/csv", "application/problem+json"],
   "responses": {"200": {"description": "OK", "schema": {"type": "file"}}}}}
 },
 "definitions": {
  "api.Thing": {"type": "object", "properties": {
   "id": {"type": "string"}, "capacity": {"type": "number", "x-nullable": true},
   "total": {"type": "integer"}, "counts": {"type": "array", "items": {"type": "integer"}},
   "health": {"type": "string", "enum": ["green", "red"]}, "note": {"type": "string"},
   "depth": {"type": "integer"}}},
  "api.ThingHealth": {"type": "object", "properties": {"health": {"type": "string", "enum": ["green", "red"]}}},
  "api.ThingCreate": {"type": "object", "properties": {"capacity": {"type": "number", "x-nullable": true}}},
  "api.Problem": {"type": "object", "properties": {
   "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer", "example": 400}}}
 }
}`

func generate(t *testing.T) (map[string]any, []byte) {
	t.Helper()
	types, err := ReadTypes(fstest.MapFS{"api.go": {Data: []byte(wire)}, "api_test.go": {Data: []byte("package api\n\nthis is not Go")}})
	require.NoError(t, err)
	out, err := Generate([]byte(swagger), types)
	require.NoError(t, err)
	var d map[string]any
	require.NoError(t, yaml.Unmarshal(out, &d))
	return d, out
}

// at follows a path of keys through the document.
func at(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m := obj(v)
		require.NotNil(t, m, "%v is not an object at %s", keys, k)
		v = m[k]
	}
	return v
}

func TestGenerateSchemas(t *testing.T) {
	t.Parallel()
	d, _ := generate(t)
	assert.Equal(t, Version, d["openapi"])
	thing := at(t, d, "components", "schemas", "Thing")
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"package dropped from names", at(t, d, "components", "schemas", "api.Thing"), nil},
		{"float64 is a double", at(t, thing, "properties", "capacity", "format"), "double"},
		{"x-nullable is nullable", at(t, thing, "properties", "capacity", "nullable"), true},
		{"a named int64 is an int64", at(t, thing, "properties", "total", "format"), "int64"},
		{"int items are int64", at(t, thing, "properties", "counts", "items", "format"), "int64"},
		{"an embedded struct's int32", at(t, thing, "properties", "depth", "format"), "int32"},
		{"always present is required", at(t, thing, "required"),
			[]any{"capacity", "counts", "depth", "health", "id", "total"}},
		{"a body only sent has no required", at(t, d, "components", "schemas", "ThingCreate", "required"), nil},
		{"a body only sent still has formats", at(t, d, "components", "schemas", "ThingCreate", "properties", "capacity", "format"), "double"},
		{"the colliding enum is hoisted", at(t, thing, "properties", "health", "$ref"), "#/components/schemas/TrafficLight"},
		{"and so is its twin", at(t, d, "components", "schemas", "ThingHealth", "properties", "health", "$ref"), "#/components/schemas/TrafficLight"},
		{"the hoisted enum", at(t, d, "components", "schemas", "TrafficLight", "enum"), []any{"green", "red"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.got)
		})
	}
}

func TestGenerateOperations(t *testing.T) {
	t.Parallel()
	d, _ := generate(t)
	create := at(t, d, "paths", "/things", "post")
	tests := []struct {
		name string
		got  any
		want any
	}{
		{"a success is JSON only", sortedKeys(obj(at(t, create, "responses", "201", "content"))), []string{mediaJSON}},
		{"an error is problem+json only", sortedKeys(obj(at(t, create, "responses", "401", "content"))), []string{mediaProblem}},
		{"a 401 example is a 401", at(t, create, "responses", "401", "content", mediaProblem, "example", "status"), 401},
		{"a 403 example is a 403", at(t, create, "responses", "403", "content", mediaProblem, "example", "code"), "forbidden"},
		{"an export keeps its file type", sortedKeys(obj(at(t, d, "paths", "/things/export", "get", "responses", "200", "content"))), []string{"text/csv"}},
		{"either scheme", at(t, create, "security"), []any{map[string]any{"BearerAuth": []any{}}, map[string]any{"OAuth2": []any{}}}},
		{"a public operation stays public", at(t, d, "paths", "/things/{id}/health", "get", "security"), nil},
		{"bearer is HTTP bearer", at(t, d, "components", "securitySchemes", "BearerAuth", "scheme"), "bearer"},
		{"client credentials", at(t, d, "components", "securitySchemes", "OAuth2", "flows", "clientCredentials", "tokenUrl"), "/token"},
		{"one server, the document's origin", at(t, d, "servers"), []any{map[string]any{"url": "/", "description": "the service that serves this document"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assert.Equal(t, tt.want, tt.got)
		})
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	t.Parallel()
	_, first := generate(t)
	for range 5 {
		_, again := generate(t)
		require.Equal(t, string(first), string(again))
	}
}

func TestGenerateRefusesAnUnnamedCollision(t *testing.T) {
	t.Parallel()
	in := bytes.ReplaceAll([]byte(swagger), []byte(`"health"`), []byte(`"kind"`))
	in = bytes.ReplaceAll(in, []byte(`api.ThingHealth`), []byte(`api.ThingKind`))
	in = bytes.ReplaceAll(in, []byte(`"api.Problem": {`), []byte(`"api.ThingKindValue": {"type": "string"}, "api.Problem": {`))
	_, err := Generate(in, Types{})
	assert.ErrorContains(t, err, "collides with schema ThingKindValue")
}

func TestReadTypesRefusesBrokenGo(t *testing.T) {
	t.Parallel()
	_, err := ReadTypes(fstest.MapFS{"api.go": {Data: []byte("package api\n\ntype {")}})
	assert.Error(t, err)
}

func TestGenerateRefusesBrokenSwagger(t *testing.T) {
	t.Parallel()
	_, err := Generate([]byte("{"), Types{})
	assert.Error(t, err)
}

// TestPublishedDocument holds the committed docs/openapi.yaml to what the
// generator makes of the committed swagger.json, and checks the promises
// docs/api.md makes about it over every operation.
func TestPublishedDocument(t *testing.T) {
	t.Parallel()
	swaggerJSON, err := os.ReadFile("../../docs/swagger.json")
	require.NoError(t, err)
	types, err := ReadTypes(os.DirFS("../../api"))
	require.NoError(t, err)
	out, err := Generate(swaggerJSON, types)
	require.NoError(t, err)
	published, err := os.ReadFile("../../docs/openapi.yaml")
	require.NoError(t, err)
	require.Equal(t, string(published), string(out), "docs/openapi.yaml is stale: run the commands of README.md, \"For developers\"")

	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(out)
	require.NoError(t, err)
	require.NoError(t, doc.Validate(context.Background()))
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for code, r := range op.Responses.Map() {
				status, _ := strconv.Atoi(code)
				checkResponse(t, method+" "+path+" "+code, status, r.Value)
			}
			if op.Security != nil && len(*op.Security) > 0 {
				assert.Len(t, *op.Security, 2, "%s %s: either scheme", method, path)
			}
		}
	}
}

func checkResponse(t *testing.T, where string, status int, r *openapi3.Response) {
	t.Helper()
	if status < 300 && len(r.Content) > 1 {
		assert.NotContains(t, r.Content, mediaJSON, "%s: a JSON answer has one media type", where)
		assert.NotContains(t, r.Content, mediaProblem, "%s: a success is not a problem", where)
		return
	}
	if len(r.Content) == 0 {
		return
	}
	assert.Len(t, r.Content, 1, "%s: one media type", where)
	if mt := r.Content.Get(mediaProblem); mt != nil && mt.Example != nil {
		assert.EqualValues(t, status, obj(mt.Example)["status"], "%s: the example's status", where)
	}
}
