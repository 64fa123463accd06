package project

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
)

// Evidence backs a stage move: a contract, a land certificate, a permit …
type Evidence struct {
	Kind string `json:"kind"`
	Ref  string `json:"ref"`
}

// EvidenceKinds lists the kinds of evidence.
var EvidenceKinds = []Label{
	{"contract", "投资协议/合同", "Contract"},
	{"land", "用地手续", "Land"},
	{"permit", "施工许可", "Construction permit"},
	{"acceptance", "竣工验收", "Acceptance"},
	{"photo", "现场照片", "Photo"},
	{"document", "文件", "Document"},
	{"other", "其他", "Other"},
}

// Move is a request to change a project's stage.
type Move struct {
	To         Stage
	OccurredOn time.Time
	Note       string
	Evidence   []Evidence
	Correction bool

	// left is the stage a cancelled project's cancellation left, from its
	// history: a correction may set it back that far.
	left Stage
}

// Terminal reports whether no move leaves the stage (corrections aside).
func (s Stage) Terminal() bool { return s == AtCapacity || s == Cancelled }

// moves is the one table of the stage machine: the stages a project may move
// forward to from each stage. Forward moves may skip stages; suspended is
// reached only from started and left only back to started (a resumption) or
// to cancelled; cancelled is open from every stage that is not terminal.
var moves = func() map[Stage][]Stage {
	m := map[Stage][]Stage{}
	for i, from := range mainLine[:len(mainLine)-1] {
		m[from] = append(slices.Clone(mainLine[i+1:]), Cancelled)
	}
	m[Started] = append(m[Started], Suspended)
	m[Suspended] = []Stage{Started, Cancelled}
	return m
}()

// Targets returns the stages a project at from may move forward to.
func Targets(from Stage) []Stage { return slices.Clone(moves[from]) }

// correctionTargets are the earlier main-line stages a correction may set
// a project back to. A cancelled project goes back at most to the stage its
// cancellation left (left, from its history) or the furthest its actual
// dates tell, whichever is further (negotiating without either).
func correctionTargets(from Stage, a Actual, left Stage) []Stage {
	r := from.Rank()
	switch from {
	case Suspended:
		r++ // a suspended project may be set back to started itself
	case Cancelled:
		r = Negotiating.Rank() + 1
		if left != "" && left != Cancelled {
			r = max(r, left.Rank()+1)
		}
		for _, d := range a.dates() {
			if *d.date != nil {
				r = max(r, d.stage.Rank()+1)
			}
		}
	}
	return slices.Clone(mainLine[:min(r, len(mainLine))])
}

// evidenceFor names the evidence a forward move to a stage needs.
var evidenceFor = map[Stage]string{Signed: "contract", Started: "permit", Completed: "acceptance"}

func stageNames(ss []Stage) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = string(s)
	}
	return out
}

// Apply moves p to m.To if the rules allow it and returns the history entry
// of the move. It is the only way a project's stage changes. lastMove is the
// date of the previous move, if any (an import entry is not a move); today is
// the county's current day.
func Apply(p *Project, m Move, actor identity.Principal, lastMove *time.Time, today time.Time) (Transition, error) {
	var c Check
	c.Enum("to", string(m.To), Stages)
	c.Text("note", m.Note, 2000, false)
	for i, e := range m.Evidence {
		c.Enum("evidence["+strconv.Itoa(i)+"].kind", e.Kind, EvidenceKinds)
		c.Text("evidence["+strconv.Itoa(i)+"].ref", e.Ref, 500, true)
	}
	if m.OccurredOn.After(today) {
		c.Add("occurred_on", "in_future", today.Format(time.DateOnly))
	}
	if lastMove != nil && m.OccurredOn.Before(*lastMove) {
		c.Add("occurred_on", "date_order", lastMove.Format(time.DateOnly))
	} else if l := p.Actual.Latest(); l != nil && !m.Correction && m.OccurredOn.Before(*l) {
		// A project entered with its dates has no earlier move, but a move
		// must not go back before what it already reached.
		c.Add("occurred_on", "date_order", l.Format(time.DateOnly))
	}
	if err := c.Err(); err != nil {
		return Transition{}, err
	}

	from := p.Stage
	kind := KindMove
	if m.Correction {
		if !actor.May(identity.CorrectStages) {
			return Transition{}, apperr.Coded(apperr.Forbidden, "project.corrector_only")
		}
		allowed := correctionTargets(from, p.Actual, m.left)
		if !slices.Contains(allowed, m.To) {
			return Transition{}, &apperr.Error{Kind: apperr.IllegalTransition, Allowed: stageNames(allowed),
				Message: "project.correction_not_back"}
		}
		if strings.TrimSpace(m.Note) == "" {
			return Transition{}, apperr.Fields([]apperr.FieldError{{Field: "note", Code: "required"}})
		}
		kind = KindCorrection
		// Dates after the target are cleared; the history keeps them.
		for _, d := range p.Actual.dates() {
			if d.stage.Rank() > m.To.Rank() {
				*d.date = nil
			}
		}
	} else {
		allowed := moves[from]
		if !slices.Contains(allowed, m.To) {
			return Transition{}, &apperr.Error{Kind: apperr.IllegalTransition, Allowed: stageNames(allowed),
				Message: "project.illegal_move", Params: []string{string(from), string(m.To)}}
		}
		resumption := from == Suspended && m.To == Started
		if need, ok := evidenceFor[m.To]; ok && !resumption && !slices.ContainsFunc(m.Evidence, func(e Evidence) bool { return e.Kind == need }) {
			return Transition{}, apperr.Fields([]apperr.FieldError{{Field: "evidence", Code: "required", Param: need}})
		}
		if (m.To == Suspended || m.To == Cancelled) && strings.TrimSpace(m.Note) == "" {
			return Transition{}, apperr.Fields([]apperr.FieldError{{Field: "note", Code: "required"}})
		}
		if resumption {
			kind = KindResumption
		}
		on := m.OccurredOn
		for _, d := range p.Actual.dates() {
			// started_on is the first start: a resumption leaves it, even
			// when the register does not know it (a project entered
			// suspended), since the project started before.
			if d.stage == m.To && !resumption && !(d.stage == Started && *d.date != nil) {
				*d.date = &on
			}
		}
	}
	p.Stage = m.To
	ev := m.Evidence
	if ev == nil {
		ev = []Evidence{}
	}
	return Transition{From: &from, To: m.To, OccurredOn: m.OccurredOn, Note: strings.TrimSpace(m.Note), Evidence: ev,
		Kind: kind, Actor: actor.Name, Department: actor.Department}, nil
}
