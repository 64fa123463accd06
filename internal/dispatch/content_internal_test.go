package dispatch

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestContent: the sheet's 建设规模及主要内容 is the project's scale, then the
// entry's goals for the year.
func TestContent(t *testing.T) {
	for _, tc := range []struct{ scale, goals, want string }{
		{"200 MW", "年内开工建设", "200 MW；年内开工建设"},
		{"200 MW", "", "200 MW"},
		{"", "年内开工建设", "年内开工建设"},
		{"", "", ""},
	} {
		assert.Equal(t, tc.want, content(tc.scale, tc.goals))
	}
}
