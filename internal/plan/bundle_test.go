package plan_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/plan"
)

// TestBundleEntries: either a bundle or its children are entries of a
// year's plan, never both; other years and removed entries do not count.
func TestBundleEntries(t *testing.T) {
	t.Parallel()
	bundled := func(f *fixture) {
		child := f.reg.projects[zincProject]
		parent := windProject
		child.ParentID = &parent
		f.reg.projects[zincProject] = child
	}
	refused := func(t *testing.T, err error) {
		t.Helper()
		require.Error(t, err)
		e := apperr.As(err)
		require.Equal(t, apperr.Invalid, e.Kind)
		assert.Equal(t, []apperr.FieldError{{Field: "project_id", Code: "both_planned", Param: "2021"}}, e.Fields)
	}
	for _, tt := range []struct {
		name   string
		first  string // the entry already in 2021's plan
		second string
		year   int
		check  func(t *testing.T, err error)
	}{
		{"the child of a planned bundle", windProject, zincProject, 2021, refused},
		{"the bundle of a planned child", zincProject, windProject, 2021, refused},
		{"another year", windProject, zincProject, 2022, func(t *testing.T, err error) { require.NoError(t, err) }},
		{"a project outside the bundle", windProject, schoolProject, 2021, func(t *testing.T, err error) { require.NoError(t, err) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(now)
			bundled(f)
			f.put(t, 2021, tt.first, plan.Fields{}, plan.Change{})
			_, err := f.svc.Put(context.Background(), bureau, tt.year, tt.second, plan.Fields{}, plan.Change{}, 0)
			tt.check(t, err)
		})
	}
	t.Run("once the bundle's entry is removed, the child may be an entry", func(t *testing.T) {
		t.Parallel()
		f := newFixture(now)
		bundled(f)
		f.put(t, 2021, windProject, plan.Fields{}, plan.Change{})
		require.NoError(t, f.svc.Remove(context.Background(), bureau, 2021, windProject, plan.Change{}, 0))
		_, err := f.svc.Put(context.Background(), bureau, 2021, zincProject, plan.Fields{}, plan.Change{}, 0)
		require.NoError(t, err)
	})
}
