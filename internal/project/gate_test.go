package project_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projecttest"
)

// gate is a StartGate that answers cleared (or not needed, or err), counts
// its calls and notes whether each ran in a transaction.
type gate struct {
	cleared   bool
	notNeeded string
	err       error
	asked     []string
	inTx      []bool
	listed    []string
}

func (g *gate) StartPermit(ctx context.Context, pr project.Project) (project.Permit, error) {
	g.asked = append(g.asked, pr.ID)
	g.inTx = append(g.inTx, projecttest.InTransaction(ctx))
	return project.Permit{Item: "construction_permit", Obtained: g.cleared, NotNeeded: g.notNeeded}, g.err
}

func (g *gate) Listed(project.Project) []string { return g.listed }

// TestStartGate: a first start whose 开工 permit item is not cleared is
// refused, naming the item, unless the move says why; the reason is kept on
// the history entry. Other moves do not ask.
func TestStartGate(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name      string
		stage     func(*project.Project)
		cleared   bool
		notNeeded string
		fail      error
		move      func(*project.Move)
		asked     int
		err       func(t *testing.T, err error)
		waiver    string
	}{
		{name: "a first start without the permit is refused", stage: landed, move: start, asked: 1, err: permitMissing},
		{name: "a move past started without the permit is refused", stage: landed, asked: 1, err: permitMissing,
			move: pastStart},
		{name: "a move to production without the permit is refused", stage: landed, asked: 1, err: permitMissing,
			move: func(m *project.Move) { start(m); m.To = project.InProduction }},
		{name: "a move past started that says why", stage: landed, asked: 0, waiver: "补录",
			move: func(m *project.Move) { start(m); m.To, m.PermitWaiver = project.InProduction, "补录" }},
		{name: "a permit not needed lends its reason", stage: landed, notNeeded: "免于施工许可", move: start, asked: 1,
			waiver: "不需要：免于施工许可"},
		{name: "a move past started of a project that started is not gated", asked: 0,
			stage: func(p *project.Project) {
				landed(p)
				p.Actual.StartedOn = day("2021-01-10") // as a correction back to landed would not leave it
			},
			move: pastStart},
		{name: "a first start with the permit cleared", stage: landed, cleared: true, move: start, asked: 1},
		{name: "a first start that says why", stage: landed, asked: 0, waiver: "县政府专题会议纪要〔2021〕5号同意先行开工",
			move: func(m *project.Move) {
				start(m)
				m.PermitWaiver = " 县政府专题会议纪要〔2021〕5号同意先行开工 "
			}},
		{name: "the gate fails", stage: landed, fail: errBoom, move: start, asked: 1, err: boom},
		{name: "a resumption is not gated", asked: 0,
			stage: func(p *project.Project) {
				p.Stage, p.Actual.StartedOn, p.LastMoveOn = project.Suspended, day("2021-01-10"), day("2021-02-01")
			},
			move: func(m *project.Move) { m.To, m.OccurredOn = project.Started, *day("2021-06-10") }},
		{name: "a correction back to started is not gated", asked: 0,
			stage: func(p *project.Project) {
				p.Stage, p.Actual.StartedOn, p.Actual.CompletedOn, p.LastMoveOn = project.Completed, day("2021-01-10"), day("2021-05-01"), day("2021-05-01")
			},
			move: func(m *project.Move) {
				m.To, m.OccurredOn, m.Note, m.Correction = project.Started, *day("2021-06-10"), "竣工录入有误", true
			}},
		{name: "a move to another stage does not ask", stage: landed, asked: 0,
			move: func(m *project.Move) { m.To, m.OccurredOn, m.Note = project.Cancelled, *day("2021-06-10"), "撤资" }},
		{name: "a waiver on another move is refused", stage: landed, asked: 0, err: fields("permit_waiver:only_when"),
			move: func(m *project.Move) {
				m.To, m.OccurredOn, m.Note, m.PermitWaiver = project.Cancelled, *day("2021-06-10"), "撤资", "无"
			}},
		{name: "a waiver too long", stage: landed, asked: 0, err: fields("permit_waiver:too_long"),
			move: func(m *project.Move) { start(m); m.PermitWaiver = string(make([]rune, project.MaxNote+1)) }},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			g := &gate{cleared: c.cleared, notNeeded: c.notNeeded, err: c.fail}
			f.svc.GateStarts(g)
			p := f.seed(c.stage)
			var m project.Move
			c.move(&m)
			_, tr, err := f.svc.Move(context.Background(), bureau, p.ID, 0, m)
			assert.Len(t, g.asked, c.asked)
			for _, in := range g.inTx {
				assert.True(t, in, "the gate is asked in the move's transaction, the project locked")
			}
			if c.err != nil {
				c.err(t, err)
				assert.Equal(t, p, f.stored(p.ID), "nothing written")
				assert.Empty(t, f.history(p.ID))
				return
			}
			require.NoError(t, err)
			assert.Equal(t, c.waiver, tr.PermitWaiver)
			h := f.history(p.ID)
			require.Len(t, h, 1)
			assert.Equal(t, c.waiver, h[0].PermitWaiver, "kept in the history")
		})
	}
}

// pastStart is a move from landed to completed, with its evidence.
func pastStart(m *project.Move) {
	start(m)
	m.To = project.Completed
	m.Evidence = append(m.Evidence, project.Evidence{Kind: "acceptance", Ref: "竣工验收备案"})
}

func permitMissing(t *testing.T, err error) {
	assert.Equal(t, &apperr.Error{Kind: apperr.StartPermitMissing, Message: "project.start_permit_missing", Params: []string{"construction_permit"},
		Fields: []apperr.FieldError{{Field: "permit_waiver", Code: "required", Param: "construction_permit"}}}, apperr.As(err))
}

// Without a gate no start is refused; an import is not a move and asks
// nothing.
func TestStartWithoutGate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p := f.seed(landed)
	_, _, err := f.svc.Move(context.Background(), bureau, p.ID, 0, func() project.Move { var m project.Move; start(&m); return m }())
	require.NoError(t, err)

	g := &gate{}
	f.svc.GateStarts(g)
	_, err = f.svc.Create(context.Background(), bureau, project.Draft{Fields: project.Fields{Name: "录入的在建项目", Category: "manufacturing", Department: "industry"},
		Stage: project.Started, Actual: project.Actual{StartedOn: day("2021-03-01")}})
	require.NoError(t, err)
	assert.Empty(t, g.asked, "an import is not gated")
}

// Only the approval items the checklist lists now count toward health: one
// it dropped leaves the light as the project is written.
func TestHealthCountsListedApprovals(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		gate   *gate
		health health.Level
	}{
		{"without a gate every stored item counts", nil, health.Yellow},
		{"a listed item counts", &gate{listed: []string{"land_preapproval", "construction_permit"}}, health.Yellow},
		{"an item no longer listed does not", &gate{listed: []string{"construction_permit"}}, health.Green},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			if c.gate != nil {
				f.svc.GateStarts(c.gate)
			}
			p := f.seed(func(p *project.Project) {
				p.Facts.Approvals = []health.ApprovalFact{{Item: "land_preapproval", ExpectedOn: *day("2021-05-31")}}
			})
			got, err := f.svc.Update(context.Background(), bureau, p.ID, p.Version, func(fs project.Fields) (project.Fields, error) {
				fs.Name = "晨风50兆瓦风电项目（一期）"
				return fs, nil
			})
			require.NoError(t, err)
			assert.Equal(t, c.health, got.Health, "%v", got.HealthReasons)
			assert.Len(t, got.Facts.Approvals, 1, "the stored facts keep the item")
			h, err := f.svc.Health(context.Background(), bureau, p.ID, time.Time{})
			require.NoError(t, err)
			assert.Equal(t, c.health, h.Health, "computed for a day")
		})
	}
}
