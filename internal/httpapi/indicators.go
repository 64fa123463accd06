package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/indicator"
)

func indicatorCodes() []api.IndicatorCode {
	out := make([]api.IndicatorCode, len(indicator.Definitions))
	for i, d := range indicator.Definitions {
		out[i] = api.IndicatorCode{Code: string(d.Code), ZH: d.ZH, EN: d.EN, Unit: d.Unit, Target: d.Target}
	}
	return out
}

func toIndicatorsResponse(y indicator.Year) api.Indicators {
	items := make([]api.IndicatorItem, len(y.Items))
	for i, it := range y.Items {
		items[i] = api.IndicatorItem{Code: string(it.Code), Label: it.Label, Value: json.RawMessage(it.Value), Unit: it.Unit,
			Period: it.Period, Source: it.Source}
	}
	return api.Indicators{Year: y.Year, Items: items, Version: y.Version, UpdatedAt: timestamp(y.UpdatedAt), UpdatedBy: y.UpdatedBy}
}

// toIndicatorItems reads the items of a PUT: a value is a JSON number or
// a string, whose text the domain checks as a decimal.
func toIndicatorItems(in []api.IndicatorItem) ([]indicator.Item, error) {
	var errs []apperr.FieldError
	out := make([]indicator.Item, len(in))
	for i, it := range in {
		v := bytes.TrimSpace(it.Value)
		var s string
		switch {
		case len(v) > 0 && v[0] == '"':
			if json.Unmarshal(v, &s) != nil {
				s = string(v)
			}
		case len(v) > 0 && (v[0] == '-' || v[0] >= '0' && v[0] <= '9'):
			s = string(v)
		case len(v) == 0:
		default:
			errs = append(errs, apperr.FieldError{Field: "items[" + strconv.Itoa(i) + "].value", Code: "invalid_type", Param: "number"})
		}
		out[i] = indicator.Item{Code: indicator.Code(it.Code), Label: it.Label, Value: s, Unit: it.Unit, Period: it.Period, Source: it.Source}
	}
	return out, apperr.Fields(errs)
}

// indicatorYear reads the year of the path.
func indicatorYear(c *gin.Context) (int, error) {
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil || len(c.Param("year")) != 4 {
		return 0, apperr.Fields([]apperr.FieldError{{Field: "year", Code: "invalid_format", Param: "YYYY"}})
	}
	return year, nil
}

// putIndicators replaces a year's county indicators.
//
//	@Summary		Set a year's county indicators
//	@Description	Replaces the county's reported indicators of the year (县级指标, docs/stats.md): a list of items from the closed set of codes (GET /api/v1/meta, indicator_codes), each with its value as a decimal kept as written, the code's unit, the period and the source. The bureau and the administrator only. 201 with the first list of a year, 200 when it replaces one; If-Match with the list's ETag is required to replace a list (428 without, 412 for another version); the same list again changes nothing. Every change is audited (indicators.put).
//	@ID				putIndicators
//	@Tags			stats
//	@Security		BearerAuth
//	@Accept			json
//	@Produce		json,application/problem+json
//	@Param			year		path		integer				true	"year"	minimum(2000)
//	@Param			If-Match	header		string				false	"ETag of the list being replaced; required when the year has one"
//	@Param			indicators	body		api.IndicatorsPut	true	"the year's whole list"
//	@Success		200			{object}	api.Indicators
//	@Success		201			{object}	api.Indicators
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		412			{object}	api.Problem
//	@Failure		413			{object}	api.Problem
//	@Failure		415			{object}	api.Problem
//	@Failure		428			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/indicators/{year} [put]
func (h *handlers) putIndicators(c *gin.Context, p identity.Principal) error {
	year, err := indicatorYear(c)
	if err != nil {
		return err
	}
	body, err := readBody(c, h.cfg.BodyLimit, false)
	if err != nil {
		return err
	}
	var in api.IndicatorsPut
	if err := decodeStrict(body, &in); err != nil {
		return err
	}
	items, err := toIndicatorItems(in.Items)
	if err != nil {
		return err
	}
	y, created, err := h.indicators.Put(c.Request.Context(), p, year, items, optionalIfMatch(c))
	if err != nil {
		return err
	}
	putAnswer(c, created, y.Version, toIndicatorsResponse(y))
	return nil
}

// getIndicators reads a year's county indicators.
//
//	@Summary		A year's county indicators
//	@Description	The county's reported indicators of the year as the bureau entered them (docs/stats.md): shown beside the numbers computed from the register, never mixed with them. 404 indicator.none when the year has none.
//	@ID				getIndicators
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year	path		integer	true	"year"	minimum(2000)
//	@Success		200		{object}	api.Indicators
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		404		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/indicators/{year} [get]
func (h *handlers) getIndicators(c *gin.Context, p identity.Principal) error {
	year, err := indicatorYear(c)
	if err != nil {
		return err
	}
	y, err := h.indicators.Get(c.Request.Context(), p, year)
	if err != nil {
		return err
	}
	c.Header("ETag", etag(y.Version))
	ok(c, http.StatusOK, toIndicatorsResponse(y))
	return nil
}

// listIndicatorYears lists the years that have county indicators.
//
//	@Summary		The years with county indicators
//	@Description	The years for which the bureau entered county indicators, in order.
//	@ID				listIndicatorYears
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Success		200	{object}	api.IndicatorYears
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/indicators [get]
func (h *handlers) listIndicatorYears(c *gin.Context, p identity.Principal) error {
	years, err := h.indicators.Years(c.Request.Context(), p)
	if err != nil {
		return err
	}
	ok(c, http.StatusOK, api.IndicatorYears{Items: years})
	return nil
}
