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
}

// StartRate is 新建项目开工率 on both bases (docs/stats.md).
type StartRate struct {
	// New projects planned to start in the year.
	Annual Rate `json:"annual"`
	// New projects planned to start by as_of.
	ToDate Rate    `json:"to_date"`
	Target float64 `json:"target" example:"0.75"`
}

// InvestmentCompletion is 投资完成率: completed investment of the year up to
// as_of's month over the year's planned investment, in yuan, against 序时进度.
type InvestmentCompletion struct {
	Rate
	// Months elapsed / 12.
	TimeProgress float64 `json:"time_progress" example:"0.5"`
	// Percentage points behind time progress (negative when ahead); null
	// without a plan.
	GapPoints *float64 `json:"gap_points" extensions:"x-nullable"`
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
	Year                 int                  `json:"year" example:"2021"`
	AsOf                 string               `json:"as_of" format:"date"`
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
	// The year's plans and completed investment of the group.
	PlannedYuan   int64 `json:"planned_yuan"`
	CompletedYuan int64 `json:"completed_yuan"`
}

// Breakdown groups the live projects by one key.
type Breakdown struct {
	By    string          `json:"by" enums:"stage,category,department,township,leader"`
	Year  int             `json:"year"`
	Items []BreakdownItem `json:"items"`
}

// Batch is one of 三个一批: the projects signed, started or put into
// production in the quarter.
type Batch struct {
	ProjectSet
	ExpectedAnnualOutputYuan int64 `json:"expected_annual_output_yuan"`
}

// Batches is 三个一批 for a quarter.
type Batches struct {
	Year         int   `json:"year"`
	Quarter      int   `json:"quarter" example:"2"`
	Signed       Batch `json:"signed"`
	Started      Batch `json:"started"`
	InProduction Batch `json:"in_production"`
}

// TrendMonth is one month of a year.
type TrendMonth struct {
	Month string `json:"month" example:"2021-03"`
	// Investment completed in the month, and from January to the month.
	CompletedYuan           int64 `json:"completed_yuan"`
	CumulativeCompletedYuan int64 `json:"cumulative_completed_yuan"`
	// The year's plan × month / 12 (序时进度).
	PlannedToDateYuan int64 `json:"planned_to_date_yuan"`
	// Stage moves in the month by the stage moved to (imports aside).
	Moves map[string]int64 `json:"moves"`
}

// Trend is a year month by month.
type Trend struct {
	Year        int          `json:"year"`
	PlannedYuan int64        `json:"planned_yuan"`
	Months      []TrendMonth `json:"months"`
}
