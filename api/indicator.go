package api

import "encoding/json"

// IndicatorItem is one of the county's reported indicators of a year
// (docs/stats.md, "县级指标 · County indicators").
type IndicatorItem struct {
	Code string `json:"code" example:"fixed_asset_investment" enums:"fixed_asset_investment,fixed_asset_investment_growth,projects_under_construction,projects_completed,projects_in_production,investment_completed,projects_over_100m_introduced,fixed_asset_investment_growth_target,start_rate_target,resumption_rate_target"`
	// The name shown; in a PUT, the code's name when empty.
	Label string `json:"label,omitempty" example:"全社会固定资产投资"`
	// A decimal, kept digit for digit as it was given: a JSON number, or
	// the same number as a string ("13.5") in a PUT; always a number in
	// an answer.
	Value json.RawMessage `json:"value" swaggertype:"number" example:"374204"`
	// The code's unit; in a PUT, it when empty, and no other.
	Unit string `json:"unit,omitempty" example:"万元" enums:"万元,亿元,%,个"`
	// What the figure covers: the year (2020), a month (2021-06) or the
	// day of a target (2021-06-30), of the list's year; the year when
	// empty in a PUT.
	Period string `json:"period,omitempty" example:"2020"`
	// Where the figure comes from: a report, a document number.
	Source string `json:"source" example:"《关于广灵县2020年国民经济和社会发展计划执行情况与2021年国民经济和社会发展计划（草案）的报告》"`
}

// IndicatorsPut replaces a year's list of indicators.
type IndicatorsPut struct {
	Items []IndicatorItem `json:"items"`
}

// Indicators is a year's list of the county's reported indicators.
type Indicators struct {
	Year      int             `json:"year" example:"2020"`
	Items     []IndicatorItem `json:"items"`
	Version   int             `json:"version" example:"1"`
	UpdatedAt string          `json:"updated_at" format:"date-time"`
	UpdatedBy string          `json:"updated_by" example:"bureau"`
}

// IndicatorYears lists the years that have indicators, in order.
type IndicatorYears struct {
	Items []int `json:"items" example:"2020,2021"`
}

// IndicatorCode is an indicator of the closed set, with its unit.
type IndicatorCode struct {
	Code string `json:"code" example:"fixed_asset_investment"`
	ZH   string `json:"zh" example:"全社会固定资产投资"`
	EN   string `json:"en" example:"Fixed-asset investment"`
	Unit string `json:"unit" example:"万元"`
	// A goal set for the year rather than a figure reported of it.
	Target bool `json:"target" example:"false"`
}
