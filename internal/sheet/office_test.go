package sheet

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/exchange"
)

// officeTestsEnv set to "required" turns a missing LibreOffice or poppler
// from a skip into a failure (CI sets it).
const officeTestsEnv = "PIPELINE_OFFICE_TESTS"

// needOffice skips t unless PIPELINE_OFFICE_TESTS is set and soffice,
// pdfinfo and pdftotext are on PATH; with "required" a missing one fails.
func needOffice(t *testing.T) {
	t.Helper()
	mode := os.Getenv(officeTestsEnv)
	if mode == "" {
		t.Skip(officeTestsEnv + " is not set: office tests skipped")
	}
	for _, tool := range []string{"soffice", "pdfinfo", "pdftotext"} {
		if _, err := exec.LookPath(tool); err != nil {
			why := tool + " is not on PATH (soffice: apt-get install libreoffice-calc-nogui; pdfinfo, pdftotext: poppler-utils)"
			if mode == "required" {
				t.Fatalf("%s, and %s=required", why, officeTestsEnv)
			}
			t.Skip(why + ": office tests skipped")
		}
	}
}

// run runs a command and returns its standard output.
func run(t *testing.T, ctx context.Context, name string, args ...string) string {
	t.Helper()
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "%s %s: %s", name, strings.Join(args, " "), stderr.String())
	return string(out)
}

var pageSize = regexp.MustCompile(`(?m)^Page size:\s+([0-9.]+) x ([0-9.]+) pts`)

// TestDispatchOffice converts a 调度表 of two pages to PDF with LibreOffice,
// as the bureau prints it: A3 landscape, every column on the page, the
// header again on the second page, each 小计 and the 合计 in the text.
func TestDispatchOffice(t *testing.T) {
	needOffice(t)
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := t.TempDir()
	xlsx := filepath.Join(dir, "dispatch.xlsx")
	require.NoError(t, os.WriteFile(xlsx, writeDispatch(t, exchange.FormatXLSX, longFixture(60)), 0o600))
	// A profile of its own, so that the test neither needs nor disturbs a
	// user's LibreOffice, nor waits for one that is running.
	profile := "file://" + filepath.ToSlash(filepath.Join(dir, "profile"))
	t.Log(strings.TrimSpace(run(t, ctx, "soffice", "--version")))
	run(t, ctx, "soffice", "-env:UserInstallation="+profile, "--headless", "--norestore",
		"--convert-to", "pdf", "--outdir", dir, xlsx)
	pdf := filepath.Join(dir, "dispatch.pdf")
	require.FileExists(t, pdf)

	info := run(t, ctx, "pdfinfo", pdf)
	m := pageSize.FindStringSubmatch(info)
	require.NotNil(t, m, "pdfinfo names the page size:\n%s", info)
	width, _ := strconv.ParseFloat(m[1], 64)
	height, _ := strconv.ParseFloat(m[2], 64)
	assert.InDelta(t, 1190.55, width, 1, "A3 landscape is 420 mm wide")
	assert.InDelta(t, 841.89, height, 1, "A3 landscape is 297 mm high")
	pages := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindStringSubmatch(info)
	require.NotNil(t, pages)
	n, _ := strconv.Atoi(pages[1])
	require.GreaterOrEqual(t, n, 2, "the long sheet takes more than one page")

	text := run(t, ctx, "pdftotext", "-enc", "UTF-8", pdf, "-")
	assert.Contains(t, text, "广灵县2021年重点项目建设进展情况调度表（1–6月）")
	assert.Contains(t, text, "晨风50兆瓦风电项目")
	assert.Equal(t, 3, strings.Count(text, "小计"), "each section's 小计")
	assert.Contains(t, text, "合计（65个）")
	assert.Contains(t, text, "24,471.64", "the 合计 of 1–6月")
	first := run(t, ctx, "pdftotext", "-enc", "UTF-8", "-f", "1", "-l", "1", pdf, "-")
	assert.Contains(t, first, "报送状态", "one page wide: the last column is on the first page")
	second := run(t, ctx, "pdftotext", "-enc", "UTF-8", "-f", "2", "-l", "2", pdf, "-")
	assert.Contains(t, second, "项目名称", "the header is printed again on the second page")
	assert.Contains(t, second, "单位：万元", "the unit line is printed again on the second page")
	assert.NotContains(t, second, "调度表（1–6月）", "the title is printed once")
}
