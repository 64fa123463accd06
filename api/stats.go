package api

// ProjectIDs are the projects behind a rate, for drill-down.
type ProjectIDs struct {
	Numerator   []string `json:"numerator"`
	Denominator []string `json:"denominator"`
}

// Rate is a KPI: numerator over denominator (rate is null when the
// denominator is 0), with the projects behind both (null when the overview
// was asked for with ids=false).
type Rate struct {
	Numerator   int64       `json:"numerator"`
	Denominator int64       `json:"denominator"`
	Rate        *float64    `json:"rate" extensions:"x-nullable"`
	ProjectIDs  *ProjectIDs `json:"project_ids" extensions:"x-nullable"`
}

// TargetRate is a rate with its target.
type TargetRate struct {
	Rate
	Target float64 `json:"target" example:"1"`
	// The day the target is due by; null when the plan sets none.
	TargetDate *string `json:"target_date" format:"date" extensions:"x-nullable"`
	// 续建 entries under construction at the end of the year before that the
	// bureau marked 停缓建: out of the rate, listed with their reasons.
	Stalled []StalledEntry `json:"stalled"`
}

// StalledEntry is a 停缓建 entry and its reason.
type StalledEntry struct {
	ProjectID string `json:"project_id" format:"uuid"`
	Reason    string `json:"reason"`
}

// Checkpoint is a target rate due by a day.
type Checkpoint struct {
	Date string  `json:"date" format:"date"`
	Rate float64 `json:"rate" example:"0.75"`
}

// PlanVersion names the version of the year's plan a number reads.
type PlanVersion struct {
	State    string  `json:"state" enums:"draft,issued"`
	IssuedOn *string `json:"issued_on" format:"date" extensions:"x-nullable"`
	Basis    string  `json:"basis" enums:"as_of,baseline,current"`
	// The last adjustment read (0: as issued, or a draft as it stands).
	Revision int `json:"revision"`
	// Its effective day (the 下达 day for revision 0; null for a draft).
	EffectiveOn *string `json:"effective_on" format:"date" extensions:"x-nullable"`
}

// Money is an amount in yuan with the projects behind it (null in an
// overview asked for with ids=false).
type Money struct {
	Yuan       int64    `json:"yuan"`
	ProjectIDs []string `json:"project_ids" extensions:"x-nullable"`
}

// Cumulative is 累计完成投资 of the plan's entries: the opening balance (to
// the end of the year before: the entry's when set, else the reports of the
// earlier years) and months 1..P.
type Cumulative struct {
	OpeningYuan int64    `json:"opening_yuan"`
	YearYuan    int64    `json:"year_yuan"`
	TotalYuan   int64    `json:"total_yuan"`
	ProjectIDs  []string `json:"project_ids" extensions:"x-nullable"`
	// Entries whose opening balance the bureau set.
	OpeningSetIDs []string `json:"opening_set_ids" extensions:"x-nullable"`
}

// Statistical is 入统, shown apart from the KPIs: the statistical
// investment reported for months 1..P, and the projects in the statistics
// by P.
type Statistical struct {
	Yuan       int64    `json:"yuan"`
	Count      int64    `json:"count"`
	ProjectIDs []string `json:"project_ids" extensions:"x-nullable"`
}

// Firsts counts 本年竣工 or 本年投产: the plan's entries whose first
// completion or production fell in the year by as_of, and apart the rest
// of the register's.
type Firsts struct {
	Plan        ProjectSet `json:"plan"`
	OutsidePlan ProjectSet `json:"outside_plan"`
}

// StartRate is 新建项目开工率 on both bases (docs/stats.md).
type StartRate struct {
	// New projects planned to start in the year.
	Annual Rate `json:"annual"`
	// New projects planned to start by as_of.
	ToDate Rate    `json:"to_date"`
	Target float64 `json:"target" example:"0.75"`
	// The day of the checkpoint in force on as_of (the first on or after
	// it, else the last).
	TargetDate  *string      `json:"target_date" format:"date" extensions:"x-nullable"`
	Checkpoints []Checkpoint `json:"checkpoints"`
	// 新建 entries first started before the year: misclassified.
	MisclassifiedIDs []string `json:"misclassified_ids" extensions:"x-nullable"`
}

// InvestmentCompletion is 投资完成率: months 1..P of the entries with a
// planned amount over their planned investment, in yuan, against 序时进度.
type InvestmentCompletion struct {
	Rate
	// Months elapsed / 12.
	TimeProgress float64 `json:"time_progress" example:"0.5"`
	// Percentage points behind time progress (negative when ahead); null
	// without a plan.
	GapPoints *float64 `json:"gap_points" extensions:"x-nullable"`
	// Entries without a planned amount (they add 0 to the denominator).
	NoAmountIDs []string `json:"no_amount_ids" extensions:"x-nullable"`
	// Months 1..P of the entries without a planned amount, and the entries
	// with some: never in the rate (累计完成投资 keeps them).
	NoAmount Money `json:"no_amount"`
	// Months 1..P of the projects without an entry: never in the rate.
	OutsidePlan Money `json:"outside_plan"`
}

// StageCount is the projects at one stage.
type StageCount struct {
	Stage               string `json:"stage"`
	Count               int64  `json:"count"`
	TotalInvestmentYuan int64  `json:"total_investment_yuan"`
}

// ProjectSet is a counted set of projects with its investment, and their
// IDs (null in an overview asked for with ids=false).
type ProjectSet struct {
	Count               int64    `json:"count"`
	TotalInvestmentYuan int64    `json:"total_investment_yuan"`
	ProjectIDs          []string `json:"project_ids" extensions:"x-nullable"`
}

// Totals counts projects and their investment.
type Totals struct {
	Count               int64 `json:"count"`
	TotalInvestmentYuan int64 `json:"total_investment_yuan"`
}

// HealthCounts counts projects by health.
type HealthCounts struct {
	Green  int64 `json:"green"`
	Yellow int64 `json:"yellow"`
	Red    int64 `json:"red"`
}

// Overview is the leadership's KPIs for a year as of a day, over the projects
// the caller may read.
type Overview struct {
	Year int    `json:"year" example:"2021"`
	AsOf string `json:"as_of" format:"date"`
	// P, the last period whose reports count (money); null when none does.
	Period *string `json:"period" example:"2021-05" extensions:"x-nullable"`
	// The plan version read; null when the year has no plan (every rate is
	// then null).
	Plan *PlanVersion `json:"plan" extensions:"x-nullable"`
	// Which reports count: submitted and accepted, or accepted only.
	Reports              string               `json:"reports" enums:"counted,accepted"`
	CumulativeCompletion Cumulative           `json:"cumulative_completion"`
	Statistical          Statistical          `json:"statistical"`
	CompletedThisYear    Firsts               `json:"completed_this_year"`
	InProductionThisYear Firsts               `json:"in_production_this_year"`
	StartRate            StartRate            `json:"start_rate"`
	ResumptionRate       TargetRate           `json:"resumption_rate"`
	InvestmentCompletion InvestmentCompletion `json:"investment_completion"`
	// Live projects by their stage on as_of.
	ByStage []StageCount `json:"by_stage"`
	// Projects of total investment ≥ 100,000,000 yuan (亿元以上).
	Over100M ProjectSet `json:"over_100m"`
	// Every live project.
	Projects Totals       `json:"projects"`
	Health   HealthCounts `json:"health"`
}

// BreakdownItem is one group of a breakdown.
type BreakdownItem struct {
	// The stage, category, department code, township or leader.
	Key string `json:"key"`
	// Its Chinese name, where it has one.
	Label               string `json:"label"`
	Count               int64  `json:"count"`
	TotalInvestmentYuan int64  `json:"total_investment_yuan"`
	// The group's entries in force, their planned investment and months
	// 1..P of those with a planned amount; the months 1..P of its entries
	// without an amount and of its projects without an entry, apart.
	Entries         int64 `json:"entries"`
	PlannedYuan     int64 `json:"planned_yuan"`
	CompletedYuan   int64 `json:"completed_yuan"`
	NoAmountYuan    int64 `json:"no_amount_yuan"`
	OutsidePlanYuan int64 `json:"outside_plan_yuan"`
	// The group's projects with ids=true, else null.
	ProjectIDs []string `json:"project_ids" extensions:"x-nullable"`
}

// Breakdown groups the live projects by one key.
type Breakdown struct {
	By     string          `json:"by" enums:"stage,category,department,township,leader,section,build_type"`
	Year   int             `json:"year"`
	AsOf   string          `json:"as_of" format:"date"`
	Period *string         `json:"period" extensions:"x-nullable"`
	Plan   *PlanVersion    `json:"plan" extensions:"x-nullable"`
	Items  []BreakdownItem `json:"items"`
}

// Batch is one of 三个一批: the projects signed, started or put into
// production in the quarter.
type Batch struct {
	ProjectSet
	ExpectedAnnualOutputYuan int64 `json:"expected_annual_output_yuan"`
	// Derived from the days, for a quarter where nothing is designated.
	Derived bool `json:"derived"`
}

// Batches is 三个一批 for a quarter, or for the year.
type Batches struct {
	Year int `json:"year"`
	// Null for the whole year.
	Quarter      *int  `json:"quarter" example:"2" extensions:"x-nullable"`
	Signed       Batch `json:"signed"`
	Started      Batch `json:"started"`
	InProduction Batch `json:"in_production"`
}

// TrendMonth is one month of a year.
type TrendMonth struct {
	Month string `json:"month" example:"2021-03"`
	// Whether the month's reports are due (the month is P or before it).
	Due bool `json:"due"`
	// The investment completed in the month of the plan's entries with a
	// planned amount, and from January to the month.
	CompletedYuan           int64 `json:"completed_yuan"`
	CumulativeCompletedYuan int64 `json:"cumulative_completed_yuan"`
	// The year's plan × month / 12 (序时进度).
	PlannedToDateYuan int64 `json:"planned_to_date_yuan"`
	// The month's investment of the entries without a planned amount.
	NoAmountYuan int64 `json:"no_amount_yuan"`
	// The month's investment of the projects without an entry.
	OutsidePlanYuan int64 `json:"outside_plan_yuan"`
	// Stage moves in the month by the stage moved to (imports aside).
	Moves map[string]int64 `json:"moves"`
}

// Trend is a year month by month.
type Trend struct {
	Year        int          `json:"year"`
	AsOf        string       `json:"as_of" format:"date"`
	Period      *string      `json:"period" extensions:"x-nullable"`
	Plan        *PlanVersion `json:"plan" extensions:"x-nullable"`
	PlannedYuan int64        `json:"planned_yuan"`
	Months      []TrendMonth `json:"months"`
}

// Designation is a project designated into a quarter's batch of 三个一批.
type Designation struct {
	Year         int    `json:"year" example:"2021"`
	Quarter      int    `json:"quarter" example:"2"`
	Kind         string `json:"kind" enums:"signed,started,in_production"`
	ProjectID    string `json:"project_id" format:"uuid"`
	DesignatedAt string `json:"designated_at" format:"date-time"`
	DesignatedBy string `json:"designated_by"`
}
