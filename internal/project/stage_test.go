package project

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

var everyEvidence = []Evidence{{"contract", "协议 2021-01"}, {"permit", "施工许可 140223"}, {"acceptance", "验收 2021-09"}}

// legalMove states docs/stages.md in words, independently of the table in
// stage.go: forward along the main line with skips, suspended only from
// started and back, cancelled from any stage that is not terminal.
func legalMove(from, to Stage) bool {
	switch {
	case from == AtCapacity || from == Cancelled:
		return false
	case to == Cancelled:
		return true
	case to == Suspended:
		return from == Started
	case from == Suspended:
		return to == Started
	}
	return slices.Index(mainLine, to) > slices.Index(mainLine, from)
}

// legalCorrection: back to an earlier main-line stage, by the bureau or an
// administrator only.
func legalCorrection(role identity.Role, from, to Stage) bool {
	if role != identity.RoleAdmin && role != identity.RoleBureau {
		return false
	}
	ti := slices.Index(mainLine, to)
	switch from {
	case Cancelled:
		// back at most to what it reached; this project started
		return ti >= 0 && ti <= slices.Index(mainLine, Started)
	case Suspended:
		return ti >= 0 && ti <= slices.Index(mainLine, Started)
	}
	return ti >= 0 && ti < slices.Index(mainLine, from)
}

// TestApplyEveryPair drives every from × to pair, as a move and as a
// correction, for every role.
func TestApplyEveryPair(t *testing.T) {
	t.Parallel()
	today := *day("2021-06-30")
	for _, role := range identity.Roles {
		actor := identity.Principal{Subject: "u", Name: string(role), Role: role, Department: "energy"}
		for _, fl := range Stages {
			for _, tl := range Stages {
				from, to := Stage(fl.Value), Stage(tl.Value)
				for _, correction := range []bool{false, true} {
					p := Project{Stage: from, Actual: Actual{StartedOn: day("2021-03-01")}}
					_, err := Apply(&p, Move{To: to, OccurredOn: today, Note: "说明", Evidence: everyEvidence, Correction: correction}, actor, nil, today)
					want := legalMove(from, to)
					if correction {
						want = legalCorrection(role, from, to)
					}
					name := string(role) + " " + string(from) + "→" + string(to)
					if correction {
						name += " (correction)"
					}
					if want {
						require.NoError(t, err, name)
						assert.Equal(t, to, p.Stage, name)
						continue
					}
					require.Error(t, err, name)
					assert.Equal(t, from, p.Stage, "%s: a refused move changes nothing", name)
					k := apperr.KindOf(err)
					assert.True(t, k == apperr.IllegalTransition || k == apperr.Forbidden, "%s: kind %v", name, k)
					if k == apperr.IllegalTransition {
						allowed := apperr.As(err).Allowed
						assert.NotContains(t, allowed, string(to), name)
					}
				}
			}
		}
	}
}

func TestApplyRules(t *testing.T) {
	t.Parallel()
	today := *day("2021-06-30")
	bureau := identity.Principal{Subject: "b", Name: "bureau", Role: identity.RoleBureau}
	cases := []struct {
		name     string
		from     Stage
		actual   Actual
		move     Move
		lastMove *time.Time
		want     []string // field:code of a validation error
		kind     apperr.Kind
		check    func(t *testing.T, p Project, tr Transition)
	}{
		{name: "sign needs a contract", from: Negotiating, move: Move{To: Signed, OccurredOn: today},
			want: []string{"evidence:required"}},
		{name: "start needs a permit", from: Landed, move: Move{To: Started, OccurredOn: today, Evidence: []Evidence{{"contract", "x"}}},
			want: []string{"evidence:required"}},
		{name: "completion needs an acceptance", from: Started, move: Move{To: Completed, OccurredOn: today},
			want: []string{"evidence:required"}},
		{name: "suspension needs a note", from: Started, move: Move{To: Suspended, OccurredOn: today},
			want: []string{"note:required"}},
		{name: "cancellation needs a note", from: Planning, move: Move{To: Cancelled, OccurredOn: today, Note: "  "},
			want: []string{"note:required"}},
		{name: "correction needs a note", from: Started, move: Move{To: Landed, OccurredOn: today, Correction: true},
			want: []string{"note:required"}},
		{name: "not in the future", from: Planning, move: Move{To: Negotiating, OccurredOn: today.AddDate(0, 0, 1)},
			want: []string{"occurred_on:in_future"}},
		{name: "not before the previous move", from: Planning, move: Move{To: Negotiating, OccurredOn: *day("2021-01-01")},
			lastMove: day("2021-02-01"), want: []string{"occurred_on:date_order"}},
		{name: "unknown stage", from: Planning, move: Move{To: "built", OccurredOn: today}, want: []string{"to:invalid_value"}},
		{name: "unknown evidence kind", from: Negotiating, move: Move{To: Signed, OccurredOn: today, Evidence: []Evidence{{"rumour", "x"}}},
			want: []string{"evidence[0].kind:invalid_value"}},
		{name: "skip to started sets only its date", from: Planning,
			move: Move{To: Started, OccurredOn: *day("2021-05-01"), Evidence: []Evidence{{"permit", "p"}}},
			check: func(t *testing.T, p Project, tr Transition) {
				assert.Equal(t, day("2021-05-01"), p.Actual.StartedOn)
				assert.Nil(t, p.Actual.SignedOn)
				assert.Nil(t, p.Actual.LandedOn)
				assert.Equal(t, KindMove, tr.Kind)
				assert.Equal(t, Planning, *tr.From)
			}},
		{name: "resumption keeps the first start and needs no permit", from: Suspended, actual: Actual{StartedOn: day("2020-04-01")},
			move: Move{To: Started, OccurredOn: *day("2021-03-15")},
			check: func(t *testing.T, p Project, tr Transition) {
				assert.Equal(t, day("2020-04-01"), p.Actual.StartedOn)
				assert.Equal(t, KindResumption, tr.Kind)
			}},
		{name: "a resumption is no first start, even when that is unknown", from: Suspended,
			move: Move{To: Started, OccurredOn: *day("2021-03-15")},
			check: func(t *testing.T, p Project, tr Transition) {
				assert.Nil(t, p.Actual.StartedOn, "a project entered suspended started on a day the register does not know")
				assert.Equal(t, KindResumption, tr.Kind)
			}},
		{name: "correction clears the dates after its target", from: InProduction,
			actual: Actual{SignedOn: day("2020-01-01"), StartedOn: day("2020-03-01"), CompletedOn: day("2020-10-01"), ProductionOn: day("2020-12-01")},
			move:   Move{To: Started, OccurredOn: today, Note: "竣工验收未通过", Correction: true},
			check: func(t *testing.T, p Project, tr Transition) {
				assert.Equal(t, day("2020-03-01"), p.Actual.StartedOn)
				assert.Equal(t, day("2020-01-01"), p.Actual.SignedOn)
				assert.Nil(t, p.Actual.CompletedOn)
				assert.Nil(t, p.Actual.ProductionOn)
				assert.Equal(t, KindCorrection, tr.Kind)
			}},
		{name: "not before a date the project reached", from: Started, actual: Actual{StartedOn: day("2021-05-01")},
			move: Move{To: Completed, OccurredOn: *day("2021-04-01"), Evidence: everyEvidence},
			want: []string{"occurred_on:date_order"}},
		{name: "a cancelled project goes back at most to what it reached", from: Cancelled, actual: Actual{SignedOn: day("2020-05-01")},
			move: Move{To: Started, OccurredOn: today, Note: "误操作", Correction: true}, kind: apperr.IllegalTransition},
		{name: "a cancelled project comes back to its stage", from: Cancelled, actual: Actual{SignedOn: day("2020-05-01")},
			move: Move{To: Signed, OccurredOn: today, Note: "误操作", Correction: true},
			check: func(t *testing.T, p Project, tr Transition) {
				assert.Equal(t, Signed, p.Stage)
				assert.Equal(t, day("2020-05-01"), p.Actual.SignedOn)
			}},
		{name: "a cancelled project entered without dates comes back to the stage its cancellation left", from: Cancelled,
			move: Move{To: Started, OccurredOn: today, Note: "撤销误终止", Correction: true, left: Started},
			check: func(t *testing.T, p Project, tr Transition) {
				assert.Equal(t, Started, p.Stage)
				assert.Nil(t, p.Actual.StartedOn, "a correction sets no date")
				assert.Equal(t, KindCorrection, tr.Kind)
			}},
		{name: "a suspended project's cancellation undone as far as started", from: Cancelled,
			move:  Move{To: Started, OccurredOn: today, Note: "撤销误终止", Correction: true, left: Suspended},
			check: func(t *testing.T, p Project, tr Transition) { assert.Equal(t, Started, p.Stage) }},
		{name: "no further than the stage the cancellation left", from: Cancelled,
			move: Move{To: Completed, OccurredOn: today, Note: "误操作", Correction: true, left: Started}, kind: apperr.IllegalTransition},
		{name: "a move is not a correction backwards", from: Started, move: Move{To: Signed, OccurredOn: today, Evidence: everyEvidence},
			kind: apperr.IllegalTransition},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := Project{Stage: tc.from, Actual: tc.actual}
			before := p
			tr, err := Apply(&p, tc.move, bureau, tc.lastMove, today)
			switch {
			case tc.want != nil:
				assert.Equal(t, tc.want, fieldCodes(t, err))
				assert.Equal(t, before.Stage, p.Stage)
			case tc.kind != apperr.Internal:
				assert.Equal(t, tc.kind, apperr.KindOf(err))
			default:
				require.NoError(t, err)
				assert.Equal(t, "bureau", tr.Actor)
				tc.check(t, p, tr)
			}
		})
	}
}

func TestTargets(t *testing.T) {
	t.Parallel()
	assert.Equal(t, []Stage{Negotiating, Signed, Landed, Started, Completed, InProduction, AtCapacity, Cancelled}, Targets(Planning))
	assert.Equal(t, []Stage{Started, Cancelled}, Targets(Suspended))
	assert.Contains(t, Targets(Started), Suspended)
	assert.Empty(t, Targets(AtCapacity))
	assert.Empty(t, Targets(Cancelled))
}

func TestScopeFailsClosed(t *testing.T) {
	t.Parallel()
	assert.Equal(t, Reach{All: true}, ReachOf(identity.Principal{Role: identity.RoleLeader}))
	assert.Equal(t, Reach{Department: "energy"}, ReachOf(identity.Principal{Role: identity.RoleDeptViewer, Department: "energy"}))
	assert.False(t, ReachOf(identity.Principal{Role: identity.RoleDeptEditor}).All, "a department role without a department sees nothing")
}
