package api

// Funding is one source of a project's money.
type Funding struct {
	Source       string `json:"source" enums:"central_budget,special_bond,provincial_subsidy,municipal_subsidy,county_fund,enterprise,bank_loan,other"`
	PlannedYuan  int64  `json:"planned_yuan" minimum:"0"`
	ReceivedYuan int64  `json:"received_yuan" minimum:"0"`
}

// FundsArrived is the money that arrived (到位资金) in one year.
type FundsArrived struct {
	Year int   `json:"year" example:"2021"`
	Yuan int64 `json:"yuan" minimum:"0"`
}

// Leader is one of a project's county leaders (包联县领导).
type Leader struct {
	Name string `json:"name" example:"张三"`
	// Whether this leader leads; exactly one does.
	Lead bool `json:"lead"`
	// The account of a user with the leader role, when the leader has one.
	Username string `json:"username,omitempty"`
}

// ProjectWrite holds the writable fields of a project. In a PATCH body (JSON
// merge patch) every field is optional and null clears an optional field.
type ProjectWrite struct {
	// National investment project code, unique when present.
	Code     *string `json:"code" extensions:"x-nullable" example:"2021-140223-44-01-000001"`
	Name     string  `json:"name" example:"晨风50兆瓦风电项目" minLength:"1" maxLength:"200"`
	Category string  `json:"category" example:"wind" enums:"wind,solar_pv,solar_thermal,energy_storage,hybrid_energy,raw_materials,new_materials,manufacturing,chemicals,building_materials,agriculture,livestock,food_processing,logistics,tourism,digital,infrastructure,urban,social,environment,real_estate,other,materials"`
	// Owning department's code; a department caller's own by default.
	Department   string   `json:"department" example:"energy"`
	Leader       string   `json:"leader" example:""`
	Company      string   `json:"company" example:""`
	Township     string   `json:"township" example:""`
	Capacity     *float64 `json:"capacity" extensions:"x-nullable" example:"50"`
	CapacityUnit string   `json:"capacity_unit" example:"MW"`
	// Total planned investment in yuan.
	TotalInvestmentYuan      *int64    `json:"total_investment_yuan" extensions:"x-nullable" minimum:"0" example:"3400000000"`
	ExpectedAnnualOutputYuan *int64    `json:"expected_annual_output_yuan" extensions:"x-nullable" minimum:"0"`
	BuildType                string    `json:"build_type" enums:"new,continuing" example:"new"`
	KeyLevel                 string    `json:"key_level" enums:"none,county,city,province,national" example:"none"`
	Funding                  []Funding `json:"funding"`
	PlannedSignDate          *string   `json:"planned_sign_date" extensions:"x-nullable" format:"date" example:"2021-03-31"`
	PlannedStartDate         *string   `json:"planned_start_date" extensions:"x-nullable" format:"date" example:"2021-05-01"`
	PlannedCompletionDate    *string   `json:"planned_completion_date" extensions:"x-nullable" format:"date"`
	PlannedProductionDate    *string   `json:"planned_production_date" extensions:"x-nullable" format:"date"`
	// 入统: the month (YYYY-MM) from which the project is in the statistics.
	InStatisticsSince *string `json:"in_statistics_since" extensions:"x-nullable" example:"2021-03"`
	// 投资类型: government (政府投资) or enterprise (企业投资); empty when not known.
	InvestmentType *string `json:"investment_type" extensions:"x-nullable" enums:"government,enterprise" example:"enterprise"`
	// 开发区内 (true) or 外 (false); null when not known.
	InDevelopmentZone *bool `json:"in_development_zone" extensions:"x-nullable"`
	// 建设性质, the statistical nature of construction (not the plan's 新建/续建).
	ConstructionNature *string `json:"construction_nature" extensions:"x-nullable" enums:"new_build,expansion,reconstruction,relocation,technical_renovation" example:"new_build"`
	// 工程类别: which start permit applies.
	WorksKind *string `json:"works_kind" extensions:"x-nullable" enums:"building,municipal,road,water,power" example:"power"`
	// 预计年税收, yuan.
	ExpectedAnnualTaxYuan *int64 `json:"expected_annual_tax_yuan" extensions:"x-nullable" minimum:"0"`
	// 预计带动就业, people.
	ExpectedJobs *int `json:"expected_jobs" extensions:"x-nullable" minimum:"0"`
	// 用地需求 and 已保障用地, 亩.
	LandNeededMu  *float64 `json:"land_needed_mu" extensions:"x-nullable" minimum:"0"`
	LandSecuredMu *float64 `json:"land_secured_mu" extensions:"x-nullable" minimum:"0"`
	// Of the land needed: 新增建设用地, 耕地, 林地, 亩; each at most land_needed_mu.
	NewConstructionLandMu *float64 `json:"new_construction_land_mu" extensions:"x-nullable" minimum:"0"`
	ArableLandMu          *float64 `json:"arable_land_mu" extensions:"x-nullable" minimum:"0"`
	ForestLandMu          *float64 `json:"forest_land_mu" extensions:"x-nullable" minimum:"0"`
	// 能耗, 吨标准煤 a year, needed and secured.
	EnergyNeededTCE  *float64 `json:"energy_needed_tce" extensions:"x-nullable" minimum:"0"`
	EnergySecuredTCE *float64 `json:"energy_secured_tce" extensions:"x-nullable" minimum:"0"`
	// 用水, 万立方米 a year, needed and secured.
	WaterNeeded10kM3  *float64 `json:"water_needed_10k_m3" extensions:"x-nullable" minimum:"0"`
	WaterSecured10kM3 *float64 `json:"water_secured_10k_m3" extensions:"x-nullable" minimum:"0"`
	// 用电负荷, kVA, needed and secured (a generator's MW is its capacity).
	PowerNeededKVA  *float64 `json:"power_needed_kva" extensions:"x-nullable" minimum:"0"`
	PowerSecuredKVA *float64 `json:"power_secured_kva" extensions:"x-nullable" minimum:"0"`
	// 签约额, yuan.
	ContractAmountYuan *int64 `json:"contract_amount_yuan" extensions:"x-nullable" minimum:"0"`
	// 投资方.
	Investor string `json:"investor" maxLength:"200"`
	// 投资方来源地.
	InvestorOrigin *string `json:"investor_origin" extensions:"x-nullable" enums:"jingjinji,yangtze_delta,pearl_delta,in_province,in_county,overseas,other" example:"jingjinji"`
	// 招商单位.
	AttractingUnit string `json:"attracting_unit" maxLength:"200"`
	// 到位资金 by year, one entry a year.
	FundsArrived []FundsArrived `json:"funds_arrived"`
	// 包联县领导, exactly one leading when not empty; leader is the lead's name.
	Leaders []Leader `json:"leaders"`
	// 配合单位: department codes other than the owning department (牵头单位).
	CooperatingUnits []string `json:"cooperating_units"`
	// 业主联系人 and 电话: masked for callers who may not see them.
	OwnerContactName  string `json:"owner_contact_name" maxLength:"50"`
	OwnerContactPhone string `json:"owner_contact_phone" maxLength:"30"`
	// 专班.
	TaskForce string `json:"task_force" maxLength:"200"`
	// The earlier phase of this project (一期 of this 二期).
	PredecessorID *string `json:"predecessor_id" extensions:"x-nullable" format:"uuid"`
	// The bundle this project is a child of.
	ParentID *string `json:"parent_id" extensions:"x-nullable" format:"uuid"`
}

// ProjectPatch documents the body of a project PATCH: a JSON merge patch
// (RFC 7396) over the members of ProjectWrite. Every member is optional; a
// member replaces the field, and null clears an optional one (text becomes
// empty, build_type and key_level return to new and none, funding to no
// source). name, category and department cannot be cleared. Members left nil
// here are omitted, so a Go client sends only what it sets.
type ProjectPatch struct {
	Code                     *string        `json:"code,omitempty" extensions:"x-nullable" example:"2021-140223-44-01-000001"`
	Name                     *string        `json:"name,omitempty" example:"晨风50兆瓦风电项目" minLength:"1" maxLength:"200"`
	Category                 *string        `json:"category,omitempty" example:"wind" enums:"wind,solar_pv,solar_thermal,energy_storage,hybrid_energy,raw_materials,new_materials,manufacturing,chemicals,building_materials,agriculture,livestock,food_processing,logistics,tourism,digital,infrastructure,urban,social,environment,real_estate,other,materials"`
	Department               *string        `json:"department,omitempty" example:"energy"`
	Leader                   *string        `json:"leader,omitempty" extensions:"x-nullable"`
	Company                  *string        `json:"company,omitempty" extensions:"x-nullable"`
	Township                 *string        `json:"township,omitempty" extensions:"x-nullable"`
	Capacity                 *float64       `json:"capacity,omitempty" extensions:"x-nullable" example:"50"`
	CapacityUnit             *string        `json:"capacity_unit,omitempty" extensions:"x-nullable" example:"MW"`
	TotalInvestmentYuan      *int64         `json:"total_investment_yuan,omitempty" extensions:"x-nullable" minimum:"0" example:"3400000000"`
	ExpectedAnnualOutputYuan *int64         `json:"expected_annual_output_yuan,omitempty" extensions:"x-nullable" minimum:"0"`
	BuildType                *string        `json:"build_type,omitempty" extensions:"x-nullable" enums:"new,continuing" example:"new"`
	KeyLevel                 *string        `json:"key_level,omitempty" extensions:"x-nullable" enums:"none,county,city,province,national" example:"none"`
	Funding                  []Funding      `json:"funding,omitempty" extensions:"x-nullable"`
	PlannedSignDate          *string        `json:"planned_sign_date,omitempty" extensions:"x-nullable" format:"date" example:"2021-03-31"`
	PlannedStartDate         *string        `json:"planned_start_date,omitempty" extensions:"x-nullable" format:"date" example:"2021-05-01"`
	PlannedCompletionDate    *string        `json:"planned_completion_date,omitempty" extensions:"x-nullable" format:"date"`
	PlannedProductionDate    *string        `json:"planned_production_date,omitempty" extensions:"x-nullable" format:"date"`
	InStatisticsSince        *string        `json:"in_statistics_since,omitempty" extensions:"x-nullable" example:"2021-03"`
	InvestmentType           *string        `json:"investment_type,omitempty" extensions:"x-nullable" enums:"government,enterprise"`
	InDevelopmentZone        *bool          `json:"in_development_zone,omitempty" extensions:"x-nullable"`
	ConstructionNature       *string        `json:"construction_nature,omitempty" extensions:"x-nullable" enums:"new_build,expansion,reconstruction,relocation,technical_renovation"`
	WorksKind                *string        `json:"works_kind,omitempty" extensions:"x-nullable" enums:"building,municipal,road,water,power"`
	ExpectedAnnualTaxYuan    *int64         `json:"expected_annual_tax_yuan,omitempty" extensions:"x-nullable" minimum:"0"`
	ExpectedJobs             *int           `json:"expected_jobs,omitempty" extensions:"x-nullable" minimum:"0"`
	LandNeededMu             *float64       `json:"land_needed_mu,omitempty" extensions:"x-nullable" minimum:"0"`
	LandSecuredMu            *float64       `json:"land_secured_mu,omitempty" extensions:"x-nullable" minimum:"0"`
	NewConstructionLandMu    *float64       `json:"new_construction_land_mu,omitempty" extensions:"x-nullable" minimum:"0"`
	ArableLandMu             *float64       `json:"arable_land_mu,omitempty" extensions:"x-nullable" minimum:"0"`
	ForestLandMu             *float64       `json:"forest_land_mu,omitempty" extensions:"x-nullable" minimum:"0"`
	EnergyNeededTCE          *float64       `json:"energy_needed_tce,omitempty" extensions:"x-nullable" minimum:"0"`
	EnergySecuredTCE         *float64       `json:"energy_secured_tce,omitempty" extensions:"x-nullable" minimum:"0"`
	WaterNeeded10kM3         *float64       `json:"water_needed_10k_m3,omitempty" extensions:"x-nullable" minimum:"0"`
	WaterSecured10kM3        *float64       `json:"water_secured_10k_m3,omitempty" extensions:"x-nullable" minimum:"0"`
	PowerNeededKVA           *float64       `json:"power_needed_kva,omitempty" extensions:"x-nullable" minimum:"0"`
	PowerSecuredKVA          *float64       `json:"power_secured_kva,omitempty" extensions:"x-nullable" minimum:"0"`
	ContractAmountYuan       *int64         `json:"contract_amount_yuan,omitempty" extensions:"x-nullable" minimum:"0"`
	Investor                 *string        `json:"investor,omitempty" extensions:"x-nullable"`
	InvestorOrigin           *string        `json:"investor_origin,omitempty" extensions:"x-nullable" enums:"jingjinji,yangtze_delta,pearl_delta,in_province,in_county,overseas,other"`
	AttractingUnit           *string        `json:"attracting_unit,omitempty" extensions:"x-nullable"`
	FundsArrived             []FundsArrived `json:"funds_arrived,omitempty" extensions:"x-nullable"`
	Leaders                  []Leader       `json:"leaders,omitempty" extensions:"x-nullable"`
	CooperatingUnits         []string       `json:"cooperating_units,omitempty" extensions:"x-nullable"`
	OwnerContactName         *string        `json:"owner_contact_name,omitempty" extensions:"x-nullable"`
	OwnerContactPhone        *string        `json:"owner_contact_phone,omitempty" extensions:"x-nullable"`
	TaskForce                *string        `json:"task_force,omitempty" extensions:"x-nullable"`
	PredecessorID            *string        `json:"predecessor_id,omitempty" extensions:"x-nullable" format:"uuid"`
	ParentID                 *string        `json:"parent_id,omitempty" extensions:"x-nullable" format:"uuid"`
}

// ActualDates are the days on which a project reached each stage.
type ActualDates struct {
	SignedOn     *string `json:"signed_on" extensions:"x-nullable" format:"date"`
	LandedOn     *string `json:"landed_on" extensions:"x-nullable" format:"date"`
	StartedOn    *string `json:"started_on" extensions:"x-nullable" format:"date"`
	CompletedOn  *string `json:"completed_on" extensions:"x-nullable" format:"date"`
	ProductionOn *string `json:"production_on" extensions:"x-nullable" format:"date"`
	AtCapacityOn *string `json:"at_capacity_on" extensions:"x-nullable" format:"date"`
}

// ProjectCreate creates a project. A project entered at a later stage may
// carry the actual dates of the stages it has reached.
type ProjectCreate struct {
	ProjectWrite
	Stage string `json:"stage" example:"planning" enums:"planning,negotiating,signed,landed,started,completed,in_production,at_capacity,suspended,cancelled"`
	ActualDates
}

// Project is a project of the register.
type Project struct {
	ID string `json:"id" format:"uuid"`
	ProjectWrite
	Stage string `json:"stage" enums:"planning,negotiating,signed,landed,started,completed,in_production,at_capacity,suspended,cancelled"`
	ActualDates
	Health        string         `json:"health" enums:"green,yellow,red"`
	HealthReasons []HealthReason `json:"health_reasons"`
	// Set when the project is archived.
	ArchivedAt *string `json:"archived_at" extensions:"x-nullable" format:"date-time"`
	Version    int     `json:"version" example:"1"`
	CreatedAt  string  `json:"created_at" format:"date-time"`
	UpdatedAt  string  `json:"updated_at" format:"date-time"`
}

// ProjectList is a page of projects.
type ProjectList struct {
	Items []Project `json:"items"`
	// Opaque cursor of the next page; null on the last page.
	NextCursor *string `json:"next_cursor" extensions:"x-nullable"`
	// Number of matching projects, only when the request says count=true.
	Total *int64 `json:"total,omitempty"`
}

// Transition is one entry of a project's stage history.
type Transition struct {
	ID         string     `json:"id" format:"uuid"`
	From       *string    `json:"from" extensions:"x-nullable"`
	To         string     `json:"to"`
	OccurredOn string     `json:"occurred_on" format:"date"`
	Note       string     `json:"note"`
	Evidence   []Evidence `json:"evidence"`
	Kind       string     `json:"kind" enums:"move,resumption,correction,import"`
	Actor      string     `json:"actor"`
	Department string     `json:"department"`
	RecordedAt string     `json:"recorded_at" format:"date-time"`
	// Why a first start was made without its 开工 permit item obtained
	// ("不需要：<reason>" from an item marked not needed; docs/approvals.md);
	// "" otherwise.
	PermitWaiver string `json:"permit_waiver"`
}

// Evidence backs a stage move.
type Evidence struct {
	Kind string `json:"kind" enums:"contract,land,permit,acceptance,photo,document,other"`
	Ref  string `json:"ref"`
}

// TransitionList is a project's whole history, oldest first.
type TransitionList struct {
	Items []Transition `json:"items"`
}

// TransitionCreate moves a project to another stage.
type TransitionCreate struct {
	To string `json:"to" example:"signed" enums:"planning,negotiating,signed,landed,started,completed,in_production,at_capacity,suspended,cancelled"`
	// The day it happened; not in the future, not before the previous move.
	OccurredOn string `json:"occurred_on" format:"date" example:"2021-04-20"`
	// Required to suspend, to cancel and for a correction.
	Note string `json:"note" example:""`
	// Moving to signed needs a contract, to started a permit, to completed an acceptance.
	Evidence []Evidence `json:"evidence,omitempty"`
	// A move back to an earlier stage (bureau, admin), with a note.
	Correction bool `json:"correction"`
	// Why the project starts without its 开工 permit item obtained: a first
	// start (a move to started or past it of a project never started) is
	// refused (409 start_permit_missing) without it unless the item is
	// obtained or not needed (docs/approvals.md). Only on such a move.
	PermitWaiver string `json:"permit_waiver,omitempty" example:""`
}

// TransitionResult is a recorded move and the project after it.
type TransitionResult struct {
	Transition Transition `json:"transition"`
	Project    Project    `json:"project"`
}

// ProjectRef names a linked project.
type ProjectRef struct {
	ID    string  `json:"id" format:"uuid"`
	Code  *string `json:"code" extensions:"x-nullable"`
	Name  string  `json:"name"`
	Stage string  `json:"stage" enums:"planning,negotiating,signed,landed,started,completed,in_production,at_capacity,suspended,cancelled"`
}

// RelatedProjects are a project's phases and bundle: the projects linked to
// it that the caller may read.
type RelatedProjects struct {
	// The earlier phase (predecessor_id); null when none or not readable.
	Predecessor *ProjectRef `json:"predecessor" extensions:"x-nullable"`
	// The later phases: the projects whose predecessor this one is.
	Successors []ProjectRef `json:"successors"`
	// The bundle this project is a child of (parent_id).
	Parent *ProjectRef `json:"parent" extensions:"x-nullable"`
	// The children of this bundle.
	Children []ProjectRef `json:"children"`
}
