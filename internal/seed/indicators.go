package seed

import (
	"context"
	"fmt"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/indicator"
)

// reportSource names the report as the source of an indicator, before the
// phrase the figure is read from.
const reportSource = "《关于广灵县2020年国民经济和社会发展计划执行情况与2021年国民经济和社会发展计划（草案）的报告》（2021年4月7日）："

// item is an indicator of the report: its figure as the report writes it,
// the period it covers and the report's phrase.
func item(code indicator.Code, value, period, phrase string) indicator.Item {
	return indicator.Item{Code: code, Value: value, Period: period, Source: reportSource + phrase}
}

// Indicators are the county indicators the report gives, by year: 2020's as
// reported, and the targets of 2021. The report's 103 竣工 and 22 投产 count
// all 147 projects under construction, most of which the demo register does
// not hold: they are the county's figures, never the register's.
func Indicators() map[int][]indicator.Item {
	const phrase = "引进亿元以上项目10个，147个建设项目全部开复工，103个项目竣工，22个项目投产，建设项目共完成投资42.89亿元"
	const target = "确保上半年新建项目开工率75%以上，续建项目复工率100%"
	return map[int][]indicator.Item{
		2020: {
			item("fixed_asset_investment", "374204", "2020", "全社会固定资产投资完成374204万元，同比增长13.5%"),
			item("fixed_asset_investment_growth", "13.5", "2020", "全社会固定资产投资完成374204万元，同比增长13.5%"),
			item("projects_under_construction", "147", "2020", phrase),
			item("projects_completed", "103", "2020", phrase),
			item("projects_in_production", "22", "2020", phrase),
			item("investment_completed", "42.89", "2020", phrase),
			item("projects_over_100m_introduced", "10", "2020", phrase),
		},
		2021: {
			item("fixed_asset_investment_growth_target", "10.5", "2021", "2021年我县经济社会发展主要目标安排如下：…固定资产投资增长10.5%"),
			item("start_rate_target", "75", "2021-06-30", target),
			item("resumption_rate_target", "100", "2021-06-30", target),
		},
	}
}

// DemoIndicators loads the report's indicators of each year that has none,
// through the service, so that each is audited as entered by the demo
// loader. It reports how many years it loaded.
func DemoIndicators(ctx context.Context, svc *indicator.Service) (int, error) {
	loader := seedPrincipal()
	n := 0
	for _, year := range []int{2020, 2021} {
		_, err := svc.Get(ctx, loader, year)
		if err == nil {
			continue
		}
		if apperr.KindOf(err) != apperr.NotFound {
			return n, err
		}
		if _, _, err := svc.Put(ctx, loader, year, Indicators()[year], 0); err != nil {
			return n, fmt.Errorf("demo indicators of %d: %w", year, err)
		}
		n++
	}
	return n, nil
}
