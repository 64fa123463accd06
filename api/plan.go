package api

// PlanEntryWrite is a project's entry in a year's plan (docs/plan.md). A
// PUT replaces the whole entry: a field left out takes its default.
type PlanEntryWrite struct {
	// 新建, 续建 or 前期 for the year; default from the project (build_type_source says how).
	BuildType *string `json:"build_type,omitempty" enums:"new,continuing,preliminary"`
	// Default the project's.
	KeyLevel              *string `json:"key_level,omitempty" enums:"none,county,city,province,national"`
	PlannedInvestmentYuan *int64  `json:"planned_investment_yuan,omitempty" example:"120000000" minimum:"0"`
	// A month of the plan's year, YYYY-MM.
	PlannedStartMonth   *string `json:"planned_start_month,omitempty" example:"2021-05"`
	PlannedCompletionOn *string `json:"planned_completion_on,omitempty" format:"date"`
	PlannedProductionOn *string `json:"planned_production_on,omitempty" format:"date"`
	// 年度建设内容 / 形象进度目标.
	Goals string `json:"goals,omitempty"`
	// 责任单位, a department code; default the project's.
	Department string `json:"department,omitempty" example:"energy"`
	// 包联领导; default the project's leader.
	Leader string `json:"leader,omitempty"`
	// Default from the project's category.
	Section string `json:"section,omitempty" enums:"industry,infrastructure,livelihood,real_estate"`
	// 停缓建, with its reason.
	Stalled       bool   `json:"stalled,omitempty"`
	StalledReason string `json:"stalled_reason,omitempty"`
	// 累计 to the end of the previous year, set by hand; null: derived from the reports.
	OpeningCumulativeYuan *int64 `json:"opening_cumulative_yuan,omitempty" minimum:"0"`
	// The adjustment's reason (调整原因), 1 to 500 characters: required once the plan is issued.
	Reason string `json:"reason,omitempty"`
	// The day the adjustment takes effect; default today (31 December for a past year).
	EffectiveOn *string `json:"effective_on,omitempty" format:"date"`
}

// PlanRemoval takes an entry out of an issued plan (调出).
type PlanRemoval struct {
	Reason      string  `json:"reason"`
	EffectiveOn *string `json:"effective_on,omitempty" format:"date"`
}

// PlanIssue issues (下达) a draft plan.
type PlanIssue struct {
	// Default today (31 December for a past year).
	IssuedOn *string `json:"issued_on,omitempty" format:"date"`
}

// PlanCheckpoint is a target rate due by a day.
type PlanCheckpoint struct {
	Date string  `json:"date" format:"date" example:"2021-06-30"`
	Rate float64 `json:"rate" example:"0.75" minimum:"0" maximum:"1"`
}

// PlanTargetsWrite sets a year's targets.
type PlanTargetsWrite struct {
	// 开工率 checkpoints.
	StartRate []PlanCheckpoint `json:"start_rate,omitempty"`
	// The 复工率 target and its day.
	Resumption     *PlanCheckpoint `json:"resumption,omitempty"`
	InvestmentYuan *int64          `json:"investment_yuan,omitempty" minimum:"0"`
}

// PlanTargets are a year's targets.
type PlanTargets struct {
	StartRate      []PlanCheckpoint `json:"start_rate"`
	Resumption     *PlanCheckpoint  `json:"resumption" extensions:"x-nullable"`
	InvestmentYuan *int64           `json:"investment_yuan" extensions:"x-nullable"`
	// True while the bureau has set none: these are the defaults.
	Default bool `json:"default"`
}

// PlanBasis names the version of a plan a number read.
type PlanBasis struct {
	Plan string `json:"plan" enums:"as_of,baseline,current"`
	AsOf string `json:"as_of" format:"date"`
	// The latest adjustment the version holds; 0: the baseline, or a draft.
	Revision int `json:"revision"`
	// The day the version took effect; null for a draft.
	EffectiveOn *string `json:"effective_on" format:"date" extensions:"x-nullable"`
}

// PlanEntry is one state of a project's entry in a year's plan.
type PlanEntry struct {
	Year              int     `json:"year" example:"2021"`
	ProjectID         string  `json:"project_id" format:"uuid"`
	ProjectName       string  `json:"project_name"`
	ProjectCode       *string `json:"project_code" extensions:"x-nullable"`
	Stage             string  `json:"stage"`
	ProjectDepartment string  `json:"project_department"`
	// The entry's version (its ETag).
	Version int `json:"version" example:"1"`
	// The adjustment that made this state; 0: the baseline or the draft.
	Revision    int     `json:"revision"`
	EffectiveOn *string `json:"effective_on" format:"date" extensions:"x-nullable"`
	// True for the state that took the project out of the plan (调出).
	Removed bool   `json:"removed"`
	Reason  string `json:"reason"`

	BuildType             string  `json:"build_type" enums:"new,continuing,preliminary"`
	BuildTypeSource       string  `json:"build_type_source" enums:"set,started_before_year,stage,project_build_type,default,migrated"`
	KeyLevel              string  `json:"key_level"`
	PlannedInvestmentYuan *int64  `json:"planned_investment_yuan" extensions:"x-nullable"`
	PlannedStartMonth     *string `json:"planned_start_month" extensions:"x-nullable"`
	PlannedCompletionOn   *string `json:"planned_completion_on" format:"date" extensions:"x-nullable"`
	PlannedProductionOn   *string `json:"planned_production_on" format:"date" extensions:"x-nullable"`
	Goals                 string  `json:"goals"`
	Department            string  `json:"department"`
	Leader                string  `json:"leader"`
	Section               string  `json:"section" enums:"industry,infrastructure,livelihood,real_estate"`
	Stalled               bool    `json:"stalled"`
	StalledReason         string  `json:"stalled_reason"`
	OpeningCumulativeYuan *int64  `json:"opening_cumulative_yuan" extensions:"x-nullable"`
	RecordedAt            string  `json:"recorded_at" format:"date-time"`
	RecordedBy            string  `json:"recorded_by"`
	// In the answer to a PUT: where each value left out came from
	// (field → project, category, derived, or the build type's source).
	Defaults map[string]string `json:"defaults,omitempty"`
}

// PlanTotal counts entries and sums their planned investment.
type PlanTotal struct {
	Count                 int   `json:"count"`
	PlannedInvestmentYuan int64 `json:"planned_investment_yuan"`
}

// PlanTotals sum the entries read, all and by build type and section.
type PlanTotals struct {
	Count                 int                  `json:"count"`
	PlannedInvestmentYuan int64                `json:"planned_investment_yuan"`
	ByBuildType           map[string]PlanTotal `json:"by_build_type"`
	BySection             map[string]PlanTotal `json:"by_section"`
}

// AnnualPlan is a year's plan as read under its basis.
type AnnualPlan struct {
	Year     int     `json:"year" example:"2021"`
	State    string  `json:"state" enums:"draft,issued"`
	IssuedOn *string `json:"issued_on" format:"date" extensions:"x-nullable"`
	// How many adjustments were made since it was issued.
	Revisions int         `json:"revisions"`
	Version   int         `json:"version"`
	UpdatedAt string      `json:"updated_at" format:"date-time"`
	UpdatedBy string      `json:"updated_by"`
	Targets   PlanTargets `json:"targets"`
	Basis     PlanBasis   `json:"basis"`
	Entries   []PlanEntry `json:"entries"`
	Totals    PlanTotals  `json:"totals"`
}

// PlanEntryDetail is a project's entry as read under the basis, and every
// state of it in order: the baseline and each adjustment.
type PlanEntryDetail struct {
	PlanState string    `json:"plan_state" enums:"draft,issued"`
	Basis     PlanBasis `json:"basis"`
	// Null when the project is not in the plan under the basis.
	Entry   *PlanEntry  `json:"entry" extensions:"x-nullable"`
	History []PlanEntry `json:"history"`
}

// AnnualPlanYear is a year that has a plan, as the list of years shows it.
type AnnualPlanYear struct {
	Year     int     `json:"year" example:"2021"`
	State    string  `json:"state" enums:"draft,issued"`
	IssuedOn *string `json:"issued_on" format:"date" extensions:"x-nullable"`
	// How many adjustments were made since it was issued.
	Revisions int    `json:"revisions"`
	Version   int    `json:"version"`
	UpdatedAt string `json:"updated_at" format:"date-time"`
}

// AnnualPlanYears lists the years that have a plan, in order.
type AnnualPlanYears struct {
	Items []AnnualPlanYear `json:"items"`
}
