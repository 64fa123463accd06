package openapi

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"reflect"
	"strings"
)

// Field is a property of a wire type as encoding/json writes it.
type Field struct {
	// Always is true when the property is written whatever its value: its
	// json tag has neither omitempty nor omitzero.
	Always bool
	// Type is the field's Go type, for the number formats.
	Type ast.Expr
}

// Types are the struct types of the wire package by name, each with its
// properties by JSON name, embedded structs flattened as encoding/json
// flattens them; Basic maps a named basic type (type Yuan int64) to its
// underlying type's name.
type Types struct {
	Structs map[string]map[string]Field
	Basic   map[string]string
}

// ReadTypes parses the Go files of the wire package in fsys (tests
// excluded) and reads its struct types.
func ReadTypes(fsys fs.FS) (Types, error) {
	decls := map[string]ast.Expr{}
	files, err := fs.Glob(fsys, "*.go")
	if err != nil {
		return Types{}, err
	}
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		src, err := fs.ReadFile(fsys, name)
		if err != nil {
			return Types{}, err
		}
		f, err := parser.ParseFile(fset, name, src, parser.SkipObjectResolution)
		if err != nil {
			return Types{}, fmt.Errorf("parse the wire types: %w", err)
		}
		for _, d := range f.Decls {
			collectTypes(d, decls)
		}
	}
	t := Types{Structs: map[string]map[string]Field{}, Basic: map[string]string{}}
	for name, expr := range decls {
		if id, ok := expr.(*ast.Ident); ok {
			t.Basic[name] = id.Name
		}
	}
	for name, expr := range decls {
		if st, ok := expr.(*ast.StructType); ok {
			t.Structs[name] = structFields(st, decls, map[string]bool{name: true})
		}
	}
	return t, nil
}

func collectTypes(d ast.Decl, into map[string]ast.Expr) {
	gd, ok := d.(*ast.GenDecl)
	if !ok || gd.Tok != token.TYPE {
		return
	}
	for _, s := range gd.Specs {
		if ts, ok := s.(*ast.TypeSpec); ok && ts.TypeParams == nil {
			into[ts.Name.Name] = ts.Type
		}
	}
}

// structFields lists the JSON properties of a struct type; seen guards
// against a type that embeds itself.
func structFields(st *ast.StructType, decls map[string]ast.Expr, seen map[string]bool) map[string]Field {
	out := map[string]Field{}
	for _, f := range st.Fields.List {
		name, opts, skip := jsonTag(f)
		if skip {
			continue
		}
		if len(f.Names) == 0 && name == "" {
			embedded(f.Type, decls, seen, out)
			continue
		}
		for _, n := range f.Names {
			if !n.IsExported() {
				continue
			}
			key := name
			if key == "" {
				key = n.Name
			}
			out[key] = Field{Always: !strings.Contains(opts, "omitempty") && !strings.Contains(opts, "omitzero"), Type: f.Type}
		}
	}
	return out
}

// embedded flattens the fields of an embedded struct into out; the outer
// struct's own fields win, as in encoding/json.
func embedded(expr ast.Expr, decls map[string]ast.Expr, seen map[string]bool, out map[string]Field) {
	if star, ok := expr.(*ast.StarExpr); ok {
		expr = star.X
	}
	id, ok := expr.(*ast.Ident)
	if !ok || seen[id.Name] {
		return
	}
	st, ok := decls[id.Name].(*ast.StructType)
	if !ok {
		return
	}
	inner := map[string]bool{id.Name: true}
	for k := range seen {
		inner[k] = true
	}
	for k, v := range structFields(st, decls, inner) {
		if _, own := out[k]; !own {
			out[k] = v
		}
	}
}

// jsonTag reads a field's json tag: the name, the options, and whether
// encoding/json skips the field.
func jsonTag(f *ast.Field) (name, opts string, skip bool) {
	if f.Tag == nil {
		return "", "", false
	}
	tag := reflect.StructTag(strings.Trim(f.Tag.Value, "`")).Get("json")
	if tag == "-" {
		return "", "", true
	}
	name, opts, _ = strings.Cut(tag, ",")
	return name, opts, false
}
