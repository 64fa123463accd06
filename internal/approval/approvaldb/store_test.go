package approvaldb_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/approval/approvaldb"
	"github.com/guangling/pipeline/internal/approval/approvaltest"
	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
)

var (
	now    = time.Date(2021, 6, 15, 2, 0, 0, 0, time.UTC)
	bureau = identity.Principal{Subject: "u2", Name: "bureau", Role: identity.RoleBureau}
)

func day(s string) *time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func TestContract(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		approvaltest.Contract(t, func(t *testing.T) approvaltest.Backend {
			return approvaltest.Backend{Store: approvaldb.New(db), NewProject: func(t *testing.T) string {
				return newProject(t, db, "manufacturing").ID
			}}
		})
	})
}

func newProject(t *testing.T, db *database.DB, category string) project.Project {
	t.Helper()
	p := project.Project{ID: uuid.NewString(), Fields: project.Fields{Name: "项目" + uuid.NewString()[:8], Category: project.Category(category),
		Department: "industry", BuildType: "new", KeyLevel: "county"}, Stage: project.Landed, Version: 1, CreatedAt: now, UpdatedAt: now,
		Health: health.Green, HealthReasons: []health.Reason{}}
	require.NoError(t, projectdb.New(db).Create(context.Background(), p, nil))
	return p
}

// wired is the register and the approvals over one database, as
// cmd/pipeline wires them.
type wired struct {
	projects  *project.Service
	approvals *approval.Service
}

func wire(db *database.DB) wired {
	auditor := audit.NewService(auditdb.New(db), func() time.Time { return now })
	projects := project.NewService(projectdb.New(db), db, auditor, func() time.Time { return now }, uuid.NewString)
	approvals := approval.NewService(approval.Deps{Store: approvaldb.New(db), Register: projects, Auditor: auditor,
		Now: func() time.Time { return now }})
	projects.GateStarts(approvals)
	return wired{projects: projects, approvals: approvals}
}

func startMove(waiver string) project.Move {
	return project.Move{To: project.Started, OccurredOn: *day("2021-06-10"), PermitWaiver: waiver,
		Evidence: []project.Evidence{{Kind: "permit", Ref: "会议纪要"}}}
}

// The gate on the database: refused without the permit, allowed with a
// waiver that the history keeps, and allowed once the permit is obtained;
// a resumption is not gated.
func TestStartGate(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := wire(db)
		p := newProject(t, db, "manufacturing")
		_, _, err := w.projects.Move(ctx, bureau, p.ID, 0, startMove(""))
		assert.Equal(t, &apperr.Error{Kind: apperr.StartPermitMissing, Message: "project.start_permit_missing", Params: []string{"construction_permit"},
			Fields: []apperr.FieldError{{Field: "permit_waiver", Code: "required", Param: "construction_permit"}}}, apperr.As(err))
		_, tr, err := w.projects.Move(ctx, bureau, p.ID, 0, startMove("县政府专题会议同意先行开工"))
		require.NoError(t, err)
		assert.Equal(t, "县政府专题会议同意先行开工", tr.PermitWaiver)
		h, err := w.projects.Transitions(ctx, bureau, p.ID)
		require.NoError(t, err)
		require.Len(t, h, 1)
		assert.Equal(t, "县政府专题会议同意先行开工", h[0].PermitWaiver, "read back from the history")

		_, _, err = w.projects.Move(ctx, bureau, p.ID, 0, project.Move{To: project.Suspended, OccurredOn: *day("2021-06-11"), Note: "冬季停工"})
		require.NoError(t, err)
		_, tr, err = w.projects.Move(ctx, bureau, p.ID, 0, project.Move{To: project.Started, OccurredOn: *day("2021-06-12")})
		require.NoError(t, err, "a resumption is not gated")
		assert.Equal(t, project.KindResumption, tr.Kind)

		other := newProject(t, db, "manufacturing")
		_, _, err = w.approvals.Put(ctx, bureau, other.ID, approval.ConstructionPermit, 0,
			approval.Fields{Status: approval.Obtained, ObtainedOn: day("2021-06-01"), ApprovalNo: "140223202106010101"})
		require.NoError(t, err)
		_, tr, err = w.projects.Move(ctx, bureau, other.ID, 0, startMove(""))
		require.NoError(t, err, "the permit is obtained")
		assert.Empty(t, tr.PermitWaiver)
	})
}

// An item past its expected day turns the stored health yellow as it is
// written, and back once obtained.
func TestOverdueFeedsHealth(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := wire(db)
		p := newProject(t, db, "manufacturing")
		_, _, err := w.approvals.Put(ctx, bureau, p.ID, approval.EnvironmentalAssessment, 0,
			approval.Fields{Status: approval.InProgress, ExpectedOn: day("2021-05-31")})
		require.NoError(t, err)
		got, err := w.projects.Get(ctx, bureau, p.ID)
		require.NoError(t, err)
		assert.Equal(t, health.Yellow, got.Health)
		assert.Equal(t, []health.Reason{{Rule: health.RuleApprovalOverdue, Level: health.Yellow, Since: day("2021-06-01"), Ref: "environmental_assessment"}},
			got.HealthReasons)
		assert.Equal(t, 1, got.Version, "the project's version stays")

		_, _, err = w.approvals.Put(ctx, bureau, p.ID, approval.EnvironmentalAssessment, 1,
			approval.Fields{Status: approval.Obtained, ExpectedOn: day("2021-05-31"), ObtainedOn: day("2021-06-14"), EnvLevel: approval.RegistrationForm})
		require.NoError(t, err)
		got, err = w.projects.Get(ctx, bureau, p.ID)
		require.NoError(t, err)
		assert.Equal(t, health.Green, got.Health)

		l, err := w.approvals.Checklist(ctx, bureau, p.ID)
		require.NoError(t, err)
		assert.Equal(t, 1, l.Readiness.Obtained)
	})
}

// A move from before 开工 past it (落地 → 竣工, 落地 → 投产) is a first start
// too: refused without the permit, allowed with a waiver.
func TestStartGateJumps(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := wire(db)
		for _, to := range []project.Stage{project.Completed, project.InProduction} {
			p := newProject(t, db, "manufacturing")
			m := project.Move{To: to, OccurredOn: *day("2021-06-10"),
				Evidence: []project.Evidence{{Kind: "permit", Ref: "无"}, {Kind: "acceptance", Ref: "竣工验收备案"}}}
			_, _, err := w.projects.Move(ctx, bureau, p.ID, 0, m)
			require.Error(t, err, "%s without the permit", to)
			assert.Equal(t, apperr.StartPermitMissing, apperr.KindOf(err), "%s: %v", to, err)
			got, err := w.projects.Get(ctx, bureau, p.ID)
			require.NoError(t, err)
			assert.Equal(t, project.Landed, got.Stage, "nothing written")

			m.PermitWaiver = "补录：已于2020年建成"
			_, tr, err := w.projects.Move(ctx, bureau, p.ID, 0, m)
			require.NoError(t, err, "%s with a waiver", to)
			assert.Equal(t, "补录：已于2020年建成", tr.PermitWaiver)
		}
	})
}

// A 开工 permit item marked not needed lets the start through, its reason
// kept as the history entry's waiver; the mover's own reason comes first.
func TestStartPermitNotNeeded(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := wire(db)
		for _, c := range []struct{ waiver, want string }{
			{"", "不需要：投资额30万元以下，免于施工许可"},
			{"县政府专题会议同意先行开工", "县政府专题会议同意先行开工"},
		} {
			p := newProject(t, db, "manufacturing")
			_, _, err := w.approvals.Put(ctx, bureau, p.ID, approval.ConstructionPermit, 0,
				approval.Fields{Status: approval.NotNeeded, Reason: "投资额30万元以下，免于施工许可"})
			require.NoError(t, err)
			_, tr, err := w.projects.Move(ctx, bureau, p.ID, 0, startMove(c.waiver))
			require.NoError(t, err)
			assert.Equal(t, c.want, tr.PermitWaiver)
			h, err := w.projects.Transitions(ctx, bureau, p.ID)
			require.NoError(t, err)
			require.Len(t, h, 1)
			assert.Equal(t, c.want, h[0].PermitWaiver, "read back from the history")
		}
	})
}

// duringGate is a gate that runs during once it has read the permit, before
// the move goes on.
type duringGate struct {
	project.StartGate
	during func()
}

func (g duringGate) StartPermit(ctx context.Context, pr project.Project) (project.Permit, error) {
	pm, err := g.StartGate.StartPermit(ctx, pr)
	g.during()
	return pm, err
}

// An approval write that sets the permit back from obtained cannot commit
// between the gate's read and the move's write: it waits for the move, so
// that the two are as if one ran after the other.
func TestStartGateRace(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := wire(db)
		p := newProject(t, db, "manufacturing")
		_, _, err := w.approvals.Put(ctx, bureau, p.ID, approval.ConstructionPermit, 0,
			approval.Fields{Status: approval.Obtained, ObtainedOn: day("2021-06-01")})
		require.NoError(t, err)
		done := make(chan error, 1)
		var early bool
		w.projects.GateStarts(duringGate{StartGate: w.approvals, during: func() {
			go func() {
				_, _, err := w.approvals.Put(context.Background(), bureau, p.ID, approval.ConstructionPermit, 1,
					approval.Fields{Status: approval.InProgress})
				done <- err
			}()
			select {
			case err := <-done:
				early = true
				done <- err
			case <-time.After(300 * time.Millisecond):
			}
		}})
		_, _, err = w.projects.Move(ctx, bureau, p.ID, 0, startMove(""))
		require.NoError(t, err)
		assert.False(t, early, "the permit was set back between the gate's read and the move's write")
		require.NoError(t, <-done, "the approval write goes on once the move commits")
	})
}

// An item the checklist no longer lists (its project's facts changed) does
// not count toward health, though what was written for it stays.
func TestDroppedItemLeavesHealth(t *testing.T) {
	t.Parallel()
	dbtest.Each(t, func(t *testing.T, db *database.DB) {
		ctx := context.Background()
		w := wire(db)
		p := newProject(t, db, "manufacturing")
		five, zero := 5.0, 0.0
		set := func(mu *float64) project.Project {
			t.Helper()
			cur, err := w.projects.Get(ctx, bureau, p.ID)
			require.NoError(t, err)
			got, err := w.projects.Update(ctx, bureau, p.ID, cur.Version, func(f project.Fields) (project.Fields, error) {
				f.NewConstructionLandMu = mu
				return f, nil
			})
			require.NoError(t, err)
			return got
		}
		set(&five)
		_, _, err := w.approvals.Put(ctx, bureau, p.ID, approval.LandPreapproval, 0,
			approval.Fields{Status: approval.InProgress, ExpectedOn: day("2021-05-31")})
		require.NoError(t, err)
		got, err := w.projects.Get(ctx, bureau, p.ID)
		require.NoError(t, err)
		assert.Equal(t, health.Yellow, got.Health, "listed and overdue")

		got = set(&zero)
		assert.Equal(t, health.Green, got.Health, "no longer listed: %v", got.HealthReasons)
		got, err = w.projects.Get(ctx, bureau, p.ID)
		require.NoError(t, err)
		assert.Equal(t, health.Green, got.Health, "as stored")
		h, err := w.projects.Health(ctx, bureau, p.ID, time.Time{})
		require.NoError(t, err)
		assert.Equal(t, health.Green, h.Health, "as computed for a day")
	})
}
