package issue_test

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/guangling/pipeline/internal/issue"
	"github.com/guangling/pipeline/internal/project"
)

// TestFactorKinds: the blocker kinds of the factors a county secures are
// kinds, with their Chinese names, and the former grid kind stays.
func TestFactorKinds(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ value, zh string }{
		{"land_acquisition", "征地拆迁"}, {"energy_quota", "能耗指标"}, {"forestry", "林草"}, {"grid_connection", "电网接入"},
		{"grid", "电网（原分类）"},
	} {
		i := slices.IndexFunc(issue.Kinds, func(l project.Label) bool { return l.Value == tt.value })
		if assert.GreaterOrEqual(t, i, 0, tt.value) {
			assert.Equal(t, tt.zh, issue.Kinds[i].ZH)
			assert.NotEmpty(t, issue.Kinds[i].EN)
		}
	}
	seen := map[string]bool{}
	for _, l := range issue.Kinds {
		assert.False(t, seen[l.ZH], "two kinds read %s", l.ZH)
		seen[l.ZH] = true
	}
}
