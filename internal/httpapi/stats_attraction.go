package httpapi

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/stats"
)

// statsAttraction answers the investment attraction statistics.
//
//	@Summary		Investment attraction (招商引资)
//	@Description	Over the projects the caller may read: the projects signed in the year by as_of (signed_on from 1 January to as_of), by the investor's origin (every origin of the closed list in its order, then unknown) and in all, with their total investment, contract amount (签约额; those without one named apart), how many landed by as_of and their funds arrived recorded for the year; 签约→落地, of the projects signed in the year by as_of those landed by as_of; 落地→开工, of the projects landed in the year by as_of those first started by as_of; each rate with its projects, those still to chase and those 终止 on as_of apart; and the year's funds arrived (到位资金) of every project with funds recorded for the year, beside their contract amounts. A signed project moved past 落地 without its date lands on its next recorded date. The definitions, with a worked example: docs/stats.md.
//	@ID				statsAttraction
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year	query		integer	false	"year; default the current one"													minimum(2000)
//	@Param			as_of	query		string	false	"day within the year, not in the future; default today or the year's last day"	format(date)
//	@Success		200		{object}	api.Attraction
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/stats/attraction [get]
func (h *handlers) statsAttraction(c *gin.Context, p identity.Principal) error {
	ps, err := h.statsParams(c, "year", "as_of")
	if err != nil {
		return err
	}
	a, err := h.stats.Attraction(c.Request.Context(), p, ps)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, toAttractionResponse(a))
	return nil
}

func toAttractionResponse(a stats.Attraction) api.Attraction {
	labels := labelMap(project.Origins)
	labels[stats.UnknownOrigin] = "未填写"
	out := api.Attraction{Year: a.Year, AsOf: a.AsOf.Format(time.DateOnly), ByOrigin: make([]api.AttractionOrigin, len(a.ByOrigin)),
		Signed: toSigning(a.Total), SigningToLanding: toConversion(a.SigningToLanding), LandingToStart: toConversion(a.LandingToStart),
		FundsArrived: api.AttractionFunds{Yuan: a.Funds.Yuan, ContractAmountYuan: a.Funds.ContractAmountYuan,
			NoAmountIDs: nonNil(a.Funds.NoAmountIDs), ProjectIDs: nonNil(a.Funds.IDs)}}
	for i, g := range a.ByOrigin {
		out.ByOrigin[i] = api.AttractionOrigin{Origin: g.Origin, Label: labels[g.Origin], AttractionSigning: toSigning(g.Signing)}
	}
	return out
}

func toSigning(s stats.Signing) api.AttractionSigning {
	return api.AttractionSigning{Count: s.Count, TotalInvestmentYuan: s.TotalInvestmentYuan, ContractAmountYuan: s.ContractAmountYuan,
		NoAmountIDs: nonNil(s.NoAmountIDs), Landed: s.Landed, FundsArrivedYuan: s.FundsArrivedYuan, ProjectIDs: nonNil(s.IDs)}
}

func toConversion(c stats.Conversion) api.AttractionRate {
	return api.AttractionRate{Numerator: c.Numerator, Denominator: c.Denominator, Rate: c.Rate.Rate,
		ProjectIDs: api.ProjectIDs{Numerator: nonNil(c.NumeratorIDs), Denominator: nonNil(c.DenominatorIDs)},
		PendingIDs: nonNil(c.PendingIDs), CancelledIDs: nonNil(c.CancelledIDs)}
}
