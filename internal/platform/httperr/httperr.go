// Package httperr is the one place where errors become HTTP answers, for
// both HTTP layers: internal/api and internal/web are siblings and share
// this instead of importing each other. It maps domain error codes to a
// status and renders JSON for API requests or, through the page layer's
// renderer, an HTML page.
package httperr

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/ratelimit"
)

// Body is the API's error envelope.
type Body struct {
	Error Detail `json:"error"`
}

// Detail is what went wrong, in API.md's shape.
type Detail struct {
	Code    string            `json:"code"`
	Message string            `json:"message"`
	Fields  map[string]string `json:"fields,omitempty"`
}

var statusOf = map[apperr.Code]int{
	apperr.CodeInvalid:       http.StatusBadRequest,
	apperr.CodeUnauthorized:  http.StatusUnauthorized,
	apperr.CodeForbidden:     http.StatusForbidden,
	apperr.CodeNotFound:      http.StatusNotFound,
	apperr.CodeConflict:      http.StatusConflict,
	apperr.CodeUnprocessable: http.StatusUnprocessableEntity,
	apperr.CodeRateLimited:   http.StatusTooManyRequests,
	apperr.CodeUnavailable:   http.StatusServiceUnavailable,
}

// Status is the HTTP status of a domain error code, for a page that shows
// a refusal itself instead of the error page; 500 for an unknown code.
func Status(code apperr.Code) int {
	if st, ok := statusOf[code]; ok {
		return st
	}
	return http.StatusInternalServerError
}

// echoErrors are the framework's own errors (no route, body too large, …).
var echoErrors = map[int]Detail{
	http.StatusBadRequest:            {Code: "invalid_input", Message: "the request is malformed"},
	http.StatusForbidden:             {Code: "forbidden", Message: "forbidden"},
	http.StatusNotFound:              {Code: "not_found", Message: "no such resource"},
	http.StatusMethodNotAllowed:      {Code: "method_not_allowed", Message: "method not allowed"},
	http.StatusRequestEntityTooLarge: {Code: "too_large", Message: "the request body is too large"},
	http.StatusUnsupportedMediaType:  {Code: "unsupported_media_type", Message: "unsupported content type"},
	http.StatusTooManyRequests:       {Code: "rate_limited", Message: "too many requests"},
}

// Classify turns any error into a status and the detail a client may see.
// Unexpected errors become a generic 500 that reveals nothing.
func Classify(err error) (int, Detail) {
	if e, ok := apperr.As(err); ok {
		st := Status(e.Code)
		d := Detail{Code: e.APICode(), Message: e.Message}
		if st == http.StatusBadRequest || st == http.StatusUnprocessableEntity {
			d.Fields = e.Fields // a 422 may name the field a rule refused (a month not released)
		}
		return st, d
	}
	var he *echo.HTTPError
	if errors.As(err, &he) {
		if d, ok := echoErrors[he.Code]; ok {
			return he.Code, d
		}
	}
	return http.StatusInternalServerError, Detail{Code: "internal", Message: "something went wrong on our side; it has been logged"}
}

// HTMLRenderer renders an error page for browser requests.
type HTMLRenderer func(c echo.Context, status int, d Detail) error

// StatusClientClosedRequest (nginx's 499) records a request its client
// abandoned before the answer: not a failure of ours.
const StatusClientClosedRequest = 499

// Handler is the one place where errors become responses: JSON under
// /api and for API clients, an HTML page otherwise. Internal errors are
// logged with the request id and never shown; a request its client
// abandoned is recorded as 499 and logged at debug level only.
func Handler(log *slog.Logger, html HTMLRenderer) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		rid := c.Response().Header().Get(echo.HeaderXRequestID)
		if clientGone(c, err) {
			log.Debug("request abandoned by the client", "request_id", rid, "route", c.Path(), "method", c.Request().Method, "err", err)
			// Nobody reads this answer; it records the outcome for the
			// request log and metrics.
			_ = c.NoContent(StatusClientClosedRequest)
			return
		}
		status, detail := Classify(err)
		if status >= 500 {
			log.Error("request failed", "request_id", rid, "route", c.Path(), "method", c.Request().Method, "err", err)
		}
		if e, ok := apperr.As(err); ok && (status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable) && e.RetryAfter > 0 {
			SetRetryAfter(c, e.RetryAfter)
		}
		if status == http.StatusUnauthorized && IsAPIRequest(c) {
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, bearerChallenge(c, detail))
		}
		// A HEAD reaches here as GET (see internal/app's headAsGet): the
		// answer's headers are GET's and net/http drops its body.
		var werr error
		switch {
		case html != nil && !IsAPIRequest(c):
			werr = html(c, status, detail)
		default:
			werr = c.JSON(status, Body{Error: detail})
		}
		if werr != nil {
			log.Error("writing error response", "request_id", rid, "err", werr)
		}
	}
}

// clientGone reports whether err only echoes a client that went away: the
// request's context is done (net/http cancels it when the connection
// closes) and err is that cancellation, directly, as the transaction
// database/sql rolled back for it, or as the statement PostgreSQL
// cancelled for it (SQLSTATE 57014, query_canceled). The transaction has
// rolled back either way.
func clientGone(c echo.Context, err error) bool {
	if c.Request().Context().Err() == nil {
		return false
	}
	var pe *pq.Error
	return errors.Is(err, context.Canceled) || errors.Is(err, sql.ErrTxDone) ||
		errors.As(err, &pe) && pe.Code == "57014"
}

// bearerChallenge is the WWW-Authenticate of an API 401 (RFC 6750 §3):
// invalid_token when a bearer token came and was refused, not when a
// sign-in's email and password were.
func bearerChallenge(c echo.Context, d Detail) string {
	const challenge = `Bearer realm="taiwa"`
	if auth.BearerToken(c.Request().Header.Get(echo.HeaderAuthorization)) != "" && d.Code != string(auth.ReasonInvalidCredentials) {
		return challenge + `, error="invalid_token"`
	}
	return challenge
}

// SetRetryAfter puts a limiter's wait on the answer as Retry-After, in whole
// seconds rounded up: a client that waits that long is let through.
func SetRetryAfter(c echo.Context, wait time.Duration) {
	c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(ratelimit.RetryAfterSeconds(wait)))
}

// IsAPIRequest reports whether the request is for the JSON API.
func IsAPIRequest(c echo.Context) bool {
	p := c.Request().URL.Path
	return len(p) >= 4 && p[:4] == "/api" || p == "/healthz" || p == "/readyz"
}
