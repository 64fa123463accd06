package httpapi

import (
	"encoding/json"
	"maps"
	"reflect"
	"slices"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
)

// Every PATCH takes a JSON merge patch (RFC 7396, docs/api.md "PATCH"): a
// member replaces the field, null clears it and an absent member leaves it
// as it is.

// patchRules are the members a resource's PATCH may name: those of its
// write type W. The resource's other members (those of its wire type R) are
// read-only, and naming one is read_only rather than unknown_field.
type patchRules struct {
	writable map[string]bool
	readOnly map[string]bool
}

func newPatchRules[W, R any]() patchRules {
	r := patchRules{writable: map[string]bool{}, readOnly: map[string]bool{}}
	for name := range jsonFields(reflect.TypeFor[W]()) {
		r.writable[name] = true
	}
	for name := range jsonFields(reflect.TypeFor[R]()) {
		if !r.writable[name] {
			r.readOnly[name] = true
		}
	}
	return r
}

var (
	projectPatch = newPatchRules[api.ProjectWrite, api.Project]()
	issuePatch   = newPatchRules[api.IssuePatch, api.Issue]()
)

// mergePatch is a PATCH request: the version If-Match names and the merge
// patch with its members.
type mergePatch struct {
	version int
	body    []byte
	members map[string]json.RawMessage
}

// readPatch reads a PATCH request: If-Match, which is required, and a JSON
// object sent as application/merge-patch+json or application/json whose
// members the rules admit.
func (h *handlers) readPatch(c *gin.Context, rules patchRules) (mergePatch, error) {
	version, err := ifMatch(c)
	if err != nil {
		return mergePatch{}, err
	}
	body, err := readBody(c, h.cfg.BodyLimit, true)
	if err != nil {
		return mergePatch{}, err
	}
	var members map[string]json.RawMessage
	if err := decodeStrict(body, &members); err != nil {
		return mergePatch{}, err
	}
	if err := rules.check(members); err != nil {
		return mergePatch{}, err
	}
	return mergePatch{version: version, body: body, members: members}, nil
}

// check refuses the first unknown member, or else names every read-only one.
func (r patchRules) check(members map[string]json.RawMessage) error {
	var fs []apperr.FieldError
	for _, k := range slices.Sorted(maps.Keys(members)) {
		switch {
		case r.readOnly[k]:
			fs = append(fs, apperr.FieldError{Field: k, Code: "read_only"})
		case !r.writable[k]:
			return &apperr.Error{Kind: apperr.UnknownField, Fields: []apperr.FieldError{{Field: k, Code: "unknown_field"}}}
		}
	}
	return apperr.Fields(fs)
}

// applyPatch merges the patch into cur, the resource's writable fields as
// its write type, and decodes the result strictly. Numbers reach the
// decoder as they were written, so that 1.0e2 is refused as a fraction of
// a yuan would be.
func applyPatch[W any](cur W, patch []byte) (W, error) {
	var w W
	doc, err := json.Marshal(cur)
	if err != nil {
		return w, err
	}
	merged, err := jsonpatch.MergePatch(doc, patch)
	if err != nil {
		return w, err
	}
	if err := decodeStrict(merged, &w); err != nil {
		return w, err
	}
	// MergePatch drops the null members of objects inside an array (a
	// project's funding), which RFC 7396 passes on as they are: the patch
	// is decoded on its own too, so that a member unknown to the write type
	// is refused even when null.
	return w, decodeStrict(patch, new(W))
}
