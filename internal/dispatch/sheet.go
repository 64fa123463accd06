package dispatch

import (
	"github.com/guangling/pipeline/internal/calendar"
	"github.com/guangling/pipeline/internal/plan"
)

// SheetRow is one plan entry's row of the 调度表 (docs/dispatch.md, "The
// sheet"). Money is in yuan; it is rounded to 万元 only when written, and
// sums are taken in yuan, so a subtotal may differ from the sum of its
// rounded rows.
type SheetRow struct {
	ProjectID           string
	Section             plan.Section
	Name                string
	BuildType           plan.BuildType // the plan's 新建 / 续建 / 前期
	Content             string         // 建设规模及主要内容
	TotalInvestmentYuan *int64
	CumulativeYuan      int64  // 开工以来累计完成: the opening balance and months 1..P
	PlannedYuan         *int64 // 年度计划投资
	ToDateYuan          int64  // 1–P月完成
	SiteProgress        string // 形象进度 of period P's report
	Problems            string // 存在问题
	Leader              string // 包联领导
	Department          string // 责任单位, its Chinese name
	// State is period P's report's state, "" when there is none; a row
	// whose report is not accepted is marked.
	State     State
	Corrected bool // 已更正
	// Earlier are the months before P whose money is in 1–P月完成 (or, not
	// counting, out of it) and that the row is marked for: owed and not
	// accepted, or corrected; in order.
	Earlier []MonthMark
}

// MonthMark is how an earlier month of a row stands: its report's state
// ("" when none) and whether it was corrected.
type MonthMark struct {
	Month     calendar.Month
	State     State
	Corrected bool
}

// Totals are the sums of a section or of the whole sheet, in yuan.
// PlannedToDateYuan is the 1–P月完成 of the rows that have a planned
// amount, which a 完成率 divides; TotalKnown counts the rows that have a
// total investment (a 总投资 of none is empty, not 0).
type Totals struct {
	Count                                                        int
	TotalInvestmentYuan, CumulativeYuan, PlannedYuan, ToDateYuan int64
	PlannedToDateYuan                                            int64
	TotalKnown                                                   int
}

// SheetSection is one section's rows and their 小计.
type SheetSection struct {
	Section  plan.Section
	Rows     []SheetRow
	Subtotal Totals
}

// Sheet is the 调度表 of a period: titled with the county, the year and the
// period P, grouped by section (in plan.Sections order, empty ones left
// out), with a 合计.
type Sheet struct {
	County   string
	Year     int
	Period   calendar.Month
	Sections []SheetSection
	Total    Totals
}
