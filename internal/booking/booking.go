// Package booking holds counsellors' availability, the free slots computed
// from it, and the bookings employees make: the rules that keep a session
// from being double-booked, lost or shown at the wrong hour.
package booking

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
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
	// Now is the clock (tests move it); nil means time.Now.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

var errTODO = errors.New("not implemented yet")

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
	ID            uuid.UUID  `json:"id"`
	CounselorID   uuid.UUID  `json:"counselor_id"`
	CounselorName string     `json:"counselor_name"`
	EmployeeName  string     `json:"employee_name,omitempty"` // only for the counsellor
	Start         time.Time  `json:"start"`
	End           time.Time  `json:"end"`
	Theme         string     `json:"theme"`
	Format        string     `json:"format"`
	Status        string     `json:"status"`
	MeetingURL    string     `json:"meeting_url"`
	Sequence      int        `json:"sequence"` // iCalendar SEQUENCE: bumped by each reschedule/cancel
	CancelledAt   *time.Time `json:"cancelled_at,omitempty"`
	CreatedAt     time.Time  `json:"created_at"`
}

// NewBooking is the body of POST /api/v1/bookings.
type NewBooking struct {
	CounselorID uuid.UUID `json:"counselor_id"`
	Start       time.Time `json:"start"`
	Theme       string    `json:"theme"`
	Format      string    `json:"format"`
}

// GetAvailability returns the signed-in counsellor's schedule (defaults if
// never set).
func (s *Service) GetAvailability(ctx context.Context, actor auth.Principal) (Availability, error) {
	return Availability{}, errTODO
}

// SetAvailability validates (400 naming fields) and replaces the signed-in
// counsellor's schedule; next_available_at and the search index follow.
func (s *Service) SetAvailability(ctx context.Context, actor auth.Principal, a Availability) (Availability, error) {
	return Availability{}, errTODO
}

// Slots lists a listed counsellor's free slots between from and to.
func (s *Service) Slots(ctx context.Context, actor auth.Principal, counselorID uuid.UUID, from, to time.Time) ([]Slot, error) {
	return nil, errTODO
}

// Book books a slot for the signed-in employee. idempotencyKey may be "".
// 409 slot_unavailable, 422 theme_not_offered / plan_exhausted.
func (s *Service) Book(ctx context.Context, actor auth.Principal, in NewBooking, idempotencyKey string) (Booking, error) {
	return Booking{}, errTODO
}

// MyBookings lists the signed-in employee's or counsellor's bookings,
// upcoming first then past (newest first).
func (s *Service) MyBookings(ctx context.Context, actor auth.Principal) ([]Booking, error) {
	return nil, errTODO
}

// Get returns one booking its employee or counsellor may see; else 404.
func (s *Service) Get(ctx context.Context, actor auth.Principal, id uuid.UUID) (Booking, error) {
	return Booking{}, errTODO
}

// CancelPreview says whether cancelling now would be a late cancellation
// (billable), so the page can warn before the employee confirms.
func (s *Service) CancelPreview(ctx context.Context, actor auth.Principal, id uuid.UUID) (late bool, noticeHours int, err error) {
	return false, 0, errTODO
}

// Cancel cancels a confirmed booking: cancelled, or late_cancelled inside
// the plan's notice window.
func (s *Service) Cancel(ctx context.Context, actor auth.Principal, id uuid.UUID, reason string) (Booking, error) {
	return Booking{}, errTODO
}

// Reschedule moves a confirmed booking to a new free start (same id,
// Sequence+1); 409 slot_unavailable when taken.
func (s *Service) Reschedule(ctx context.Context, actor auth.Principal, id uuid.UUID, start time.Time) (Booking, error) {
	return Booking{}, errTODO
}

// MarkNoShow lets the counsellor mark a confirmed session no_show once 10
// minutes have passed since its start.
func (s *Service) MarkNoShow(ctx context.Context, actor auth.Principal, id uuid.UUID) (Booking, error) {
	return Booking{}, errTODO
}

// Complete lets the counsellor confirm a session was held (after its start).
func (s *Service) Complete(ctx context.Context, actor auth.Principal, id uuid.UUID) (Booking, error) {
	return Booking{}, errTODO
}

// JoinWaitlist puts the signed-in employee on a counsellor's waitlist; they
// are mailed when an earlier slot frees up.
func (s *Service) JoinWaitlist(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) error {
	return errTODO
}
