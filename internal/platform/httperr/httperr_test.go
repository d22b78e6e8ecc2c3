package httperr_test

import (
	"errors"
	"fmt"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/httperr"
)

// TestClassifyMapsCodesToStatusInOnePlace: each domain code has its
// status, only 400 and 422 name fields, the framework's own errors keep
// their status, and anything unexpected is a 500 that reveals nothing.
func TestClassifyMapsCodesToStatusInOnePlace(t *testing.T) {
	cases := []struct {
		name       string
		err        error
		status     int
		code       string
		withFields bool
	}{
		{"invalid names the field", apperr.Field("from", "must be YYYY-MM"), http.StatusBadRequest, "invalid_input", true},
		{"wrapped invalid", fmt.Errorf("report: %w", apperr.Field("by", "unknown")), http.StatusBadRequest, "invalid_input", true},
		{"unauthorized", apperr.Unauthorized("invalid_credentials", "no"), http.StatusUnauthorized, "invalid_credentials", false},
		{"forbidden", apperr.Forbidden("no"), http.StatusForbidden, "forbidden", false},
		{"forbidden hides fields", &apperr.Error{Code: apperr.CodeForbidden, Message: "no", Fields: map[string]string{"x": "y"}}, http.StatusForbidden, "forbidden", false},
		{"unprocessable names the field", &apperr.Error{Code: apperr.CodeUnprocessable, Reason: "not_released", Message: "later", Fields: map[string]string{"to": "not released"}}, http.StatusUnprocessableEntity, "not_released", true},
		{"not found", apperr.NotFound("invoice"), http.StatusNotFound, "not_found", false},
		{"conflict", apperr.Conflict("slot_taken", "taken"), http.StatusConflict, "slot_taken", false},
		{"unprocessable", apperr.Unprocessable("not_released", "later"), http.StatusUnprocessableEntity, "not_released", false},
		{"rate limited", apperr.RateLimited("slow down"), http.StatusTooManyRequests, "rate_limited", false},
		{"echo 404", echo.ErrNotFound, http.StatusNotFound, "not_found", false},
		{"echo 413", echo.ErrStatusRequestEntityTooLarge, http.StatusRequestEntityTooLarge, "too_large", false},
		{"unexpected", errors.New("pq: secret detail"), http.StatusInternalServerError, "internal", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, d := httperr.Classify(tc.err)
			if st != tc.status || d.Code != tc.code {
				t.Fatalf("Classify = %d %q, want %d %q", st, d.Code, tc.status, tc.code)
			}
			if e, ok := apperr.As(tc.err); ok && e.Fields != nil && (d.Fields != nil) != tc.withFields {
				t.Errorf("fields shown = %v, want %v", d.Fields != nil, tc.withFields)
			}
			if tc.status == http.StatusInternalServerError && d.Message == tc.err.Error() {
				t.Errorf("a 500 shows the error: %q", d.Message)
			}
		})
	}
}

// TestIsAPIRequestCoversTheAPIAndHealthChecks: JSON errors for /api and
// the health checks, pages for everything else.
func TestIsAPIRequestCoversTheAPIAndHealthChecks(t *testing.T) {
	e := echo.New()
	for path, want := range map[string]bool{
		"/api/v1/me": true, "/api": true, "/healthz": true, "/readyz": true,
		"/": false, "/hr/reports": false, "/ap": false, "/healthz/x": false,
	} {
		req, err := http.NewRequest(http.MethodGet, path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := httperr.IsAPIRequest(e.NewContext(req, nil)); got != want {
			t.Errorf("IsAPIRequest(%q) = %v, want %v", path, got, want)
		}
	}
}
