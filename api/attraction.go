package api

// AttractionSigning is a set of projects signed (签约) in the year by as_of.
type AttractionSigning struct {
	Count               int64 `json:"count"`
	TotalInvestmentYuan int64 `json:"total_investment_yuan"`
	// 签约额: the sum of the contract amounts of those with one.
	ContractAmountYuan int64 `json:"contract_amount_yuan"`
	// The projects without a contract amount (counted, their amount not
	// known).
	NoAmountIDs []string `json:"no_amount_ids"`
	// Of them, those landed (落地) by as_of.
	Landed int64 `json:"landed"`
	// Their funds arrived (到位资金) recorded for the year.
	FundsArrivedYuan int64    `json:"funds_arrived_yuan"`
	ProjectIDs       []string `json:"project_ids"`
}

// AttractionOrigin is the projects signed in the year whose investor comes
// from one origin.
type AttractionOrigin struct {
	// An origin of the closed list, or unknown (not recorded).
	Origin string `json:"origin" enums:"jingjinji,yangtze_delta,pearl_delta,in_province,in_county,overseas,other,unknown"`
	// Its Chinese name.
	Label string `json:"label" example:"京津冀"`
	AttractionSigning
}

// AttractionRate is a rate of projects moving on: 签约→落地 or 落地→开工.
type AttractionRate struct {
	Numerator   int64 `json:"numerator"`
	Denominator int64 `json:"denominator"`
	// Null when the denominator is 0.
	Rate       *float64   `json:"rate" extensions:"x-nullable"`
	ProjectIDs ProjectIDs `json:"project_ids"`
	// Of the denominator, those that have not moved on and are not 终止
	// on as_of: the list to chase.
	PendingIDs []string `json:"pending_ids"`
	// Of the denominator, those that have not moved on and are 终止 on
	// as_of.
	CancelledIDs []string `json:"cancelled_ids"`
}

// AttractionFunds is the year's funds arrived (到位资金) of every project with
// funds recorded for the year, beside the contract amounts of the same
// projects.
type AttractionFunds struct {
	Yuan               int64    `json:"yuan"`
	ContractAmountYuan int64    `json:"contract_amount_yuan"`
	NoAmountIDs        []string `json:"no_amount_ids"`
	ProjectIDs         []string `json:"project_ids"`
}

// Attraction is the investment attraction statistics (招商引资) of a year
// as of a day, over the projects the caller may read.
type Attraction struct {
	Year int    `json:"year" example:"2021"`
	AsOf string `json:"as_of" format:"date"`
	// The projects signed in the year by as_of, by origin: every origin
	// of the closed list in its order, then unknown.
	ByOrigin []AttractionOrigin `json:"by_origin"`
	// The projects signed in the year by as_of, whatever their origin.
	Signed AttractionSigning `json:"signed"`
	// 签约→落地: of the projects signed in the year by as_of, those landed
	// by as_of.
	SigningToLanding AttractionRate `json:"signing_to_landing"`
	// 落地→开工: of the projects landed in the year by as_of, those started
	// by as_of.
	LandingToStart AttractionRate  `json:"landing_to_start"`
	FundsArrived   AttractionFunds `json:"funds_arrived"`
}
