package webhook_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/webhook"
)

func TestWhoMayManage(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	in := webhook.Input{URL: "https://receiver.example/hook"}
	for _, tt := range []struct {
		name         string
		p            identity.Principal
		manage, read bool
	}{
		{"the bureau", bureau, true, true},
		{"a department system with events:read", energy, true, true},
		{"a department system with events:read only (a viewer)", industry, true, true},
		{"a department editor (no scope limit)", identity.Principal{Subject: "u", Name: "u", Role: identity.RoleDeptEditor, Department: "energy"}, true, true},
		{"a department viewer reads only", identity.Principal{Subject: "u", Name: "u", Role: identity.RoleDeptViewer, Department: "energy"}, false, true},
		{"the leader", leader, false, false},
		{"a system without events:read", noScope, false, false},
		{"a department role without a department", identity.Principal{Subject: "u", Role: identity.RoleDeptEditor}, false, false},
	} {
		h := newHarness(t)
		_, err := h.svc.Create(ctx, tt.p, in)
		if tt.manage {
			assert.NoError(t, err, tt.name)
		} else {
			assert.ErrorIs(t, err, apperr.ErrForbidden, tt.name)
		}
		_, err = h.svc.List(ctx, tt.p)
		if tt.read {
			assert.NoError(t, err, tt.name)
		} else {
			assert.ErrorIs(t, err, apperr.ErrForbidden, tt.name)
		}
	}
}

func TestCreateRefuses(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, tt := range []struct {
		name  string
		in    webhook.Input
		field string
	}{
		{"an unknown type", webhook.Input{URL: "https://r.example/", Types: []string{"project.created", "project.exploded"}}, "types"},
		{"a description too long", webhook.Input{URL: "https://r.example/", Description: strings.Repeat("x", 201)}, "description"},
		{"a control character", webhook.Input{URL: "https://r.example/", Description: "a\x01b"}, "description"},
		{"no URL", webhook.Input{}, "url"},
	} {
		_, err := h.svc.Create(context.Background(), bureau, tt.in)
		e := apperr.As(err)
		require.Equal(t, apperr.Invalid, e.Kind, tt.name)
		assert.Equal(t, tt.field, e.Fields[0].Field, tt.name)
	}
	list, err := h.svc.List(context.Background(), bureau)
	require.NoError(t, err)
	assert.Empty(t, list, "nothing registered")

	sub, err := h.svc.Create(context.Background(), bureau, webhook.Input{URL: "https://r.example/",
		Types: []string{event.ProjectUpdated, event.ProjectCreated, event.ProjectUpdated}, Description: "  系统  "})
	require.NoError(t, err)
	assert.Equal(t, []string{event.ProjectCreated, event.ProjectUpdated}, sub.Types, "sorted, once each")
	assert.Equal(t, "系统", sub.Description)
	assert.Equal(t, []string{"webhook.create"}, h.audit.Actions)
}

func TestDepartmentScope(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	mine := h.subscribe(t, energy)
	theirs := h.subscribe(t, industry)
	list, err := h.svc.List(ctx, energy)
	require.NoError(t, err)
	require.Len(t, list, 1)
	assert.Equal(t, mine.ID, list[0].ID)
	assert.Empty(t, list[0].Secret, "lists never show the secret")
	all, err := h.svc.List(ctx, bureau)
	require.NoError(t, err)
	assert.Len(t, all, 2)

	_, err = h.svc.Get(ctx, energy, theirs.ID)
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	_, err = h.svc.Update(ctx, energy, theirs.ID, 1, webhook.Change{Description: ptr("x")})
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	_, err = h.svc.RotateSecret(ctx, energy, theirs.ID)
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	_, err = h.svc.Deliveries(ctx, energy, theirs.ID, webhook.DeliveryQuery{})
	assert.ErrorIs(t, err, apperr.ErrNotFound)
	assert.ErrorIs(t, h.svc.Delete(ctx, energy, theirs.ID), apperr.ErrNotFound)

	got, err := h.svc.Get(ctx, bureau, theirs.ID)
	require.NoError(t, err, "the bureau manages every webhook")
	assert.Empty(t, got.Secret)
	require.NoError(t, h.svc.Delete(ctx, bureau, theirs.ID))
	_, err = h.svc.Get(ctx, bureau, theirs.ID)
	assert.ErrorIs(t, err, apperr.ErrNotFound)
}

func ptr[T any](v T) *T { return &v }

func TestUpdate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	sub := h.subscribe(t, energy)
	_, err := h.svc.Update(ctx, energy, sub.ID, 7, webhook.Change{Description: ptr("x")})
	assert.ErrorIs(t, err, apperr.ErrVersionConflict)

	same, err := h.svc.Update(ctx, energy, sub.ID, 1, webhook.Change{URL: ptr(sub.URL), Paused: ptr(false)})
	require.NoError(t, err)
	assert.Equal(t, 1, same.Version, "nothing changed: no new version")

	changed, err := h.svc.Update(ctx, energy, sub.ID, 1, webhook.Change{URL: ptr("https://other.example/h"),
		Types: &[]string{event.IssueOpened}, Paused: ptr(true)})
	require.NoError(t, err)
	assert.Equal(t, 2, changed.Version)
	assert.Equal(t, "https://other.example/h", changed.URL)
	assert.Equal(t, []string{event.IssueOpened}, changed.Types)
	assert.True(t, changed.Paused)
	assert.Equal(t, "paused by energy-system", changed.PausedReason, "the owner's name when no reason is given")
	assert.Empty(t, changed.Secret)

	already, err := h.svc.Update(ctx, energy, sub.ID, 2, webhook.Change{Paused: ptr(true)})
	require.NoError(t, err)
	assert.Equal(t, 2, already.Version, "paused already, no reason given: unchanged")
	reason, err := h.svc.Update(ctx, energy, sub.ID, 2, webhook.Change{Paused: ptr(true), PausedReason: ptr("receiver moves")})
	require.NoError(t, err)
	assert.Equal(t, "receiver moves", reason.PausedReason, "a reason given to a paused webhook replaces its reason")
	assert.Equal(t, changed.PausedAt, reason.PausedAt, "the pause stays")
	assert.Equal(t, 3, reason.Version)

	for _, ch := range []webhook.Change{
		{URL: ptr("ftp://x.example/")},
		{Types: &[]string{"nope"}},
		{PausedReason: ptr("why")},
		{Paused: ptr(false), PausedReason: ptr("why")},
	} {
		_, err := h.svc.Update(ctx, energy, sub.ID, 3, ch)
		assert.Equal(t, apperr.Invalid, apperr.KindOf(err), "%+v", ch)
	}
	assert.Equal(t, []string{"webhook.create", "webhook.update", "webhook.update"}, h.audit.Actions)
}

func TestOldestAndObserve(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	h := newHarness(t)
	h.subscribe(t, bureau)
	age, err := h.svc.Oldest(ctx)
	require.NoError(t, err)
	assert.Zero(t, age)
	h.recv.answer = func(call, int) (int, error) { return 500, nil }
	h.commit(event.ProjectCreated, "p1")
	var outcomes []string
	h.svc.Observe(func(o string) { outcomes = append(outcomes, o) })
	h.round(t)
	h.clock.advance(3 * time.Second)
	age, err = h.svc.Oldest(ctx)
	require.NoError(t, err)
	assert.Equal(t, 3*time.Second, age)
	assert.Equal(t, []string{webhook.OutcomeFailed}, outcomes)
}

func TestRunDeliversUntilStopped(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.subscribe(t, bureau)
	h.commit(event.ProjectCreated, "p1")
	h.commit(event.ProjectCreated, "p2")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.svc.Run(ctx, func(err error) { t.Error(err) }) }()
	require.Eventually(t, func() bool { return len(h.recv.got()) == 2 }, 30*time.Second, time.Millisecond)
	h.commit(event.ProjectCreated, "p3")
	h.svc.Wake()
	h.svc.Wake() // a second wake before the first is taken is one
	require.Eventually(t, func() bool { return len(h.recv.got()) == 3 }, 30*time.Second, time.Millisecond)
	cancel()
	<-done
}
