package httpapi

import (
	"bytes"
	"fmt"
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/identity"
	"github.com/guangling/pipeline/internal/project"
	"github.com/guangling/pipeline/internal/sheet"
)

// dispatchSheet writes the 调度表 of a period.
//
//	@Summary		The 调度表 of a period
//	@Description	One row per plan entry in force at the period's end, grouped by section with 小计 rows and a 合计, money in 万元 with two decimals (sums taken in yuan and rounded once): 序号, 项目名称, 建设性质, 建设规模及主要内容, 总投资, 开工以来累计完成, 年度计划投资, 1–P月完成, 完成率, 形象进度, 存在问题, 包联领导, 责任单位, and a mark on rows with a month up to P whose report is missing, not accepted or corrected, naming the earlier months (docs/dispatch.md, "The sheet"). A 小计's or the 合计's 完成率 divides the 1–P月完成 of the rows with a planned amount by their plans. A period after the current month is 400 (period: in_future); January of a year whose January is reported with February is 422 (period: combined_period). XLSX prints on A3 landscape with its header repeated. A department's sheet holds its own entries.
//	@ID				dispatchSheet
//	@Tags			dispatch
//	@Security		BearerAuth
//	@Produce		application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,text/csv,application/problem+json
//	@Param			period	path		string				true	"period, YYYY-MM"
//	@Param			format	query		string				false	"file format"													Enums(xlsx,csv)			default(xlsx)
//	@Param			reports	query		string				false	"reports that count: submitted and accepted, or accepted only"	Enums(counted,accepted)	default(counted)
//	@Success		200		{file}		file				"the sheet"
//	@Header			200		{string}	Content-Disposition	"attachment with the file name (RFC 6266)"
//	@Failure		400		{object}	api.Problem
//	@Failure		401		{object}	api.Problem
//	@Failure		403		{object}	api.Problem
//	@Failure		422		{object}	api.Problem
//	@Failure		503		{object}	api.Problem
//	@Router			/api/v1/dispatch/{period}/sheet [get]
func (h *handlers) dispatchSheet(c *gin.Context, p identity.Principal) (err error) {
	defer apperr.Wrap(&err, "write the dispatch sheet")
	m, err := monthParam(c, "period")
	if err != nil {
		return err
	}
	if err := onlyParams(c, "format", "reports"); err != nil {
		return err
	}
	var check project.Check
	format := c.DefaultQuery("format", "xlsx")
	if format != "xlsx" && format != "csv" {
		check.Add("format", "invalid_value", "xlsx,csv")
	}
	reports := c.DefaultQuery("reports", "counted")
	if reports != "counted" && reports != "accepted" {
		check.Add("reports", "invalid_value", "counted,accepted")
	}
	if err := check.Err(); err != nil {
		return err
	}
	if c.Request.Method == http.MethodHead {
		// The headers alone, without building the sheet: its title names
		// the county and the month, so the file name is the plain one.
		sheetHeaders(c, format)
		c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="dispatch-%s.%s"`, m, format))
		c.Status(http.StatusOK)
		return nil
	}
	sh, err := h.dispatch.Sheet(c.Request.Context(), p, m, reports == "accepted")
	if err != nil {
		return err
	}
	// A sheet of a few hundred rows is built whole, so that a failure is
	// answered as problem details rather than as a broken download.
	var buf bytes.Buffer
	if err := sheet.WriteDispatch(&buf, format, sh); err != nil {
		return err
	}
	contentType := sheetHeaders(c, format)
	c.Header("Content-Disposition", fmt.Sprintf(`attachment; filename="dispatch-%s.%s"; filename*=UTF-8''%s`,
		m, format, url.PathEscape(sheet.DispatchTitle(sh)+"."+format)))
	c.Data(http.StatusOK, contentType, buf.Bytes())
	return nil
}

// sheetHeaders sets the headers a dispatch sheet in format answers with,
// and returns its content type.
func sheetHeaders(c *gin.Context, format string) string {
	contentType := sheet.XLSXType
	if format == "csv" {
		contentType = sheet.CSVType + "; charset=utf-8; header=present"
	}
	c.Header("Content-Type", contentType)
	c.Header("Cache-Control", "no-store")
	return contentType
}
