package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
)

// fieldArgs are the calls that name a field, with the places of their
// field arguments: project.Check's methods and the query parsers here.
var fieldArgs = map[string][]int{
	"Add": {0}, "Text": {0}, "Enum": {0}, "Yuan": {0}, "Order": {0, 2}, "parse": {0}, "month": {0},
	"enumList": {1}, "intParam": {1}, "dateParam": {1}, "boolParam": {1}, "invalidParam": {0},
}

var fieldName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_-]*$`)

// namedFields finds the fields the module's code names in its errors: the
// Field of an apperr.FieldError literal, the field argument of the calls
// that check one, and the known query parameters (the elements of a
// package's …Params lists and onlyParams' arguments). A field built at run
// time (funding[i].source) is found by its last member.
func namedFields(t *testing.T) map[string]string {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	found := map[string]string{}
	note := func(fset *token.FileSet, e ast.Expr) {
		if b, ok := e.(*ast.BinaryExpr); ok {
			e = b.Y
		}
		lit, ok := e.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING {
			return
		}
		s, err := strconv.Unquote(lit.Value)
		require.NoError(t, err)
		s = s[strings.LastIndex(s, ".")+1:]
		if fieldName.MatchString(s) {
			found[s] = fset.Position(lit.Pos()).String()
		}
	}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			// Stores name columns, not fields, in calls such as Order.
			if d != nil && d.IsDir() && p != root && (d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") ||
				d.Name() == "bench" || d.Name() == "platform" || strings.HasSuffix(d.Name(), "db")) {
				return filepath.SkipDir
			}
			if d != nil && d.IsDir() && p != root {
				if _, err := os.Stat(filepath.Join(p, "go.mod")); err == nil {
					return filepath.SkipDir // a module of its own: the generated client
				}
			}
			return err
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.HasSuffix(filepath.Dir(p), "test") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CompositeLit:
				if isApperr(n.Type, "FieldError") || isElided(n) {
					for _, el := range n.Elts {
						if kv, ok := el.(*ast.KeyValueExpr); ok && isIdent(kv.Key, "Field") {
							note(fset, kv.Value)
						}
					}
				}
			case *ast.CallExpr:
				name := calledName(n.Fun)
				for _, i := range fieldArgs[name] {
					if i < len(n.Args) {
						note(fset, n.Args[i])
					}
				}
				if name == "onlyParams" {
					for _, a := range n.Args[1:] {
						note(fset, a)
					}
				}
			case *ast.ValueSpec:
				for i, id := range n.Names {
					if strings.HasSuffix(id.Name, "Params") && i < len(n.Values) {
						if l, ok := n.Values[i].(*ast.CompositeLit); ok {
							for _, el := range l.Elts {
								note(fset, el)
							}
						}
					}
				}
			}
			return true
		})
		return nil
	})
	require.NoError(t, err)
	return found
}

// isElided reports a composite literal whose type is left out, as the
// elements of a []apperr.FieldError{…} are.
func isElided(n *ast.CompositeLit) bool { return n.Type == nil }

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

func calledName(fun ast.Expr) string {
	switch f := fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		return f.Sel.Name
	case *ast.IndexExpr: // enumList[project.Stage]
		return calledName(f.X)
	}
	return ""
}

// bodyFields are the members of every request body, and of the resources
// whose PATCH names a member read-only.
func bodyFields() map[string]string {
	out := map[string]string{}
	var walk func(reflect.Type, string)
	walk = func(t reflect.Type, where string) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := range t.NumField() {
			f := t.Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if f.Anonymous {
				walk(f.Type, where)
				continue
			}
			if name == "health_reasons" {
				continue // read-only, and its members are a reason's
			}
			if name != "" && name != "-" {
				out[name] = where + "." + f.Name
			}
			walk(f.Type, where)
		}
	}
	for _, v := range []any{
		api.ProjectCreate{}, api.ProjectPatch{}, api.Project{}, api.TransitionCreate{}, api.PlanWrite{}, api.ReportWrite{},
		api.IssueCreate{}, api.IssuePatch{}, api.Issue{}, api.DepartmentCreate{}, api.DepartmentPatch{}, api.Department{},
		api.UserCreate{}, api.UserPatch{}, api.User{}, api.ClientCreate{}, api.ClientPatch{}, api.Client{},
		api.LoginRequest{}, api.RefreshRequest{}, api.IndicatorsPut{}, api.DispatchPeriodWrite{}, api.ReportReturn{},
	} {
		walk(reflect.TypeOf(v), reflect.TypeOf(v).Name())
	}
	return out
}

// TestEveryFieldHasALabel: every field an error can name, in a request body
// or found in the code, has a Chinese label, and every label is of such a
// field.
func TestEveryFieldHasALabel(t *testing.T) {
	named := namedFields(t)
	require.Contains(t, named, "planned_start_date")
	require.Contains(t, named, "resource_id")
	for name, where := range bodyFields() {
		named[name] = where
	}
	for name, where := range named {
		_, ok := fieldLabels[name]
		assert.True(t, ok, "%s: field %q has no label in fieldLabels (fields.go)", where, name)
	}
	for name := range fieldLabels {
		_, ok := named[name]
		assert.True(t, ok || name == "health_reasons", "the label of %q is of no field an error names", name)
	}
	for _, r := range routeFieldLabels {
		for name := range r.labels {
			_, ok := fieldLabels[name]
			assert.True(t, ok, "%s: %q has a route's label and none of its own", r.prefix, name)
		}
	}
}

// TestFieldText: a Chinese answer names the field by its label, the path
// into a body member by member, and the other field of date_order too; an
// English one names it as before.
func TestFieldText(t *testing.T) {
	t.Parallel()
	cases := []struct {
		route     string
		f         apperr.FieldError
		en        bool
		msg, deta string
	}{
		{"/api/v1/projects", apperr.FieldError{Field: "name", Code: "required"}, false, "项目名称：必填", "项目名称：必填"},
		{"/api/v1/projects", apperr.FieldError{Field: "name", Code: "required"}, true, "is required", "name: is required"},
		{"/api/v1/departments", apperr.FieldError{Field: "name", Code: "required"}, false, "部门名称：必填", "部门名称：必填"},
		{"/api/v1/projects", apperr.FieldError{Field: "funding[1].planned_yuan", Code: "out_of_range", Param: "0..1"}, false,
			"资金来源第2项·计划金额：超出范围 0..1", "资金来源第2项·计划金额：超出范围 0..1"},
		{"/api/v1/projects/:id", apperr.FieldError{Field: "planned_completion_date", Code: "date_order", Param: "planned_start_date"}, false,
			"计划竣工日期：不能早于 计划开工日期", "计划竣工日期：不能早于 计划开工日期"},
		{"/api/v1/projects", apperr.FieldError{Field: "build_type", Code: "invalid_value", Param: "new,continuing"}, false,
			"建设性质：取值无效，可选值：new,continuing", "建设性质：取值无效，可选值：new,continuing"},
		{"/api/v1/projects", apperr.FieldError{Field: "no_such", Code: "unknown_field"}, false, "no_such：未知字段", "no_such：未知字段"},
		{"/api/v1/projects", apperr.FieldError{Field: "funding[x]", Code: "unknown_field"}, false, "funding[x]：未知字段", "funding[x]：未知字段"},
		{"/api/v1/indicators/:year", apperr.FieldError{Field: "items[0].code", Code: "invalid_value"}, false, "指标第1项·指标代码：取值无效", "指标第1项·指标代码：取值无效"},
	}
	for _, c := range cases {
		msg, detail := fieldText(c.route, c.f, c.en)
		assert.Equal(t, c.msg, msg, "%+v", c)
		assert.Equal(t, c.deta, detail, "%+v", c)
	}
	assert.Equal(t, "未填写", groupLabel(""))
	assert.Equal(t, "壶泉镇", groupLabel("壶泉镇"))
}
