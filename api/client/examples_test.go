package client_test

import (
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// The page whose examples TestExamples runs, and the variable that makes
// their tools required (CI) instead of a reason to skip.
const (
	examplesPage = "../../docs/integration.md"
	examplesEnv  = "PIPELINE_EXAMPLE_TESTS"
)

// The languages whose blocks run, and names of the same languages that
// would not: a block in one of those fails the test rather than go unrun.
var (
	runnable   = []string{"sh", "go", "python"}
	notRunning = map[string]string{"bash": "sh", "shell": "sh", "console": "sh", "zsh": "sh", "golang": "go", "py": "python", "python3": "python"}
)

// example is a fenced block of the page (docs/integration.md, "About the
// examples").
type example struct {
	lang  string // sh, go or python
	line  int    // of the opening fence
	code  string
	skip  string // why it is not run, from <!-- not run: why -->
	until string // a background block: what it prints when it has done its work
}

func (e example) name() string { return fmt.Sprintf("%s_line_%d", e.lang, e.line) }

var (
	directiveRE  = regexp.MustCompile(`^<!--\s*(.*?)\s*-->$`)
	notRunRE     = regexp.MustCompile(`^not run:\s*(\S.*)$`)
	backgroundRE = regexp.MustCompile(`^in the background, until it prints:\s*(\S.*)$`)
)

// parseExamples reads the fenced blocks of a Markdown page that are in one
// of the runnable languages, each with the directive of the comment on the
// last non-blank line before it.
func parseExamples(page string) ([]example, error) {
	var out []example
	lines := strings.Split(page, "\n")
	for i := 0; i < len(lines); i++ {
		fence, info, ok := openingFence(lines[i])
		if !ok {
			continue
		}
		start := i
		var code []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != fence; i++ {
			code = append(code, strings.TrimPrefix(lines[i], leadingSpace(lines[start])))
		}
		if i == len(lines) {
			return nil, fmt.Errorf("line %d: the block is not closed", start+1)
		}
		if want, ok := notRunning[info]; ok {
			return nil, fmt.Errorf("line %d: a %q block is not run: write it as %q", start+1, info, want)
		}
		if !isRunnable(info) {
			continue
		}
		e := example{lang: info, line: start + 1, code: strings.Join(code, "\n") + "\n"}
		if err := e.directive(previousLine(lines, start)); err != nil {
			return nil, fmt.Errorf("line %d: %w", start+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// openingFence answers the fence (``` or longer) and the info string's
// first word of a line that opens a fenced block.
func openingFence(line string) (fence, info string, ok bool) {
	trimmed := strings.TrimLeft(line, " ")
	if len(line)-len(trimmed) > 3 || !strings.HasPrefix(trimmed, "```") {
		return "", "", false
	}
	rest := strings.TrimLeft(trimmed, "`")
	fence = trimmed[:len(trimmed)-len(rest)]
	fields := strings.Fields(rest)
	if len(fields) > 0 {
		info = strings.ToLower(fields[0])
	}
	return fence, info, true
}

func leadingSpace(line string) string { return line[:len(line)-len(strings.TrimLeft(line, " "))] }

func previousLine(lines []string, i int) string {
	for i--; i >= 0; i-- {
		if s := strings.TrimSpace(lines[i]); s != "" {
			return s
		}
	}
	return ""
}

func isRunnable(lang string) bool {
	for _, l := range runnable {
		if l == lang {
			return true
		}
	}
	return false
}

// directive applies an HTML comment before the block; other text is none.
func (e *example) directive(prev string) error {
	m := directiveRE.FindStringSubmatch(prev)
	if m == nil {
		return nil
	}
	if n := notRunRE.FindStringSubmatch(m[1]); n != nil {
		e.skip = n[1]
		return nil
	}
	if b := backgroundRE.FindStringSubmatch(m[1]); b != nil {
		e.until = strings.Trim(b[1], `"`)
		return nil
	}
	return fmt.Errorf("the comment %q before a %s block is neither %q nor %q", prev, e.lang,
		"<!-- not run: why -->", "<!-- in the background, until it prints: text -->")
}

// needTools skips t when a tool of the examples is missing, unless
// PIPELINE_EXAMPLE_TESTS=required (CI), where it fails it.
func needTools(t *testing.T) {
	t.Helper()
	var missing []string
	for _, tool := range []string{"bash", "curl", "jq", "go"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if err := exec.Command(pythonPath, "-c", "import authlib.integrations.requests_client, requests").Run(); err != nil {
		missing = append(missing, pythonPath+" with python3-authlib and python3-requests")
	}
	if len(missing) == 0 {
		return
	}
	why := "missing: " + strings.Join(missing, ", ") + " (apt-get install curl jq python3-authlib python3-requests)"
	if os.Getenv(examplesEnv) == "required" {
		t.Fatalf("%s, and %s=required", why, examplesEnv)
	}
	t.Skip(why + ": example tests skipped")
}

// TestParseExamples: the page's conventions, on a page of its own.
func TestParseExamples(t *testing.T) {
	page := "# Title\n\n```sh\ncurl -fsS \"$PIPELINE_URL/healthz\"\n```\n\n" +
		"<!-- not run: it never ends -->\n\n```go\npackage main\n```\n\n" +
		"<!-- in the background, until it prints: \"verified\" -->\n```python\nprint('verified')\n```\n\n" +
		"```json\n{}\n```\n\n- a list\n\n  ```sh\n  echo indented\n  ```\n"
	got, err := parseExamples(page)
	if err != nil {
		t.Fatal(err)
	}
	want := []example{
		{lang: "sh", line: 3, code: "curl -fsS \"$PIPELINE_URL/healthz\"\n"},
		{lang: "go", line: 9, code: "package main\n", skip: "it never ends"},
		{lang: "python", line: 14, code: "print('verified')\n", until: "verified"},
		{lang: "sh", line: 24, code: "echo indented\n"},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("parsed\n%v\nwant\n%v", got, want)
	}
	for name, bad := range map[string]string{
		"bash":         "```bash\necho\n```\n",
		"unclosed":     "```sh\necho\n",
		"typo":         "<!-- not-run: why -->\n```sh\necho\n```\n",
		"empty reason": "<!-- not run: -->\n```sh\necho\n```\n",
	} {
		if _, err := parseExamples(bad); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}
