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
	// PermitWaiver says why a project starts without its 开工 permit item
	// obtained (docs/approvals.md, "The 开工 gate"); kept on the history
	// entry.
	PermitWaiver string

	// left is the stage a cancelled project's cancellation left, from its
	// history: a correction may set it back that far.
	left Stage
}

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
	if err := checkMove(p.Actual, m, lastMove, today); err != nil {
		return Transition{}, err
	}
	from, kind := p.Stage, moveKind(p.Stage, m)
	var err error
	if kind == KindCorrection {
		err = checkCorrection(p, m, actor)
	} else {
		err = checkStageMove(from, m)
	}
	if err != nil {
		return Transition{}, err
	}
	switch kind {
	case KindCorrection:
		// Dates after the target are cleared; the history keeps them.
		clearDatesAfter(&p.Actual, m.To)
	case KindMove:
		// started_on is the first start: a resumption leaves it, even when
		// the register does not know it (a project entered suspended),
		// since the project started before.
		setReached(&p.Actual, m.To, m.OccurredOn)
	}
	p.Stage = m.To
	ev := m.Evidence
	if ev == nil {
		ev = []Evidence{}
	}
	return Transition{From: &from, To: m.To, OccurredOn: m.OccurredOn, Note: strings.TrimSpace(m.Note), Evidence: ev,
		Kind: kind, Actor: actor.Name, Department: actor.Department, PermitWaiver: strings.TrimSpace(m.PermitWaiver)}, nil
}

// moveKind is the kind of the history entry of a move of a project at from.
func moveKind(from Stage, m Move) string {
	switch {
	case m.Correction:
		return KindCorrection
	case from == Suspended && m.To == Started:
		return KindResumption
	}
	return KindMove
}

// checkMove checks the fields of a move and its date.
func checkMove(a Actual, m Move, lastMove *time.Time, today time.Time) error {
	var c Check
	c.Enum("to", string(m.To), Stages)
	c.Text("note", m.Note, 2000, false)
	c.Text("permit_waiver", m.PermitWaiver, MaxNote, false)
	for i, e := range m.Evidence {
		c.Enum("evidence["+strconv.Itoa(i)+"].kind", e.Kind, EvidenceKinds)
		c.Text("evidence["+strconv.Itoa(i)+"].ref", e.Ref, 500, true)
	}
	checkMoveDate(&c, a, m, lastMove, today)
	return c.Err()
}

// checkMoveDate checks the date of a move: not in the future, not before the
// previous move.
func checkMoveDate(c *Check, a Actual, m Move, lastMove *time.Time, today time.Time) {
	if m.OccurredOn.After(today) {
		c.Add("occurred_on", "in_future", today.Format(time.DateOnly))
	}
	if lastMove != nil && m.OccurredOn.Before(*lastMove) {
		c.Add("occurred_on", "date_order", lastMove.Format(time.DateOnly))
	} else if l := a.Latest(); l != nil && !m.Correction && m.OccurredOn.Before(*l) {
		// A project entered with its dates has no earlier move, but a move
		// must not go back before what it already reached.
		c.Add("occurred_on", "date_order", l.Format(time.DateOnly))
	}
}

// checkStageMove checks a move that is not a correction against the stage
// machine: a move forward needs its evidence, a suspension or a
// cancellation its note; a resumption needs neither.
func checkStageMove(from Stage, m Move) error {
	allowed := moves[from]
	if !slices.Contains(allowed, m.To) {
		return &apperr.Error{Kind: apperr.IllegalTransition, Allowed: stageNames(allowed),
			Message: "project.illegal_move", Params: []string{string(from), string(m.To)}}
	}
	switch {
	case from == Suspended && m.To == Started:
		return nil
	case m.To == Suspended || m.To == Cancelled:
		return requireNote(m.Note)
	}
	if need, ok := evidenceFor[m.To]; ok && !slices.ContainsFunc(m.Evidence, func(e Evidence) bool { return e.Kind == need }) {
		return apperr.Fields([]apperr.FieldError{{Field: "evidence", Code: "required", Param: need}})
	}
	return nil
}

// checkCorrection checks a correction: made by one who may, back to an
// earlier stage, with a note.
func checkCorrection(p *Project, m Move, actor identity.Principal) error {
	if !actor.May(identity.CorrectStages) {
		return apperr.Coded(apperr.Forbidden, "project.corrector_only")
	}
	allowed := correctionTargets(p.Stage, p.Actual, m.left)
	if !slices.Contains(allowed, m.To) {
		return &apperr.Error{Kind: apperr.IllegalTransition, Allowed: stageNames(allowed),
			Message: "project.correction_not_back"}
	}
	return requireNote(m.Note)
}

// requireNote is the error of a move that must say why and does not.
func requireNote(note string) error {
	if strings.TrimSpace(note) == "" {
		return apperr.Fields([]apperr.FieldError{{Field: "note", Code: "required"}})
	}
	return nil
}

// setReached sets the actual date of stage to on, unless it is a start
// already dated.
func setReached(a *Actual, stage Stage, on time.Time) {
	for _, d := range a.dates() {
		if d.stage == stage && !(d.stage == Started && *d.date != nil) {
			*d.date = &on
		}
	}
}

// clearDatesAfter clears the actual dates of the stages after stage.
func clearDatesAfter(a *Actual, stage Stage) {
	for _, d := range a.dates() {
		if d.stage.Rank() > stage.Rank() {
			*d.date = nil
		}
	}
}
