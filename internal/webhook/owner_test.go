package webhook_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/event"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/webhook"
)

// A subscription follows its owner: once the owner may no longer have it,
// the next fan-out pauses it with the reason, and its deliveries wait.
func TestSubscriptionsFollowTheirOwner(t *testing.T) {
	t.Parallel()
	editor := identity.Principal{Subject: "u-editor", Name: "li", Role: identity.RoleDeptEditor, Department: "energy"}
	with := func(p identity.Principal, change func(*identity.Principal)) *identity.Principal {
		change(&p)
		return &p
	}
	for _, tt := range []struct {
		name   string
		owner  identity.Principal
		now    *identity.Principal // nil: gone or disabled
		reason string              // "": not paused
	}{
		{"still allowed", editor, &editor, ""},
		{"disabled or deleted", editor, nil, "owner li is disabled or no longer exists"},
		{"now a department viewer", editor, with(editor, func(p *identity.Principal) { p.Role = identity.RoleDeptViewer }),
			"owner li may no longer manage webhooks"},
		{"now the leader", editor, with(editor, func(p *identity.Principal) { p.Role, p.Department = identity.RoleLeader, "" }),
			"owner li may no longer manage webhooks"},
		{"moved to another department", editor, with(editor, func(p *identity.Principal) { p.Department = "industry" }),
			"owner li is no longer of department energy"},
		{"from a department to the bureau", editor, with(editor, func(p *identity.Principal) { p.Role, p.Department = identity.RoleBureau, "" }),
			"owner li is no longer of department energy"},
		{"from the bureau to a department", bureau, with(bureau, func(p *identity.Principal) { p.Role, p.Department = identity.RoleDeptEditor, "energy" }),
			"owner bureau is no longer of the bureau"},
		{"a system that lost events:read", energy, with(energy, func(p *identity.Principal) { p.Scopes = []string{identity.ScopeProjectsRead} }),
			"owner energy-system may no longer manage webhooks"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			h := newHarness(t)
			h.owners.set(tt.owner.Subject, &tt.owner)
			sub := h.subscribe(t, tt.owner)
			h.owners.set(tt.owner.Subject, tt.now)
			h.commit(event.ProjectCreated, "p1", "energy")
			sent := h.round(t)
			got, err := h.svc.Get(ctx, bureau, sub.ID)
			require.NoError(t, err)
			assert.Equal(t, tt.reason != "", got.Paused)
			assert.Equal(t, tt.reason, got.PausedReason)
			if tt.reason == "" {
				assert.Equal(t, 1, sent)
				return
			}
			assert.Zero(t, sent, "a paused subscription is sent nothing")
			page, err := h.svc.Deliveries(ctx, bureau, sub.ID, webhook.DeliveryQuery{})
			require.NoError(t, err)
			assert.Len(t, page.Items, 1, "its delivery waits")
		})
	}
}
