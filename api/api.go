// Package api is the wire contract of the pipeline service in Go: the request
// and response bodies of every endpoint. It holds no behaviour and imports
// only the standard library, so that clients can depend on it.
package api

// Problem is an RFC 9457 problem details body, the answer to every failed
// request (Content-Type application/problem+json).
type Problem struct {
	Type   string `json:"type" example:"urn:guangling:pipeline:problem:validation_failed"`
	Title  string `json:"title" example:"请求参数无效"`
	Status int    `json:"status" example:"400"`
	Detail string `json:"detail" example:"name: 必填"`
	// Code is a stable machine code: validation_failed, malformed_json, unknown_field, unauthorized,
	// forbidden, not_found, conflict, version_conflict, precondition_required, illegal_transition,
	// payload_too_large, unsupported_media_type, rate_limited, idempotency_key_reused, unprocessable, internal,
	// unavailable, request_timeout, cursor_expired, start_permit_missing.
	Code   string       `json:"code" example:"validation_failed"`
	Errors []FieldError `json:"errors"`
	// Allowed names the permitted alternatives of an illegal_transition
	// (the stages a project may move to; [] from a terminal stage).
	Allowed   []string `json:"allowed,omitzero"`
	RequestID string   `json:"request_id" example:"4f9c2a7e1b3d5f60718293a4b5c6d7e8"`
}

// FieldError is one problem with one field of a request.
type FieldError struct {
	Field   string `json:"field" example:"name"`
	Code    string `json:"code" example:"required"`
	Message string `json:"message" example:"必填"`
}

// Health is the answer of /healthz and /readyz.
type Health struct {
	Status string            `json:"status" example:"ok"`
	Checks map[string]string `json:"checks,omitempty"`
}
