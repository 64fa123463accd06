package api

// Label is one value of an enumeration with its names.
type Label struct {
	Value string `json:"value" example:"wind"`
	ZH    string `json:"zh" example:"风电"`
	EN    string `json:"en" example:"Wind power"`
}

// CategoryStages are the stages as they read for a category.
type CategoryStages struct {
	Category string  `json:"category" example:"infrastructure"`
	Stages   []Label `json:"stages"`
}

// Department is a county department.
type Department struct {
	Code    string `json:"code" example:"energy"`
	Name    string `json:"name" example:"能源局"`
	NameEN  string `json:"name_en" example:"Energy Bureau"`
	Version int    `json:"version" example:"1"`
}

// DepartmentList lists departments.
type DepartmentList struct {
	Items []Department `json:"items"`
}

// Meta lists every enumeration of the API with its labels.
type Meta struct {
	Stages []Label `json:"stages"`
	// The stages as they read for the categories of public works, where
	// 投产 and 达效 read wrong; a category not listed reads stages.
	CategoryStages []CategoryStages `json:"category_stages"`
	Categories     []Label          `json:"categories"`
	BuildTypes     []Label          `json:"build_types"`
	KeyLevels      []Label          `json:"key_levels"`
	FundingSources []Label          `json:"funding_sources"`
	Healths        []Label          `json:"healths"`
	HealthRules    []Label          `json:"health_rules"`
	EvidenceKinds  []Label          `json:"evidence_kinds"`
	IssueKinds     []Label          `json:"issue_kinds"`
	IssueStatuses  []Label          `json:"issue_statuses"`
	// The approval items (前期手续), their statuses and the levels of the
	// environmental assessment (docs/approvals.md).
	ApprovalItems    []Label `json:"approval_items"`
	ApprovalStatuses []Label `json:"approval_statuses"`
	EnvLevels        []Label `json:"env_levels"`
	// The project file's enumerations (docs/api.md, "The project file").
	InvestmentTypes     []Label `json:"investment_types"`
	ConstructionNatures []Label `json:"construction_natures"`
	WorksKinds          []Label `json:"works_kinds"`
	InvestorOrigins     []Label `json:"investor_origins"`
	Roles               []Label `json:"roles"`
	// The county indicators' codes (PUT /api/v1/indicators/{year}).
	IndicatorCodes []IndicatorCode `json:"indicator_codes"`
	Departments    []Department    `json:"departments"`
}

// DepartmentCreate adds a department.
type DepartmentCreate struct {
	// Stable code: a lower-case English word, ^[a-z][a-z0-9_]{1,31}$.
	Code   string `json:"code" example:"culture"`
	Name   string `json:"name" example:"文化和旅游局"`
	NameEN string `json:"name_en" example:"Culture and Tourism Bureau"`
}

// DepartmentPatch is a merge patch of a department (docs/api.md, "PATCH"):
// every member is optional, null clears name_en and name cannot be
// cleared. The code never changes.
type DepartmentPatch struct {
	Name   *string `json:"name,omitempty"`
	NameEN *string `json:"name_en,omitempty" extensions:"x-nullable"`
}
