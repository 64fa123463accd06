package projectdb

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/health"
	"github.com/guangling/pipeline/internal/project"
)

// copyColumn is a column Stream reads and how its field goes into the
// project.
type copyColumn struct {
	name string
	set  setter
}

// A setter puts a field into p. What a pointer of p points to is held in
// the column's slot, which the reader fills again for every row.
type setter func(p *project.Project, s *slot, v field) error

// field is one field of a COPY row in its text format, unescaped: a slice
// of the row's one string (or a string of its own where escapes were
// undone), or NULL.
type field struct {
	text string
	null bool
}

// slot holds a column's value for the project's pointer to it.
type slot struct {
	day     time.Time
	float   float64
	int64   int64
	int     int
	bool    bool
	text    string
	month   calendar.Month
	leaders []project.Leader
}

// copyColumns are the columns of the register file's projects: what List
// reads for an export (ListQuery.Brief), but the created and updated
// times and the lists the file does not hold (funds arrived, cooperating
// units). Leaders stay: who may see the owner's contact depends on them.
// Each is read as toProject reads List's row.
var copyColumns = []copyColumn{
	{"id", text(func(p *project.Project) *string { return &p.ID })},
	{"code", optText(func(p *project.Project) **string { return &p.Code })},
	{"name", text(func(p *project.Project) *string { return &p.Name })},
	{"category", text(func(p *project.Project) *project.Category { return &p.Category })},
	{"department", text(func(p *project.Project) *string { return &p.Department })},
	{"leader", text(func(p *project.Project) *string { return &p.Leader })},
	{"company", text(func(p *project.Project) *string { return &p.Company })},
	{"township", text(func(p *project.Project) *string { return &p.Township })},
	{"capacity", optFloat(func(p *project.Project) **float64 { return &p.Capacity })},
	{"capacity_unit", text(func(p *project.Project) *string { return &p.CapacityUnit })},
	{"total_investment_yuan", optInt(func(p *project.Project) **int64 { return &p.TotalInvestmentYuan })},
	{"expected_annual_output_yuan", optInt(func(p *project.Project) **int64 { return &p.ExpectedAnnualOutputYuan })},
	{"build_type", text(func(p *project.Project) *project.BuildType { return &p.BuildType })},
	{"key_level", text(func(p *project.Project) *project.KeyLevel { return &p.KeyLevel })},
	{"planned_sign_date", optDate(func(p *project.Project) **time.Time { return &p.PlannedSignDate })},
	{"planned_start_date", optDate(func(p *project.Project) **time.Time { return &p.PlannedStartDate })},
	{"planned_completion_date", optDate(func(p *project.Project) **time.Time { return &p.PlannedCompletionDate })},
	{"planned_production_date", optDate(func(p *project.Project) **time.Time { return &p.PlannedProductionDate })},
	{"in_statistics_since", setMonth},
	{"investment_type", text(func(p *project.Project) *project.InvestmentType { return &p.InvestmentType })},
	{"in_development_zone", setDevelopmentZone},
	{"construction_nature", text(func(p *project.Project) *project.ConstructionNature { return &p.ConstructionNature })},
	{"works_kind", text(func(p *project.Project) *project.WorksKind { return &p.WorksKind })},
	{"expected_annual_tax_yuan", optInt(func(p *project.Project) **int64 { return &p.ExpectedAnnualTaxYuan })},
	{"expected_jobs", setJobs},
	{"land_needed_mu", optFloat(func(p *project.Project) **float64 { return &p.LandNeededMu })},
	{"land_secured_mu", optFloat(func(p *project.Project) **float64 { return &p.LandSecuredMu })},
	{"new_construction_land_mu", optFloat(func(p *project.Project) **float64 { return &p.NewConstructionLandMu })},
	{"arable_land_mu", optFloat(func(p *project.Project) **float64 { return &p.ArableLandMu })},
	{"forest_land_mu", optFloat(func(p *project.Project) **float64 { return &p.ForestLandMu })},
	{"energy_needed_tce", optFloat(func(p *project.Project) **float64 { return &p.EnergyNeededTCE })},
	{"energy_secured_tce", optFloat(func(p *project.Project) **float64 { return &p.EnergySecuredTCE })},
	{"water_needed_10k_m3", optFloat(func(p *project.Project) **float64 { return &p.WaterNeeded10kM3 })},
	{"water_secured_10k_m3", optFloat(func(p *project.Project) **float64 { return &p.WaterSecured10kM3 })},
	{"power_needed_kva", optFloat(func(p *project.Project) **float64 { return &p.PowerNeededKVA })},
	{"power_secured_kva", optFloat(func(p *project.Project) **float64 { return &p.PowerSecuredKVA })},
	{"contract_amount_yuan", optInt(func(p *project.Project) **int64 { return &p.ContractAmountYuan })},
	{"investor", text(func(p *project.Project) *string { return &p.Investor })},
	{"investor_origin", text(func(p *project.Project) *project.Origin { return &p.InvestorOrigin })},
	{"attracting_unit", text(func(p *project.Project) *string { return &p.AttractingUnit })},
	{"leaders", setLeaders},
	{"owner_contact_name", text(func(p *project.Project) *string { return &p.OwnerContactName })},
	{"owner_contact_phone", text(func(p *project.Project) *string { return &p.OwnerContactPhone })},
	{"task_force", text(func(p *project.Project) *string { return &p.TaskForce })},
	{"predecessor_id", optID(func(p *project.Project) **string { return &p.PredecessorID })},
	{"parent_id", optID(func(p *project.Project) **string { return &p.ParentID })},
	{"stage", text(func(p *project.Project) *project.Stage { return &p.Stage })},
	{"signed_on", optDate(func(p *project.Project) **time.Time { return &p.Actual.SignedOn })},
	{"landed_on", optDate(func(p *project.Project) **time.Time { return &p.Actual.LandedOn })},
	{"started_on", optDate(func(p *project.Project) **time.Time { return &p.Actual.StartedOn })},
	{"completed_on", optDate(func(p *project.Project) **time.Time { return &p.Actual.CompletedOn })},
	{"production_on", optDate(func(p *project.Project) **time.Time { return &p.Actual.ProductionOn })},
	{"at_capacity_on", optDate(func(p *project.Project) **time.Time { return &p.Actual.AtCapacityOn })},
	{"health", text(func(p *project.Project) *health.Level { return &p.Health })},
	{"version", func(p *project.Project, _ *slot, v field) (err error) {
		p.Version, err = strconv.Atoi(v.text)
		return err
	}},
}

func streamColumns() []string {
	out := make([]string, len(copyColumns))
	for i, c := range copyColumns {
		out[i] = c.name
	}
	return out
}

// text reads a text column; NULL, which no such column holds, reads as "".
func text[T ~string](f func(p *project.Project) *T) setter {
	return func(p *project.Project, _ *slot, v field) error {
		*f(p) = T(v.text)
		return nil
	}
}

func optText(f func(p *project.Project) **string) setter {
	return func(p *project.Project, s *slot, v field) error {
		if !v.null {
			s.text = v.text
			*f(p) = &s.text
		}
		return nil
	}
}

// optID reads a project ID as the register writes IDs (lowerID).
func optID(f func(p *project.Project) **string) setter {
	return func(p *project.Project, s *slot, v field) error {
		if !v.null {
			s.text = strings.ToLower(v.text)
			*f(p) = &s.text
		}
		return nil
	}
}

func optFloat(f func(p *project.Project) **float64) setter {
	return func(p *project.Project, s *slot, v field) (err error) {
		if !v.null {
			s.float, err = strconv.ParseFloat(v.text, 64)
			*f(p) = &s.float
		}
		return err
	}
}

func optInt(f func(p *project.Project) **int64) setter {
	return func(p *project.Project, s *slot, v field) (err error) {
		if !v.null {
			s.int64, err = strconv.ParseInt(v.text, 10, 64)
			*f(p) = &s.int64
		}
		return err
	}
}

// optDate reads a date as CopyOut writes it (ISO: YYYY-MM-DD).
func optDate(f func(p *project.Project) **time.Time) setter {
	return func(p *project.Project, s *slot, v field) (err error) {
		if !v.null {
			s.day, err = parseDay(v.text)
			*f(p) = &s.day
		}
		return err
	}
}

func setJobs(p *project.Project, s *slot, v field) (err error) {
	if !v.null {
		s.int, err = strconv.Atoi(v.text)
		p.ExpectedJobs = &s.int
	}
	return err
}

func setDevelopmentZone(p *project.Project, s *slot, v field) error {
	if v.null {
		return nil
	}
	if v.text != "t" && v.text != "f" {
		return fmt.Errorf("a boolean %q", v.text)
	}
	s.bool = v.text == "t"
	p.InDevelopmentZone = &s.bool
	return nil
}

// setMonth reads the month as month does: a text not YYYY-MM is none.
func setMonth(p *project.Project, s *slot, v field) (err error) {
	if v.null {
		return nil
	}
	if s.month, err = calendar.ParseMonth(v.text); err == nil {
		p.InStatisticsSince = &s.month
	}
	return nil
}

// parseDay reads YYYY-MM-DD, the form of every date PostgreSQL writes
// within the years a project's dates may have, a quarter of the time
// time.Parse takes; anything else goes to time.Parse.
func parseDay(v string) (time.Time, error) {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return time.Parse(time.DateOnly, v)
	}
	n := func(b string) int {
		x := 0
		for _, c := range []byte(b) {
			if c < '0' || c > '9' {
				return -1
			}
			x = x*10 + int(c-'0')
		}
		return x
	}
	y, m, d := n(v[:4]), n(v[5:7]), n(v[8:])
	if y < 0 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Parse(time.DateOnly, v)
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Parse(time.DateOnly, v) // 31 April: its error
	}
	return t, nil
}

// setLeaders reads the leaders as leadersOf does, after the leader (an
// earlier column). Most rows hold none, or the one leader of their leader
// column as the register writes it ([{"lead": true, "name": …}] in jsonb's
// order), which are taken as they are; the rest are decoded as JSON.
func setLeaders(p *project.Project, s *slot, v field) error {
	var ls []project.Leader
	switch {
	case v.null || v.text == "[]":
	case plainJSON(p.Leader) && len(v.text) == len(leadPrefix)+len(p.Leader)+len(leadSuffix) &&
		strings.HasPrefix(v.text, leadPrefix) && strings.HasSuffix(v.text, leadSuffix) &&
		v.text[len(leadPrefix):len(v.text)-len(leadSuffix)] == p.Leader:
		s.leaders = append(s.leaders[:0], project.Leader{Name: p.Leader, Lead: true})
		ls = s.leaders
	default:
		if err := json.Unmarshal([]byte(v.text), &ls); err != nil {
			return err
		}
	}
	p.Leaders = leadersFor(p.Leader, nonNil(ls))
	return nil
}

// The leaders of a row that names one, its leader, as jsonb writes them.
const (
	leadPrefix = `[{"lead": true, "name": "`
	leadSuffix = `"}]`
)

// plainJSON reports text that JSON writes as it is, between quotes.
func plainJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == 0x7f {
			return false
		}
	}
	return true
}

// copyReader takes the rows of a COPY in its text format, decodes each as
// List would read it, and calls fn with the project. A row's text is one
// string, whose slices are its texts; the project and what its pointers
// point to (the slots) are the reader's, filled again for every row: fn
// has the project only during its call (project.Streamer). An object or a
// string a field was most of an export's allocations, and with their
// collection a tenth of its CPU.
type copyReader struct {
	fn      func(*project.Project) error
	p       project.Project
	slots   []slot
	fields  []field
	partial []byte // a row begun in one Write and ended in a later one
	scratch []byte
}

func newCopyReader(fn func(*project.Project) error) *copyReader {
	return &copyReader{fn: fn, slots: make([]slot, len(copyColumns)), fields: make([]field, len(copyColumns))}
}

var errCopyCutShort = errors.New("projectdb: a COPY row without its end")

// Write takes whole rows; a row split between writes is put together.
func (c *copyReader) Write(b []byte) (int, error) {
	n := len(b)
	if len(c.partial) > 0 {
		c.partial = append(c.partial, b...)
		b = c.partial
	}
	for {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			break
		}
		if err := c.row(b[:i]); err != nil {
			return 0, err
		}
		b = b[i+1:]
	}
	c.partial = append(c.partial[:0], b...)
	return n, nil
}

// end reports a row left unfinished.
func (c *copyReader) end() error {
	if len(c.partial) > 0 {
		return errCopyCutShort
	}
	return nil
}

// row decodes one row and hands its project to fn.
func (c *copyReader) row(line []byte) error {
	if err := c.split(string(line)); err != nil {
		return err
	}
	// What toProject gives the lists a row of the file does not read.
	c.p = project.Project{Fields: project.Fields{Funding: []project.Funding{},
		FundsArrived: []project.FundsArrived{}, CooperatingUnits: []string{}}, HealthReasons: []health.Reason{}}
	for i, col := range copyColumns {
		if err := col.set(&c.p, &c.slots[i], c.fields[i]); err != nil {
			return fmt.Errorf("projectdb: column %s: %w", col.name, err)
		}
	}
	return c.fn(&c.p)
}

// split cuts a row at its tabs into c.fields.
func (c *copyReader) split(row string) error {
	for n := range c.fields {
		i := strings.IndexByte(row, '\t')
		last := n == len(c.fields)-1
		if (i < 0) != last {
			return fmt.Errorf("projectdb: a COPY row of other than %d fields", len(c.fields))
		}
		if last {
			i = len(row)
		}
		c.fields[n] = c.unescape(row[:i])
		row = row[min(i+1, len(row)):]
	}
	return nil
}

// unescape reads a field of COPY's text format: \N is NULL, and a
// backslash escapes the characters that would break the format.
func (c *copyReader) unescape(f string) field {
	if f == `\N` {
		return field{null: true}
	}
	if strings.IndexByte(f, '\\') < 0 {
		return field{text: f}
	}
	c.scratch = c.scratch[:0]
	for i := 0; i < len(f); i++ {
		if f[i] != '\\' || i+1 == len(f) {
			c.scratch = append(c.scratch, f[i])
			continue
		}
		i++
		switch e := f[i]; e {
		case 'b':
			c.scratch = append(c.scratch, '\b')
		case 'f':
			c.scratch = append(c.scratch, '\f')
		case 'n':
			c.scratch = append(c.scratch, '\n')
		case 'r':
			c.scratch = append(c.scratch, '\r')
		case 't':
			c.scratch = append(c.scratch, '\t')
		case 'v':
			c.scratch = append(c.scratch, '\v')
		default:
			c.scratch = append(c.scratch, e) // \\ and any other character as itself
		}
	}
	return field{text: string(c.scratch)}
}
