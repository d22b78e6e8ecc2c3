package booking

import (
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// The reasons booking refuses a booking or a change to one, as the API
// answers them.
const (
	ReasonSlotUnavailable                    = db.ReasonSlotUnavailable // the time is taken or outside availability
	ReasonStartInPast          apperr.Reason = "start_in_past"          // the start time has passed
	ReasonPlanExhausted        apperr.Reason = "plan_exhausted"         // the company's contract allows no (more) sessions
	ReasonPhoneRequired        apperr.Reason = "phone_required"         // a phone session needs a phone number
	ReasonThemeNotOffered      apperr.Reason = "theme_not_offered"      // the counsellor does not offer the theme
	ReasonFormatNotOffered     apperr.Reason = "format_not_offered"     // the counsellor does not offer the format
	ReasonIdempotencyKeyReused apperr.Reason = "idempotency_key_reused" // the Idempotency-Key came with another request
	ReasonBookingNotConfirmed  apperr.Reason = "booking_not_confirmed"  // the booking is no longer confirmed
	ReasonBookingStarted       apperr.Reason = "booking_started"        // the session has started
	ReasonTooEarly             apperr.Reason = "too_early"              // a no-show is marked too early
	ReasonEmployeeJoined       apperr.Reason = "employee_joined"        // the employee joined, so it is not a no-show
	ReasonRoomNotOpen          apperr.Reason = "room_not_open"          // the session's room is not open now
)
