// Package indicator keeps the county's reported indicators (县级指标) of a
// year as the bureau entered them: 全社会固定资产投资 and its growth, the
// projects under construction, completed and in production, the investment
// completed, the 亿元以上 projects brought in, and the year's targets
// (docs/stats.md, "县级指标 · County indicators"). They are shown beside
// the numbers computed from the register and never mixed with them: the
// county's totals count projects the register does not hold.
package indicator

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/guangling/pipeline/internal/project"
)

// Code names an indicator of the closed set Definitions.
type Code string

// Definition is an indicator the county reports: its code, its names and
// the unit its value is always given in. A target is a goal set for the
// year rather than a figure reported of it.
type Definition struct {
	Code   Code
	ZH     string
	EN     string
	Unit   string
	Target bool
}

// Definitions is the closed set of indicators, in the order of
// docs/stats.md. A year's list keeps the order the bureau gave.
var Definitions = []Definition{
	{"fixed_asset_investment", "全社会固定资产投资", "Fixed-asset investment", "万元", false},
	{"fixed_asset_investment_growth", "全社会固定资产投资增速", "Fixed-asset investment growth", "%", false},
	{"projects_under_construction", "在建项目", "Projects under construction", "个", false},
	{"projects_completed", "竣工项目", "Projects completed", "个", false},
	{"projects_in_production", "投产项目", "Projects put into production", "个", false},
	{"investment_completed", "建设项目完成投资", "Investment completed by the projects", "亿元", false},
	{"projects_over_100m_introduced", "引进亿元以上项目", "Projects of 100 million yuan or more brought in", "个", false},
	{"fixed_asset_investment_growth_target", "固定资产投资增长目标", "Fixed-asset investment growth target", "%", true},
	{"start_rate_target", "新建项目开工率目标", "Start rate target of new projects", "%", true},
	{"resumption_rate_target", "续建项目复工率目标", "Resumption rate target of continuing projects", "%", true},
}

// Of returns the definition of code.
func Of(code Code) (Definition, bool) {
	i := slices.IndexFunc(Definitions, func(d Definition) bool { return d.Code == code })
	if i < 0 {
		return Definition{}, false
	}
	return Definitions[i], true
}

// Item is one indicator of a year as the bureau entered it. Value is the
// decimal as it was written (374204, 13.5, 42.89), never a float: a figure
// the county signed comes back digit for digit.
type Item struct {
	Code   Code
	Label  string
	Value  string
	Unit   string
	Period string
	Source string
}

// Year is a year's list of indicators, changed as a whole.
type Year struct {
	Year      int
	Items     []Item
	Version   int
	UpdatedAt time.Time
	UpdatedBy string
}

// Limits of a year's list, in items and characters.
const (
	MaxItems  = 100
	MaxLabel  = 100
	MaxSource = 500
)

var (
	decimalPattern = regexp.MustCompile(`^-?(0|[1-9][0-9]{0,14})(\.[0-9]{1,6})?$`)
	periodPattern  = regexp.MustCompile(`^([0-9]{4})(-(0[1-9]|1[0-2])(-[0-3][0-9])?)?$`)
)

// codes lists the codes of Definitions, for error parameters.
func codes() string {
	out := make([]string, len(Definitions))
	for i, d := range Definitions {
		out[i] = string(d.Code)
	}
	return strings.Join(out, ",")
}

// Normalize trims the items' text and fills what an item may leave out:
// the label and unit of its code, and the year as its period.
func Normalize(year int, items []Item) []Item {
	out := make([]Item, len(items))
	for i, it := range items {
		it.Code = Code(strings.TrimSpace(string(it.Code)))
		it.Label, it.Value, it.Unit = strings.TrimSpace(it.Label), strings.TrimSpace(it.Value), strings.TrimSpace(it.Unit)
		it.Period, it.Source = strings.TrimSpace(it.Period), strings.TrimSpace(it.Source)
		if d, ok := Of(it.Code); ok {
			if it.Label == "" {
				it.Label = d.ZH
			}
			if it.Unit == "" {
				it.Unit = d.Unit
			}
		}
		if it.Period == "" {
			it.Period = strconv.Itoa(year)
		}
		out[i] = it
	}
	return out
}

// Validate checks a year's normalised list and returns every problem at
// once: a known code at most once per period, a decimal value, the code's
// own unit, a period of the year (YYYY, YYYY-MM or a day YYYY-MM-DD) and a
// source.
func Validate(year int, items []Item) error {
	var c project.Check
	switch {
	case len(items) == 0:
		c.Add("items", "required", "")
	case len(items) > MaxItems:
		c.Add("items", "too_long", strconv.Itoa(MaxItems))
	}
	seen := map[[2]string]bool{}
	for i, it := range items {
		p := "items[" + strconv.Itoa(i) + "]."
		d, known := Of(it.Code)
		switch {
		case !known:
			c.Add(p+"code", "invalid_value", codes())
		case seen[[2]string{string(it.Code), it.Period}]:
			c.Add(p+"code", "not_unique", "")
		}
		seen[[2]string{string(it.Code), it.Period}] = true
		c.Text(p+"label", it.Label, MaxLabel, true)
		if !decimalPattern.MatchString(it.Value) {
			c.Add(p+"value", "invalid_format", "decimal")
		}
		if known && it.Unit != d.Unit {
			c.Add(p+"unit", "invalid_value", d.Unit)
		}
		checkPeriod(&c, p+"period", year, it.Period)
		c.Text(p+"source", it.Source, MaxSource, true)
	}
	return c.Err()
}

func checkPeriod(c *project.Check, field string, year int, s string) {
	m := periodPattern.FindStringSubmatch(s)
	if m == nil {
		c.Add(field, "invalid_format", "YYYY, YYYY-MM, YYYY-MM-DD")
		return
	}
	if len(s) == len("2006-01-02") {
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			c.Add(field, "invalid_format", "YYYY, YYYY-MM, YYYY-MM-DD")
			return
		}
	}
	if m[1] != strconv.Itoa(year) {
		c.Add(field, "out_of_range", strconv.Itoa(year))
	}
}
