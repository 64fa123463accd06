package httpapi

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/exchange"
)

// jsonMembers lists the JSON member names of a struct type, embedded
// structs flattened.
func jsonMembers(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		f := t.Field(i)
		if f.Anonymous {
			out = append(out, jsonMembers(f.Type)...)
			continue
		}
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, name)
	}
	return out
}

// TestPatchDocumentsTheWritableFields: the documented PATCH body
// (api.ProjectPatch) has exactly the members the handler accepts
// (api.ProjectWrite), so the spec cannot drift from the handler.
func TestPatchDocumentsTheWritableFields(t *testing.T) {
	patch := jsonMembers(reflect.TypeFor[api.ProjectPatch]())
	assert.ElementsMatch(t, jsonMembers(reflect.TypeFor[api.ProjectWrite]()), patch)
	for _, m := range patch {
		assert.True(t, projectPatch.writable[m], "%s is writable", m)
		assert.False(t, projectPatch.readOnly[m], "%s is not read-only", m)
	}
	// Every member of a project that is not writable is read-only, so that a
	// PATCH naming it is told so rather than that it is unknown.
	for _, m := range jsonMembers(reflect.TypeFor[api.Project]()) {
		assert.True(t, projectPatch.writable[m] != projectPatch.readOnly[m], "%s is either writable or read-only", m)
	}
}

// TestPatchRulesNameEveryMember: the members a PATCH may name are those of
// the resource's write type and the rest of the resource is read-only, the
// same for every resource.
func TestPatchRulesNameEveryMember(t *testing.T) {
	set := func(names ...string) map[string]bool {
		m := map[string]bool{}
		for _, n := range names {
			m[n] = true
		}
		return m
	}
	assert.Equal(t, set("id", "stage", "signed_on", "landed_on", "started_on", "completed_on", "production_on", "at_capacity_on",
		"health", "health_reasons", "archived_at", "version", "created_at", "updated_at"), projectPatch.readOnly)
	assert.Equal(t, set("title", "description", "kind", "responsible_department", "due_on", "status", "resolution"), issuePatch.writable)
	assert.Equal(t, set("id", "project_id", "project_department", "overdue", "created_by", "version", "created_at", "updated_at",
		"resolved_at"), issuePatch.readOnly)
}

// TestEveryColumnHasAWidth: the export lays out every column of the register
// file, and names no column the file lacks.
func TestEveryColumnHasAWidth(t *testing.T) {
	t.Parallel()
	aliases := map[string]bool{}
	for _, c := range exchange.Columns() {
		aliases[c.Alias] = true
		assert.Positive(t, columnWidths[c.Alias], "column %s (%s) has no width", c.Header, c.Alias)
	}
	for alias := range columnWidths {
		assert.True(t, aliases[alias], "width of %s, which is no column", alias)
	}
}
