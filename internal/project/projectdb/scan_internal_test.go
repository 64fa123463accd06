package projectdb

import (
	"reflect"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"gorm.io/gorm/schema"
)

// TestProjectColumns holds the columns reads scan to projectRow: every
// field's column, in the field's order, each scanned into its own field.
func TestProjectColumns(t *testing.T) {
	s, err := schema.Parse(&projectRow{}, &sync.Map{}, schema.NamingStrategy{})
	require.NoError(t, err)
	var want []string
	for _, f := range s.Fields {
		if f.DBName != "" {
			want = append(want, f.DBName)
		}
	}
	var got []string
	var r projectRow
	targets := map[any]string{}
	for _, c := range projectRowColumns {
		got = append(got, c.name)
		p := c.target(&r)
		other, dup := targets[p]
		assert.False(t, dup, "%s scans into the field of %s", c.name, other)
		targets[p] = c.name
		f := s.LookUpField(c.name)
		require.NotNil(t, f, c.name)
		field := f.ReflectValueOf(t.Context(), reflect.ValueOf(&r).Elem()).Addr().Interface()
		assert.True(t, field == p, "%s scans into its own field", c.name)
	}
	assert.Equal(t, want, got)
}

// TestSelectProjects holds that an omitted column is neither selected nor scanned.
func TestSelectProjects(t *testing.T) {
	s := selectProjects("health_facts", "funding")
	assert.Len(t, s.cols, len(projectRowColumns)-2)
	for _, c := range s.cols {
		assert.NotContains(t, []string{"health_facts", "funding"}, c.name)
	}
	assert.NotContains(t, s.list, "health_facts")
	assert.NotContains(t, s.list, "funding,")
	assert.True(t, strings.HasPrefix(s.list, "projects.id, projects.code, projects.name, "), s.list)
	assert.Contains(t, s.list, "projects.health_reasons")
	assert.Len(t, selectProjects().cols, len(projectRowColumns))
}
