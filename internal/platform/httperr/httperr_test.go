package httperr_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/billing/invoicedoc"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/httperr"
	"github.com/taiwa/taiwa/internal/platform/payments"
	"github.com/taiwa/taiwa/internal/programme"
	"github.com/taiwa/taiwa/internal/record"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
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
		{"unauthorized", apperr.Unauthorized(account.ReasonInvalidCredentials, "no"), http.StatusUnauthorized, "invalid_credentials", false},
		{"forbidden", apperr.Forbidden("no"), http.StatusForbidden, "forbidden", false},
		{"forbidden hides fields", &apperr.Error{Code: apperr.CodeForbidden, Message: "no", Fields: map[string]string{"x": "y"}}, http.StatusForbidden, "forbidden", false},
		{"unprocessable names the field", &apperr.Error{Code: apperr.CodeUnprocessable, Reason: report.ReasonNotReleasedRange, Message: "later", Fields: map[string]string{"to": "not released"}}, http.StatusUnprocessableEntity, "not_released", true},
		{"not found", apperr.NotFound("invoice"), http.StatusNotFound, "not_found", false},
		{"a finer reason stays off the wire", apperr.NotFound("employee").Because(programme.ReasonEmployeeNotFound), http.StatusNotFound, "not_found", false},
		{"conflict", apperr.Conflict(booking.ReasonSlotUnavailable, "taken"), http.StatusConflict, "slot_unavailable", false},
		{"unprocessable", apperr.Unprocessable(report.ReasonNotReleasedRange, "later"), http.StatusUnprocessableEntity, "not_released", false},
		{"rate limited", apperr.RateLimited("slow down"), http.StatusTooManyRequests, "rate_limited", false},
		{"unavailable", apperr.Unavailable(payments.ReasonWebhooksDisabled, "off"), http.StatusServiceUnavailable, "webhooks_disabled", false},
		{"wrapped unavailable", fmt.Errorf("pdf: %w", invoicedoc.Unavailable(invoicedoc.ErrUnavailable)), http.StatusServiceUnavailable, "pdf_unavailable", false},
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

// TestReasonsKeepTheirWireCodes pins each reason constant to the code the
// API answers with (API.md and openapi.json fix them) and to its status as
// raised: renaming a constant is free, changing its string is not.
func TestReasonsKeepTheirWireCodes(t *testing.T) {
	conflict, unprocessable, unauthorized := http.StatusConflict, http.StatusUnprocessableEntity, http.StatusUnauthorized
	cases := []struct {
		reason apperr.Reason
		wire   string
		status int // as its domain raises it
	}{
		{apperr.ReasonInvalidInput, "invalid_input", http.StatusBadRequest},
		{apperr.ReasonNotFound, "not_found", http.StatusNotFound},
		{apperr.ReasonConflict, "conflict", conflict},
		{apperr.ReasonUnauthorized, "unauthorized", unauthorized},
		{db.ReasonAlreadyExists, "already_exists", conflict},
		{db.ReasonSlotUnavailable, "slot_unavailable", conflict},
		{booking.ReasonSlotUnavailable, "slot_unavailable", conflict},
		{booking.ReasonStartInPast, "start_in_past", unprocessable},
		{booking.ReasonPlanExhausted, "plan_exhausted", unprocessable},
		{booking.ReasonPhoneRequired, "phone_required", unprocessable},
		{booking.ReasonThemeNotOffered, "theme_not_offered", unprocessable},
		{booking.ReasonFormatNotOffered, "format_not_offered", unprocessable},
		{booking.ReasonIdempotencyKeyReused, "idempotency_key_reused", conflict},
		{booking.ReasonBookingNotConfirmed, "booking_not_confirmed", conflict},
		{booking.ReasonBookingStarted, "booking_started", conflict},
		{booking.ReasonTooEarly, "too_early", conflict},
		{booking.ReasonEmployeeJoined, "employee_joined", conflict},
		{booking.ReasonRoomNotOpen, "room_not_open", conflict},
		{account.ReasonInvalidCredentials, "invalid_credentials", unauthorized},
		{account.ReasonInvalidLink, "invalid_link", unprocessable},
		{account.ReasonEmailTaken, "email_taken", conflict},
		{account.ReasonInvalidChallenge, "invalid_challenge", unauthorized},
		{account.ReasonInvalidCode, "invalid_code", unauthorized},
		{account.ReasonTOTPEnrolled, "totp_enrolled", conflict},
		{account.ReasonNoSecondFactor, "no_second_factor", unprocessable},
		{account.ReasonSecondFactorRequired, "second_factor_required", unprocessable},
		{account.ReasonOwnAccount, "own_account", unprocessable},
		{account.ReasonPasskeyRefused, "passkey_refused", unprocessable},
		{account.ReasonPasskeyExists, "passkey_exists", conflict},
		{account.ReasonNoPasskey, "no_passkey", unprocessable},
		{account.ReasonLastOperator, "last_operator", unprocessable},
		{account.ReasonSelf, "cannot_disable_self", unprocessable},
		{account.ReasonCounselorSuspended, "counselor_suspended", unprocessable},
		{account.ReasonCounselorListed, "counselor_listed", unprocessable},
		{billing.ReasonPeriodNotEnded, "period_not_ended", unprocessable},
		{billing.ReasonPeriodBilled, "period_billed", unprocessable},
		{billing.ReasonNoContract, "no_contract", unprocessable},
		{billing.ReasonStripeDisabled, "stripe_disabled", unprocessable},
		{billing.ReasonAlreadySent, "already_sent", conflict},
		{billing.ReasonNothingToCollect, "nothing_to_collect", unprocessable},
		{billing.ReasonPayoutNotDue, "payout_not_due", conflict},
		{invoicedoc.ReasonPDFUnavailable, "pdf_unavailable", http.StatusServiceUnavailable},
		{payments.ReasonWebhooksDisabled, "webhooks_disabled", http.StatusServiceUnavailable},
		{payments.ReasonInvalidSignature, "invalid_signature", http.StatusBadRequest},
		{counselor.ReasonInvalidMeetingLink, "invalid_meeting_link", unprocessable},
		{counselor.ReasonCredentialRequired, "credential_required", unprocessable},
		{counselor.ReasonCredentialDuplicate, "credential_duplicate", conflict},
		{counselor.ReasonCredentialAlreadyVerified, "credential_already_verified", conflict},
		{counselor.ReasonCredentialRejected, "credential_rejected", conflict},
		{counselor.ReasonCredentialAlreadyRejected, "credential_already_rejected", conflict},
		{counselor.ReasonNoVerifiedCredential, "no_verified_credential", unprocessable},
		{counselor.ReasonCounselorAlreadyVerified, "counselor_already_verified", conflict},
		{counselor.ReasonCounselorSuspended, "counselor_suspended", conflict},
		{counselor.ReasonCounselorAlreadySuspended, "counselor_already_suspended", conflict},
		{counselor.ReasonCounselorNotVerified, "counselor_not_verified", conflict},
		{counselor.ReasonCounselorNotSuspended, "counselor_not_suspended", conflict},
		{feedback.ReasonNotStarted, "not_started", conflict},
		{feedback.ReasonNotEnded, "not_ended", conflict},
		{feedback.ReasonNotHeld, "not_held", conflict},
		{feedback.ReasonAlreadyRated, "already_rated", conflict},
		{feedback.ReasonAlreadyModerated, "already_moderated", conflict},
		{feedback.ReasonNothingToShare, "nothing_to_share", conflict},
		{matching.ReasonFitProfileRequired, "fit_profile_required", conflict},
		{programme.ReasonWrongMode, "wrong_mode", conflict},
		{programme.ReasonWrongState, "wrong_state", conflict},
		{programme.ReasonEnrolmentNotActive, "enrolment_not_active", conflict},
		{programme.ReasonStepNotInvited, "step_not_invited", conflict},
		{programme.ReasonStepNotBookable, "step_not_bookable", conflict},
		{programme.ReasonOpenProgramme, "open_programme", conflict},
		{programme.ReasonNamedProgramme, "named_programme", conflict},
		{programme.ReasonAlreadyEnrolled, "already_enrolled", conflict},
		{record.ReasonNotStarted, "not_started", conflict},
		{record.ReasonNotHeld, "not_held", conflict},
		{record.ReasonNotesUnreadable, "notes_unreadable", conflict},
		{record.ReasonRecordNotWritten, "record_not_written", http.StatusNotFound},
		{record.ReasonOutcomeRequired, "outcome_required", unprocessable},
		{record.ReasonAlertResolved, "alert_resolved", conflict},
		{report.ReasonNotReleasedRange, "not_released", unprocessable},
		{store.ReasonNotClosed, "not_closed", unprocessable},
		{store.ReasonNotACustomer, "not_a_customer", unprocessable},
	}
	codeOf := map[int]apperr.Code{
		http.StatusBadRequest: apperr.CodeInvalid, http.StatusUnauthorized: apperr.CodeUnauthorized,
		http.StatusNotFound: apperr.CodeNotFound, http.StatusConflict: apperr.CodeConflict,
		http.StatusUnprocessableEntity: apperr.CodeUnprocessable, http.StatusServiceUnavailable: apperr.CodeUnavailable,
	}
	for _, tc := range cases {
		t.Run(tc.wire, func(t *testing.T) {
			st, d := httperr.Classify(&apperr.Error{Code: codeOf[tc.status], Reason: tc.reason, Message: "m"})
			if st != tc.status || d.Code != tc.wire {
				t.Errorf("Classify = %d %q, want %d %q", st, d.Code, tc.status, tc.wire)
			}
		})
	}
}

// TestHandlerAnswersUnavailableWithRetryAfter: a 503 carries its reason as
// the code and, when the wait is known, Retry-After in whole seconds.
func TestHandlerAnswersUnavailableWithRetryAfter(t *testing.T) {
	e := echo.New()
	h := httperr.Handler(slog.New(slog.DiscardHandler), nil)
	for _, tc := range []struct {
		name  string
		err   error
		retry string
	}{
		{"known wait", apperr.UnavailableFor(payments.ReasonWebhooksDisabled, "off", 1500*time.Millisecond), "2"},
		{"unknown wait", apperr.Unavailable(payments.ReasonWebhooksDisabled, "off"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			h(tc.err, e.NewContext(httptest.NewRequest(http.MethodPost, "/api/v1/webhooks/stripe", nil), rec))
			var body httperr.Body
			if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
				t.Fatal(err)
			}
			if rec.Code != http.StatusServiceUnavailable || body.Error.Code != "webhooks_disabled" {
				t.Errorf("answer = %d %q, want 503 webhooks_disabled", rec.Code, body.Error.Code)
			}
			if got := rec.Header().Get(echo.HeaderRetryAfter); got != tc.retry {
				t.Errorf("Retry-After = %q, want %q", got, tc.retry)
			}
		})
	}
}

// TestStatusOfEachCode: the one table of code → status, which pages that
// show a refusal themselves answer with too.
func TestStatusOfEachCode(t *testing.T) {
	for code, want := range map[apperr.Code]int{
		apperr.CodeInvalid: 400, apperr.CodeUnauthorized: 401, apperr.CodeForbidden: 403,
		apperr.CodeNotFound: 404, apperr.CodeConflict: 409, apperr.CodeUnprocessable: 422,
		apperr.CodeRateLimited: 429, apperr.CodeUnavailable: 503, apperr.Code("unknown"): 500,
	} {
		if got := httperr.Status(code); got != want {
			t.Errorf("Status(%s) = %d, want %d", code, got, want)
		}
	}
}
