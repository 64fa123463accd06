package internal_test

import (
	"go/ast"
	"go/importer"
	"go/parser"
	"go/token"
	"go/types"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"golang.org/x/tools/go/packages"
)

// storageDoc marks an interface documented as storage whatever its name.
var storageDoc = regexp.MustCompile(`(?i)\b(storage|persists?)\b`)

// isStorage tells a storage interface: one named Store, Storer or
// Repository, or ending so (UserStore), or documented as storage.
func isStorage(name, doc string) bool {
	for _, suffix := range []string{"Store", "Storer", "Repository"} {
		if strings.HasSuffix(name, suffix) {
			return true
		}
	}
	return storageDoc.MatchString(doc)
}

// storeInterfaces counts the methods of each storage interface that files
// declare in pkg: the whole method set, embedded interfaces included.
func storeInterfaces(pkg *types.Package, files []*ast.File) map[string]int {
	counts := map[string]int{}
	for _, f := range files {
		for _, d := range f.Decls {
			gd, ok := d.(*ast.GenDecl)
			if !ok || gd.Tok != token.TYPE {
				continue
			}
			for _, spec := range gd.Specs {
				ts := spec.(*ast.TypeSpec)
				doc := ts.Doc
				if doc == nil && len(gd.Specs) == 1 {
					doc = gd.Doc
				}
				iface, ok := pkg.Scope().Lookup(ts.Name.Name).Type().Underlying().(*types.Interface)
				if ok && isStorage(ts.Name.Name, doc.Text()) {
					counts[ts.Name.Name] = iface.NumMethods()
				}
			}
		}
	}
	return counts
}

func TestShapeStoreInterfaces(t *testing.T) {
	t.Parallel()
	cfg := &packages.Config{Mode: packages.NeedName | packages.NeedSyntax | packages.NeedTypes, Dir: moduleRoot(t)}
	pkgs, err := packages.Load(cfg, module+"/...")
	require.NoError(t, err)
	require.Zero(t, packages.PrintErrors(pkgs), "the module's packages must load")
	over := map[string]float64{}
	for _, p := range pkgs {
		dir := strings.TrimPrefix(strings.TrimPrefix(p.PkgPath, module), "/")
		for name, n := range storeInterfaces(p.Types, p.Syntax) {
			if float64(n) > storeMethods.limit {
				over[dir+"."+name] = float64(n)
			}
		}
	}
	report(t, storeMethods.check(over, known(t, storeMethods)))
}

// TestShapeStoreInterfacesCounted proves the count on a synthetic package:
// embedded methods count, and only storage interfaces are counted.
func TestShapeStoreInterfacesCounted(t *testing.T) {
	t.Parallel()
	const src = `package p

type Reads interface{ A(); B(); C(); D(); E(); F() }

// UserStore keeps users.
type UserStore interface {
	Reads
	G(); H(); I(); J(); K()
}

// Ledger is the storage of entries.
type Ledger interface{ A() }

type Big interface {
	Reads
	G(); H(); I(); J(); K()
}

type Repository = interface{ A() }
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, parser.ParseComments)
	require.NoError(t, err)
	pkg, err := (&types.Config{Importer: importer.Default()}).Check("p", fset, []*ast.File{f}, nil)
	require.NoError(t, err)
	require.Equal(t, map[string]int{"UserStore": 11, "Ledger": 1, "Repository": 1}, storeInterfaces(pkg, []*ast.File{f}))
}
