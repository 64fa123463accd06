package api

// HealthReason is one health rule that fired (docs/stages.md, "Health").
type HealthReason struct {
	Rule  string `json:"rule" example:"planned_start_missed" enums:"planned_start_missed,planned_completion_missed,planned_production_missed,investment_behind,blocker_overdue,funding_over_plan,approval_overdue"`
	Level string `json:"level" example:"yellow" enums:"yellow,red"`
	// The first day the rule fired, for the rules of dates.
	Since *string `json:"since,omitempty" format:"date"`
	// What fired it: a blocker's ID, a funding source, or "<year>: <points behind>".
	Ref string `json:"ref,omitempty"`
}

// ProjectHealth is a project's health computed for one day.
type ProjectHealth struct {
	On            string         `json:"on" format:"date"`
	Health        string         `json:"health" enums:"green,yellow,red"`
	HealthReasons []HealthReason `json:"health_reasons"`
}

// PlanWrite sets the planned investment of a project's entry in a year's
// plan (docs/plan.md); reason and effective_on once the plan is issued.
type PlanWrite struct {
	PlannedInvestmentYuan *int64 `json:"planned_investment_yuan" example:"120000000" minimum:"0"`
	// The adjustment's reason (调整原因), 1 to 500 characters: required once the plan is issued.
	Reason string `json:"reason,omitempty"`
	// The day the adjustment takes effect; default today (31 December for a past year).
	EffectiveOn *string `json:"effective_on,omitempty" format:"date"`
}

// Plan is a project's entry in a year's plan, as every adjustment leaves it.
type Plan struct {
	Year int `json:"year" example:"2021"`
	// The entry's planned investment; null when the plan gives none.
	PlannedInvestmentYuan *int64 `json:"planned_investment_yuan" example:"120000000" extensions:"x-nullable"`
	BuildType             string `json:"build_type" enums:"new,continuing,preliminary"`
	// The state of the year's plan.
	PlanState string `json:"plan_state" enums:"draft,issued"`
	// The entry's version (its ETag).
	Version   int    `json:"version" example:"1"`
	UpdatedAt string `json:"updated_at" format:"date-time"`
	UpdatedBy string `json:"updated_by"`
}

// PlanList is a project's entries in the years' plans, by year.
type PlanList struct {
	Items []Plan `json:"items"`
}

// YearProgress is a project's investment in one year.
type YearProgress struct {
	ProjectID string `json:"project_id" format:"uuid"`
	Year      int    `json:"year" example:"2021"`
	// The year's plan: the plan entry's planned investment; null when none is set.
	PlannedInvestmentYuan *int64 `json:"planned_investment_yuan" extensions:"x-nullable"`
	// The sum of the months whose reports count (submitted and accepted).
	CompletedYuan int64 `json:"completed_yuan"`
	// Every month reported, with its state and flags.
	Months []Report `json:"months"`
}

// IssueCreate opens a blocker (问题清单).
type IssueCreate struct {
	Title       string `json:"title" example:"风机基础用地未获批"`
	Description string `json:"description" example:""`
	Kind        string `json:"kind" example:"land" enums:"land,funding,approval,construction,environment,land_acquisition,energy_quota,forestry,grid_connection,other,grid"`
	// The department that must clear it.
	ResponsibleDepartment string `json:"responsible_department" example:"natural_resources"`
	DueOn                 string `json:"due_on" format:"date" example:"2021-06-30"`
}

// IssuePatch is a merge patch of a blocker; absent members stay. The
// responsible department may change only status and resolution.
type IssuePatch struct {
	Title                 *string `json:"title,omitempty"`
	Description           *string `json:"description,omitempty"`
	Kind                  *string `json:"kind,omitempty" enums:"land,funding,approval,construction,environment,land_acquisition,energy_quota,forestry,grid_connection,other,grid"`
	ResponsibleDepartment *string `json:"responsible_department,omitempty"`
	DueOn                 *string `json:"due_on,omitempty" format:"date"`
	// open → in_progress → resolved (open → resolved too); resolved is final.
	Status *string `json:"status,omitempty" enums:"open,in_progress,resolved"`
	// Required to resolve.
	Resolution *string `json:"resolution,omitempty"`
}

// Issue is a blocker holding a project back.
type Issue struct {
	ID                    string `json:"id" format:"uuid"`
	ProjectID             string `json:"project_id" format:"uuid"`
	ProjectDepartment     string `json:"project_department" example:"energy"`
	Title                 string `json:"title"`
	Description           string `json:"description"`
	Kind                  string `json:"kind" enums:"land,funding,approval,construction,environment,land_acquisition,energy_quota,forestry,grid_connection,other,grid"`
	ResponsibleDepartment string `json:"responsible_department" example:"natural_resources"`
	DueOn                 string `json:"due_on" format:"date"`
	Status                string `json:"status" enums:"open,in_progress,resolved"`
	Resolution            string `json:"resolution"`
	// Unresolved past its due date, today.
	Overdue    bool    `json:"overdue"`
	CreatedBy  string  `json:"created_by"`
	Version    int     `json:"version" example:"1"`
	CreatedAt  string  `json:"created_at" format:"date-time"`
	UpdatedAt  string  `json:"updated_at" format:"date-time"`
	ResolvedAt *string `json:"resolved_at" extensions:"x-nullable" format:"date-time"`
}

// IssueList is a page of blockers, the earliest due first.
type IssueList struct {
	Items      []Issue `json:"items"`
	NextCursor *string `json:"next_cursor" extensions:"x-nullable"`
	Total      *int64  `json:"total,omitempty"`
}
