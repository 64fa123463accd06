package projectdb

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/guangling/pipeline/internal/project"
)

// copyColumn is a column Stream reads and how its text (PostgreSQL's COPY
// text format, unescaped; nil for NULL) goes into a row.
type copyColumn struct {
	name string
	set  func(r *projectRow, t interned, v []byte) error
}

// copyColumns are the columns of the register file's projects: what List
// reads for an export (ListQuery.Brief), but the created and updated
// times and the lists the file does not hold (funds arrived, cooperating
// units). Leaders stay: who may see the owner's contact depends on them.
var copyColumns = []copyColumn{
	{"id", unique(func(r *projectRow) *string { return &r.ID })},
	{"code", optText(func(r *projectRow) **string { return &r.Code })},
	{"name", unique(func(r *projectRow) *string { return &r.Name })},
	{"category", text(func(r *projectRow) *string { return &r.Category })},
	{"department", text(func(r *projectRow) *string { return &r.Department })},
	{"leader", text(func(r *projectRow) *string { return &r.Leader })},
	{"company", text(func(r *projectRow) *string { return &r.Company })},
	{"township", text(func(r *projectRow) *string { return &r.Township })},
	{"capacity", optFloat(func(r *projectRow) **float64 { return &r.Capacity })},
	{"capacity_unit", text(func(r *projectRow) *string { return &r.CapacityUnit })},
	{"total_investment_yuan", optInt(func(r *projectRow) **int64 { return &r.TotalInvestmentYuan })},
	{"expected_annual_output_yuan", optInt(func(r *projectRow) **int64 { return &r.ExpectedAnnualOutputYuan })},
	{"build_type", text(func(r *projectRow) *string { return &r.BuildType })},
	{"key_level", text(func(r *projectRow) *string { return &r.KeyLevel })},
	{"planned_sign_date", optDate(func(r *projectRow) **time.Time { return &r.PlannedSignDate })},
	{"planned_start_date", optDate(func(r *projectRow) **time.Time { return &r.PlannedStartDate })},
	{"planned_completion_date", optDate(func(r *projectRow) **time.Time { return &r.PlannedCompletionDate })},
	{"planned_production_date", optDate(func(r *projectRow) **time.Time { return &r.PlannedProductionDate })},
	{"in_statistics_since", optText(func(r *projectRow) **string { return &r.InStatisticsSince })},
	{"investment_type", text(func(r *projectRow) *string { return &r.InvestmentType })},
	{"in_development_zone", optBool(func(r *projectRow) **bool { return &r.InDevelopmentZone })},
	{"construction_nature", text(func(r *projectRow) *string { return &r.ConstructionNature })},
	{"works_kind", text(func(r *projectRow) *string { return &r.WorksKind })},
	{"expected_annual_tax_yuan", optInt(func(r *projectRow) **int64 { return &r.ExpectedAnnualTaxYuan })},
	{"expected_jobs", optCount(func(r *projectRow) **int { return &r.ExpectedJobs })},
	{"land_needed_mu", optFloat(func(r *projectRow) **float64 { return &r.LandNeededMu })},
	{"land_secured_mu", optFloat(func(r *projectRow) **float64 { return &r.LandSecuredMu })},
	{"new_construction_land_mu", optFloat(func(r *projectRow) **float64 { return &r.NewConstructionLandMu })},
	{"arable_land_mu", optFloat(func(r *projectRow) **float64 { return &r.ArableLandMu })},
	{"forest_land_mu", optFloat(func(r *projectRow) **float64 { return &r.ForestLandMu })},
	{"energy_needed_tce", optFloat(func(r *projectRow) **float64 { return &r.EnergyNeededTCE })},
	{"energy_secured_tce", optFloat(func(r *projectRow) **float64 { return &r.EnergySecuredTCE })},
	{"water_needed_10k_m3", optFloat(func(r *projectRow) **float64 { return &r.WaterNeeded_10kM3 })},
	{"water_secured_10k_m3", optFloat(func(r *projectRow) **float64 { return &r.WaterSecured_10kM3 })},
	{"power_needed_kva", optFloat(func(r *projectRow) **float64 { return &r.PowerNeededKVA })},
	{"power_secured_kva", optFloat(func(r *projectRow) **float64 { return &r.PowerSecuredKVA })},
	{"contract_amount_yuan", optInt(func(r *projectRow) **int64 { return &r.ContractAmountYuan })},
	{"investor", text(func(r *projectRow) *string { return &r.Investor })},
	{"investor_origin", text(func(r *projectRow) *string { return &r.InvestorOrigin })},
	{"attracting_unit", text(func(r *projectRow) *string { return &r.AttractingUnit })},
	{"leaders", setLeaders},
	{"owner_contact_name", text(func(r *projectRow) *string { return &r.OwnerContactName })},
	{"owner_contact_phone", text(func(r *projectRow) *string { return &r.OwnerContactPhone })},
	{"task_force", text(func(r *projectRow) *string { return &r.TaskForce })},
	{"predecessor_id", optText(func(r *projectRow) **string { return &r.PredecessorID })},
	{"parent_id", optText(func(r *projectRow) **string { return &r.ParentID })},
	{"stage", text(func(r *projectRow) *string { return &r.Stage })},
	{"signed_on", optDate(func(r *projectRow) **time.Time { return &r.SignedOn })},
	{"landed_on", optDate(func(r *projectRow) **time.Time { return &r.LandedOn })},
	{"started_on", optDate(func(r *projectRow) **time.Time { return &r.StartedOn })},
	{"completed_on", optDate(func(r *projectRow) **time.Time { return &r.CompletedOn })},
	{"production_on", optDate(func(r *projectRow) **time.Time { return &r.ProductionOn })},
	{"at_capacity_on", optDate(func(r *projectRow) **time.Time { return &r.AtCapacityOn })},
	{"health", text(func(r *projectRow) *string { return &r.Health })},
	{"version", func(r *projectRow, t interned, v []byte) error {
		n, err := strconv.Atoi(string(v))
		r.Version = n
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

func text(f func(r *projectRow) *string) func(*projectRow, interned, []byte) error {
	return func(r *projectRow, t interned, v []byte) error {
		*f(r) = t.text(v)
		return nil
	}
}

// unique reads a text that each row has its own of (an ID, a name).
func unique(f func(r *projectRow) *string) func(*projectRow, interned, []byte) error {
	return func(r *projectRow, _ interned, v []byte) error {
		*f(r) = string(v)
		return nil
	}
}

// interned holds short texts that rows repeat (a category, a stage, a
// township, a leader), so that each is allocated once an export rather
// than once a row. It is bounded: past internMax texts, the rest are
// allocated as they come.
type interned map[string]string

const (
	internMax = 4096
	internLen = 64 // bytes; longer texts are rarely repeated
)

// text is v as a string, taken from t when t holds it.
func (t interned) text(v []byte) string {
	if len(v) > internLen {
		return string(v)
	}
	if s, ok := t[string(v)]; ok {
		return s
	}
	s := string(v)
	if len(t) < internMax {
		t[s] = s
	}
	return s
}

func optText(f func(r *projectRow) **string) func(*projectRow, interned, []byte) error {
	return func(r *projectRow, t interned, v []byte) error {
		if v != nil {
			s := string(v)
			*f(r) = &s
		}
		return nil
	}
}

func optFloat(f func(r *projectRow) **float64) func(*projectRow, interned, []byte) error {
	return func(r *projectRow, t interned, v []byte) error {
		if v == nil {
			return nil
		}
		n, err := strconv.ParseFloat(string(v), 64)
		*f(r) = &n
		return err
	}
}

func optInt(f func(r *projectRow) **int64) func(*projectRow, interned, []byte) error {
	return func(r *projectRow, t interned, v []byte) error {
		if v == nil {
			return nil
		}
		n, err := strconv.ParseInt(string(v), 10, 64)
		*f(r) = &n
		return err
	}
}

func optCount(f func(r *projectRow) **int) func(*projectRow, interned, []byte) error {
	return func(r *projectRow, t interned, v []byte) error {
		if v == nil {
			return nil
		}
		n, err := strconv.Atoi(string(v))
		*f(r) = &n
		return err
	}
}

func optBool(f func(r *projectRow) **bool) func(*projectRow, interned, []byte) error {
	return func(r *projectRow, t interned, v []byte) error {
		if v == nil {
			return nil
		}
		b := string(v) == "t"
		*f(r) = &b
		if !b && string(v) != "f" {
			return fmt.Errorf("a boolean %q", v)
		}
		return nil
	}
}

// optDate reads a date as CopyOut writes it (ISO: YYYY-MM-DD).
func optDate(f func(r *projectRow) **time.Time) func(*projectRow, interned, []byte) error {
	return func(r *projectRow, t interned, v []byte) error {
		if v == nil {
			return nil
		}
		d, err := parseDay(v)
		*f(r) = &d
		return err
	}
}

// parseDay reads YYYY-MM-DD, the form of every date PostgreSQL writes
// within the years a project's dates may have, a quarter of the time
// time.Parse takes; anything else goes to time.Parse.
func parseDay(v []byte) (time.Time, error) {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return time.Parse(time.DateOnly, string(v))
	}
	n := func(b []byte) int {
		x := 0
		for _, c := range b {
			if c < '0' || c > '9' {
				return -1
			}
			x = x*10 + int(c-'0')
		}
		return x
	}
	y, m, d := n(v[:4]), n(v[5:7]), n(v[8:])
	if y < 0 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Parse(time.DateOnly, string(v))
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Parse(time.DateOnly, string(v)) // 31 April: its error
	}
	return t, nil
}

// setLeaders reads the leaders. Most rows hold none, or the one leader
// of their leader column as the register writes it ([{"lead": true,
// "name": …}] in jsonb's order), which are taken as they are; the rest
// are decoded as JSON, the way List reads every row (jsonValue.Scan).
func setLeaders(r *projectRow, _ interned, v []byte) error {
	switch {
	case string(v) == "[]":
		r.Leaders.V = []project.Leader{}
		return nil
	case plainJSON(r.Leader) && len(v) == len(leadPrefix)+len(r.Leader)+len(leadSuffix) &&
		string(v[:len(leadPrefix)]) == leadPrefix && string(v[len(leadPrefix):len(v)-len(leadSuffix)]) == r.Leader &&
		string(v[len(v)-len(leadSuffix):]) == leadSuffix:
		r.Leaders.V = []project.Leader{{Name: r.Leader, Lead: true}}
		return nil
	}
	return r.Leaders.Scan(v)
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
// List would read it, and calls fn with the project. The row and the
// project are made once and filled again for every row: fn has the project
// only during its call (project.Streamer), and two objects of a kilobyte
// each a row were a tenth of an export's CPU with their collection.
type copyReader struct {
	fn      func(*project.Project) error
	r       projectRow
	p       project.Project
	partial []byte   // a row begun in one Write and ended in a later one
	fields  [][]byte // the row's fields, unescaped (nil for NULL)
	scratch []byte
	texts   interned
	err     error
}

func newCopyReader(fn func(*project.Project) error) *copyReader {
	return &copyReader{fn: fn, fields: make([][]byte, len(copyColumns)), texts: interned{}}
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
			c.err = err
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
	c.scratch = c.scratch[:0]
	for n := range c.fields {
		i := bytes.IndexByte(line, '\t')
		last := n == len(c.fields)-1
		if (i < 0) != last {
			return fmt.Errorf("projectdb: a COPY row of other than %d fields", len(c.fields))
		}
		if last {
			i = len(line)
		}
		c.fields[n] = c.unescape(line[:i:i])
		line = line[min(i+1, len(line)):]
	}
	c.r = projectRow{}
	for i, col := range copyColumns {
		if err := col.set(&c.r, c.texts, c.fields[i]); err != nil {
			return fmt.Errorf("projectdb: column %s: %w", col.name, err)
		}
	}
	c.p = toProject(c.r)
	return c.fn(&c.p)
}

// unescape reads a field of COPY's text format: \N is NULL, and a
// backslash escapes the characters that would break the format.
func (c *copyReader) unescape(f []byte) []byte {
	if len(f) == 2 && f[0] == '\\' && f[1] == 'N' {
		return nil
	}
	if bytes.IndexByte(f, '\\') < 0 {
		return f
	}
	start := len(c.scratch)
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
	// The field's bytes, not the buffer's spare capacity: a later field
	// must not see them change.
	return c.scratch[start:len(c.scratch):len(c.scratch)]
}
