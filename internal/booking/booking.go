// Package booking holds counsellors' availability, the free slots computed
// from it, and the bookings employees make: the rules that keep a session
// from being double-booked, lost or shown at the wrong hour.
package booking

import (
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal"
)

// Booking statuses (API.md).
const (
	StatusConfirmed     = "confirmed"
	StatusCompleted     = "completed"
	StatusCancelled     = "cancelled"
	StatusLateCancelled = "late_cancelled"
	StatusNoShow        = "no_show"
)

// Service manages availability and bookings.
type Service struct {
	DB       *db.DB
	Accounts *account.Service // mail composer and base URL for notifications
	// Clock is the services' one clock (tests fix or move it); nil is
	// the wall clock.
	Clock clock.Clock
	// RoomGrace is how long the video room stays open after the end, and
	// when a counsellor who never joined becomes a counsellor's no-show
	// (zero: DefaultRoomGrace).
	RoomGrace time.Duration
	// HeldAfter is how long both parties must be in the room together for
	// the session to count as held (zero: DefaultHeldAfter).
	HeldAfter time.Duration
	// Keys seal phone sessions' numbers (nil: a number is refused).
	Keys *seal.Keyring
}

// WeeklyRange is one bookable range on a weekday, in the counsellor's zone.
// Weekday is ISO: 1 = Monday … 7 = Sunday. Start and End are "HH:MM".
type WeeklyRange struct {
	Weekday int    `json:"weekday"`
	Start   string `json:"start"`
	End     string `json:"end"`
}

// Override changes one date: Available false with no times is a day off;
// Available true with times adds hours on that date.
type Override struct {
	Date      string  `json:"date"` // YYYY-MM-DD in the counsellor's zone
	Start     *string `json:"start,omitempty"`
	End       *string `json:"end,omitempty"`
	Available bool    `json:"available"`
}

// Availability is a counsellor's whole schedule (PUT/GET /me/availability).
type Availability struct {
	Timezone         string        `json:"timezone"`
	SlotMinutes      int           `json:"slot_minutes"`
	BufferMinutes    int           `json:"buffer_minutes"`
	MinNoticeMinutes int           `json:"min_notice_minutes"`
	HorizonDays      int           `json:"horizon_days"`
	MaxPerDay        int           `json:"max_per_day"`
	Weekly           []WeeklyRange `json:"weekly"`
	Overrides        []Override    `json:"overrides"`
}

// Slot is one free, bookable interval.
type Slot struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// Booking is one session (API.md's shape plus what the pages need).
type Booking struct {
	ID            uuid.UUID `json:"id"`
	CounselorID   uuid.UUID `json:"counselor_id"`
	CounselorName string    `json:"counselor_name"`
	EmployeeName  string    `json:"employee_name,omitempty"` // only for the counsellor
	Start         time.Time `json:"start"`
	End           time.Time `json:"end"`
	Theme         string    `json:"theme"`
	Format        string    `json:"format"`
	Status        string    `json:"status"`
	MeetingURL    string    `json:"meeting_url"`
	// MeetingExternal is set when MeetingURL is the counsellor's external
	// meeting link (Zoom, Teams…) rather than Taiwa's room: attendance is
	// then the counsellor's to record.
	MeetingExternal bool `json:"meeting_external"`
	// Place is where an in-person session is held (the counsellor's
	// in-person place, as it stands now).
	Place        string     `json:"place,omitempty"`
	Sequence     int        `json:"sequence"` // iCalendar SEQUENCE: bumped by each reschedule/cancel
	CancelReason string     `json:"cancel_reason,omitempty"`
	CancelledAt  *time.Time `json:"cancelled_at,omitempty"`
	CompletedAt  *time.Time `json:"completed_at,omitempty"`
	CreatedAt    time.Time  `json:"created_at"`
	UpdatedAt    time.Time  `json:"updated_at"`

	// Who is involved, for notifications (never serialised: the employee's
	// identity is shown only to the counsellor, by name).
	CompanyID       uuid.UUID `json:"-"`
	EmployeeUserID  uuid.UUID `json:"-"`
	CounselorUserID uuid.UUID `json:"-"`
	CancelledBy     string    `json:"-"` // employee, counselor, operator
}

// NewBooking is the body of POST /api/v1/bookings.
type NewBooking struct {
	CounselorID uuid.UUID `json:"counselor_id"`
	Start       time.Time `json:"start"`
	Theme       string    `json:"theme"`
	Format      string    `json:"format"`
	// Phone is the number a phone session's counsellor calls (required
	// for a phone session, ignored for other formats). Sealed at rest, see
	// PhoneFor.
	Phone string `json:"phone,omitempty"`
}
