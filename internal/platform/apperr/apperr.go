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

// The codes of STYLE.md. Each maps to one HTTP status in httperr.
const (
	CodeInvalid       Code = "invalid"       // 400: bad input, with fields
	CodeUnauthorized  Code = "unauthorized"  // 401: not signed in
	CodeForbidden     Code = "forbidden"     // 403: wrong role
	CodeNotFound      Code = "not_found"     // 404: missing or another company's
	CodeConflict      Code = "conflict"      // 409: state does not allow it
	CodeUnprocessable Code = "unprocessable" // 422: well-formed but refused by a rule
	CodeRateLimited   Code = "rate_limited"  // 429
	CodeUnavailable   Code = "unavailable"   // 503: cannot be done on this server right now
)

// Reason is the specific snake_case code of an error (e.g.
// "slot_unavailable"): the API's "code" field and what the HTTP layers
// branch on. Each is a constant declared next to the domain that raises it;
// the generic ones are here. Never a literal at the call site (a test in
// this package walks the code to check).
type Reason string

// The generic reasons, one per code, that errors carry unless their domain
// names a finer one.
const (
	ReasonInvalidInput  Reason = "invalid_input"
	ReasonUnauthorized  Reason = "unauthorized"
	ReasonForbidden     Reason = "forbidden"
	ReasonNotFound      Reason = "not_found"
	ReasonConflict      Reason = "conflict"
	ReasonUnprocessable Reason = "unprocessable"
	ReasonRateLimited   Reason = "rate_limited"
	ReasonUnavailable   Reason = "unavailable"
)

// Error is a domain error: a code for the status, a specific API error code
// (e.g. "slot_unavailable"), a human message and per-field problems.
type Error struct {
	Code   Code
	Reason Reason // snake_case API error code; defaults to Code
	// Why is a finer reason than Reason for the page layer to branch on
	// (an employee, not the programme, was not found); it never reaches
	// the wire, where Reason stays the API's code.
	Why     Reason
	Message string            // human text, safe to show
	Fields  map[string]string // field → problem, for CodeInvalid
	Err     error             // wrapped cause, never shown
	// RetryAfter is, for CodeRateLimited and CodeUnavailable, how long
	// until the next attempt may succeed: the answer's Retry-After (zero:
	// unknown).
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
		return string(e.Reason)
	}
	return string(e.Code)
}

// Has reports whether e carries reason r, as its API code or as its finer
// reason (Why).
func (e *Error) Has(r Reason) bool {
	return e.Reason == r || e.Why != "" && e.Why == r
}

// Because returns a copy of e whose finer reason is why; the API's code
// stays e's.
func (e *Error) Because(why Reason) *Error {
	c := *e
	c.Why = why
	return &c
}

// Invalid reports bad input; fields names each offending field.
func Invalid(message string, fields map[string]string) *Error {
	return &Error{Code: CodeInvalid, Reason: ReasonInvalidInput, Message: message, Fields: fields}
}

// Field reports one bad field.
func Field(field, problem string) *Error {
	return Invalid(field+": "+problem, map[string]string{field: problem})
}

// NotFound reports a missing resource, or one of another company.
func NotFound(what string) *Error {
	return &Error{Code: CodeNotFound, Reason: ReasonNotFound, Message: what + " not found"}
}

// Forbidden reports a role that may not do this.
func Forbidden(message string) *Error {
	return &Error{Code: CodeForbidden, Reason: ReasonForbidden, Message: message}
}

// Unauthorized reports a missing or bad credential.
func Unauthorized(reason Reason, message string) *Error {
	return &Error{Code: CodeUnauthorized, Reason: reason, Message: message}
}

// Conflict reports a state that does not allow the change.
func Conflict(reason Reason, message string) *Error {
	return &Error{Code: CodeConflict, Reason: reason, Message: message}
}

// Unprocessable reports input refused by a business rule.
func Unprocessable(reason Reason, message string) *Error {
	return &Error{Code: CodeUnprocessable, Reason: reason, Message: message}
}

// RateLimited reports too many attempts.
func RateLimited(message string) *Error {
	return &Error{Code: CodeRateLimited, Reason: ReasonRateLimited, Message: message}
}

// RateLimitedFor reports too many attempts and how long until the next one
// is let through.
func RateLimitedFor(message string, wait time.Duration) *Error {
	return &Error{Code: CodeRateLimited, Reason: ReasonRateLimited, Message: message, RetryAfter: wait}
}

// Unavailable reports something this server cannot do right now (a
// missing font, an unconfigured provider): 503, with the given reason.
func Unavailable(reason Reason, message string) *Error {
	return &Error{Code: CodeUnavailable, Reason: reason, Message: message}
}

// UnavailableFor is Unavailable with how long until a retry may succeed
// (the answer's Retry-After).
func UnavailableFor(reason Reason, message string, wait time.Duration) *Error {
	return &Error{Code: CodeUnavailable, Reason: reason, Message: message, RetryAfter: wait}
}

// Wrap returns a copy of e that wraps cause (logged, never shown).
func (e *Error) Wrap(cause error) *Error {
	c := *e
	c.Err = cause
	return &c
}

// HasReason reports whether err's chain holds an *Error carrying reason r.
func HasReason(err error, r Reason) bool {
	e, ok := As(err)
	return ok && e.Has(r)
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
