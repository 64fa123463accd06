package openapi

import (
	"encoding/json"
	"strconv"
	"strings"
)

const (
	mediaJSON    = "application/json"
	mediaProblem = "application/problem+json"
)

// problemExamples are the problem details an error status answers with in
// the common case (internal/httpapi/errors.go has the whole table; the
// titles are the default Chinese ones).
var problemExamples = map[int]struct{ code, title, detail string }{
	400: {"validation_failed", "请求参数无效", "name: 必填"},
	401: {"unauthorized", "需要登录", "缺少访问令牌（Authorization: Bearer …）"},
	403: {"forbidden", "无权执行此操作", "当前角色无权执行此操作"},
	404: {"not_found", "资源不存在", "项目不存在"},
	405: {"method_not_allowed", "不支持该请求方法", "不支持该请求方法"},
	408: {"request_timeout", "请求体接收超时", "请求体未在服务器读取时限内送达"},
	409: {"conflict", "与当前状态冲突", "项目已归档，请先恢复"},
	410: {"cursor_expired", "游标已过期", "游标早于变更流保留的最早事件。请列出本部门的全部项目（含已归档的，archived=true）以对齐数据，再以 after=latest 从当前位置继续读取"},
	412: {"version_conflict", "资源已被修改，请刷新后重试", "资源已被修改，请刷新后重试"},
	413: {"payload_too_large", "请求体过大", "请求体超过大小限制"},
	415: {"unsupported_media_type", "不支持的内容类型", "请求体须为 application/json"},
	422: {"unprocessable", "请求无法按规则处理", "请求无法按规则处理"},
	428: {"precondition_required", "缺少 If-Match 请求头", "修改和删除须带 If-Match 请求头（资源的 ETag）"},
	429: {"rate_limited", "请求过于频繁", "登录失败次数过多，请稍后再试"},
	500: {"internal", "服务器内部错误", "服务器内部错误"},
	503: {"unavailable", "服务暂时不可用，请稍后重试", "服务暂时不可用，请稍后重试"},
}

// problemExample is the body of an error status, as the service writes it.
func problemExample(status int) map[string]any {
	e, ok := problemExamples[status]
	if !ok {
		e = problemExamples[500]
	}
	ex := map[string]any{
		"type": "urn:guangling:pipeline:problem:" + e.code, "title": e.title,
		"status": json.Number(strconv.Itoa(status)), "detail": e.detail, "code": e.code,
		"errors": []any{}, "request_id": "4f9c2a7e1b3d5f60718293a4b5c6d7e8",
	}
	if status == 400 {
		ex["errors"] = []any{map[string]any{"field": "name", "code": "required", "message": "必填"}}
	}
	return ex
}

// fixOperations gives each answer one media type and each problem an
// example of its own status.
func fixOperations(d doc) {
	schemas := obj(obj(d["components"])["schemas"])
	for _, item := range obj(d["paths"]) {
		for _, op := range obj(item) {
			for code, r := range obj(obj(op)["responses"]) {
				status, _ := strconv.Atoi(code)
				fixResponse(obj(r), status, schemas)
			}
		}
	}
}

// fixResponse keeps one media type: application/json for a success and an
// error in another format (OAuth's), application/problem+json for problem
// details; a file export keeps its file types.
func fixResponse(r map[string]any, status int, schemas map[string]any) {
	content := obj(r["content"])
	if content == nil {
		return
	}
	keep, schema := mediaOf(content, status, schemas)
	if schema == nil && len(keep) == 1 && keep[0] == mediaJSON {
		delete(r, "content")
		return
	}
	out := map[string]any{}
	for _, mt := range keep {
		m := map[string]any{}
		if schema != nil {
			m["schema"] = schema
		}
		if mt == mediaProblem && refName(schema) == "Problem" {
			m["example"] = problemExample(status)
		}
		out[mt] = m
	}
	r["content"] = out
}

// mediaOf chooses the media types an answer keeps, and its schema.
func mediaOf(content map[string]any, status int, schemas map[string]any) (keep []string, schema any) {
	for _, mt := range sortedKeys(content) {
		schema = obj(content[mt])["schema"]
		if mt != mediaJSON && mt != mediaProblem {
			keep = append(keep, mt)
		}
	}
	switch {
	case status >= 400 && isProblem(schema, schemas):
		keep = []string{mediaProblem}
	case status >= 400 || len(keep) == 0:
		keep = []string{mediaJSON}
	}
	return keep, schema
}

func refName(schema any) string {
	ref, _ := obj(schema)["$ref"].(string)
	return strings.TrimPrefix(ref, schemaRef)
}

// isProblem tells whether a schema is problem details (RFC 9457): its
// properties include type, title and status.
func isProblem(schema any, schemas map[string]any) bool {
	props := obj(obj(schemas[refName(schema)])["properties"])
	for _, k := range []string{"type", "title", "status"} {
		if props[k] == nil {
			return false
		}
	}
	return true
}
