package web

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// counselorSessionsPage is the counsellor's sessions: upcoming by day in
// their own zone, then past ones, each with what may be done to it now.
type counselorSessionsPage struct {
	Format
	BookingFormat
	Upcoming []bookingDay
	Past     []booking.Booking
	PastMore int // older sessions not shown
	Zone     *time.Location
	now      time.Time
	noShow   map[uuid.UUID]bool // sessions the counsellor may mark no-show now
	written  map[uuid.UUID]bool // sessions whose record exists
	phones   map[uuid.UUID]string
}

// Phone is the number to call for a phone session, around its time only.
func (p counselorSessionsPage) Phone(b booking.Booking) string { return p.phones[b.ID] }

// CanComplete reports whether the session may be confirmed as held.
func (p counselorSessionsPage) CanComplete(b booking.Booking) bool {
	return b.Status == booking.StatusConfirmed && !p.now.Before(b.Start)
}

// CanNoShow reports whether the no-show grace period has passed and the
// employee never joined the session's room (booking.NoShowOffered).
func (p counselorSessionsPage) CanNoShow(b booking.Booking) bool { return p.noShow[b.ID] }

// CanWriteRecord reports whether the session was held (or has started)
// and has no record yet: "write the record" is its next step.
func (p counselorSessionsPage) CanWriteRecord(b booking.Booking) bool {
	return heldSession(b, p.now) && !p.written[b.ID]
}

// HasRecord reports whether the session's record exists, to be read or
// edited (amended once locked) whatever the session's state now.
func (p counselorSessionsPage) HasRecord(b booking.Booking) bool { return p.written[b.ID] }

// CanCancel reports whether the session has yet to start.
func (p counselorSessionsPage) CanCancel(b booking.Booking) bool {
	return b.Status == booking.StatusConfirmed && p.now.Before(b.Start)
}

// counselorZone is the counsellor's own zone, from their schedule.
func (s *Server) counselorZone(c echo.Context, p auth.Principal) (*time.Location, error) {
	a, err := s.Bookings.GetAvailability(c.Request().Context(), p)
	if err != nil {
		return nil, err
	}
	if a.Timezone == "" {
		return employeeZone, nil
	}
	return loadZone(a.Timezone), nil
}

func (s *Server) counselorSessions(c echo.Context) error {
	p, _ := principalOf(c)
	zone, err := s.counselorZone(c, p)
	if err != nil {
		return err
	}
	bs, err := s.Bookings.MyBookings(c.Request().Context(), p)
	if err != nil {
		return err
	}
	pg := counselorSessionsPage{Zone: zone, now: s.Clock.Now(), noShow: map[uuid.UUID]bool{}, phones: map[uuid.UUID]string{}}
	for _, b := range bs {
		if b.Format == "phone" && b.Status == booking.StatusConfirmed && b.End.After(pg.now.Add(-time.Hour)) {
			phone, err := s.Bookings.PhoneFor(c.Request().Context(), p, b.ID)
			if err != nil {
				return err
			}
			pg.phones[b.ID] = phone
		}
		if b.Status != booking.StatusConfirmed || pg.now.Before(b.Start.Add(booking.NoShowGrace)) {
			continue
		}
		ok, err := s.Bookings.NoShowOffered(c.Request().Context(), b)
		if err != nil {
			return err
		}
		pg.noShow[b.ID] = ok
	}
	ids := make([]uuid.UUID, 0, len(bs))
	for _, b := range bs {
		if heldSession(b, pg.now) {
			ids = append(ids, b.ID)
		}
	}
	if pg.written, err = s.Records.Written(c.Request().Context(), p, ids); err != nil {
		return err
	}
	up, past := splitBookings(bs, pg.now)
	pg.Upcoming = bookingsByDay(up, zone)
	pg.Past, pg.PastMore = capPast(past)
	return s.render(c, http.StatusOK, pageCounselorSessions, pg)
}

// counselorSessionAct runs one state change and goes back to the list
// with its outcome; a change the state no longer allows is a message.
func (s *Server) counselorSessionAct(c echo.Context, act func(auth.Principal, booking.Booking) error, done string) error {
	p, _ := principalOf(c)
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	err = act(p, b)
	if e, ok := apperr.As(err); ok && (e.Code == apperr.CodeConflict || e.Code == apperr.CodeUnprocessable) {
		s.setFlash(c, "error", "flash_session_not_now")
		return c.Redirect(http.StatusSeeOther, "/counselor/sessions")
	} else if err != nil {
		return err
	}
	s.setFlash(c, "success", done)
	return c.Redirect(http.StatusSeeOther, "/counselor/sessions")
}

func (s *Server) counselorSessionComplete(c echo.Context) error {
	return s.counselorSessionAct(c, func(p auth.Principal, b booking.Booking) error {
		_, err := s.Bookings.Complete(c.Request().Context(), p, b.ID)
		return err
	}, "flash_session_completed")
}

func (s *Server) counselorSessionNoShow(c echo.Context) error {
	return s.counselorSessionAct(c, func(p auth.Principal, b booking.Booking) error {
		_, err := s.Bookings.MarkNoShow(c.Request().Context(), p, b.ID)
		return err
	}, "flash_session_no_show")
}

func (s *Server) counselorSessionCancelShow(c echo.Context) error {
	p, _ := principalOf(c)
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	if b.Status != booking.StatusConfirmed {
		return s.closedSession(c, "/counselor/sessions")
	}
	zone, err := s.counselorZone(c, p)
	if err != nil {
		return err
	}
	return s.renderCancel(c, http.StatusOK, b, zone, counselorCancel(b), "", formErrors{})
}

func (s *Server) counselorSessionCancel(c echo.Context) error {
	p, _ := principalOf(c)
	zone, err := s.counselorZone(c, p)
	if err != nil {
		return err
	}
	return s.cancelBooking(c, zone, counselorCancel)
}
