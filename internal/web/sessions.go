package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// sessionsPage is the employee's "my sessions".
type sessionsPage struct {
	Format
	BookingFormat
	Upcoming []booking.Booking
	// Cancelled are cancelled sessions whose time is still ahead: they
	// are neither to come nor past.
	Cancelled []booking.Booking
	Past      []booking.Booking
	PastMore  int // older sessions not shown
	Zone      *time.Location
	now       time.Time
	rated     map[uuid.UUID]bool
}

// ToRate reports whether b was held and still awaits the employee's
// rating (the rating page's own rule: completed, or confirmed and over).
func (p sessionsPage) ToRate(b booking.Booking) bool {
	return !p.rated[b.ID] && rateable(b, p.now)
}

// rateable reports whether a session may be rated at now, once.
func rateable(b booking.Booking, now time.Time) bool {
	return b.Status == booking.StatusCompleted || (b.Status == booking.StatusConfirmed && !now.Before(b.End))
}

func (s *Server) sessionList(c echo.Context) error {
	p, _ := principalOf(c)
	bs, err := s.Bookings.MyBookings(c.Request().Context(), p)
	if err != nil {
		return err
	}
	pg := sessionsPage{Zone: s.userZone(c), now: s.Clock.Now(), rated: map[uuid.UUID]bool{}}
	// The wellbeing series has one point per rated session.
	points, err := s.Feedback.Wellbeing(c.Request().Context(), p)
	if err != nil {
		return err
	}
	for _, pt := range points {
		pg.rated[pt.BookingID] = true
	}
	pg.Upcoming, pg.Past = splitBookings(bs, s.Clock.Now())
	pg.Cancelled, pg.Past = splitCancelled(pg.Past, s.Clock.Now())
	pg.Past, pg.PastMore = capPast(pg.Past)
	return s.render(c, http.StatusOK, pageSessions, pg)
}

// sessionPage is one of the employee's sessions.
type sessionPage struct {
	Format
	BookingFormat
	Booking  booking.Booking
	Zone     *time.Location
	Open     bool          // confirmed and not yet started: may be moved or cancelled
	Calendar calendarLinks // add-to-calendar links, for an open session
}

// sessionID reads a booking id from the path; a malformed one is a 404.
func sessionID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return uuid.Nil, apperr.NotFound("booking")
	}
	return id, nil
}

func (s *Server) loadSession(c echo.Context) (booking.Booking, error) {
	id, err := sessionID(c)
	if err != nil {
		return booking.Booking{}, err
	}
	p, _ := principalOf(c)
	return s.Bookings.Get(c.Request().Context(), p, id)
}

func (s *Server) isOpen(b booking.Booking) bool {
	return b.Status == booking.StatusConfirmed && s.Clock.Now().Before(b.Start)
}

func (s *Server) sessionShow(c echo.Context) error {
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	pg := sessionPage{Booking: b, Zone: s.userZone(c), Open: s.isOpen(b)}
	if pg.Open {
		pg.Calendar = s.sessionCalendarLinks(b)
	}
	return s.render(c, http.StatusOK, pageSessionShow, pg)
}

// reschedulePage offers the counsellor's other free slots.
type reschedulePage struct {
	Format
	BookingFormat
	Booking booking.Booking
	slotsPanel
	Error string // message id beside the choice
}

func (s *Server) renderReschedule(c echo.Context, status int, b booking.Booking, errKey string) error {
	p, _ := principalOf(c)
	panel, err := s.freeSlots(c, p, b.CounselorID, "/sessions/"+b.ID.String()+"/reschedule")
	if err != nil {
		return err
	}
	pg := reschedulePage{Booking: b, slotsPanel: panel, Error: errKey}
	return s.render(c, status, pageSessionReschedule, pg)
}

func (s *Server) sessionRescheduleShow(c echo.Context) error {
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	if !s.isOpen(b) {
		return s.closedSession(c, "/sessions/"+b.ID.String())
	}
	return s.renderReschedule(c, http.StatusOK, b, "")
}

// closedSession answers a change to a session that can no longer change.
func (s *Server) closedSession(c echo.Context, back string) error {
	s.setFlash(c, "error", "flash_session_closed")
	return c.Redirect(http.StatusSeeOther, back)
}

func (s *Server) sessionReschedule(c echo.Context) error {
	p, _ := principalOf(c)
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	if c.FormValue("start") == "" {
		return s.renderReschedule(c, http.StatusBadRequest, b, "reschedule_err_choose")
	}
	start, err := parseStart(c.FormValue("start"))
	if err != nil {
		return err
	}
	_, err = s.Bookings.Reschedule(c.Request().Context(), p, b.ID, start)
	e, isApp := apperr.As(err)
	switch {
	case err == nil && start.Equal(b.Start):
		s.setFlash(c, "success", "flash_reschedule_same") // a no-op: nothing is sent
		return c.Redirect(http.StatusSeeOther, "/sessions/"+b.ID.String())
	case err == nil:
		s.setFlash(c, "success", "flash_rescheduled")
		return c.Redirect(http.StatusSeeOther, "/sessions/"+b.ID.String())
	case isApp && (e.Has(booking.ReasonSlotUnavailable) || e.Has(booking.ReasonStartInPast)):
		return s.slotGone(c, "/sessions/"+b.ID.String()+"/reschedule")
	case isApp && e.Code == apperr.CodeInvalid:
		return s.renderReschedule(c, http.StatusBadRequest, b, "reschedule_err_choose")
	case isApp && (e.Code == apperr.CodeConflict || e.Code == apperr.CodeUnprocessable):
		return s.closedSession(c, "/sessions/"+b.ID.String())
	}
	return err
}

// cancelPage confirms a cancellation, warning when it would be billable.
type cancelPage struct {
	Format
	BookingFormat
	Booking     booking.Booking
	Zone        *time.Location
	Late        bool
	NoticeHours int
	To          cancelTarget
	Reason      string
	Errors      formErrors
}

// cancelTarget is where a cancellation form posts, where "back" leads, and
// where the browser goes once it is done (the employee's and the
// counsellor's pages differ).
type cancelTarget struct {
	Action, Back string
}

func employeeCancel(b booking.Booking) cancelTarget {
	base := "/sessions/" + b.ID.String()
	return cancelTarget{Action: base + "/cancel", Back: base}
}

func counselorCancel(b booking.Booking) cancelTarget {
	return cancelTarget{Action: "/counselor/sessions/" + b.ID.String() + "/cancel", Back: "/counselor/sessions"}
}

func (s *Server) renderCancel(c echo.Context, status int, b booking.Booking, zone *time.Location, to cancelTarget, reason string, errs formErrors) error {
	p, _ := principalOf(c)
	late, hours, err := s.Bookings.CancelPreview(c.Request().Context(), p, b.ID)
	if e, ok := apperr.As(err); ok && (e.Code == apperr.CodeConflict || e.Code == apperr.CodeUnprocessable) {
		return s.closedSession(c, to.Back)
	} else if err != nil {
		return err
	}
	return s.render(c, status, pageSessionCancel, cancelPage{Booking: b, Zone: zone, Late: late, NoticeHours: hours,
		To: to, Reason: reason, Errors: errs})
}

func (s *Server) sessionCancelShow(c echo.Context) error {
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	if b.Status != booking.StatusConfirmed {
		return s.closedSession(c, employeeCancel(b).Back)
	}
	return s.renderCancel(c, http.StatusOK, b, s.userZone(c), employeeCancel(b), "", formErrors{})
}

// maxCancelReason bounds the optional reason of a cancellation.
const maxCancelReason = 500

// cancelBooking reads the reason and cancels the session in the path.
func (s *Server) cancelBooking(c echo.Context, zone *time.Location, target func(booking.Booking) cancelTarget) error {
	p, _ := principalOf(c)
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	to := target(b)
	reason := strings.TrimSpace(c.FormValue("reason"))
	errs := formErrors{}
	errs.text("reason", reason, true, "cancel_err_reason")
	if len([]rune(reason)) > maxCancelReason {
		errs.add("reason", "cancel_err_reason")
	}
	if errs.Any() {
		return s.renderCancel(c, http.StatusBadRequest, b, zone, to, reason, errs)
	}
	b, err = s.Bookings.Cancel(c.Request().Context(), p, b.ID, reason)
	if e, ok := apperr.As(err); ok && (e.Code == apperr.CodeConflict || e.Code == apperr.CodeUnprocessable) {
		return s.closedSession(c, to.Back)
	} else if err != nil {
		return err
	}
	if b.Status == booking.StatusLateCancelled {
		s.setFlash(c, "success", "flash_late_cancelled")
	} else {
		s.setFlash(c, "success", "flash_cancelled")
	}
	return c.Redirect(http.StatusSeeOther, to.Back)
}

func (s *Server) sessionCancel(c echo.Context) error {
	return s.cancelBooking(c, s.userZone(c), employeeCancel)
}
