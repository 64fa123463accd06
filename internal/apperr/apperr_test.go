package apperr

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWrap(t *testing.T) {
	t.Parallel()
	op := func(err error) (out error) {
		defer Wrap(&out, "project.Service.Update(%s)", "p1")
		return err
	}
	assert.NoError(t, op(nil))

	failed := op(errors.New("connection reset by peer"))
	assert.EqualError(t, failed, "project.Service.Update(p1): connection reset by peer", "an internal failure names the operation")
	assert.Equal(t, Internal, KindOf(failed))

	deadline := op(context.DeadlineExceeded)
	assert.ErrorIs(t, deadline, context.DeadlineExceeded, "what it wraps stays reachable")

	assert.Same(t, ErrVersionConflict, op(ErrVersionConflict), "an error the client is told about is left as it is")
	invalid := Fields([]FieldError{{Field: "name", Code: "required"}})
	assert.Same(t, invalid, op(invalid))
	internal := &Error{Kind: Internal, Err: errors.New("boom")}
	require.ErrorIs(t, op(internal), internal)
	assert.Contains(t, op(internal).Error(), "project.Service.Update(p1): ")
}

func TestCoded(t *testing.T) {
	t.Parallel()
	e := Coded(IllegalTransition, "project.illegal_move", "started", "signed")
	assert.Equal(t, "illegal_transition: project.illegal_move(started, signed)", e.Error(), "the log names the code and its parameters")
	assert.Equal(t, "conflict: project.archived", Coded(Conflict, "project.archived").Error())
	assert.Nil(t, Coded(Conflict, "project.archived").Params)

	assert.ErrorIs(t, e, &Error{Kind: IllegalTransition}, "a sentinel matches an error of its kind")
	assert.ErrorIs(t, Coded(Conflict, "project.archived"), ErrConflict)
	assert.NotErrorIs(t, Coded(Conflict, "project.busy"), ErrNotFound)
	assert.NotErrorIs(t, Coded(Conflict, "project.busy"), Coded(Conflict, "project.archived"),
		"an error with a message is no sentinel")
}

func TestIsByCode(t *testing.T) {
	t.Parallel()
	changed := Coded(Conflict, "project.changed_concurrently")
	built := &Error{Kind: Conflict, Message: "project.changed_concurrently"}
	assert.ErrorIs(t, fmt.Errorf("move: %w", built), changed, "a sentinel with a code matches its kind and code, however built")
	assert.NotErrorIs(t, Coded(Conflict, "project.busy"), changed, "another code")
	assert.NotErrorIs(t, Coded(VersionConflict, "project.changed_concurrently"), changed, "another kind")
	assert.ErrorIs(t, built, ErrConflict, "a sentinel without a code matches the whole kind")
	withParams := Coded(IllegalTransition, "project.illegal_move", "started", "signed")
	assert.NotErrorIs(t, withParams, Coded(IllegalTransition, "project.illegal_move", "started", "signed"),
		"a coded error with parameters is no sentinel")
}
