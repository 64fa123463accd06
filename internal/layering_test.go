package internal_test

import (
	"encoding/json"
	"io"
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

const module = "github.com/guangling/pipeline"

type pkg struct {
	ImportPath string
	Imports    []string
	Deps       []string
	GoFiles    []string
	Standard   bool
}

func listPackages(t *testing.T) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-json", module+"/...")
	out, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	var ps []pkg
	d := json.NewDecoder(out)
	for {
		var p pkg
		if err := d.Decode(&p); err == io.EOF {
			break
		} else {
			require.NoError(t, err)
		}
		ps = append(ps, p)
	}
	require.NoError(t, cmd.Wait())
	require.NotEmpty(t, ps)
	return ps
}

func hasPrefix(list []string, prefixes ...string) []string {
	var hits []string
	for _, s := range list {
		for _, p := range prefixes {
			if s == p || strings.HasPrefix(s, p+"/") {
				hits = append(hits, s)
			}
		}
	}
	return hits
}

// TestLayering holds the direction of imports: the wire types know only
// the standard library, the domain knows neither HTTP nor SQL, only stores
// touch GORM and, of the service, only httpapi touches gin (the benchmark
// command builds its bare gin engine itself). A domain's test helper
// (projecttest) is held to the GORM and gin rules but not to the HTTP one:
// no binary links it (TestHelpersOnlyInTests), and the HTTP it depends on
// is testify's, whose assertions it runs.
func TestLayering(t *testing.T) {
	t.Parallel()
	stores := []string{
		module + "/internal/platform/database", module + "/internal/project/projectdb",
		module + "/internal/auth/authdb", module + "/internal/idempotency",
		module + "/internal/audit/auditdb", module + "/internal/webhook/webhookdb",
		module + "/internal/attachment/attachmentdb",
		module + "/internal/approval/approvaldb",
	}
	domain := []string{
		module + "/internal/apperr", module + "/internal/config", module + "/internal/auth", module + "/internal/identity",
		module + "/internal/project", module + "/internal/seed", module + "/internal/health", module + "/internal/calendar",
		module + "/internal/audit", module + "/internal/webhook", module + "/internal/attachment",
		module + "/internal/approval",
	}
	// A domain's sender speaks HTTP for it, from a layer above; the files'
	// object storage speaks S3's HTTP.
	senders := []string{module + "/internal/webhook/send", module + "/internal/attachment/objectstore"}
	isStore := func(p string) bool { return len(hasPrefix([]string{p}, stores...)) > 0 }
	for _, p := range listPackages(t) {
		switch {
		case p.ImportPath == module+"/api":
			for _, imp := range p.Imports {
				require.NotContains(t, imp, ".", "api must import only the standard library, imports %s", imp)
			}
		case len(hasPrefix([]string{p.ImportPath}, domain...)) > 0 && !isStore(p.ImportPath) && !isTestHelper(p.ImportPath) &&
			!slices.Contains(senders, p.ImportPath):
			require.Empty(t, hasPrefix(p.Deps, "github.com/gin-gonic/gin", "gorm.io/gorm", "net/http", module+"/api"),
				"domain package %s must know neither HTTP, SQL nor the wire types", p.ImportPath)
		}
		if !isStore(p.ImportPath) {
			require.Empty(t, hasPrefix(p.Imports, "gorm.io"), "only stores import GORM; %s does", p.ImportPath)
		}
		if p.ImportPath != module+"/internal/httpapi" && p.ImportPath != module+"/cmd/pipeline-bench" {
			require.Empty(t, hasPrefix(p.Imports, "github.com/gin-gonic/gin"), "only httpapi imports gin; %s does", p.ImportPath)
		}
	}
}

// isTestHelper tells a package that only tests may import: the module's
// packages named …test (dbtest, investmenttest), which hold fakes, fresh
// databases and contract suites.
func isTestHelper(importPath string) bool {
	return strings.HasPrefix(importPath, module+"/") && strings.HasSuffix(path.Base(importPath), "test")
}

// TestHelpersOnlyInTests holds the test helpers out of every binary: no
// package imports one, directly or through another, but a test helper;
// a test (a _test.go file, which go list does not count) may.
func TestHelpersOnlyInTests(t *testing.T) {
	t.Parallel()
	helpers := 0
	for _, p := range listPackages(t) {
		if isTestHelper(p.ImportPath) {
			helpers++
			continue
		}
		for _, dep := range p.Deps {
			require.False(t, isTestHelper(dep), "%s depends on the test helper %s: only tests may import it", p.ImportPath, dep)
		}
	}
	require.NotZero(t, helpers, "the module's test helpers are found")
}

// layers orders the module's packages from the bottom up. A package imports
// packages of its own layer or below, never above: the domain reaches for
// neither a store, HTTP nor a command. The stores are isolated: each keeps
// its own tables, and what joins them is a transaction in the context.
var layers = []struct {
	pkgs     []string
	isolated bool // its packages import none of each other
}{
	{pkgs: []string{"api", "docs"}}, // the wire types and the generated Swagger document
	{pkgs: []string{"internal/apperr", "internal/identity", "internal/calendar", "internal/health",
		"internal/auth", "internal/audit", "internal/event", "internal/config", "internal/project", "internal/plan", "internal/dispatch", "internal/indicator",
		"internal/issue", "internal/stats", "internal/exchange", "internal/department", "internal/seed", "internal/sheet",
		// the in-memory fakes and store contract suites, beside what they fake
		"internal/plan/plantest",
		"internal/dispatch/dispatchtest",
		"internal/indicator/indicatortest",
		"internal/issue/issuetest",
		"internal/stats/statstest",
		"internal/project/projecttest",
		"internal/auth/authtest",
		"internal/department/departmenttest",
		"internal/event/eventtest",
		"internal/webhook", "internal/webhook/webhooktest",
		"internal/attachment", "internal/attachment/attachmenttest",
		"internal/approval", "internal/approval/approvaltest",
	}},
	{pkgs: []string{"internal/platform/database", "internal/platform/database/dbtest", "internal/platform/childproc"}},
	{pkgs: []string{"internal/project/projectdb", "internal/auth/authdb", "internal/audit/auditdb",
		"internal/event/eventdb", "internal/idempotency", "internal/webhook/webhookdb",
		"internal/attachment/attachmentdb", "internal/attachment/objectstore", "internal/approval/approvaldb"}, isolated: true},
	{pkgs: []string{"internal/httpapi", "internal/bench", "internal/bench/benchtest",
		"internal/openapi", // the OpenAPI 3 document from swag's
		"internal/webhook/send"}},
	{pkgs: []string{"cmd/pipeline", "cmd/pipeline-bench", "cmd/pipeline-openapi"}},
	{pkgs: []string{"internal/faults"}}, // tests only: the binary from outside, on a cluster of their own
}

// TestInternalEdges holds the order of layers over the module's imports;
// the known violations are the import lines of .ci/shape-exceptions.txt.
func TestInternalEdges(t *testing.T) {
	t.Parallel()
	layer, isolated := map[string]int{}, map[string]bool{}
	for i, l := range layers {
		for _, p := range l.pkgs {
			layer[module+"/"+p], isolated[module+"/"+p] = i, l.isolated
		}
	}
	short := func(p string) string { return strings.TrimPrefix(p, module+"/") }
	edges := map[string]float64{}
	for _, p := range listPackages(t) {
		if len(p.GoFiles) == 0 {
			continue // tests only, like this package
		}
		from, ok := layer[p.ImportPath]
		require.True(t, ok, "package %s has no layer: place it in layers", p.ImportPath)
		for _, imp := range p.Imports {
			if to, ok := layer[imp]; ok && (to > from || to == from && isolated[imp]) {
				edges[short(p.ImportPath)+"->"+short(imp)] = 0
			}
		}
	}
	report(t, importEdge.check(edges, known(t, importEdge)))
}

// TestBenchmarkStaysOutside holds the benchmark apart from the service: the
// pipeline binary does not link it, and it drives the service from outside,
// as a child process, never through the HTTP package.
func TestBenchmarkStaysOutside(t *testing.T) {
	t.Parallel()
	benchmark := []string{module + "/internal/bench", module + "/cmd/pipeline-bench"}
	seen := 0
	for _, p := range listPackages(t) {
		switch {
		case p.ImportPath == module+"/cmd/pipeline":
			seen++
			require.Empty(t, hasPrefix(append(p.Deps, p.ImportPath), benchmark...), "the pipeline binary links the benchmark")
		case len(hasPrefix([]string{p.ImportPath}, benchmark...)) > 0:
			seen++
			require.Empty(t, hasPrefix(p.Deps, module+"/internal/httpapi", module+"/cmd/pipeline"),
				"%s drives the service from outside, not through its packages", p.ImportPath)
		}
	}
	require.Equal(t, 4, seen, "cmd/pipeline, cmd/pipeline-bench, internal/bench and internal/bench/benchtest")
}
