package openapi

import (
	"fmt"
	"go/ast"
	"slices"
	"sort"
	"strings"
)

const schemaRef = "#/components/schemas/"

// hoistNames names the component an inline enum is moved to when the name a
// generator derives for it (schema + property) is already a component's:
// Project.health would be ProjectHealth, the answer of a project's health.
var hoistNames = map[string]string{"health": "TrafficLight"}

// walk calls fn on every object of the document, depth first.
func walk(v any, fn func(map[string]any)) {
	switch t := v.(type) {
	case map[string]any:
		fn(t)
		for _, k := range sortedKeys(t) {
			walk(t[k], fn)
		}
	case []any:
		for _, e := range t {
			walk(e, fn)
		}
	}
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// renameSchemas drops the Go package from schema names (api.Project →
// Project), unless two would then share a name.
func renameSchemas(d doc) {
	schemas := obj(obj(d["components"])["schemas"])
	rename := map[string]string{}
	taken := map[string]int{}
	for name := range schemas {
		taken[name[strings.LastIndex(name, ".")+1:]]++
	}
	for name, s := range schemas {
		short := name[strings.LastIndex(name, ".")+1:]
		if short != name && taken[short] == 1 {
			rename[name] = short
			delete(schemas, name)
			schemas[short] = s
		}
	}
	walk(d, func(m map[string]any) {
		if ref, ok := m["$ref"].(string); ok {
			if to, ok := rename[strings.TrimPrefix(ref, schemaRef)]; ok {
				m["$ref"] = schemaRef + to
			}
		}
	})
}

// goName is the type name a generator derives from a property name:
// health_reasons → HealthReasons.
func goName(s string) string {
	var b strings.Builder
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == '_' || r == '-' || r == '.' }) {
		b.WriteString(strings.ToUpper(part[:1]) + part[1:])
	}
	return b.String()
}

func enumKey(s map[string]any) string {
	if s["type"] != "string" || s["enum"] == nil {
		return ""
	}
	return fmt.Sprint(s["enum"])
}

// hoistCollidingEnums moves an inline enum whose derived type name is a
// component's into a component of its own, and points every property of
// the same name and values there.
func hoistCollidingEnums(d doc) error {
	schemas := obj(obj(d["components"])["schemas"])
	type hoist struct{ prop, key string }
	hoisted := map[hoist]string{}
	for _, sname := range sortedKeys(schemas) {
		props := obj(obj(schemas[sname])["properties"])
		for _, p := range sortedKeys(props) {
			key := enumKey(obj(props[p]))
			if key == "" || schemas[sname+goName(p)] == nil || hoisted[hoist{p, key}] != "" {
				continue
			}
			to := hoistNames[p]
			if to == "" {
				to = sname + goName(p) + "Value"
			}
			if schemas[to] != nil {
				return fmt.Errorf("the enum %s.%s collides with schema %s: name it in hoistNames", sname, p, to)
			}
			ps := obj(props[p])
			schemas[to] = map[string]any{"type": "string", "enum": ps["enum"]}
			hoisted[hoist{p, key}] = to
		}
	}
	for _, s := range schemas {
		props := obj(obj(s)["properties"])
		for p, ps := range props {
			if to := hoisted[hoist{p, enumKey(obj(ps))}]; to != "" {
				props[p] = refTo(obj(ps), to)
			}
		}
	}
	return nil
}

// refTo replaces an inline schema by a reference, keeping what a reference
// cannot carry beside it in an allOf.
func refTo(s map[string]any, name string) map[string]any {
	ref := map[string]any{"$ref": schemaRef + name}
	out := map[string]any{}
	for _, k := range []string{"description", "nullable", "example"} {
		if v, ok := s[k]; ok {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return ref
	}
	out["allOf"] = []any{ref}
	return out
}

// responseSchemas names the schemas that answers carry, directly or inside
// another: their always-present properties are required. A schema only sent
// by clients is left alone: required there would make a client send what
// the service does not ask for.
func responseSchemas(d doc) map[string]bool {
	schemas := obj(obj(d["components"])["schemas"])
	seen := map[string]bool{}
	var visit func(v any)
	visit = func(v any) {
		walk(v, func(m map[string]any) {
			ref, ok := m["$ref"].(string)
			name := strings.TrimPrefix(ref, schemaRef)
			if !ok || seen[name] || schemas[name] == nil {
				return
			}
			seen[name] = true
			visit(schemas[name])
		})
	}
	for _, item := range obj(d["paths"]) {
		for _, op := range obj(item) {
			visit(obj(op)["responses"])
		}
	}
	return seen
}

// applyFields sets the number formats of a schema's properties from the Go
// types and, for a schema of answers, marks the always-present ones
// required.
func applyFields(s map[string]any, fields map[string]Field, types Types, answer bool) {
	props := obj(s["properties"])
	var required []string
	for _, r := range list(s["required"]) {
		required = append(required, r.(string))
	}
	for name, ps := range props {
		f, ok := fields[name]
		if !ok {
			continue
		}
		numberFormat(obj(ps), f.Type, types)
		if answer && f.Always && !slices.Contains(required, name) {
			required = append(required, name)
		}
	}
	if len(required) == 0 {
		return
	}
	sort.Strings(required)
	out := make([]any, len(required))
	for i, r := range required {
		out[i] = r
	}
	s["required"] = out
}

// numberFormat writes the format that keeps the Go type's width: float64 is
// a double, int and int64 an int64.
func numberFormat(s map[string]any, t ast.Expr, types Types) {
	if s == nil {
		return
	}
	switch e := t.(type) {
	case *ast.StarExpr:
		numberFormat(s, e.X, types)
	case *ast.ArrayType:
		numberFormat(obj(s["items"]), e.Elt, types)
	case *ast.MapType:
		numberFormat(obj(s["additionalProperties"]), e.Value, types)
	case *ast.Ident:
		name := e.Name
		if b, ok := types.Basic[name]; ok {
			name = b
		}
		formats := map[string][2]string{
			"float64": {"number", "double"}, "float32": {"number", "float"},
			"int": {"integer", "int64"}, "int64": {"integer", "int64"}, "int32": {"integer", "int32"},
			"uint32": {"integer", "int64"},
		}
		if f, ok := formats[name]; ok && s["type"] == f[0] {
			s["format"] = f[1]
		}
	}
}
