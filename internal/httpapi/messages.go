package httpapi

import (
	"fmt"
	"strings"

	"github.com/guangling/pipeline/internal/apperr"
	"github.com/guangling/pipeline/internal/approval"
	"github.com/guangling/pipeline/internal/project"
)

// text is a human message in the service's two languages.
type text struct {
	ZH string
	EN string
}

// messages is the one table from the message code of an error
// (apperr.Error.Message) to the text of the answer's detail. Each %s takes
// one of the error's parameters, in order. A code is named after the package
// that raises it; TestEveryMessageHasAText requires a row for each code the
// module uses.
var messages = map[string]text{
	// This package: the request, its route and its caller.
	"request.not_json":          {ZH: "请求体须为 application/json", EN: "the request body must be application/json"},
	"request.too_large":         {ZH: "请求体超过大小限制", EN: "the request body exceeds the size limit"},
	"request.body_unreadable":   {ZH: "请求体不完整或连接中断", EN: "the request body was cut short or the connection broke"},
	"request.body_timeout":      {ZH: "请求体未在服务器读取时限内送达", EN: "the request body did not arrive within the server's read timeout"},
	"request.not_object":        {ZH: "请求体须为 JSON 对象", EN: "the request body must be a JSON object"},
	"request.not_utf8":          {ZH: "请求体不是有效的 UTF-8 文本", EN: "the request body is not valid UTF-8"},
	"request.trailing_data":     {ZH: "JSON 值之后还有多余内容", EN: "unexpected data after the JSON value"},
	"request.if_match_required": {ZH: "修改和删除须带 If-Match 请求头（资源的 ETag）", EN: "send If-Match with the resource's ETag"},
	"request.if_match_star":     {ZH: "If-Match 须为资源的 ETag（其版本），不接受 *", EN: "If-Match must be the resource's ETag (its version); * is not accepted"},
	"request.if_match_versions": {ZH: "If-Match 只能指明一个版本", EN: "If-Match may name one version only"},
	"request.if_match_weak":     {ZH: "弱 ETag（W/\"…\"）不能满足 If-Match，请使用资源的 ETag", EN: "a weak ETag (W/\"…\") never satisfies If-Match; send the resource's ETag"},
	// The parameter whose value is not percent-encoded UTF-8.
	"request.bad_query_parameter": {ZH: "查询参数 %s 的值不是有效的 UTF-8 百分号编码", EN: "the value of query parameter %s is not valid percent-encoded UTF-8"},
	"request.bad_query":           {ZH: "查询字符串不是有效的 UTF-8 百分号编码", EN: "the query string is not valid percent-encoded UTF-8"},
	"request.key_reused":          {ZH: "该幂等键已用于内容不同的请求", EN: "this Idempotency-Key was used with a different request"},
	"request.no_endpoint":         {ZH: "没有这个地址", EN: "no such endpoint"},
	"request.role":                {ZH: "当前角色无权执行此操作", EN: "the caller's role may not do this"},
	"request.token_required":      {ZH: "缺少访问令牌（Authorization: Bearer …）", EN: "an access token is required (Authorization: Bearer …)"},
	"request.caller_disabled":     {ZH: "账号或客户端已停用", EN: "the account or client is disabled"},
	"dashboard.no_file":           {ZH: "看板没有这个文件", EN: "the dashboard has no such file"},
	"upload.not_multipart":        {ZH: "请以 multipart/form-data 上传文件（字段 file）", EN: "upload the file as multipart/form-data (field file)"},
	"upload.too_large":            {ZH: "上传的文件超过大小限制", EN: "the upload exceeds the size limit"},
	"upload.malformed":            {ZH: "multipart 请求体格式有误", EN: "the multipart body is malformed"},

	"auth.bad_token":      {ZH: "访问令牌无效或已过期", EN: "the access token is invalid or expired"},
	"auth.bad_login":      {ZH: "用户名或密码错误", EN: "wrong username or password"},
	"auth.bad_refresh":    {ZH: "刷新令牌无效、已使用或已过期，请重新登录", EN: "the refresh token is invalid, used or expired; sign in again"},
	"auth.limited":        {ZH: "登录失败次数过多，请稍后再试", EN: "too many failed sign-ins; try again later"},
	"auth.admin_only":     {ZH: "只有管理员可以管理用户和客户端", EN: "only an administrator may manage users and clients"},
	"auth.own_admin":      {ZH: "管理员不能取消自己的管理员角色", EN: "an administrator cannot give up their own admin role"},
	"auth.own_disable":    {ZH: "不能停用自己的账号", EN: "an administrator cannot disable their own account"},
	"auth.username_taken": {ZH: "用户名已存在", EN: "the username is taken"},

	"project.no_read":  {ZH: "当前身份无权读取项目", EN: "this identity may not read projects"},
	"project.no_write": {ZH: "当前身份无权修改项目", EN: "this identity may not change projects"},
	// The 开工 permit item of the project (docs/approvals.md).
	"project.start_permit_missing": {ZH: "开工须先取得“%s”（前期手续），或在 permit_waiver 中说明未取得即开工的原因",
		EN: "a first move to started needs the project's start permit item (%s) obtained, or permit_waiver saying why it starts without it"},
	"approval.unknown_item":        {ZH: "前期手续目录中没有这一项", EN: "the approvals catalogue has no such item"},
	"approval.not_in_checklist":    {ZH: "该项目的前期手续清单不含这一项（由项目的投资类型、类别、用地、能耗等情况决定）", EN: "the project's approvals do not list this item (its investment type, category, land and energy decide them)"},
	"approval.if_match_required":   {ZH: "该手续已填报过，修改须带 If-Match 请求头（其 ETag）", EN: "the item was written before: send If-Match with its ETag"},
	"event.no_read":                {ZH: "当前身份无权读取变更流", EN: "this identity may not read the change feed"},
	"event.cursor_expired":         {ZH: "游标早于变更流保留的最早事件。请列出本部门的全部项目（含已归档的，archived=true）以对齐数据，再以 after=latest 从当前位置继续读取", EN: "the cursor is older than the oldest event the feed keeps: list your department's projects (archived ones too, archived=true) to catch up, then follow the feed again from after=latest"},
	"project.archiver_only":        {ZH: "只有发改局或管理员可以归档和恢复项目", EN: "only the bureau or an administrator may archive and restore projects"},
	"project.archived":             {ZH: "项目已归档，请先恢复", EN: "the project is archived; restore it first"},
	"project.not_archived":         {ZH: "项目未归档", EN: "the project is not archived"},
	"project.changed_concurrently": {ZH: "项目同时被他人修改，请重试", EN: "the project was changed concurrently; try again"},
	"project.busy":                 {ZH: "项目正被他人同时变更，请刷新后重试", EN: "the project is being changed at the same time; reload and retry"},
	"project.code_taken":           {ZH: "项目代码已被其他项目使用", EN: "the project code is already used by another project"},
	"project.corrector_only":       {ZH: "只有发改局或管理员可以更正阶段", EN: "only the bureau or an administrator may correct a stage"},
	"project.correction_not_back":  {ZH: "更正只能退回到更早的阶段", EN: "a correction sets a project back to an earlier stage"},
	// The stage the project is at, and the one it was asked to move to.
	"project.illegal_move": {ZH: "不允许从“%s”变更为“%s”", EN: "a project at %s cannot move to %s"},

	"department.no_read":    {ZH: "当前身份无权读取部门", EN: "this identity may not read departments"},
	"department.admin_only": {ZH: "只有管理员可以管理部门", EN: "only an administrator may manage departments"},
	"department.code_taken": {ZH: "部门代码已存在", EN: "the department code is taken"},

	"stats.no_designate":   {ZH: "当前身份无权指定三个一批", EN: "this identity may not designate projects into 三个一批 batches"},
	"stats.not_designated": {ZH: "该项目未列入此批次", EN: "the project is not designated into this batch"},
	"issue.no_write":       {ZH: "当前身份无权登记或处理问题", EN: "this identity may not open or update blockers"},
	"issue.closed":         {ZH: "问题已解决，不能再修改；问题再次出现时请新登记", EN: "the blocker is resolved and closed; open a new one if the problem returns"},
	// The blocker's status, and the one it was asked to take.
	"issue.illegal_status": {ZH: "问题状态不能从“%s”变为“%s”", EN: "a blocker that is %s cannot become %s"},

	"indicator.none":              {ZH: "该年度没有县级指标", EN: "the year has no county indicators"},
	"indicator.no_write":          {ZH: "只有发改局或管理员可以录入县级指标", EN: "only the bureau or an administrator may enter county indicators"},
	"indicator.no_read":           {ZH: "当前身份无权读取县级指标", EN: "this identity may not read the county indicators"},
	"indicator.if_match_required": {ZH: "该年度已有县级指标，替换时须带 If-Match 请求头（其 ETag）", EN: "the year has indicators; send If-Match with their ETag to replace them"},
	"dispatch.no_report":          {ZH: "当前身份无权填报月报", EN: "this identity may not submit monthly reports"},
	"dispatch.no_review":          {ZH: "只有发改局或管理员可以审核月报", EN: "only the bureau or an administrator may review reports"},
	"dispatch.no_manage":          {ZH: "只有发改局或管理员可以设置调度期", EN: "only the bureau or an administrator may set dispatch periods"},
	"dispatch.other_department":   {ZH: "该项目本年度由其他责任单位报送", EN: "another department is responsible for this plan entry's reports"},
	"dispatch.not_in_plan":        {ZH: "该项目不在本期年度计划中，月报只针对计划项目", EN: "the project is not a plan entry owing this period; reports exist only for plan entries"},
	// The February period that January is reported with.
	"dispatch.combined_january": {ZH: "本年1月与2月合并报送，请报 %s 期", EN: "January is reported with February this year: report period %s"},
	"dispatch.no_report_yet":    {ZH: "该项目本期尚无月报", EN: "the project has no report of this period"},
	"dispatch.report_returned":  {ZH: "月报已退回，待重新报送后才能审核", EN: "the report was returned; it can be reviewed once submitted again"},
	"dispatch.report_accepted":  {ZH: "月报已审核通过，不能退回；如需更正请重新报送", EN: "the report is accepted and cannot be returned; submit a correction instead"},
	"plan.no_write":             {ZH: "只有发改局或管理员可以编制、下达和调整年度计划", EN: "only the bureau or an administrator may draft, issue or adjust the year's plan"},
	"plan.not_found":            {ZH: "该年度还没有重点项目计划", EN: "the year has no plan"},
	"plan.no_entry":             {ZH: "该项目不在该年度计划中", EN: "the project is not in the year's plan"},
	"plan.already_issued":       {ZH: "该年度计划已下达，不能再次下达；请以调整方式修改", EN: "the year's plan is issued already; change it by adjustments"},

	"audit.reader_only":          {ZH: "只有发改局或管理员可以查看审计日志", EN: "only the bureau or an administrator may read the audit trail"},
	"audit.written_concurrently": {ZH: "审计日志同时被写入，请重试", EN: "the audit trail was written concurrently; try again"},
	"idempotency.in_progress":    {ZH: "相同幂等键的请求正在处理中，请稍后重试", EN: "a request with the same Idempotency-Key is in progress; retry shortly"},
	"database.changed_concurrently": {ZH: "数据正被同时修改，本次请求未生效，请重试",
		EN: "the data was being changed at the same time; nothing was changed, try again"},

	"webhook.rotation_running": {ZH: "上一次更换的密钥仍在并用期内（至 %s），并用期结束后才能再次更换",
		EN: "the secret replaced by the last rotation still signs until %s; rotate again after that"},
	"webhook.not_allowed": {ZH: "只有发改局、管理员、部门编辑用户和持有 events:read 的部门系统可以管理推送订阅；部门只读用户只能查看",
		EN: "only the bureau, administrators, department editors and department systems with events:read may manage webhooks; department viewers may only read them"},

	"import.too_slow": {ZH: "导入未能在时限内完成，没有写入任何数据；请分批导入",
		EN: "the import did not finish in time and wrote nothing; import the file in parts"},
	// The most columns a file may have.
	"import.too_many_columns": {ZH: "第一行的列名超出了前 %s 列", EN: "the first row names columns beyond the first %s"},
	// The columns there are, joined with ", ".
	"import.unknown_columns": {ZH: "文件含有未知的列；可用的列：%s", EN: "the file has unknown columns; the columns are: %s"},
	"import.missing_columns": {ZH: "文件缺少必需的列（有“项目ID”列时也须有“版本”列）",
		EN: "the file lacks required columns (with 项目ID, 版本 is required too)"},
	"import.repeated_columns": {ZH: "文件中有重复的列", EN: "the file repeats columns"},
	"import.too_many_rows":    {ZH: "文件行数超过上限，请分批导入", EN: "the file has too many rows; import it in parts"},
	"import.no_header":        {ZH: "文件是空的，第一行应为列名", EN: "the file is empty; its first row must name the columns"},
	// The rows that would be written, and the most that may be at once.
	"import.too_many_writes": {ZH: "文件中有 %s 行要新建或修改项目，一次最多 %s 行，请分批导入",
		EN: "%s rows of the file create or change a project, at most %s may at once; import it in parts"},

	"attachment.too_large": {ZH: "文件超过大小上限（%s 字节）", EN: "the file exceeds the size limit (%s bytes)"},
	// The media type detected, and those taken.
	"attachment.type_not_allowed": {ZH: "不接受该类型的文件（按内容识别为 %s）；可上传的类型：%s",
		EN: "files of this type are not taken (its content reads as %s); the types taken: %s"},
	"attachment.withdrawn": {ZH: "该文件已撤回", EN: "the file is withdrawn already"},
	"attachment.fields_after_file": {ZH: "表单字段须在 file 之前；file 之后不能再有字段",
		EN: "the form's fields come before file; nothing may follow file"},

	"sheet.empty": {ZH: "上传的文件是空的", EN: "the uploaded file is empty"},
	"sheet.legacy_workbook": {ZH: "不支持 Excel 97-2003 (.xls) 或加密的工作簿，请另存为 .xlsx 或 CSV 后上传",
		EN: "Excel 97-2003 (.xls) and encrypted workbooks are not supported; save the file as .xlsx or CSV"},
	"sheet.not_a_table": {ZH: "文件不是 XLSX 或 CSV 表格", EN: "the file is neither an XLSX workbook nor CSV text"},
	"sheet.xlsx_too_large": {ZH: "XLSX 工作簿解压后过大（行、单元格或内容超出导入上限），请分批导入",
		EN: "the XLSX workbook unpacks to more than an import allows (rows, cells or content); import it in parts"},
	"sheet.xlsx_date1904": {ZH: "工作簿使用 1904 日期系统，日期无法准确读取；请在 Excel 中另存为 CSV 后上传",
		EN: "the workbook uses the 1904 date system, whose dates cannot be read exactly; save it as CSV in Excel and upload that"},
	"sheet.xlsx_damaged":         {ZH: "XLSX 工作簿已损坏，无法完整读取", EN: "the XLSX workbook is damaged and cannot be read whole"},
	"sheet.xlsx_unreadable":      {ZH: "无法读取 XLSX 工作簿，文件可能已损坏", EN: "the XLSX workbook cannot be read; the file may be damaged"},
	"sheet.xlsx_no_worksheet":    {ZH: "XLSX 工作簿中没有工作表", EN: "the XLSX workbook has no worksheet"},
	"sheet.worksheet_unreadable": {ZH: "无法读取 XLSX 工作表", EN: "the XLSX worksheet cannot be read"},
	"sheet.worksheet_cut_short":  {ZH: "XLSX 工作表有误，无法读完", EN: "the XLSX worksheet cannot be read to its end"},
	// The worksheet's row.
	"sheet.worksheet_bad_row": {ZH: "XLSX 工作表第 %s 行有误", EN: "row %s of the XLSX worksheet cannot be read"},
	// The line of the file.
	"sheet.csv_bad_line": {ZH: "CSV 第 %s 行格式有误（引号不配对等）", EN: "line %s of the CSV file is malformed (unbalanced quotes or the like)"},
}

// zhParams render the parameters of a code for the Chinese text where the
// value the error carries is not what a Chinese reader should see.
var zhParams = map[string]func(string) string{
	"project.illegal_move":         stageLabel,
	"project.start_permit_missing": func(item string) string { return approval.LabelOf(approval.Code(item)).ZH },
	"import.unknown_columns":       func(list string) string { return strings.ReplaceAll(list, ", ", "、") },
}

// stageLabel is the Chinese name of a stage.
func stageLabel(stage string) string {
	for _, l := range project.Stages {
		if l.Value == stage {
			return l.ZH
		}
	}
	return stage
}

// message renders the message of e, "" when it has none. A code the table
// lacks is shown as it is.
func message(e *apperr.Error, en bool) string {
	if e.Message == "" {
		return ""
	}
	t, ok := messages[e.Message]
	if !ok {
		return e.Message
	}
	msg := pick(t, en)
	if len(e.Params) == 0 {
		return msg
	}
	render := zhParams[e.Message]
	args := make([]any, len(e.Params))
	for i, p := range e.Params {
		if render != nil && !en {
			p = render(p)
		}
		args[i] = p
	}
	return fmt.Sprintf(msg, args...)
}
