// Package apperr defines the closed set of error kinds the service speaks in.
//
// Domain packages and stores return errors that carry a Kind; the HTTP layer
// maps each kind to one status and problem code through a single table. An
// error without a kind is internal: its text is logged, never shown.
//
// An error says what went wrong with a message code and its parameters, not
// with text: the HTTP layer renders the code in the client's language.
package apperr

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Kind classifies an error for callers; each kind has one stable wire code.
type Kind int

// The kinds. Internal is the zero value so that an unclassified error is never
// mistaken for a client error.
const (
	Internal Kind = iota
	Invalid
	MalformedJSON
	UnknownField
	Unauthenticated
	Forbidden
	NotFound
	Conflict
	VersionConflict
	PreconditionRequired
	IllegalTransition
	TooLarge
	UnsupportedMediaType
	RateLimited
	IdempotencyKeyReused
	MethodNotAllowed
	// Unprocessable is a well-formed request the rules refuse for what it
	// names (a report of a project not in the plan).
	Unprocessable
	// Unavailable is an outage: the database cannot be reached or did not
	// answer in time; the request may be retried.
	Unavailable
	// RequestTimeout is a request body that did not arrive within the
	// server's read timeout.
	RequestTimeout
	// CursorExpired is a cursor of the change feed older than what it
	// keeps (docs/integration.md, "Events").
	CursorExpired
	// StartPermitMissing is a first move to 开工 (or past it) of a project
	// whose 开工 permit item is not obtained, without the reason why
	// (docs/approvals.md, "The 开工 gate").
	StartPermitMissing
)

var codes = [...]string{
	Internal:             "internal",
	Invalid:              "validation_failed",
	MalformedJSON:        "malformed_json",
	UnknownField:         "unknown_field",
	Unauthenticated:      "unauthorized",
	Forbidden:            "forbidden",
	NotFound:             "not_found",
	Conflict:             "conflict",
	VersionConflict:      "version_conflict",
	PreconditionRequired: "precondition_required",
	IllegalTransition:    "illegal_transition",
	TooLarge:             "payload_too_large",
	UnsupportedMediaType: "unsupported_media_type",
	RateLimited:          "rate_limited",
	IdempotencyKeyReused: "idempotency_key_reused",
	MethodNotAllowed:     "method_not_allowed",
	Unprocessable:        "unprocessable",
	Unavailable:          "unavailable",
	RequestTimeout:       "request_timeout",
	CursorExpired:        "cursor_expired",
	StartPermitMissing:   "start_permit_missing",
}

// Code is the stable snake_case machine code of the kind.
func (k Kind) Code() string {
	if int(k) < 0 || int(k) >= len(codes) {
		return codes[Internal]
	}
	return codes[k]
}

// Kinds lists every kind, for tables that must cover them all.
func Kinds() []Kind {
	ks := make([]Kind, len(codes))
	for i := range codes {
		ks[i] = Kind(i)
	}
	return ks
}

// FieldError names one field of the input and what is wrong with it. Code is a
// stable machine code (required, too_long, invalid_format, invalid_value,
// out_of_range, date_order, read_only, unknown_field, not_unique); Param carries
// the limit, the allowed values or the other field the message refers to.
type FieldError struct {
	Field string
	Code  string
	Param string
}

// Error is an error with a kind, an optional message and field errors.
type Error struct {
	Kind Kind
	// Message is the stable code of what went wrong, e.g.
	// "project.archived", which the HTTP layer renders as the answer's
	// detail; Params fill its placeholders, in order.
	Message string
	Params  []string
	Fields  []FieldError
	// Allowed lists permitted alternatives, e.g. the stages a project may move to.
	Allowed []string
	// RetryAfter tells a rate-limited client when to try again.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	msg := e.Kind.Code()
	if e.Message != "" {
		msg += ": " + e.Message
		if len(e.Params) > 0 {
			msg += "(" + strings.Join(e.Params, ", ") + ")"
		}
	}
	for _, f := range e.Fields {
		msg += fmt.Sprintf("; %s %s", f.Field, f.Code)
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// Is makes errors.Is match an *Error against a sentinel of its kind: one
// without message, parameters, fields or cause matches every error of the
// kind (errors.Is(err, apperr.ErrNotFound)); one with a message code alone
// matches the errors of that kind and code, however they were built.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind && (t.Message == "" || t.Message == e.Message) && t.Params == nil &&
		t.Fields == nil && t.Err == nil
}

// Sentinels for the kinds most often tested with errors.Is.
var (
	ErrNotFound        = &Error{Kind: NotFound}
	ErrConflict        = &Error{Kind: Conflict}
	ErrVersionConflict = &Error{Kind: VersionConflict}
	ErrForbidden       = &Error{Kind: Forbidden}
	ErrUnauthenticated = &Error{Kind: Unauthenticated}
)

// Coded returns an error of kind k with message code and its parameters.
// Pass code as a string literal: the HTTP layer's test finds the codes in
// use by their literals and requires a text for each.
func Coded(k Kind, code string, params ...string) *Error {
	return &Error{Kind: k, Message: code, Params: params}
}

// Fields returns an Invalid error listing field errors, or nil when there are none.
func Fields(fs []FieldError) error {
	if len(fs) == 0 {
		return nil
	}
	return &Error{Kind: Invalid, Fields: fs}
}

// KindOf returns the kind carried by err, Internal when it carries none.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return Internal
}

// As returns the *Error in err's chain, or one of kind Internal wrapping err.
func As(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Kind: Internal, Err: err}
}

// Wrap adds what was being done to *errp when it is an internal failure (a
// driver's error, a bug), so that the log line of a 500 names the
// operation, as in `defer apperr.Wrap(&err, "project.Service.Update(%s)",
// id)` at a service or store boundary. An error of a kind the client is told
// about is left as it is: its answer does not change, and callers still
// compare it with its sentinel.
func Wrap(errp *error, format string, args ...any) {
	if *errp == nil || KindOf(*errp) != Internal {
		return
	}
	*errp = fmt.Errorf(format+": %w", append(args, *errp)...)
}
