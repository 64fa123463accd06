package projectdb

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"gorm.io/gorm"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/plan"
	"github.com/guangling/pipeline/internal/platform/database"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// Stats reads the register, the year's plan and the monthly reports for
// the statistics, and keeps 三个一批 designations.
type Stats struct {
	db   *database.DB
	span int // projects in a span of a whole read
}

var (
	_ stats.Store            = (*Stats)(nil)
	_ stats.DesignationStore = (*Stats)(nil)
)

// NewStats returns the statistics' store.
func NewStats(db *database.DB) *Stats { return &Stats{db: db, span: spanSize} }

// Rows streams the live projects in scope with their reports' sums by
// month, and the year's plan entries, designations and the histories that
// stats.Row names, read first, once each. Rows are scanned by hand, and no
// more than one is held at a time: a register of 200,000 projects is read
// whole for every computation.
func (s *Stats) Rows(ctx context.Context, sc project.Reach, q stats.Query, yield func(stats.Row) bool) (err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Rows")
	// What is read first and the rows are read in one snapshot, so that a
	// change between the reads cannot leave a row without its history or
	// entry.
	return s.db.InWholeSnapshot(ctx, func(ctx context.Context) error {
		if q.IDs != nil || q.From != "" || q.Before != "" {
			return s.rows(ctx, sc, q, yield)
		}
		return s.spans(ctx, sc, q, yield)
	})
}

// spanSize is how many projects a span of a whole read holds.
const spanSize = 5000

// spans reads the whole register in scope span by span, by ranges of IDs
// in the snapshot ctx carries (docs/stats.md, "Whole reads"): each span's
// histories, entries and reports are read through the indexes, and no more
// than a span's are held, where the whole register's would be hundreds of
// megabytes read by sorting millions of rows.
func (s *Stats) spans(ctx context.Context, sc project.Reach, q stats.Query, yield func(stats.Row) bool) error {
	starts, err := s.spanStarts(ctx, sc, s.span)
	if err != nil {
		return err
	}
	more := true
	for _, in := range stats.Spans(starts) {
		if !more {
			break
		}
		span := q
		span.From, span.Before = in.From, in.Before
		err := s.rows(ctx, sc, span, func(r stats.Row) bool {
			more = yield(r)
			return more
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// spanStarts is the ID that begins each span of n live projects in scope,
// in ID order: PostgreSQL numbers the IDs, only these come back.
func (s *Stats) spanStarts(ctx context.Context, sc project.Reach, n int) ([]string, error) {
	db, done := s.db.Conn(ctx)
	defer done()
	var starts []string
	numbered := scoped(db.Table("projects"), sc).Where("projects.archived_at IS NULL").
		Select("projects.id AS id, row_number() OVER (ORDER BY projects.id) AS n")
	err := db.Table("(?) AS numbered", numbered).Where("(n - 1) % ? = 0", n).Order("id").Pluck("id", &starts).Error
	return starts, translate(err)
}

// Snapshot runs fn in one read-only snapshot (a repeatable-read
// transaction on PostgreSQL), which Year and Rows join, under the deadline
// of a read of the whole register (docs/stats.md, "Whole reads").
func (s *Stats) Snapshot(ctx context.Context, fn func(context.Context) error) (err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.Snapshot")
	return s.db.InWholeSnapshot(ctx, fn)
}

// words keeps the rows' repeated words (departments, stages, leaders, …)
// once.
type words map[string]string

func (w words) of(b sql.RawBytes) string {
	if s, ok := w[string(b)]; ok {
		return s
	}
	s := string(b)
	w[s] = s
	return s
}

// keyed is what is read of the year before the rows, by project.
type keyed struct {
	histories  map[string][]project.Step
	entries    map[string][]plan.Entry
	designated map[string][]stats.Batch
}

func (s *Stats) keyed(db *gorm.DB, q stats.Query, w words) (k keyed, err error) {
	if k.histories, err = statsHistories(db, q, w); err != nil {
		return k, err
	}
	if k.entries, err = statsEntries(db, q); err != nil {
		return k, err
	}
	k.designated, err = statsDesignated(db, q)
	return k, err
}

// monthColumns sums the year's counting reports by month (m1..m12), their
// 入统 figures (s1..s12), and the earlier years' (earlier).
func monthColumns(year int) string {
	var b strings.Builder
	for m := 1; m <= 12; m++ {
		fmt.Fprintf(&b, "sum(CASE WHEN year = %d AND month = %d THEN completed_yuan ELSE 0 END) AS m%d, ", year, m, m)
	}
	for m := 1; m <= 12; m++ {
		fmt.Fprintf(&b, "sum(CASE WHEN year = %d AND month = %d THEN coalesce(statistical_yuan, 0) ELSE 0 END) AS s%d, ", year, m, m)
	}
	fmt.Fprintf(&b, "sum(CASE WHEN year < %d THEN completed_yuan ELSE 0 END) AS earlier", year)
	return b.String()
}

// countingStates are the states of the reports that count.
func countingStates(acceptedOnly bool) []string {
	if acceptedOnly {
		return []string{"accepted"}
	}
	return []string{"submitted", "accepted"}
}

func (s *Stats) rows(ctx context.Context, sc project.Reach, q stats.Query, yield func(stats.Row) bool) error {
	db, done := s.db.Conn(ctx)
	defer done()
	w := words{}
	k, err := s.keyed(db, q, w)
	if err != nil {
		return err
	}
	cols := []string{"coalesce(pr.earlier, 0)"}
	for _, p := range []string{"m", "s"} {
		for m := 1; m <= 12; m++ {
			cols = append(cols, fmt.Sprintf("coalesce(pr.%s%d, 0)", p, m))
		}
	}
	sel := scoped(db.Table("projects"), sc).Where("projects.archived_at IS NULL")
	progress := db.Table("project_progress")
	sel, progress = narrowed(sel, "projects.id", q), narrowed(progress, "project_id", q)
	rs, err := sel.
		Select(`projects.id, projects.department, projects.category, projects.township, projects.leader,
			projects.stage, projects.health, projects.total_investment_yuan, projects.expected_annual_output_yuan,
			projects.signed_on, projects.started_on, projects.completed_on, projects.production_on,
			projects.in_statistics_since, projects.landed_on, projects.contract_amount_yuan, projects.investor_origin,
			projects.funds_arrived, `+strings.Join(cols, ", ")).
		Joins("LEFT JOIN (?) pr ON pr.project_id = projects.id",
			progress.Select("project_id, "+monthColumns(q.Year)).Where("year <= ? AND state IN ?", q.Year, countingStates(q.AcceptedOnly)).
				Group("project_id")).
		Order("projects.id").Rows()
	if err != nil {
		return translate(err)
	}
	defer rs.Close()
	var sr statsScan
	for rs.Next() {
		r, err := sr.scan(rs, w, q.Year)
		if err != nil {
			return translate(err)
		}
		r.History, r.Entries, r.Designated = k.histories[r.ID], k.entries[r.ID], k.designated[r.ID]
		if !yield(r) {
			return nil
		}
	}
	return translate(rs.Err())
}

// statsHistories reads the histories stats.Row names: of the projects with
// an entry in the year's plan, and of those with an entry after as_of;
// each entry's stage and day, in recorded order, by project.
func statsHistories(db *gorm.DB, q stats.Query, w words) (map[string][]project.Step, error) {
	// The projects are narrowed within each branch too: otherwise the
	// union is of the whole year's plan whatever few projects are read.
	planned := narrowed(db.Table("plan_entries").Select("project_id").Where("year = ?", q.Year), "project_id", q)
	later := narrowed(db.Table("project_transitions").Select("project_id").Where("occurred_on > ?", *date(&q.AsOf)), "project_id", q)
	sel := narrowed(db.Table("project_transitions").Select("project_id, to_stage, occurred_on").
		Where("project_id IN (? UNION ?)", planned, later), "project_id", q)
	hs, err := sel.Order("project_id, recorded_at, id").Rows()
	if err != nil {
		return nil, translate(err)
	}
	defer hs.Close()
	histories := map[string][]project.Step{}
	var stage sql.RawBytes
	for hs.Next() {
		var id string
		var on time.Time
		if err := hs.Scan(&id, &stage, &on); err != nil {
			return nil, translate(err)
		}
		histories[id] = append(histories[id], project.Step{To: project.Stage(w.of(stage)), On: *date(&on)})
	}
	return histories, translate(hs.Err())
}

// statsScan holds the buffers a row of the statistics is scanned into,
// reused from row to row.
type statsScan struct {
	dept, cat, township, leader, stage, colour sql.RawBytes
	total, output                              sql.NullInt64
	signed, started, completed, production     sql.NullTime
	inStats                                    sql.NullString
	landed                                     sql.NullTime
	contract                                   sql.NullInt64
	origin, funds                              sql.RawBytes
}

func (b *statsScan) scan(rs *sql.Rows, w words, year int) (stats.Row, error) {
	var r stats.Row
	dest := []any{&r.ID, &b.dept, &b.cat, &b.township, &b.leader, &b.stage, &b.colour, &b.total, &b.output,
		&b.signed, &b.started, &b.completed, &b.production, &b.inStats, &b.landed, &b.contract, &b.origin, &b.funds,
		&r.EarlierYuan}
	for m := range 12 {
		dest = append(dest, &r.Months[m])
	}
	for m := range 12 {
		dest = append(dest, &r.Statistical[m])
	}
	if err := rs.Scan(dest...); err != nil {
		return r, err
	}
	day := func(t sql.NullTime) *time.Time {
		if !t.Valid {
			return nil
		}
		return date(&t.Time)
	}
	r.Department, r.Township, r.Leader = w.of(b.dept), w.of(b.township), w.of(b.leader)
	r.Category, r.Stage, r.Health = project.Category(w.of(b.cat)), project.Stage(w.of(b.stage)), health.Level(w.of(b.colour))
	r.TotalInvestmentYuan, r.ExpectedAnnualOutputYuan = b.total.Int64, b.output.Int64
	r.SignedOn, r.StartedOn, r.CompletedOn, r.ProductionOn = day(b.signed), day(b.started), day(b.completed), day(b.production)
	r.LandedOn, r.InvestorOrigin = day(b.landed), project.Origin(w.of(b.origin))
	if b.contract.Valid {
		v := b.contract.Int64
		r.ContractAmountYuan = &v
	}
	funds, err := fundsOf(b.funds, year)
	if err != nil {
		return r, err
	}
	r.FundsArrivedYuan = funds
	if b.inStats.Valid {
		if m, err := calendar.ParseMonth(b.inStats.String); err == nil {
			r.InStatisticsSince = &m
		}
	}
	return r, nil
}

// fundsOf reads the funds arrived in year of a project's funds_arrived
// column (a JSON list, mostly empty): nil when none is recorded for it.
func fundsOf(b sql.RawBytes, year int) (*int64, error) {
	if len(b) <= 2 || !bytes.Contains(b, []byte(strconv.Itoa(year))) {
		return nil, nil
	}
	var fs []project.FundsArrived
	if err := json.Unmarshal(b, &fs); err != nil {
		return nil, fmt.Errorf("reading funds_arrived: %w", err)
	}
	for _, f := range fs {
		if f.Year == year {
			v := f.Yuan
			return &v, nil
		}
	}
	return nil, nil
}

// MonthlyMoves counts the year's moves by month and target stage, over the
// live projects in scope, imports aside.
func (s *Stats) MonthlyMoves(ctx context.Context, sc project.Reach, year int) (moves [12]map[project.Stage]int64, err error) {
	defer apperr.Wrap(&err, "projectdb.Stats.MonthlyMoves")
	db, done := s.db.Conn(ctx)
	defer done()
	month := "CAST(strftime('%m', project_transitions.occurred_on) AS INTEGER)"
	if s.db.Dialect() == database.Postgres {
		month = "CAST(EXTRACT(MONTH FROM project_transitions.occurred_on) AS INTEGER)"
	}
	var counts []struct {
		Month int
		Stage string
		N     int64
	}
	jan1, dec31 := time.Date(year, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC)
	err = scoped(db.Table("project_transitions").Joins("JOIN projects ON projects.id = project_transitions.project_id"), sc).
		Where("projects.archived_at IS NULL AND project_transitions.kind <> ? AND project_transitions.occurred_on BETWEEN ? AND ?",
			project.KindImport, jan1, dec31).
		Select(month + " AS month, project_transitions.to_stage AS stage, count(*) AS n").
		Group(month + ", project_transitions.to_stage").Scan(&counts).Error
	if err != nil {
		return moves, translate(err)
	}
	for _, c := range counts {
		if c.Month >= 1 && c.Month <= 12 {
			if moves[c.Month-1] == nil {
				moves[c.Month-1] = map[project.Stage]int64{}
			}
			moves[c.Month-1][project.Stage(c.Stage)] = c.N
		}
	}
	return moves, nil
}

// nonEmpty is ids, or one ID no project has: "IN ()" is not SQL.
// narrowed is sel reading only the projects q reads, by their IDs in
// column col: those of q.IDs, within q.From and q.Before.
func narrowed(sel *gorm.DB, col string, q stats.Query) *gorm.DB {
	if q.IDs != nil {
		sel = sel.Where(col+" IN ?", nonEmpty(q.IDs))
	}
	if q.From != "" {
		sel = sel.Where(col+" >= ?", q.From)
	}
	if q.Before != "" {
		sel = sel.Where(col+" < ?", q.Before)
	}
	return sel
}

func nonEmpty(ids []string) []string {
	if len(ids) == 0 {
		return []string{""}
	}
	return ids
}
