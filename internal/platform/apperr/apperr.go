// Package apperr defines the coded errors that domain packages return and
// that the HTTP layer maps to status codes in exactly one place.
package apperr

import (
	"errors"
	"fmt"
	"time"
)

// Code classifies an error for the HTTP layer; it is never shown raw to users
// as a status, only as the API's "code" field.
type Code string

// The codes of STYLE.md. Each maps to one HTTP status in internal/api.
const (
	CodeInvalid       Code = "invalid"       // 400: bad input, with fields
	CodeUnauthorized  Code = "unauthorized"  // 401: not signed in
	CodeForbidden     Code = "forbidden"     // 403: wrong role
	CodeNotFound      Code = "not_found"     // 404: missing or another company's
	CodeConflict      Code = "conflict"      // 409: state does not allow it
	CodeUnprocessable Code = "unprocessable" // 422: well-formed but refused by a rule
	CodeRateLimited   Code = "rate_limited"  // 429
)

// Error is a domain error: a code for the status, a specific API error code
// (e.g. "slot_unavailable"), a human message and per-field problems.
type Error struct {
	Code    Code
	Reason  string            // snake_case API error code; defaults to Code
	Message string            // human text, safe to show
	Fields  map[string]string // field → problem, for CodeInvalid
	Err     error             // wrapped cause, never shown
	// RetryAfter is, for CodeRateLimited, how long until the limit lets
	// the next attempt through: the answer's Retry-After (zero: unknown).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// APICode is the snake_case code the API answers with.
func (e *Error) APICode() string {
	if e.Reason != "" {
		return e.Reason
	}
	return string(e.Code)
}

// Invalid reports bad input; fields names each offending field.
func Invalid(message string, fields map[string]string) *Error {
	return &Error{Code: CodeInvalid, Reason: "invalid_input", Message: message, Fields: fields}
}

// Field reports one bad field.
func Field(field, problem string) *Error {
	return Invalid(field+": "+problem, map[string]string{field: problem})
}

// NotFound reports a missing resource, or one of another company.
func NotFound(what string) *Error {
	return &Error{Code: CodeNotFound, Reason: "not_found", Message: what + " not found"}
}

// Forbidden reports a role that may not do this.
func Forbidden(message string) *Error {
	return &Error{Code: CodeForbidden, Reason: "forbidden", Message: message}
}

// Unauthorized reports a missing or bad credential.
func Unauthorized(reason, message string) *Error {
	return &Error{Code: CodeUnauthorized, Reason: reason, Message: message}
}

// Conflict reports a state that does not allow the change.
func Conflict(reason, message string) *Error {
	return &Error{Code: CodeConflict, Reason: reason, Message: message}
}

// Unprocessable reports input refused by a business rule.
func Unprocessable(reason, message string) *Error {
	return &Error{Code: CodeUnprocessable, Reason: reason, Message: message}
}

// RateLimited reports too many attempts.
func RateLimited(message string) *Error {
	return &Error{Code: CodeRateLimited, Reason: "rate_limited", Message: message}
}

// RateLimitedFor reports too many attempts and how long until the next one
// is let through.
func RateLimitedFor(message string, wait time.Duration) *Error {
	return &Error{Code: CodeRateLimited, Reason: "rate_limited", Message: message, RetryAfter: wait}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// Is reports whether err carries the given code.
func Is(err error, code Code) bool {
	e, ok := As(err)
	return ok && e.Code == code
}
