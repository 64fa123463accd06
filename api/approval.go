package api

// Approval is one item of a project's approvals (前期手续, docs/approvals.md):
// as written, or, never written (version 0), not started.
type Approval struct {
	Item string `json:"item" example:"construction_permit" enums:"project_proposal,feasibility_study,preliminary_design,approval_catalogue,filing,land_preapproval,forest_land_review,energy_review,environmental_assessment,soil_water_conservation,social_stability,land_planning_permit,works_planning_permit,construction_permit,road_works_permit,water_works_filing,power_works_filing,grid_connection"`
	// The item's name in Chinese and English.
	NameZH string `json:"name_zh" example:"施工许可"`
	NameEN string `json:"name_en" example:"Construction permit"`
	// not_started 未启动, in_progress 办理中, obtained 已取得, not_needed 不需要.
	Status   string `json:"status" example:"in_progress" enums:"not_started,in_progress,obtained,not_needed"`
	StatusZH string `json:"status_zh" example:"办理中"`
	// StartPermit marks the item that lets the project start (开工): a
	// first move to started needs it obtained or not needed, or a
	// permit_waiver.
	StartPermit bool `json:"start_permit"`
	// Why the item is not needed; "" otherwise.
	Reason     string  `json:"reason"`
	AppliedOn  *string `json:"applied_on" format:"date" extensions:"x-nullable"`
	ExpectedOn *string `json:"expected_on" format:"date" extensions:"x-nullable"`
	ObtainedOn *string `json:"obtained_on" format:"date" extensions:"x-nullable"`
	// 批复文号 (or the filing's number).
	ApprovalNo string `json:"approval_no" example:"140223202106010101"`
	// 审批部门: who issued it.
	Issuer string `json:"issuer" example:"县行政审批服务管理局"`
	Note   string `json:"note"`
	// The level of the environmental assessment, on that item only:
	// report_book 报告书 and report_form 报告表 are approved, registration_form
	// 登记表 only filed.
	EnvLevel *string `json:"env_level" enums:"report_book,report_form,registration_form" extensions:"x-nullable"`
	// Overdue: not obtained, needed, past its expected day.
	Overdue bool `json:"overdue"`
	// The item's version, for If-Match; 0 when never written.
	Version   int     `json:"version"`
	UpdatedAt *string `json:"updated_at" format:"date-time" extensions:"x-nullable"`
	UpdatedBy string  `json:"updated_by"`
}

// Readiness is the share of the needed approval items that are obtained;
// an item not needed counts in neither (rate is null when none is needed).
type Readiness struct {
	Needed   int      `json:"needed" example:"10"`
	Obtained int      `json:"obtained" example:"4"`
	Rate     *float64 `json:"rate" example:"0.4" extensions:"x-nullable"`
}

// ApprovalList is a project's approvals, derived from its facts, with
// their readiness.
type ApprovalList struct {
	ProjectID string `json:"project_id" format:"uuid"`
	// The item that lets the project start (开工).
	StartPermit string     `json:"start_permit" example:"construction_permit"`
	Readiness   Readiness  `json:"readiness"`
	Items       []Approval `json:"items"`
}

// ApprovalWrite sets an item of a project's approvals, every field: one left
// out is cleared.
type ApprovalWrite struct {
	Status string `json:"status" example:"obtained" enums:"not_started,in_progress,obtained,not_needed"`
	// Required when not_needed, and only then.
	Reason     string  `json:"reason,omitempty"`
	AppliedOn  *string `json:"applied_on,omitempty" format:"date" example:"2021-03-01"`
	ExpectedOn *string `json:"expected_on,omitempty" format:"date" example:"2021-05-31"`
	// Required when obtained, and only then; not in the future.
	ObtainedOn *string `json:"obtained_on,omitempty" format:"date" example:"2021-05-20"`
	ApprovalNo string  `json:"approval_no,omitempty" example:"140223202105200101"`
	Issuer     string  `json:"issuer,omitempty" example:"县行政审批服务管理局"`
	Note       string  `json:"note,omitempty"`
	// On environmental_assessment only; required there when obtained.
	EnvLevel string `json:"env_level,omitempty" enums:"report_book,report_form,registration_form"`
}

// ApprovalReadiness is the readiness of the projects still to start, by
// department, and, asked for one department, by project.
type ApprovalReadiness struct {
	Total       Readiness                     `json:"total"`
	Departments []DepartmentApprovalReadiness `json:"departments"`
	// The drill-down: the department's projects, by name; null unless
	// department was given.
	Projects []ProjectApprovalReadiness `json:"projects" extensions:"x-nullable"`
}

// DepartmentApprovalReadiness is one department's readiness.
type DepartmentApprovalReadiness struct {
	Department string    `json:"department" example:"energy"`
	Projects   int       `json:"projects" example:"3"`
	Readiness  Readiness `json:"readiness"`
}

// ProjectApprovalReadiness is one project's readiness and the needed items
// it still lacks.
type ProjectApprovalReadiness struct {
	ProjectID   string    `json:"project_id" format:"uuid"`
	Name        string    `json:"name"`
	Department  string    `json:"department"`
	Stage       string    `json:"stage" example:"landed"`
	StartPermit string    `json:"start_permit" example:"construction_permit"`
	Readiness   Readiness `json:"readiness"`
	// The needed items not obtained, in the checklist's order.
	Missing []Label `json:"missing"`
}

// PendingStart is a plan entry planned to start in the quarter whose
// project still lacks approvals.
type PendingStart struct {
	ProjectApprovalReadiness
	// The entry's 责任单位 of the year.
	ResponsibleDepartment string `json:"responsible_department" example:"energy"`
	PlannedStartMonth     string `json:"planned_start_month" example:"2021-05"`
	// The 开工 permit item is among the missing.
	StartPermitMissing bool `json:"start_permit_missing"`
}

// PendingStartList lists the entries of a year's plan planned to start in
// a quarter that still lack approvals, the earliest planned first.
type PendingStartList struct {
	Year    int            `json:"year" example:"2021"`
	Quarter int            `json:"quarter" example:"2"`
	Items   []PendingStart `json:"items"`
}
