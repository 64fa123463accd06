package api

// DispatchPeriod is a period of the monthly dispatch (月度调度) with its due day.
type DispatchPeriod struct {
	Period string `json:"period" example:"2021-03"`
	// The day by which the period's reports are due: the 5th of the next
	// month unless the bureau moved it.
	DueOn string `json:"due_on" format:"date" example:"2021-04-05"`
	// The bureau set another due day than the 5th.
	Moved bool `json:"moved"`
	// February reporting January too (the combined 1–2月 period).
	Combined bool `json:"combined"`
	// The version of the bureau's setting; 0 when it never set one.
	Version int `json:"version" example:"0"`
}

// DispatchPeriodList is a year's periods.
type DispatchPeriodList struct {
	Year  int              `json:"year" example:"2021"`
	Items []DispatchPeriod `json:"items"`
}

// DispatchPeriodWrite sets a period's due day.
type DispatchPeriodWrite struct {
	// After the period's last day, at most two months after it.
	DueOn string `json:"due_on" format:"date" example:"2021-10-09"`
	// Only on February: January is reported with it.
	Combined bool `json:"combined"`
}

// ReportWrite is a month's report (月报) of a project.
type ReportWrite struct {
	// The month's completed investment; a 核减 corrects the earlier month, never a negative one.
	CompletedYuan *int64 `json:"completed_yuan" example:"8000000" minimum:"0"`
	// The month's investment in the statistics (入统), when reported.
	StatisticalYuan *int64 `json:"statistical_yuan,omitempty" minimum:"0" extensions:"x-nullable"`
	// 形象进度.
	SiteProgress string `json:"site_progress,omitempty" example:"主体结构完成60%"`
	// 存在问题.
	Problems string `json:"problems,omitempty" example:""`
	// The project's blockers the problems are.
	IssueIDs []string `json:"issue_ids,omitempty"`
	// A blocker to open as the problem, in the same change.
	NewIssue *IssueCreate `json:"new_issue,omitempty"`
	// 下月计划.
	NextPlan string `json:"next_plan,omitempty" example:""`
	Note     string `json:"note,omitempty" example:""`
}

// ReportFigures are a report's figures as first submitted.
type ReportFigures struct {
	CompletedYuan   int64    `json:"completed_yuan"`
	StatisticalYuan *int64   `json:"statistical_yuan" extensions:"x-nullable"`
	SiteProgress    string   `json:"site_progress"`
	Problems        string   `json:"problems"`
	IssueIDs        []string `json:"issue_ids"`
	NextPlan        string   `json:"next_plan"`
	Note            string   `json:"note"`
}

// Report is a project's report of a month.
type Report struct {
	ProjectID       string   `json:"project_id" format:"uuid"`
	Period          string   `json:"period" example:"2021-03"`
	CompletedYuan   int64    `json:"completed_yuan" example:"8000000"`
	StatisticalYuan *int64   `json:"statistical_yuan" extensions:"x-nullable"`
	SiteProgress    string   `json:"site_progress"`
	Problems        string   `json:"problems"`
	IssueIDs        []string `json:"issue_ids"`
	NextPlan        string   `json:"next_plan"`
	Note            string   `json:"note"`
	// submitted (counts until reviewed), returned (counts as not reported) or accepted.
	State string `json:"state" enums:"submitted,returned,accepted"`
	// The bureau keyed the report in on the department's behalf.
	OnBehalf    bool    `json:"on_behalf"`
	SubmittedAt *string `json:"submitted_at" format:"date-time" extensions:"x-nullable"`
	// First submitted after the period's due day.
	Late bool `json:"late"`
	// The figures changed after the due day or after acceptance (已更正).
	Corrected bool `json:"corrected"`
	// The figures before the first correction; null when never corrected.
	Original     *ReportFigures `json:"original" extensions:"x-nullable"`
	ReviewedBy   string         `json:"reviewed_by"`
	ReviewedAt   *string        `json:"reviewed_at" format:"date-time" extensions:"x-nullable"`
	ReturnReason string         `json:"return_reason"`
	// A monthly progress row of the first version, taken as accepted.
	Migrated   bool   `json:"migrated"`
	Version    int    `json:"version" example:"1"`
	UpdatedAt  string `json:"updated_at" format:"date-time"`
	ReportedBy string `json:"reported_by"`
}

// ReportReturn returns a report to its department.
type ReportReturn struct {
	Reason string `json:"reason" example:"形象进度与现场不符"`
}

// DispatchTally is a count of plan entries with the projects behind it.
type DispatchTally struct {
	Count      int      `json:"count"`
	ProjectIDs []string `json:"project_ids"`
}

// DispatchStanding is how a department (or the county) stands in a
// period: owed = reported + reported_late + overdue + pending; returned and
// accepted count by review state across them.
type DispatchStanding struct {
	Department   string        `json:"department,omitempty" example:"energy"`
	Owed         DispatchTally `json:"owed"`          // 应报
	Reported     DispatchTally `json:"reported"`      // 已报
	ReportedLate DispatchTally `json:"reported_late"` // 逾期已报
	Overdue      DispatchTally `json:"overdue"`       // 逾期未报
	Pending      DispatchTally `json:"pending"`       // 未报 (not yet due)
	Returned     DispatchTally `json:"returned"`      // 退回
	Accepted     DispatchTally `json:"accepted"`      // 已审核
}

// DispatchStatus is a period's state of reporting, by department.
type DispatchStatus struct {
	Period   string `json:"period" example:"2021-03"`
	DueOn    string `json:"due_on" format:"date"`
	Moved    bool   `json:"moved"`
	Combined bool   `json:"combined"`
	// The period's reports count in the numbers (from the day after the due day).
	Counts      bool               `json:"counts"`
	Departments []DispatchStanding `json:"departments"`
	Total       DispatchStanding   `json:"total"`
}
