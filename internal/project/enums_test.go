package project_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/project"
)

// TestStageLabels: public works read 投入使用 or 交付使用 and 发挥效益
// where an industrial project reads 投产 and 达效; the values and every
// other stage stay.
func TestStageLabels(t *testing.T) {
	t.Parallel()
	zh := func(c project.Category) map[string]string {
		out := map[string]string{}
		ls := project.StageLabels(c)
		require.Len(t, ls, len(project.Stages), c)
		for i, l := range ls {
			assert.Equal(t, project.Stages[i].Value, l.Value, "%s: the values stay, in order", c)
			if l.Value != "in_production" && l.Value != "at_capacity" {
				assert.Equal(t, project.Stages[i], l, c)
			}
			assert.NotEmpty(t, l.EN)
			out[l.Value] = l.ZH
		}
		return out
	}
	cases := []struct {
		category               project.Category
		production, atCapacity string
	}{
		{"infrastructure", "投入使用", "发挥效益"},
		{"environment", "投入使用", "发挥效益"},
		{"social", "投入使用", "发挥效益"},
		{"urban", "交付使用", "发挥效益"},
		{"real_estate", "交付使用", "发挥效益"},
		{"wind", "投产", "达效"},
		{"tourism", "投产", "达效"},
		{"raw_materials", "投产", "达效"},
		{"no_such", "投产", "达效"},
	}
	for _, c := range cases {
		got := zh(c.category)
		assert.Equal(t, c.production, got["in_production"], c.category)
		assert.Equal(t, c.atCapacity, got["at_capacity"], c.category)
	}
	assert.Equal(t, []project.Category{"infrastructure", "urban", "social", "environment", "real_estate"}, project.CategoryStages())
	assert.Equal(t, "投产", project.Stages[6].ZH, "Stages itself is not changed")
}

// TestCategoriesAndLevels: the split of materials is additive, and a
// project not graded reads 未定级.
func TestCategoriesAndLevels(t *testing.T) {
	t.Parallel()
	labels := map[string]string{}
	for _, l := range project.Categories {
		_, twice := labels[l.ZH]
		assert.False(t, twice, "%s: one category a label, so that an import reads it back", l.ZH)
		labels[l.ZH] = l.Value
	}
	assert.Equal(t, "raw_materials", labels["原材料"])
	assert.Equal(t, "new_materials", labels["新材料"])
	assert.Equal(t, "real_estate", labels["房地产开发"])
	assert.Equal(t, "materials", labels["材料（未细分）"])
	f := project.Fields{Name: "锌合金深加工", Category: "materials", Department: "industry"}
	f.Normalize()
	assert.NoError(t, f.Validate(), "materials is still taken")
	assert.Equal(t, project.Label{Value: "none", ZH: "未定级", EN: "Not graded"}, project.KeyLevels[0])
}
