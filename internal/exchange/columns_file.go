package exchange

import (
	"strconv"

	"github.com/guangling/pipeline/internal/project"
)

// The project file's scalar fields in the register file (docs/api.md,
// "Export and import"); its lists (leaders, cooperating units, funds
// arrived) stay out of it, as funding does.

// numberColumn holds an optional decimal quantity.
func numberColumn(header, field string, f func(p *project.Project) **float64) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: NumberCell},
		put:    func(p *project.Project, c *Cell) { *c = numberCell(*f(p)) },
		set: func(r *rowInput, v string) (string, string) {
			if v == "" {
				*f(&r.p) = nil
				return "", ""
			}
			n, ok := parseNumber(v)
			if !ok {
				return "invalid_type", "number"
			}
			*f(&r.p) = &n
			return "", ""
		},
	}
}

// countColumn holds an optional whole number of people.
func countColumn(header, field string, f func(p *project.Project) **int) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: IntegerCell},
		put: func(p *project.Project, c *Cell) {
			if v := *f(p); v != nil {
				*c = Cell{Kind: IntegerCell, Int: int64(*v)}
			} else {
				*c = Cell{}
			}
		},
		set: func(r *rowInput, v string) (string, string) {
			if v == "" {
				*f(&r.p) = nil
				return "", ""
			}
			n, err := strconv.Atoi(ungroup(v))
			if err != nil {
				return "invalid_type", "integer"
			}
			*f(&r.p) = &n
			return "", ""
		},
	}
}

// Yes and No are how the register file writes a yes-or-no field.
const (
	Yes = "是"
	No  = "否"
)

// boolColumn holds an optional yes or no: 是 or 否 (true or false).
func boolColumn(header, field string, f func(p *project.Project) **bool) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: TextCell},
		put: func(p *project.Project, c *Cell) {
			switch v := *f(p); {
			case v == nil:
				*c = Cell{}
			case *v:
				*c = textCell(Yes)
			default:
				*c = textCell(No)
			}
		},
		set: func(r *rowInput, v string) (string, string) {
			var b *bool
			switch v {
			case "":
			case Yes, "true":
				b = new(bool)
				*b = true
			case No, "false":
				b = new(bool)
			default:
				return "invalid_value", Yes + "、" + No
			}
			*f(&r.p) = b
			return "", ""
		},
	}
}

// idColumn holds an optional project ID.
func idColumn(header, field string, f func(p *project.Project) **string) *column {
	return &column{
		Column: Column{Header: header, Alias: field, Field: field, Kind: TextCell},
		put:    func(p *project.Project, c *Cell) { *c = optTextCell(*f(p)) },
		set: func(r *rowInput, v string) (string, string) {
			*f(&r.p) = nil
			if v != "" {
				*f(&r.p) = &v
			}
			return "", ""
		},
	}
}

func strEnum[T ~string](header, field string, ls []project.Label, f func(p *project.Project) *T) *column {
	return enumColumn(header, field, ls, func(p *project.Project) string { return string(*f(p)) },
		func(p *project.Project, v string) { *f(p) = T(v) })
}

// leaderColumn holds the lead's name; a name other than the lead's makes a
// one-person list, as a patch of leader alone does.
func leaderColumn() *column {
	c := textColumn("包联领导", "leader", func(p *project.Project) *string { return &p.Leader })
	c.set = func(r *rowInput, v string) (string, string) {
		if v != project.LeadName(r.p.Leaders) {
			r.p.Leaders = nil
		}
		r.p.Leader = v
		return "", ""
	}
	return c
}

// fileColumns are the project file's columns, in order.
var fileColumns = []*column{
	strEnum("投资类型", "investment_type", project.InvestmentTypes, func(p *project.Project) *project.InvestmentType { return &p.InvestmentType }),
	boolColumn("是否在开发区内", "in_development_zone", func(p *project.Project) **bool { return &p.InDevelopmentZone }),
	strEnum("建设性质（统计）", "construction_nature", project.ConstructionNatures,
		func(p *project.Project) *project.ConstructionNature { return &p.ConstructionNature }),
	strEnum("工程类别", "works_kind", project.WorksKinds, func(p *project.Project) *project.WorksKind { return &p.WorksKind }),
	yuanColumn("预计年税收（元）", "expected_annual_tax_yuan", func(p *project.Project) **int64 { return &p.ExpectedAnnualTaxYuan }),
	countColumn("预计带动就业（人）", "expected_jobs", func(p *project.Project) **int { return &p.ExpectedJobs }),
	numberColumn("用地需求（亩）", "land_needed_mu", func(p *project.Project) **float64 { return &p.LandNeededMu }),
	numberColumn("已保障用地（亩）", "land_secured_mu", func(p *project.Project) **float64 { return &p.LandSecuredMu }),
	numberColumn("新增建设用地（亩）", "new_construction_land_mu", func(p *project.Project) **float64 { return &p.NewConstructionLandMu }),
	numberColumn("占用耕地（亩）", "arable_land_mu", func(p *project.Project) **float64 { return &p.ArableLandMu }),
	numberColumn("占用林地（亩）", "forest_land_mu", func(p *project.Project) **float64 { return &p.ForestLandMu }),
	numberColumn("能耗需求（吨标准煤/年）", "energy_needed_tce", func(p *project.Project) **float64 { return &p.EnergyNeededTCE }),
	numberColumn("已保障能耗（吨标准煤/年）", "energy_secured_tce", func(p *project.Project) **float64 { return &p.EnergySecuredTCE }),
	numberColumn("用水需求（万立方米/年）", "water_needed_10k_m3", func(p *project.Project) **float64 { return &p.WaterNeeded10kM3 }),
	numberColumn("已保障用水（万立方米/年）", "water_secured_10k_m3", func(p *project.Project) **float64 { return &p.WaterSecured10kM3 }),
	numberColumn("用电负荷需求（kVA）", "power_needed_kva", func(p *project.Project) **float64 { return &p.PowerNeededKVA }),
	numberColumn("已保障用电负荷（kVA）", "power_secured_kva", func(p *project.Project) **float64 { return &p.PowerSecuredKVA }),
	yuanColumn("签约额（元）", "contract_amount_yuan", func(p *project.Project) **int64 { return &p.ContractAmountYuan }),
	textColumn("投资方", "investor", func(p *project.Project) *string { return &p.Investor }),
	strEnum("投资方来源地", "investor_origin", project.Origins, func(p *project.Project) *project.Origin { return &p.InvestorOrigin }),
	textColumn("招商单位", "attracting_unit", func(p *project.Project) *string { return &p.AttractingUnit }),
	textColumn("业主联系人", "owner_contact_name", func(p *project.Project) *string { return &p.OwnerContactName }),
	textColumn("业主联系电话", "owner_contact_phone", func(p *project.Project) *string { return &p.OwnerContactPhone }),
	textColumn("专班", "task_force", func(p *project.Project) *string { return &p.TaskForce }),
	idColumn("前期项目ID", "predecessor_id", func(p *project.Project) **string { return &p.PredecessorID }),
	idColumn("所属打捆项目ID", "parent_id", func(p *project.Project) **string { return &p.ParentID }),
}

// keepMaskedContact keeps the owner's contact of cur where a row carries
// it masked, as an export gives it to whoever may not see it (next is the
// row read over cur).
func keepMaskedContact(imp *importer, cur, next *project.Project) {
	if project.MayContact(imp.p, *cur) {
		return
	}
	if next.OwnerContactName == project.MaskName(cur.OwnerContactName) {
		next.OwnerContactName = cur.OwnerContactName
	}
	if next.OwnerContactPhone == project.MaskPhone(cur.OwnerContactPhone) {
		next.OwnerContactPhone = cur.OwnerContactPhone
	}
}
