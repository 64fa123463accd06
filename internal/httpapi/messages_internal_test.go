package httpapi

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
)

// codeUse is a message code as the source gives it: where, and with how many
// parameters (-1 when the source does not say).
type codeUse struct {
	where  string
	params int
}

// usedCodes finds the message codes of the module's non-test code: the
// second argument of apperr.Coded and the Message of an apperr.Error literal.
// Each must be a string literal, so that no code escapes this search.
func usedCodes(t *testing.T) map[string][]codeUse {
	t.Helper()
	root, err := filepath.Abs("../..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	codes := map[string][]codeUse{}
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (name == "testdata" || name == "vendor" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") || filepath.Base(filepath.Dir(p)) == "apperr" {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			code, params, ok := codeOf(n)
			if !ok {
				return true
			}
			pos := fset.Position(n.Pos())
			rel, _ := filepath.Rel(root, pos.Filename)
			where := filepath.ToSlash(rel) + ":" + strconv.Itoa(pos.Line)
			lit, isLit := code.(*ast.BasicLit)
			if !assert.True(t, isLit && lit.Kind == token.STRING, "%s: a message code must be a string literal", where) {
				return true
			}
			s, err := strconv.Unquote(lit.Value)
			require.NoError(t, err)
			codes[s] = append(codes[s], codeUse{where: where, params: params})
			return true
		})
		return nil
	})
	require.NoError(t, err)
	return codes
}

// codeOf returns the code expression of n when n gives an error its message
// code, with the number of parameters it passes.
func codeOf(n ast.Node) (code ast.Expr, params int, ok bool) {
	switch n := n.(type) {
	case *ast.CallExpr:
		if isApperr(n.Fun, "Coded") && len(n.Args) >= 2 {
			if n.Ellipsis.IsValid() {
				return n.Args[1], -1, true
			}
			return n.Args[1], len(n.Args) - 2, true
		}
	case *ast.CompositeLit:
		if !isApperr(n.Type, "Error") {
			return nil, 0, false
		}
		for _, el := range n.Elts {
			kv, isKV := el.(*ast.KeyValueExpr)
			if id, isID := kv.Key.(*ast.Ident); isKV && isID && id.Name == "Message" {
				code = kv.Value
			} else if isKV && isID && id.Name == "Params" {
				params = -1
				if l, isLit := kv.Value.(*ast.CompositeLit); isLit {
					params = len(l.Elts)
				}
			}
		}
		return code, params, code != nil
	}
	return nil, 0, false
}

// isApperr reports whether e is apperr.<name>.
func isApperr(e ast.Expr, name string) bool {
	sel, ok := e.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	pkg, ok := sel.X.(*ast.Ident)
	return ok && pkg.Name == "apperr" && sel.Sel.Name == name
}

// TestEveryMessageHasAText: every message code the module raises has its
// text in both languages, with a %s for each parameter it is given, and
// every text of the table is raised somewhere.
func TestEveryMessageHasAText(t *testing.T) {
	used := usedCodes(t)
	require.NotEmpty(t, used)
	for code, uses := range used {
		m, ok := messages[code]
		if !assert.True(t, ok, "%s: message code %q has no text in messages (messages.go)", uses[0].where, code) {
			continue
		}
		assert.NotEmpty(t, m.ZH, code)
		assert.NotEmpty(t, m.EN, code)
		for _, u := range uses {
			if u.params < 0 {
				continue
			}
			for _, s := range []string{m.ZH, m.EN} {
				assert.Equal(t, u.params, strings.Count(s, "%s"), "%s: %q is given %d parameters: %q", u.where, code, u.params, s)
				assert.Equal(t, strings.Count(s, "%"), strings.Count(s, "%s"), "%q: only %%s may stand in a text: %q", code, s)
			}
		}
	}
	for code := range messages {
		assert.Contains(t, used, code, "message %q is raised nowhere", code)
	}
	for code := range zhParams {
		assert.Contains(t, messages, code)
	}
}

// TestMessage: parameters fill the text in order, rendered for Chinese where
// the table says so; an error without a code shows its detail.
func TestMessage(t *testing.T) {
	cases := []struct {
		e    *apperr.Error
		en   bool
		want string
	}{
		{apperr.Coded(apperr.Conflict, "project.archived"), false, "项目已归档，请先恢复"},
		{apperr.Coded(apperr.Conflict, "project.archived"), true, "the project is archived; restore it first"},
		{apperr.Coded(apperr.IllegalTransition, "project.illegal_move", "started", "signed"), false, "不允许从“开工”变更为“签约”"},
		{apperr.Coded(apperr.IllegalTransition, "project.illegal_move", "started", "signed"), true, "a project at started cannot move to signed"},
		{apperr.Coded(apperr.UnknownField, "import.unknown_columns", "版本, 项目名称"), false, "文件含有未知的列；可用的列：版本、项目名称"},
		{apperr.Coded(apperr.UnknownField, "import.unknown_columns", "版本, 项目名称"), true, "the file has unknown columns; the columns are: 版本, 项目名称"},
		{apperr.Coded(apperr.Invalid, "sheet.csv_bad_line", "7"), false, "CSV 第 7 行格式有误（引号不配对等）"},
		{apperr.Coded(apperr.Conflict, "no.such_code"), false, "no.such_code"},
		{&apperr.Error{Kind: apperr.Conflict}, false, ""},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, message(c.e, c.en), "%v", c.e)
	}
}
