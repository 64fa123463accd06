package internal_test

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// exceptionsFile lists the known violations of the code-shape rules, each
// with its figure when it was listed. .ci/run reads its coverage lines.
const exceptionsFile = "../.ci/shape-exceptions.txt"

// rule is one code-shape rule: its name in the exceptions file and the
// largest figure it allows (0 for a rule that allows none, like an import).
type rule struct {
	name  string
	limit float64
}

var (
	fileLines      = rule{"file-lines", 500}
	funcLines      = rule{"func-lines", 60}
	funcComplexity = rule{"func-complexity", 15}
	storeMethods   = rule{"store-methods", 10}
	coverage       = rule{"coverage", 70} // checked by .ci/run, from go test -cover
	importEdge     = rule{"import", 0}
)

// known reads the exceptions file's entries for r: subject → figure.
func known(t *testing.T, r rule) map[string]float64 {
	t.Helper()
	entries, err := readExceptions(exceptionsFile)
	require.NoError(t, err)
	return entries[r.name]
}

// readExceptions parses lines of "rule subject [figure]"; blank lines and
// lines starting with # are comments.
func readExceptions(path string) (map[string]map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rules := []rule{fileLines, funcLines, funcComplexity, storeMethods, coverage, importEdge}
	entries := map[string]map[string]float64{}
	s := bufio.NewScanner(f)
	for n := 1; s.Scan(); n++ {
		line := strings.TrimSpace(s.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 2 || len(fields) > 3 || !slices.ContainsFunc(rules, func(r rule) bool { return r.name == fields[0] }) {
			return nil, fmt.Errorf("%s:%d: want a rule, a subject and a figure: %q", path, n, line)
		}
		figure := 0.0
		if len(fields) == 3 {
			if figure, err = strconv.ParseFloat(fields[2], 64); err != nil {
				return nil, fmt.Errorf("%s:%d: %w", path, n, err)
			}
		}
		if entries[fields[0]] == nil {
			entries[fields[0]] = map[string]float64{}
		}
		if _, dup := entries[fields[0]][fields[1]]; dup {
			return nil, fmt.Errorf("%s:%d: %s %s is listed twice", path, n, fields[0], fields[1])
		}
		entries[fields[0]][fields[1]] = figure
	}
	return entries, s.Err()
}

// check compares the subjects that break r, with their figures, with the
// known violations. It answers a problem for a new violation, for a known
// one that grew past its listed figure, and for a listed one that no longer
// breaks the rule, so that the list cannot go stale: it only shrinks.
func (r rule) check(over, listed map[string]float64) []string {
	var problems []string
	for s, v := range over {
		was, ok := listed[s]
		switch {
		case !ok && r.limit == 0:
			problems = append(problems, fmt.Sprintf("%s %s: not allowed", r.name, s))
		case !ok:
			problems = append(problems, fmt.Sprintf("%s %s: %g, over the limit of %g", r.name, s, v, r.limit))
		case v > was:
			problems = append(problems, fmt.Sprintf("%s %s: %g, grew past its known %g (known violations only shrink)", r.name, s, v, was))
		}
	}
	for s := range listed {
		if _, ok := over[s]; !ok {
			problems = append(problems, fmt.Sprintf("%s %s: no longer a violation, remove it from .ci/shape-exceptions.txt", r.name, s))
		}
	}
	slices.Sort(problems)
	return problems
}

func report(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

func TestExceptionsFileParses(t *testing.T) {
	t.Parallel()
	_, err := readExceptions(exceptionsFile)
	require.NoError(t, err)
}

func TestRuleCheck(t *testing.T) {
	t.Parallel()
	listed := map[string]float64{"kept.go": 900, "shrunk.go": 800, "grown.go": 600, "fixed.go": 700}
	over := map[string]float64{"kept.go": 900, "shrunk.go": 650, "grown.go": 601, "new.go": 501}
	require.Equal(t, []string{
		"file-lines fixed.go: no longer a violation, remove it from .ci/shape-exceptions.txt",
		"file-lines grown.go: 601, grew past its known 600 (known violations only shrink)",
		"file-lines new.go: 501, over the limit of 500",
	}, fileLines.check(over, listed))
	require.Equal(t, []string{"import a->b: not allowed"}, importEdge.check(map[string]float64{"a->b": 0}, nil))
	require.Empty(t, importEdge.check(map[string]float64{"a->b": 0}, map[string]float64{"a->b": 0}))
}
