package project

import (
	"slices"

	"github.com/guangling/pipeline/internal/health"
)

// Label is one value of a closed set with its Chinese and English names.
type Label struct {
	Value string
	ZH    string
	EN    string
}

// Stage is where a project stands on the pipeline (docs/stages.md).
type Stage string

// The stages: the main line in order, then the side states.
const (
	Planning     Stage = "planning"
	Negotiating  Stage = "negotiating"
	Signed       Stage = "signed"
	Landed       Stage = "landed"
	Started      Stage = "started"
	Completed    Stage = "completed"
	InProduction Stage = "in_production"
	AtCapacity   Stage = "at_capacity"
	Suspended    Stage = "suspended"
	Cancelled    Stage = "cancelled"
)

// Category is the kind of investment.
type Category string

// BuildType tells a project starting this year from one carried over.
type BuildType string

// The build types.
const (
	New        BuildType = "new"
	Continuing BuildType = "continuing"
)

// KeyLevel is the government level that lists a project as key.
type KeyLevel string

// Stages lists every stage, main line first.
var Stages = []Label{
	{"planning", "谋划储备", "Planning"},
	{"negotiating", "在谈", "Negotiating"},
	{"signed", "签约", "Signed"},
	{"landed", "落地", "Landed"},
	{"started", "开工", "Started"},
	{"completed", "竣工", "Completed"},
	{"in_production", "投产", "In production"},
	{"at_capacity", "达效", "At capacity"},
	{"suspended", "停工", "Suspended"},
	{"cancelled", "终止", "Cancelled"},
}

// Categories lists every project category.
var Categories = []Label{
	{"wind", "风电", "Wind power"},
	{"solar_pv", "光伏发电", "Solar photovoltaic"},
	{"solar_thermal", "光热发电", "Solar thermal"},
	{"energy_storage", "储能", "Energy storage"},
	{"hybrid_energy", "风光互补", "Hybrid wind-solar"},
	{"raw_materials", "原材料", "Raw materials"},
	{"new_materials", "新材料", "New materials"},
	{"manufacturing", "装备制造", "Manufacturing"},
	{"chemicals", "化工", "Chemicals"},
	{"building_materials", "建材", "Building materials"},
	{"agriculture", "现代农业", "Agriculture"},
	{"livestock", "畜牧养殖", "Livestock"},
	{"food_processing", "农产品加工", "Food processing"},
	{"logistics", "商贸物流", "Logistics"},
	{"tourism", "文化旅游", "Tourism"},
	{"digital", "数字经济", "Digital economy"},
	{"infrastructure", "基础设施", "Infrastructure"},
	{"urban", "城市建设", "Urban development"},
	{"social", "社会事业", "Social services"},
	{"environment", "生态环保", "Environment"},
	{"real_estate", "房地产开发", "Real estate development"},
	{"other", "其他", "Other"},
	// The category before 原材料 and 新材料 were told apart: still taken
	// and shown, for the projects entered with it (docs/api.md).
	{"materials", "材料（未细分）", "Materials (not yet split)"},
}

// Public works read the last two stages in their own words, where 投产 and
// 达效 read wrong (docs/stages.md, "Stage names by category"): a road or a
// sewage works is 投入使用 and then 发挥效益, a building 交付使用.
var (
	inUse      = []Category{"infrastructure", "environment", "social"}
	handedOver = []Category{"urban", "real_estate"}
)

// StageLabels lists the stages as they read for a project of category c:
// Stages, but for public works.
func StageLabels(c Category) []Label {
	var production Label
	switch {
	case slices.Contains(inUse, c):
		production = Label{string(InProduction), "投入使用", "In use"}
	case slices.Contains(handedOver, c):
		production = Label{string(InProduction), "交付使用", "Handed over"}
	default:
		return Stages
	}
	out := slices.Clone(Stages)
	for i, l := range out {
		switch Stage(l.Value) {
		case InProduction:
			out[i] = production
		case AtCapacity:
			out[i] = Label{l.Value, "发挥效益", "Serving in full"}
		}
	}
	return out
}

// CategoryStages lists the categories whose stages read otherwise than
// Stages, in the order of Categories.
func CategoryStages() []Category {
	var out []Category
	for _, l := range Categories {
		if c := Category(l.Value); slices.Contains(inUse, c) || slices.Contains(handedOver, c) {
			out = append(out, c)
		}
	}
	return out
}

// BuildTypes lists the build types.
var BuildTypes = []Label{
	{"new", "新建", "New"},
	{"continuing", "续建", "Continuing"},
}

// KeyLevels lists the key-project levels.
var KeyLevels = []Label{
	{"none", "未定级", "Not graded"},
	{"county", "县级重点", "County key"},
	{"city", "市级重点", "City key"},
	{"province", "省级重点", "Provincial key"},
	{"national", "国家重点", "National key"},
}

// FundingSources lists where a project's money comes from.
var FundingSources = []Label{
	{"central_budget", "中央预算内资金", "Central budget"},
	{"special_bond", "地方政府专项债券", "Special-purpose bond"},
	{"provincial_subsidy", "省级补助", "Provincial subsidy"},
	{"municipal_subsidy", "市级补助", "Municipal subsidy"},
	{"county_fund", "县级财政资金", "County funds"},
	{"enterprise", "企业自筹", "Enterprise funds"},
	{"bank_loan", "银行贷款", "Bank loan"},
	{"other", "其他", "Other"},
}

// HealthRuleLabels names every health rule.
var HealthRuleLabels = []Label{
	{health.RuleStartMissed, "计划开工日期已过未开工", "Planned start date passed without a start"},
	{health.RuleCompletionMissed, "计划竣工日期已过未竣工", "Planned completion date passed without completion"},
	{health.RuleProductionMissed, "计划投产日期已过未投产", "Planned production date passed without production"},
	{health.RuleInvestmentBehind, "投资完成滞后序时进度", "Investment completed behind time progress"},
	{health.RuleBlockerOverdue, "问题逾期未解决", "A blocker is past its due date"},
	{health.RuleApprovalOverdue, "前期手续逾期未取得", "An approval is past its expected date"},
	{health.RuleFundingOverPlan, "资金到位超过计划", "Funding received above plan"},
}

// Healths lists the health colours.
var Healths = []Label{
	{"green", "绿灯", "Green"},
	{"yellow", "黄灯", "Yellow"},
	{"red", "红灯", "Red"},
}

// Values returns the machine values of a label set.
func Values(ls []Label) []string {
	out := make([]string, len(ls))
	for i, l := range ls {
		out[i] = l.Value
	}
	return out
}

func valid(ls []Label, v string) bool {
	return slices.ContainsFunc(ls, func(l Label) bool { return l.Value == v })
}

// mainLine is the order of the forward stages.
var mainLine = []Stage{Planning, Negotiating, Signed, Landed, Started, Completed, InProduction, AtCapacity}

// Rank is a stage's place on the main line; suspended ranks as started, and
// cancelled as past the end, since a cancelled project may have reached any.
func (s Stage) Rank() int {
	switch s {
	case Suspended:
		return slices.Index(mainLine, Started)
	case Cancelled:
		return len(mainLine)
	}
	return slices.Index(mainLine, s)
}
