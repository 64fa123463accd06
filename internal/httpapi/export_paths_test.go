package httpapi_test

// The register file read in one COPY on PostgreSQL and read in pages (the
// path SQLite takes) must give the same file, byte for byte.

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/guangling/pipeline/internal/audit"
	"github.com/guangling/pipeline/internal/audit/auditdb"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/department"
	"github.com/guangling/pipeline/internal/exchange"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/platform/database/dbtest"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/project/projectdb"
	"github.com/guangling/pipeline/internal/sheet"
)

// pagesOnly hides the register's one read, so that an export pages.
type pagesOnly struct{ exchange.Register }

// streamed counts the exports that the register's one read served.
type streamed struct {
	*project.Service
	served int
}

func (s *streamed) Stream(ctx context.Context, p identity.Principal, f project.Filter, fn func(*project.Project) error) (bool, error) {
	done, err := s.Service.Stream(ctx, p, f, fn)
	if done {
		s.served++
	}
	return done, err
}

// hostile are texts an export must carry exactly: formula-like text, the
// CSV's own characters, Chinese, spaces at either end, a lone \., text an
// XLSX reader would unescape, and characters a sheet cannot show as they are.
var hostile = []string{
	`=cmd|' /C calc'!A0`, "+1", "-1", "@SUM(1)", "\tleading tab", "\rcarriage", "'=escaped once",
	`a,b`, `say "hi"`, "two\nlines", "crlf\r\nline", "lone\rcr", "晨风50兆瓦风电项目（一期）", " leading space",
	"\u3000全角空格", "trailing ", `\.`, `C:\new\table`, "_x0041_", "a\u202Eexe.txt", "\u061Cmark", "&<>",
}

// seedHostile stores n projects straight through the store, so that text the
// API would trim or refuse today (as a row written earlier may hold) is
// there too; every optional field is empty in some rows and filled in others.
func seedHostile(t *testing.T, db *database.DB, n int) {
	t.Helper()
	store := projectdb.New(db)
	ctx := context.Background()
	d := func(s string) *time.Time { v, _ := calendar.ParseDate(s); return &v }
	floats := []float64{0.1 + 0.2, 1e20, 1e-7, 50.5, 12345.6789, 0}
	at := now.Add(-time.Hour)
	require.NoError(t, db.InTx(ctx, func(ctx context.Context) error {
		for i := range n {
			h := hostile[i%len(hostile)]
			p := project.Project{ID: newID(), Version: 1 + i%3, CreatedAt: at.Add(time.Duration(i%7) * time.Second), UpdatedAt: at,
				Stage: project.Started, Health: health.Level([]string{"green", "yellow", "red"}[i%3]), HealthReasons: []health.Reason{},
				Fields: project.Fields{Name: fmt.Sprintf("%s %d", h, i), Category: project.Category([]string{"wind", "solar_pv", "materials", "other"}[i%4]),
					Department: []string{"energy", "industry"}[i%2], BuildType: project.New, KeyLevel: "city", Funding: []project.Funding{}}}
			if i%2 == 0 {
				code := fmt.Sprintf("2021-%06d-%s", i, h)
				f := floats[i%len(floats)]
				p.Code, p.Capacity, p.LandNeededMu = &code, &f, &f
				p.Company, p.Township, p.CapacityUnit, p.Investor, p.TaskForce = h, "作疃乡", "MW", h, h
				p.TotalInvestmentYuan, p.ContractAmountYuan = ptr(int64(9007199254740993+i)), ptr(int64(i))
				p.ExpectedJobs, p.InDevelopmentZone = ptr(i), ptr(i%4 == 0)
				p.PlannedStartDate, p.Actual.StartedOn = d("1900-01-05"), d("2999-12-31")
				p.InStatisticsSince = &calendar.Month{Year: 2021, Month: time.March}
				p.OwnerContactName, p.OwnerContactPhone = "王"+h, "138-0013-8000"
				p.InvestmentType, p.InvestorOrigin, p.WorksKind = "enterprise", "yrd", "power"
				p.Leader, p.Leaders = "张县长", []project.Leader{{Name: "张县长", Lead: true, Username: "leader"}}
			}
			if i%5 == 1 {
				p.Leader = "李" + h // a row written before leaders: the leader is the list
			}
			if err := store.Create(ctx, p, nil); err != nil {
				return err
			}
		}
		return nil
	}))
}

// TestExportPathsAgree exports one register on PostgreSQL through COPY and
// through pages, as CSV and XLSX, for principals who see the owner's
// contact and who do not, with and without filters: the files are the same
// bytes.
func TestExportPathsAgree(t *testing.T) {
	t.Parallel()
	db := dbtest.Postgres(t)
	seedHostile(t, db, 1100) // more than two pages of 500
	auditSvc := audit.NewService(auditdb.New(db), func() time.Time { return now })
	projects := project.NewService(projectdb.New(db), db, auditSvc, func() time.Time { return now }, newID)
	depts := department.NewService(projectdb.NewDepartments(db), db, auditSvc, func() time.Time { return now })
	fast := &streamed{Service: projects}
	viaCopy := exchange.NewService(fast, depts, db, func() time.Time { return now })
	viaPages := exchange.NewService(pagesOnly{projects}, depts, db, func() time.Time { return now })

	since := now.Add(-2 * time.Hour)
	principals := map[string]identity.Principal{
		"bureau":  {Subject: "b", Name: "bureau", Role: identity.RoleBureau},
		"energy":  {Subject: "e", Name: "energy-editor", Role: identity.RoleDeptEditor, Department: "energy"},
		"leader":  {Subject: "l", Name: "leader", Role: identity.RoleLeader},
		"another": {Subject: "o", Name: "other-leader", Role: identity.RoleLeader},
	}
	filters := map[string]project.Filter{
		"all":     {},
		"filters": {Stages: []project.Stage{project.Started}, Departments: []string{"energy", "industry"}, Q: "'", UpdatedSince: &since},
		"range":   {MinInvest: ptr(int64(1)), StartFrom: dateOf("1900-01-01"), StartTo: dateOf("1900-01-05"), Healths: []health.Level{"red", "green"}},
		"none":    {IDs: []string{newID()}},
	}
	export := func(svc *exchange.Service, p identity.Principal, f project.Filter, format string) []byte {
		var buf bytes.Buffer
		var w sheet.Writer
		err := svc.Export(context.Background(), p, project.ListQuery{Filter: f}, func() error {
			var err error
			w, err = sheet.NewWriter(format, &buf, exchange.Columns(), map[string]float64{"name": 36})
			return err
		}, func(cells []exchange.Cell) error { return w.WriteRow(cells) })
		require.NoError(t, err)
		require.NoError(t, w.Close())
		return buf.Bytes()
	}
	for who, p := range principals {
		for what, f := range filters {
			for _, format := range []string{exchange.FormatCSV, exchange.FormatXLSX} {
				served := fast.served
				a, b := export(viaCopy, p, f, format), export(viaPages, p, f, format)
				assert.Equal(t, served+1, fast.served, "%s, %s, %s: read in one COPY", who, what, format)
				if !assert.True(t, bytes.Equal(a, b), "%s, %s, %s: the same bytes", who, what, format) && format == exchange.FormatCSV {
					assert.Equal(t, string(b), string(a))
				}
				if what == "all" && format == exchange.FormatCSV {
					rows := len(readGrid(t, a).rows)
					assert.Equal(t, map[string]int{"bureau": 1100, "energy": 550, "leader": 1100, "another": 1100}[who], rows, who)
				}
			}
		}
	}
	csv := string(export(viaCopy, principals["another"], project.Filter{}, exchange.FormatCSV))
	assert.True(t, strings.Contains(csv, `,'=cmd|' /C calc'!A0 0,`), "formula-like text is escaped")
	assert.True(t, strings.Contains(csv, ",'+1 133,"), "and +1")
	assert.True(t, strings.Contains(csv, `,"crlf`+"\r\n"+`line 98",`), "a line break within a cell")
	assert.True(t, strings.Contains(csv, ",王******************,138-****-8000,"), "a leader whom the project does not name sees the contact masked")
	named := string(export(viaCopy, principals["leader"], project.Filter{}, exchange.FormatCSV))
	assert.Less(t, strings.Count(named, "138-****-8000"), strings.Count(csv, "138-****-8000"),
		"the leader the project names sees it")
	assert.True(t, strings.Contains(named, ",138-0013-8000,"))
}

func dateOf(s string) *time.Time {
	v, _ := calendar.ParseDate(s)
	return &v
}
