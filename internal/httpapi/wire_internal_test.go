package httpapi

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/guangling/pipeline/api"
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
		assert.True(t, writableFields[m], "%s is writable", m)
		assert.False(t, readOnlyFields[m], "%s is not read-only", m)
	}
	// Every member of a project that is not writable is read-only, so that a
	// PATCH naming it is told so rather than that it is unknown.
	for _, m := range jsonMembers(reflect.TypeFor[api.Project]()) {
		assert.True(t, writableFields[m] != readOnlyFields[m], "%s is either writable or read-only", m)
	}
}
