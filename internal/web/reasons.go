package web

import (
	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/billing/invoicedoc"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/programme"
)

// reasonKeys is the one table from a domain error's reason to the
// catalogue key of the message a form or a flash shows for it. Handlers
// decide where the message goes (a field, a flash, a redirect); the words
// come from here.
var reasonKeys = map[apperr.Reason]string{
	// Booking form.
	booking.ReasonPlanExhausted:    "flash_plan_exhausted",
	booking.ReasonThemeNotOffered:  "book_err_theme_not_offered",
	booking.ReasonPhoneRequired:    "book_err_phone_required",
	booking.ReasonFormatNotOffered: "book_err_format_not_offered",
	// A programme step that cannot take a booking (any more).
	programme.ReasonStepNotBookable:    "prog_flash_refused",
	programme.ReasonEnrolmentNotActive: "prog_flash_refused",
	// HR's enrolment form.
	programme.ReasonEmployeeNotFound: "prog_err_employee",
	programme.ReasonAlreadyEnrolled:  "prog_err_already",
	// The operator's user actions.
	account.ReasonLastOperator:       "flash_user_last_operator",
	account.ReasonSelf:               "flash_user_self",
	account.ReasonCounselorSuspended: "flash_user_counselor_suspended",
	account.ReasonCounselorListed:    "flash_user_counselor_listed",
	// The counsellor's profile form.
	counselor.ReasonInvalidMeetingLink: "profile_err_meeting_link",
	counselor.ReasonCredentialRequired: "profile_err_theme_credential",
	// The operator's billing run.
	billing.ReasonPeriodNotEnded: "bill_err_not_ended",
}

// errorPageKeys name the title and message of the error page for the
// reasons that have their own words there; any other error gets its
// status's (RenderError).
var errorPageKeys = map[apperr.Reason]struct{ Title, Message string }{
	reasonCSRFFailed:                {"error_forbidden_title", "error_csrf"},
	invoicedoc.ReasonPDFUnavailable: {"inv_pdf_unavailable_title", "inv_pdf_unavailable"},
}

// reasonKey is the catalogue key reasonKeys gives err's reason (its finer
// reason, Why, first), or fallback when err carries none of them.
func reasonKey(err error, fallback string) string {
	e, ok := apperr.As(err)
	if !ok {
		return fallback
	}
	if k, ok := reasonKeys[e.Why]; ok && e.Why != "" {
		return k
	}
	if k, ok := reasonKeys[e.Reason]; ok {
		return k
	}
	return fallback
}

// hasReasonKey reports whether reasonKeys names a message for err.
func hasReasonKey(err error) bool { return reasonKey(err, "") != "" }
