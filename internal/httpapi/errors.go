package httpapi

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/text/language"

	"github.com/guangling/pipeline/api"
	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/platform/database"
)

// kinds is the one table from error kind to HTTP status and title.
var kinds = map[apperr.Kind]struct {
	status int
	title  text
}{
	apperr.Internal:             {http.StatusInternalServerError, text{ZH: "服务器内部错误", EN: "Internal server error"}},
	apperr.Invalid:              {http.StatusBadRequest, text{ZH: "请求参数无效", EN: "The request is invalid"}},
	apperr.MalformedJSON:        {http.StatusBadRequest, text{ZH: "请求体不是有效的 JSON", EN: "The request body is not valid JSON"}},
	apperr.UnknownField:         {http.StatusBadRequest, text{ZH: "请求体含有未知字段", EN: "The request body has an unknown field"}},
	apperr.Unauthenticated:      {http.StatusUnauthorized, text{ZH: "需要登录", EN: "Authentication required"}},
	apperr.Forbidden:            {http.StatusForbidden, text{ZH: "无权执行此操作", EN: "Not allowed"}},
	apperr.NotFound:             {http.StatusNotFound, text{ZH: "资源不存在", EN: "Not found"}},
	apperr.Conflict:             {http.StatusConflict, text{ZH: "与当前状态冲突", EN: "Conflict with the current state"}},
	apperr.VersionConflict:      {http.StatusPreconditionFailed, text{ZH: "资源已被修改，请刷新后重试", EN: "The resource has changed; reload and retry"}},
	apperr.PreconditionRequired: {http.StatusPreconditionRequired, text{ZH: "缺少 If-Match 请求头", EN: "If-Match is required"}},
	apperr.IllegalTransition:    {http.StatusUnprocessableEntity, text{ZH: "不允许的阶段变更", EN: "Illegal stage transition"}},
	apperr.TooLarge:             {http.StatusRequestEntityTooLarge, text{ZH: "请求体过大", EN: "The request body is too large"}},
	apperr.UnsupportedMediaType: {http.StatusUnsupportedMediaType, text{ZH: "不支持的内容类型", EN: "Unsupported content type"}},
	apperr.RateLimited:          {http.StatusTooManyRequests, text{ZH: "请求过于频繁", EN: "Too many requests"}},
	apperr.IdempotencyKeyReused: {http.StatusUnprocessableEntity, text{ZH: "幂等键已用于另一个请求", EN: "The Idempotency-Key was used for another request"}},
	apperr.MethodNotAllowed:     {http.StatusMethodNotAllowed, text{ZH: "不支持该请求方法", EN: "Method not allowed"}},
	apperr.Unprocessable:        {http.StatusUnprocessableEntity, text{ZH: "请求无法按规则处理", EN: "The request cannot be processed under the rules"}},
	apperr.Unavailable:          {http.StatusServiceUnavailable, text{ZH: "服务暂时不可用，请稍后重试", EN: "The service is unavailable for the moment; retry shortly"}},
	apperr.RequestTimeout:       {http.StatusRequestTimeout, text{ZH: "请求体接收超时", EN: "The request body did not arrive in time"}},
	apperr.CursorExpired:        {http.StatusGone, text{ZH: "游标已过期", EN: "The cursor has expired"}},
	apperr.StartPermitMissing:   {http.StatusConflict, text{ZH: "开工许可未取得", EN: "The start permit is not obtained"}},
}

// fieldMessages renders field error codes; %s is the error's Param.
var fieldMessages = map[string]text{
	"required":          {ZH: "必填", EN: "is required"},
	"too_long":          {ZH: "过长，最多 %s", EN: "is too long (at most %s)"},
	"too_short":         {ZH: "过短，至少 %s 个字符", EN: "is too short (at least %s characters)"},
	"invalid_format":    {ZH: "格式无效（应为 %s）", EN: "has an invalid format (expected %s)"},
	"invalid_value":     {ZH: "取值无效，可选值：%s", EN: "is not one of: %s"},
	"invalid_type":      {ZH: "类型错误，应为 %s", EN: "has the wrong type (expected %s)"},
	"out_of_range":      {ZH: "超出范围 %s", EN: "is out of range %s"},
	"date_order":        {ZH: "不能早于 %s", EN: "must not be before %s"},
	"not_reached":       {ZH: "项目尚未到达该阶段（阶段：%s）", EN: "belongs to a stage the project has not reached (stage %s)"},
	"in_future":         {ZH: "不能晚于今天（%s）", EN: "must not be after today (%s)"},
	"read_only":         {ZH: "只读字段，不能修改", EN: "is read-only"},
	"unknown_field":     {ZH: "未知字段", EN: "is not a known field"},
	"unknown_parameter": {ZH: "未知参数，可用参数：%s", EN: "is not a known parameter (known: %s)"},
	"repeated":          {ZH: "重复给出", EN: "is given more than once"},
	"bidi_control":      {ZH: "含有双向控制字符（U+202A–U+202E、U+2066–U+2069、U+200E、U+200F、U+061C），会改变文字的显示顺序", EN: "holds a bidirectional control character (U+202A–U+202E, U+2066–U+2069, U+200E, U+200F, U+061C), which reorders text as shown"},
	"not_unique":        {ZH: "已被使用", EN: "is already taken"},
	"not_allowed":       {ZH: "部门用户只能使用本部门（%s）", EN: "a department user may use only its own department (%s)"},
	"unknown":           {ZH: "不存在", EN: "does not exist"},
	"owner_only":        {ZH: "只有项目所属部门可以修改；责任部门只能修改 %s", EN: "only the project's owner may change it; the responsible department may change %s"},
	"only_when":         {ZH: "仅在状态为 %s 时填写", EN: "is set only when the status is %s"},
	"only_for":          {ZH: "仅适用于 %s", EN: "is set only on %s"},
	"not_in_plan":       {ZH: "该项目不在 %s 期的年度计划中，无需报送", EN: "is not a plan entry owing period %s"},
	"combined_period":   {ZH: "1月与2月合并报送，请报 %s 期", EN: "January is reported with February: report period %s"},
	"february_only":     {ZH: "仅2月期可合并报送1月", EN: "may be set on February only"},
	"too_many":          {ZH: "过多，最多 %s 个", EN: "has too many items (at most %s)"},
	"is":                {ZH: "当前为 %s", EN: "is %s"},
	"credentials":       {ZH: "不能包含用户名或密码", EN: "must not carry a user name or password"},
	"refused_address":   {ZH: "指向本机、内网、链路本地等不允许推送的地址（%s）", EN: "names or resolves to an address webhooks are not sent to: loopback, private, link-local or the like (%s)"},
	"unresolvable":      {ZH: "域名无法解析（%s）", EN: "does not resolve (%s)"},
	// The project file.
	"exceeds":         {ZH: "不能大于 %s", EN: "must not exceed %s"},
	"one_lead":        {ZH: "应有且只有一位牵头领导（现有 %s 位）", EN: "must have exactly one lead (has %s)"},
	"not_lead":        {ZH: "应与牵头领导一致（%s）", EN: "must be the lead's name (%s)"},
	"owner":           {ZH: "是项目所属部门（牵头单位 %s），不能同时为配合单位", EN: "is the owning department (the lead unit, %s), not a cooperating unit"},
	"unknown_project": {ZH: "没有这个项目，或无权查看", EN: "no such project, or not one this caller may read"},
	"self":            {ZH: "不能指向项目自身", EN: "must not name the project itself"},
	"cycle":           {ZH: "前后期形成循环", EN: "would make the phases a cycle"},
	"nested":          {ZH: "该项目本身属于打捆项目（%s），只允许一层", EN: "is itself a child of a bundle (%s); bundles have one level"},
	"has_children":    {ZH: "本项目已是打捆项目，不能再属于其他打捆项目", EN: "this project is a bundle itself and cannot have a parent"},
	"both_planned":    {ZH: "打捆项目与其子项目不能同时列入 %s 年度计划", EN: "a bundle and its children cannot both be entries of the %s plan"},
}

// bareMessages render the codes whose message names a parameter when the
// error has none.
var bareMessages = map[string]text{
	"invalid_format": {ZH: "格式无效", EN: "has an invalid format"},
	"invalid_value":  {ZH: "取值无效", EN: "is not a valid value"},
	"invalid_type":   {ZH: "类型错误", EN: "has the wrong type"},
}

var matcher = language.NewMatcher([]language.Tag{language.SimplifiedChinese, language.English})

// english reports whether the client prefers English over Chinese.
func english(c *gin.Context) bool {
	h := c.GetHeader("Accept-Language")
	if h == "" {
		return false
	}
	tags, _, err := language.ParseAcceptLanguage(h)
	if err != nil {
		return false
	}
	_, i, _ := matcher.Match(tags...)
	return i == 1
}

func pick(t text, en bool) string {
	if en && t.EN != "" {
		return t.EN
	}
	if t.ZH == "" {
		return t.EN
	}
	return t.ZH
}

func fieldMessage(f apperr.FieldError, en bool) string {
	t, ok := fieldMessages[f.Code]
	if !ok {
		return f.Code
	}
	if b, ok := bareMessages[f.Code]; ok && f.Param == "" {
		t = b
	}
	msg := pick(t, en)
	if strings.Contains(msg, "%s") {
		msg = fmt.Sprintf(msg, f.Param)
	}
	return msg
}

// statusClientClosed is the status a request whose client went away is
// logged and counted with; nobody is left to read it.
const statusClientClosed = 499

// clientGone reports that the client went away before its answer: the
// request's context was canceled (the server's own shutdown does not cancel
// it: Serve's BaseContext).
func clientGone(c *gin.Context) bool {
	return errors.Is(c.Request.Context().Err(), context.Canceled)
}

// unavailableRetry is the Retry-After of an outage's 503.
const unavailableRetry = 5 * time.Second

// classify is the error err is answered as: an internal failure that is an
// outage (database.Unavailable) is not a bug but a 503, to be retried
// (docs/api.md, "Errors").
func classify(err error) *apperr.Error {
	e := apperr.As(err)
	if e.Kind == apperr.Internal && database.Unavailable(err) {
		return &apperr.Error{Kind: apperr.Unavailable, RetryAfter: unavailableRetry}
	}
	return e
}

// fail answers a request with the problem details of err. An internal error
// is logged with the request ID; its text never reaches the client.
func (h *handlers) fail(c *gin.Context, err error) {
	e := classify(err)
	k, ok := kinds[e.Kind]
	if !ok {
		k = kinds[apperr.Internal]
	}
	if k.status >= 500 && clientGone(c) && (errors.Is(err, context.Canceled) || database.Unavailable(err)) {
		// What failed was cut by the client's leaving: the answer is
		// logged and counted as 499, neither an outage nor a bug
		// (docs/api.md, "Errors"). A body the client left unfinished is
		// still answered 400 or 408, in case it reads; a bug met after
		// the client left is logged as one.
		c.AbortWithStatus(statusClientClosed)
		return
	}
	rid := requestID(c)
	if k.status >= 500 {
		h.logFailure(c, e, err)
		e = &apperr.Error{Kind: e.Kind, RetryAfter: e.RetryAfter}
	}
	en := english(c)
	p := api.Problem{
		Type:      "urn:guangling:pipeline:problem:" + e.Kind.Code(),
		Title:     pick(k.title, en),
		Status:    k.status,
		Code:      e.Kind.Code(),
		Errors:    make([]api.FieldError, len(e.Fields)),
		Allowed:   e.Allowed,
		RequestID: rid,
	}
	if e.Kind == apperr.IllegalTransition && p.Allowed == nil {
		p.Allowed = []string{} // none: the stage is terminal
	}
	var details []string
	if d := message(e, en); d != "" {
		details = append(details, d)
	}
	for i, f := range e.Fields {
		msg, detail := fieldText(c.FullPath(), f, en)
		p.Errors[i] = api.FieldError{Field: f.Field, Code: f.Code, Message: msg}
		details = append(details, detail)
	}
	if len(details) == 0 {
		details = append(details, p.Title)
	}
	sep := "；"
	if en {
		sep = "; "
	}
	p.Detail = strings.Join(details, sep)
	problemHeaders(c, e, en)
	writeJSON(c, k.status, "application/problem+json", p)
	c.Abort()
}

// logFailure logs a 5xx with the request ID: an outage once per burst
// (outageLog), anything else, a bug, every time.
func (h *handlers) logFailure(c *gin.Context, e *apperr.Error, err error) {
	rid, route := slog.String("request_id", requestID(c)), slog.String("route", c.FullPath())
	if e.Kind == apperr.Unavailable {
		h.outages.failed(c.Request.Context(), err, rid, route)
		return
	}
	h.log.ErrorContext(c.Request.Context(), "request failed", rid, route, slog.Any("error", err))
}

// problemHeaders sets the headers of a problem answer.
func problemHeaders(c *gin.Context, e *apperr.Error, en bool) {
	if e.Kind == apperr.Unauthenticated {
		c.Header("WWW-Authenticate", `Bearer realm="pipeline"`)
		if c.GetHeader("Authorization") != "" {
			c.Header("WWW-Authenticate", `Bearer realm="pipeline", error="invalid_token"`)
		}
	}
	if e.RetryAfter > 0 {
		c.Header("Retry-After", strconv.Itoa(int(math.Ceil(e.RetryAfter.Seconds()))))
	}
	if en {
		c.Header("Content-Language", "en")
	} else {
		c.Header("Content-Language", "zh-CN")
	}
}
