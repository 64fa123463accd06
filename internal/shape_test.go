package internal_test

import (
	"bytes"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Code-shape rules, outside tests: no file over 500 lines, no function over
// 60 lines or over cyclomatic complexity 15, no storage interface over 10
// methods. What breaks one today is listed in .ci/shape-exceptions.txt.

// tableFuncs are long by design: a table reads best whole, one row a line.
// They are exempt from the length rule only, since a table does not branch.
var tableFuncs = map[string]bool{
	"internal/httpapi.(*handlers).routes": true, // every route with its policy
}

// generatedFiles are exempt from every rule. swag's header is not the one
// ast.IsGenerated recognises.
var generatedFiles = map[string]bool{"docs/docs.go": true}

// source is one checked file: its path from the module root, parsed.
type source struct {
	path string
	fset *token.FileSet
	file *ast.File
	text []byte
}

// moduleRoot is where go.mod is, as an absolute path for go tool.
func moduleRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("..")
	require.NoError(t, err)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	return root
}

// sources parses the non-test, non-generated Go files under root, skipping
// the directories the go command skips, as gocyclo does.
func sources(t *testing.T, root string) []source {
	t.Helper()
	var srcs []source
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
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
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if !strings.HasSuffix(name, ".go") || strings.HasSuffix(name, "_test.go") || generatedFiles[rel] {
			return nil
		}
		text, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, p, text, parser.ParseComments)
		if err != nil || ast.IsGenerated(f) {
			return err
		}
		srcs = append(srcs, source{rel, fset, f, text})
		return nil
	})
	require.NoError(t, err)
	require.NotEmpty(t, srcs)
	return srcs
}

// funcKey names a function for the exceptions file: its package directory
// and its name as gocyclo prints it, e.g. internal/project.(*Service).Import.
func funcKey(file, name string) string { return filepath.ToSlash(filepath.Dir(file)) + "." + name }

// funcName is a function's name as gocyclo prints it: F, (T).M or (*T).M.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	recv := fn.Recv.List[0].Type
	star := ""
	if s, ok := recv.(*ast.StarExpr); ok {
		recv, star = s.X, "*"
	}
	switch r := recv.(type) { // a generic receiver is named without its parameters
	case *ast.IndexExpr:
		recv = r.X
	case *ast.IndexListExpr:
		recv = r.X
	}
	if id, ok := recv.(*ast.Ident); ok {
		return "(" + star + id.Name + ")." + fn.Name.Name
	}
	return fn.Name.Name
}

// longFuncs returns the functions of src over the length limit, counted from
// the func keyword to the closing brace, keyed by funcKey.
func longFuncs(src source) map[string]float64 {
	over := map[string]float64{}
	for _, d := range src.file.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok {
			continue
		}
		n := src.fset.Position(fn.End()).Line - src.fset.Position(fn.Pos()).Line + 1
		if key := funcKey(src.path, funcName(fn)); float64(n) > funcLines.limit && !tableFuncs[key] {
			over[key] = float64(n)
		}
	}
	return over
}

// complexFuncs runs gocyclo (a tool in go.mod) over dir and returns the
// functions over the complexity limit in the files of keep (paths from dir).
func complexFuncs(t *testing.T, root, dir string, keep map[string]bool) map[string]float64 {
	t.Helper()
	cmd := exec.Command("go", "tool", "gocyclo", "-over", strconv.Itoa(int(funcComplexity.limit)), dir)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if exit := (*exec.ExitError)(nil); errors.As(err, &exit) && exit.ExitCode() == 1 {
		err = nil // gocyclo's answer when it found some
	}
	require.NoError(t, err, "go tool gocyclo: %s", stderr.String())
	over := map[string]float64{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line) // complexity package function file:line:column
		if len(f) != 4 {
			continue
		}
		file, _, _ := strings.Cut(f[3], ":")
		rel, err := filepath.Rel(dir, file)
		require.NoError(t, err)
		if rel = filepath.ToSlash(rel); keep[rel] {
			n, err := strconv.Atoi(f[0])
			require.NoError(t, err, line)
			over[funcKey(rel, f[2])] = float64(n)
		}
	}
	return over
}

func lineCount(text []byte) int {
	n := bytes.Count(text, []byte("\n"))
	if len(text) > 0 && text[len(text)-1] != '\n' {
		n++
	}
	return n
}

func TestShapeFilesAndFunctions(t *testing.T) {
	t.Parallel()
	root := moduleRoot(t)
	long, lengthy, checked := map[string]float64{}, map[string]float64{}, map[string]bool{}
	for _, src := range sources(t, root) {
		checked[src.path] = true
		if n := lineCount(src.text); float64(n) > fileLines.limit {
			long[src.path] = float64(n)
		}
		for k, v := range longFuncs(src) {
			lengthy[k] = v
		}
		// An exemption lives in the exceptions file, not in the code.
		assert.NotContains(t, string(src.text), "//gocyclo:ignore", src.path)
	}
	report(t, fileLines.check(long, known(t, fileLines)))
	report(t, funcLines.check(lengthy, known(t, funcLines)))
	report(t, funcComplexity.check(complexFuncs(t, root, root, checked), known(t, funcComplexity)))
}

// TestShapeChecksFlag proves the length and complexity checks on a
// synthetic file: one over each limit, one just within it.
func TestShapeChecksFlag(t *testing.T) {
	t.Parallel()
	body := func(n int, stmt string) string { return strings.Repeat(stmt, n) }
	text := "package p\n\ntype T struct{}\n\n" +
		"func (*T) Long(x int) {\n" + body(59, "\tx++\n") + "}\n\n" + // 61 lines
		"func Fits(x int) {\n" + body(58, "\tx++\n") + "}\n\n" + // 60 lines
		"func Branchy(x int) {\n" + body(15, "\tif x > 0 {\n\t\tx--\n\t}\n") + "}\n\n" + // complexity 16
		"func Fair(x int) {\n" + body(14, "\tif x > 0 {\n\t\tx--\n\t}\n") + "}\n" // complexity 15
	dir := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "p"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p", "p.go"), []byte(text), 0o644))
	generated := "// Code generated by hand. DO NOT EDIT.\n\n" + strings.Replace(text, "Long", "Long2", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "p", "gen.go"), []byte(generated), 0o644))

	srcs := sources(t, dir)
	require.Len(t, srcs, 1, "the generated file is skipped")
	require.Equal(t, map[string]float64{"p.(*T).Long": 61}, longFuncs(srcs[0]))
	require.Equal(t, map[string]float64{"p.Branchy": 16}, complexFuncs(t, moduleRoot(t), dir, map[string]bool{"p/p.go": true}))
	require.Equal(t, 2, lineCount([]byte("a\nb\n")))
	require.Equal(t, 2, lineCount([]byte("a\nb")))
}
