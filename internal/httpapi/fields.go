package httpapi

import (
	"strconv"
	"strings"

	"github.com/guangling/pipeline/internal/apperr"
)

// emptyGroup labels the group of the projects that leave the grouped field
// empty (a breakdown by township or leader).
const emptyGroup = "未填写"

// groupLabel is the label of a group whose key has no label of its own.
func groupLabel(key string) string {
	if key == "" {
		return emptyGroup
	}
	return key
}

// fieldLabels are the Chinese names of the fields the API validates: the
// members of its request bodies and query strings. A Chinese answer names a
// field by its label in a field error's message and in the detail, while
// errors[].field keeps the machine name (docs/api.md, "Errors").
// TestEveryFieldHasALabel requires a label for every field an error can
// name.
var fieldLabels = map[string]string{
	// A project.
	"id": "项目ID", "version": "版本", "code": "项目代码", "name": "项目名称", "category": "项目类别",
	"department": "部门", "leader": "包联领导", "company": "投资主体", "township": "所在乡镇",
	"capacity": "建设规模", "capacity_unit": "规模单位", "total_investment_yuan": "总投资",
	"expected_annual_output_yuan": "预计年产值", "build_type": "建设性质", "key_level": "重点级别",
	"funding": "资金来源", "source": "来源", "planned_yuan": "计划金额", "received_yuan": "到位金额",
	"planned_sign_date": "计划签约日期", "planned_start_date": "计划开工日期",
	"planned_completion_date": "计划竣工日期", "planned_production_date": "计划投产日期",
	"in_statistics_since": "入统月份", "stage": "项目阶段", "signed_on": "签约日期", "landed_on": "落地日期",
	"started_on": "开工日期", "completed_on": "竣工日期", "production_on": "投产日期", "at_capacity_on": "达效日期",
	"health": "健康状态", "health_reasons": "健康原因", "archived_at": "归档时间", "created_at": "创建时间",
	"updated_at": "更新时间",
	// The project file.
	"investment_type": "投资类型", "in_development_zone": "是否在开发区内", "construction_nature": "建设性质（统计）",
	"works_kind": "工程类别", "expected_annual_tax_yuan": "预计年税收", "expected_jobs": "预计带动就业",
	"land_needed_mu": "用地需求", "land_secured_mu": "已保障用地", "new_construction_land_mu": "新增建设用地",
	"arable_land_mu": "占用耕地", "forest_land_mu": "占用林地", "energy_needed_tce": "能耗需求",
	"energy_secured_tce": "已保障能耗", "water_needed_10k_m3": "用水需求", "water_secured_10k_m3": "已保障用水",
	"power_needed_kva": "用电负荷需求", "power_secured_kva": "已保障用电负荷", "contract_amount_yuan": "签约额",
	"investor": "投资方", "investor_origin": "投资方来源地", "attracting_unit": "招商单位", "funds_arrived": "到位资金",
	"yuan": "金额", "leaders": "包联县领导", "lead": "牵头领导", "cooperating_units": "配合单位",
	"owner_contact_name": "业主联系人", "owner_contact_phone": "业主联系电话", "task_force": "专班",
	"predecessor_id": "前期项目", "parent_id": "所属打捆项目",
	// A stage move.
	"to": "目标阶段", "occurred_on": "发生日期", "note": "说明", "evidence": "佐证材料", "kind": "类别",
	"ref": "文号或文件名", "correction": "更正",
	// Plans and progress.
	"year": "年度", "period": "月份", "planned_investment_yuan": "计划投资", "completed_yuan": "完成投资",
	// The year's plan.
	"planned_start_month": "计划开工月份", "planned_completion_on": "计划竣工日期", "planned_production_on": "计划投产日期",
	"goals": "年度建设内容及形象进度目标", "section": "计划板块", "stalled_reason": "停缓建原因",
	"opening_cumulative_yuan": "上年末累计完成投资", "effective_on": "生效日期", "issued_on": "下达日期",
	"date": "日期", "rate": "目标比率", "investment_yuan": "投资目标",
	// The monthly dispatch.
	"statistical_yuan": "入统投资", "site_progress": "形象进度", "problems": "存在问题", "issue_ids": "关联问题",
	"new_issue": "新登记问题", "next_plan": "下月计划", "state": "月报状态", "reason": "原因", "combined": "1–2月合并报送",
	// Blockers.
	"title": "问题标题", "description": "问题描述", "responsible_department": "责任部门", "due_on": "办结时限",
	"status": "状态", "resolution": "办理结果", "project_id": "项目ID", "project_department": "项目所属部门",
	"overdue": "是否逾期", "created_by": "登记人", "resolved_at": "解决时间",
	// Approvals (前期手续) and the 开工 gate.
	"applied_on": "申报日期", "expected_on": "预计取得日期", "obtained_on": "取得日期", "approval_no": "批复文号",
	"issuer": "审批部门", "env_level": "环评类别", "permit_waiver": "未取得开工许可即开工的原因",
	// Lists, statistics and the import.
	"limit": "每页条数", "cursor": "翻页位置", "sort": "排序", "count": "是否计数", "q": "关键词",
	"archived": "是否归档", "min_investment_yuan": "总投资下限", "max_investment_yuan": "总投资上限",
	"planned_start_from": "计划开工日期起", "planned_start_to": "计划开工日期止", "updated_since": "修改时间起",
	"by": "分组", "quarter": "季度", "format": "文件格式", "plan": "计划口径", "reports": "计入的月报", "ids": "是否列出项目ID", "as_of": "截至日期", "on": "日期",
	"dry_run": "试导入", "file": "文件", "Idempotency-Key": "幂等键",
	// The audit trail.
	"resource_type": "对象类型", "resource_id": "对象编号", "actor": "操作人", "since": "起始时间",
	// The change feed.
	"after": "起始位置", "types": "事件类型", "wait": "等待秒数",
	// Users, clients, departments and sign-in.
	"username": "用户名", "password": "密码", "role": "角色", "disabled": "是否停用", "scopes": "权限范围",
	"client_id": "客户端ID", "client_secret": "客户端密钥", "refresh_token": "刷新令牌", "name_en": "英文名称",
	// County indicators.
	"items": "指标", "label": "名称", "value": "数值", "unit": "单位",
	// Webhooks.
	"url": "推送地址", "paused_reason": "暂停原因",
	// Files kept as evidence.
	"target": "关联对象", "target_id": "关联对象编号", "taken_on": "拍摄日期", "place": "地点",
	"include_withdrawn": "是否含已撤回",
}

// routeFieldLabels name the fields whose label depends on the resource:
// by the start of the route's path.
var routeFieldLabels = []struct {
	prefix string
	labels map[string]string
}{
	{"/api/v1/departments", map[string]string{"code": "部门代码", "name": "部门名称"}},
	{"/api/v1/clients", map[string]string{"name": "客户端名称"}},
	{"/api/v1/users", map[string]string{"department": "所属部门"}},
	{"/api/v1/projects/:id/issues", map[string]string{"kind": "问题类别"}},
	{"/api/v1/issues", map[string]string{"kind": "问题类别"}},
	{"/api/v1/projects/:id/transitions", map[string]string{"kind": "材料类别"}},
	{"/api/v1/projects/:id/attachments", map[string]string{"kind": "文件类别", "note": "文件说明"}},
	{"/api/v1/attachments", map[string]string{"reason": "撤回原因"}},
	{"/api/v1/dispatch/periods", map[string]string{"due_on": "报送截止日期"}},
	{"/api/v1/projects/:id/approvals", map[string]string{"status": "办理状态", "reason": "不需要的原因", "note": "备注"}},
	{"/api/v1/webhooks", map[string]string{"description": "推送说明"}},
	{"/api/v1/indicators", map[string]string{"code": "指标代码", "label": "指标名称", "period": "统计期", "source": "数据来源"}},
}

// fieldLabel is the Chinese name of field, a member or a path into the
// body such as funding[1].planned_yuan (资金来源第2项·计划金额), on route; a
// name without a label is shown as it is.
func fieldLabel(route, field string) string {
	parts := strings.Split(field, ".")
	for i, part := range parts {
		name, index, indexed := strings.Cut(part, "[")
		label := labelOf(route, name)
		if n, err := strconv.Atoi(strings.TrimSuffix(index, "]")); indexed && err == nil {
			label += "第" + strconv.Itoa(n+1) + "项"
		} else if indexed {
			label = part
		}
		parts[i] = label
	}
	return strings.Join(parts, "·")
}

func labelOf(route, name string) string {
	for _, r := range routeFieldLabels {
		if l, ok := r.labels[name]; ok && strings.HasPrefix(route, r.prefix) {
			return l
		}
	}
	if l, ok := fieldLabels[name]; ok {
		return l
	}
	return name
}

// fieldText renders a field error for the answer: its message, and its
// part of the detail. A Chinese message names the field by its label (and
// so does a date_order's other field); an English one reads as before,
// the detail naming the field by its machine name.
func fieldText(route string, f apperr.FieldError, en bool) (message, detail string) {
	if en {
		msg := fieldMessage(f, en)
		return msg, f.Field + ": " + msg
	}
	if f.Code == "date_order" && f.Param != "" {
		f.Param = fieldLabel(route, f.Param)
	}
	msg := fieldLabel(route, f.Field) + "：" + fieldMessage(f, en)
	return msg, msg
}
