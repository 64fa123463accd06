package httpapi

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"

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
// notNull are writable members that must keep a value, where null is
// refused as required: a project's or a blocker's are refused so by their
// validation, once the patch is merged.
type patchRules struct {
	writable map[string]bool
	readOnly map[string]bool
	notNull  map[string]bool
}

func newPatchRules[W, R any](notNull ...string) patchRules {
	r := patchRules{writable: map[string]bool{}, readOnly: map[string]bool{}, notNull: map[string]bool{}}
	for name := range jsonFields(reflect.TypeFor[W]()) {
		r.writable[name] = true
	}
	for name := range jsonFields(reflect.TypeFor[R]()) {
		if !r.writable[name] {
			r.readOnly[name] = true
		}
	}
	for _, name := range notNull {
		r.notNull[name] = true
	}
	return r
}

var (
	projectPatch    = newPatchRules[api.ProjectWrite, api.Project]()
	issuePatch      = newPatchRules[api.IssuePatch, api.Issue]()
	departmentPatch = newPatchRules[api.DepartmentPatch, api.Department]("name")
	userPatch       = newPatchRules[api.UserPatch, api.User]("role", "disabled", "password")
	clientPatch     = newPatchRules[api.ClientPatch, api.Client]("disabled")
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

// check refuses the first unknown member, or else names every read-only
// one and every null that cannot clear its member.
func (r patchRules) check(members map[string]json.RawMessage) error {
	var fs []apperr.FieldError
	for _, k := range slices.Sorted(maps.Keys(members)) {
		switch {
		case r.readOnly[k]:
			fs = append(fs, apperr.FieldError{Field: k, Code: "read_only"})
		case !r.writable[k]:
			return &apperr.Error{Kind: apperr.UnknownField, Fields: []apperr.FieldError{{Field: k, Code: "unknown_field"}}}
		case r.notNull[k] && isNull(members[k]):
			fs = append(fs, apperr.FieldError{Field: k, Code: "required"})
		}
	}
	return apperr.Fields(fs)
}

func isNull(raw json.RawMessage) bool { return bytes.Equal(raw, []byte("null")) }

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
	if err := decodeExact(merged, &w); err != nil {
		return w, err
	}
	// MergePatch drops the null members of objects inside an array (a
	// project's funding), which RFC 7396 passes on as they are: the patch
	// is decoded on its own too, so that a member unknown to the write type
	// is refused even when null.
	return w, decodeStrict(patch, new(W))
}

// decode reads the patch into dst, a change whose pointer fields are nil
// where a field stays, for a service that applies the change to the
// current state itself (departments, users, clients). Their documents are
// flat, so the merge comes to this: a member replaces its field and null
// clears it, to the field's zero value.
func (p mergePatch) decode(dst any) error {
	if err := decodeStrict(p.body, dst); err != nil {
		return err
	}
	v := reflect.ValueOf(dst).Elem()
	for i := range v.NumField() {
		f := v.Type().Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if raw, named := p.members[name]; named && isNull(raw) && f.Type.Kind() == reflect.Pointer {
			v.Field(i).Set(reflect.New(f.Type.Elem()))
		}
	}
	return nil
}
