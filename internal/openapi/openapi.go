// Package openapi turns the Swagger 2 document that swag writes from the
// handlers' annotations into the OpenAPI 3.0.3 document published as
// docs/openapi.yaml (docs/api.md, "The OpenAPI document"): converted by
// kin-openapi, then fixed so that generated clients work as they are and the
// document keeps what the service keeps. The output depends on its inputs
// only: keys sorted, byte for byte the same on every run.
package openapi

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/getkin/kin-openapi/openapi2"
	"github.com/getkin/kin-openapi/openapi2conv"
	"go.yaml.in/yaml/v3"
)

// Version is the OpenAPI version written; client generators such as
// oapi-codegen do not take 3.1.
const Version = "3.0.3"

// A doc is the document as JSON values: objects are map[string]any.
type doc = map[string]any

// Generate converts swag's Swagger 2 document (swagger.json) into the
// OpenAPI 3 document in YAML, with the wire types of types for what
// swag does not say: which properties are always present and the width of
// numbers.
func Generate(swagger []byte, types Types) ([]byte, error) {
	var v2 openapi2.T
	if err := json.Unmarshal(swagger, &v2); err != nil {
		return nil, fmt.Errorf("read the Swagger document: %w", err)
	}
	v3, err := openapi2conv.ToV3(&v2)
	if err != nil {
		return nil, fmt.Errorf("convert the Swagger document: %w", err)
	}
	raw, err := json.Marshal(v3)
	if err != nil {
		return nil, fmt.Errorf("encode the OpenAPI document: %w", err)
	}
	var d doc
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&d); err != nil {
		return nil, fmt.Errorf("decode the OpenAPI document: %w", err)
	}
	if err := fix(d, types); err != nil {
		return nil, err
	}
	return encode(numbers(d).(doc))
}

// numbers turns the JSON numbers of v into int64 or float64, which YAML
// writes as numbers (a json.Number it would write as a string).
func numbers(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = numbers(e)
		}
	case []any:
		for i, e := range t {
			t[i] = numbers(e)
		}
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	}
	return v
}

// fix applies the document's fixes in order: names first, since the others
// look schemas up by their final names.
func fix(d doc, types Types) error {
	d["openapi"] = Version
	renameSchemas(d)
	if err := hoistCollidingEnums(d); err != nil {
		return err
	}
	schemas := obj(obj(d["components"])["schemas"])
	out := responseSchemas(d)
	for name, s := range schemas {
		fields, ok := types.Structs[name]
		if !ok {
			continue
		}
		applyFields(obj(s), fields, types, out[name])
	}
	fixOperations(d)
	fixSecurity(d)
	fixInfo(d)
	return nil
}

// encode writes the document as YAML: yaml.v3 sorts the keys of maps.
func encode(d doc) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("# Generated from docs/swagger.json by cmd/pipeline-openapi: do not edit (README.md, \"For developers\").\n")
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(d); err != nil {
		return nil, fmt.Errorf("write the OpenAPI document: %w", err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("write the OpenAPI document: %w", err)
	}
	return buf.Bytes(), nil
}

// obj is v as an object, or nil.
func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// list is v as an array, or nil.
func list(v any) []any {
	l, _ := v.([]any)
	return l
}
