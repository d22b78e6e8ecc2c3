package web

import (
	"errors"
	"fmt"
	"testing"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/billing/invoicedoc"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/programme"
)

// TestReasonKeyMapsEachRefusalToItsMessage: the one table gives each
// domain refusal a form shows its catalogue key, a finer reason (Why)
// before the API code, through wrapping; anything else gets the caller's
// fallback.
func TestReasonKeyMapsEachRefusalToItsMessage(t *testing.T) {
	cases := []struct {
		name     string
		err      error
		fallback string
		want     string
	}{
		{"theme not offered", apperr.Unprocessable(booking.ReasonThemeNotOffered, "m"), "", "book_err_theme_not_offered"},
		{"format not offered", apperr.Unprocessable(booking.ReasonFormatNotOffered, "m"), "", "book_err_format_not_offered"},
		{"phone required", &apperr.Error{Code: apperr.CodeUnprocessable, Reason: booking.ReasonPhoneRequired}, "", "book_err_phone_required"},
		{"plan exhausted", apperr.Unprocessable(booking.ReasonPlanExhausted, "m"), "", "flash_plan_exhausted"},
		{"step not bookable", apperr.Conflict(programme.ReasonStepNotBookable, "m"), "", "prog_flash_refused"},
		{"enrolment not active", apperr.Conflict(programme.ReasonEnrolmentNotActive, "m"), "", "prog_flash_refused"},
		{"employee not found, by its finer reason", apperr.NotFound("employee").Because(programme.ReasonEmployeeNotFound), "", "prog_err_employee"},
		{"programme not found has no key", apperr.NotFound("programme"), "", ""},
		{"already enrolled", apperr.Conflict(programme.ReasonAlreadyEnrolled, "m"), "", "prog_err_already"},
		{"last operator", apperr.Unprocessable(account.ReasonLastOperator, "m"), "", "flash_user_last_operator"},
		{"disable oneself", apperr.Unprocessable(account.ReasonSelf, "m"), "", "flash_user_self"},
		{"counsellor suspended", apperr.Unprocessable(account.ReasonCounselorSuspended, "m"), "", "flash_user_counselor_suspended"},
		{"counsellor listed", apperr.Unprocessable(account.ReasonCounselorListed, "m"), "", "flash_user_counselor_listed"},
		{"meeting link", apperr.Unprocessable(counselor.ReasonInvalidMeetingLink, "m"), "", "profile_err_meeting_link"},
		{"theme without credential", apperr.Unprocessable(counselor.ReasonCredentialRequired, "m"), "", "profile_err_theme_credential"},
		{"billing month not over", apperr.Unprocessable(billing.ReasonPeriodNotEnded, "m"), "", "bill_err_not_ended"},
		{"wrapped", fmt.Errorf("book: %w", apperr.Unprocessable(booking.ReasonThemeNotOffered, "m")), "", "book_err_theme_not_offered"},
		{"unmapped reason gets the fallback", apperr.Conflict(booking.ReasonBookingStarted, "m"), "field_invalid", "field_invalid"},
		{"not a domain error gets the fallback", errors.New("boom"), "field_invalid", "field_invalid"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := reasonKey(tc.err, tc.fallback); got != tc.want {
				t.Errorf("reasonKey = %q, want %q", got, tc.want)
			}
			if got, want := hasReasonKey(tc.err), tc.want != "" && tc.want != tc.fallback; got != want {
				t.Errorf("hasReasonKey = %v, want %v", got, want)
			}
		})
	}
}

// TestReasonTablesNameCatalogueKeys: every message the reason tables give
// exists in Japanese and English, and the error page's reasons keep their
// own words.
func TestReasonTablesNameCatalogueKeys(t *testing.T) {
	for _, lang := range Languages {
		keys := catalogueKeys(t, lang)
		for r, k := range reasonKeys {
			if !keys[k] {
				t.Errorf("%s: reason %s names %s, which the catalogue lacks", lang, r, k)
			}
		}
		for r, k := range errorPageKeys {
			if !keys[k.Title] || !keys[k.Message] {
				t.Errorf("%s: error page of %s names %v, which the catalogue lacks", lang, r, k)
			}
		}
	}
	for r, want := range map[apperr.Reason]string{
		reasonCSRFFailed:                "error_csrf",
		invoicedoc.ReasonPDFUnavailable: "inv_pdf_unavailable",
	} {
		if got := errorPageKeys[r].Message; got != want {
			t.Errorf("error page of %s says %q, want %q", r, got, want)
		}
	}
}
