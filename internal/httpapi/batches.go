package httpapi

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/stats"
)

// batchPath reads a designation's year, quarter and kind from the path.
func batchPath(c *gin.Context) (int, stats.Batch, error) {
	var fs []apperr.FieldError
	year, err := strconv.Atoi(c.Param("year"))
	if err != nil {
		fs = append(fs, apperr.FieldError{Field: "year", Code: "invalid_format", Param: "YYYY"})
	}
	quarter, err := strconv.Atoi(c.Param("quarter"))
	if err != nil {
		fs = append(fs, apperr.FieldError{Field: "quarter", Code: "out_of_range", Param: "1..4"})
	}
	if len(fs) > 0 {
		return 0, stats.Batch{}, apperr.Fields(fs)
	}
	return year, stats.Batch{Quarter: quarter, Kind: stats.Kind(c.Param("kind"))}, nil
}

// designate designates a project into a quarter's batch.
//
//	@Summary		Designate a project into a 三个一批 batch
//	@Description	Designates a live project into the quarter's 签约 (signed), 开工 (started) or 投产 (in_production) batch of 三个一批 (docs/stats.md): 201 when designated, 200 when it was already. Once a quarter's batch of a kind has a designation of a live project the caller may read, the batch counts the designated projects instead of deriving them from the days. The year is 2000 to next year, as the statistics read. The bureau's; audited. An unknown project is 404, an archived one 409.
//	@ID				designateBatch
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		json,application/problem+json
//	@Param			year		path		integer	true	"year"			minimum(2000)
//	@Param			quarter		path		integer	true	"quarter"		minimum(1)	maximum(4)
//	@Param			kind		path		string	true	"batch"			Enums(signed,started,in_production)
//	@Param			project_id	path		string	true	"project ID"	format(uuid)
//	@Success		200			{object}	api.Designation
//	@Success		201			{object}	api.Designation
//	@Failure		400			{object}	api.Problem
//	@Failure		401			{object}	api.Problem
//	@Failure		403			{object}	api.Problem
//	@Failure		404			{object}	api.Problem
//	@Failure		409			{object}	api.Problem
//	@Failure		503			{object}	api.Problem
//	@Router			/api/v1/batches/{year}/{quarter}/{kind}/{project_id} [put]
func (h *handlers) designate(c *gin.Context, p identity.Principal) error {
	year, b, err := batchPath(c)
	if err != nil {
		return err
	}
	d, created, err := h.stats.Designate(c.Request.Context(), p, year, b, c.Param("project_id"))
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
		c.Header("Location", c.Request.URL.Path)
	}
	ok(c, status, api.Designation{Year: d.Year, Quarter: d.Quarter, Kind: string(d.Kind), ProjectID: d.ProjectID,
		DesignatedAt: d.DesignatedAt.Format(time.RFC3339Nano), DesignatedBy: d.DesignatedBy})
	return nil
}

// undesignate takes a project out of a quarter's batch.
//
//	@Summary		Take a project out of a 三个一批 batch
//	@Description	Removes the project's designation from the quarter's batch (docs/stats.md), an archived project's too; when the batch has no designation left, it is derived from the days again. The bureau's; audited. 404 when the project is not designated into the batch.
//	@ID				undesignateBatch
//	@Tags			stats
//	@Security		BearerAuth
//	@Produce		application/problem+json
//	@Param			year		path	integer	true	"year"			minimum(2000)
//	@Param			quarter		path	integer	true	"quarter"		minimum(1)	maximum(4)
//	@Param			kind		path	string	true	"batch"			Enums(signed,started,in_production)
//	@Param			project_id	path	string	true	"project ID"	format(uuid)
//	@Success		204
//	@Failure		400	{object}	api.Problem
//	@Failure		401	{object}	api.Problem
//	@Failure		403	{object}	api.Problem
//	@Failure		404	{object}	api.Problem
//	@Failure		409	{object}	api.Problem
//	@Failure		503	{object}	api.Problem
//	@Router			/api/v1/batches/{year}/{quarter}/{kind}/{project_id} [delete]
func (h *handlers) undesignate(c *gin.Context, p identity.Principal) error {
	year, b, err := batchPath(c)
	if err != nil {
		return err
	}
	if err := h.stats.Undesignate(c.Request.Context(), p, year, b, c.Param("project_id")); err != nil {
		return err
	}
	c.Status(http.StatusNoContent)
	return nil
}
