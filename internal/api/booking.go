package api

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/input"
)

// The roles of the booking routes.
var (
	employeeOnly   = []auth.Role{auth.RoleEmployee}
	bookingParties = []auth.Role{auth.RoleEmployee, auth.RoleCounselor}
	bookingReaders = []auth.Role{auth.RoleEmployee, auth.RoleCounselor, auth.RoleOperator}
)

// idempotencyHead is the header that makes POST /bookings safe to retry.
const idempotencyHead = "Idempotency-Key"

// parseTime reads an RFC 3339 time (with offset); "" is the zero time.
// Lowercase "t" and "z" are accepted (RFC 3339 §5.6 allows them); an
// offset outside ±23:59 is refused, like any other malformed time.
func parseTime(field, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, ok := input.Instant(v)
	if !ok {
		return time.Time{}, apperr.Field(field, "must be an RFC 3339 time with offset, e.g. 2026-04-01T10:00:00+09:00")
	}
	return t, nil
}

func (s *Server) myAvailability(c echo.Context) error {
	a, err := s.Bookings.GetAvailability(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (s *Server) myAvailabilitySet(c echo.Context) error {
	// A PUT replaces the whole schedule: every field is required, so that
	// one left out is not read as zero minutes, UTC or no hours at all.
	var in booking.Availability
	if err := decodeRequired(c, &in, "timezone", "slot_minutes", "buffer_minutes", "min_notice_minutes",
		"horizon_days", "max_per_day", "weekly", "overrides"); err != nil {
		return err
	}
	a, err := s.Bookings.SetAvailability(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (s *Server) counselorSlots(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	from, err := parseTime("from", c.QueryParam("from"))
	if err != nil {
		return err
	}
	to, err := parseTime("to", c.QueryParam("to"))
	if err != nil {
		return err
	}
	slots, err := s.Bookings.Slots(c.Request().Context(), principal(c), id, from, to)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"slots": slots})
}

func (s *Server) counselorWaitlist(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	created, err := s.Bookings.Waitlist(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	status := http.StatusOK
	if created {
		status = http.StatusCreated
	}
	return c.JSON(status, map[string]any{"counselor_id": id, "waiting": true})
}

// bookingInput is POST /bookings' body, times as text so a bad one is a
// 400 naming the field.
type bookingInput struct {
	CounselorID string `json:"counselor_id"`
	Start       string `json:"start"`
	Theme       string `json:"theme"`
	Format      string `json:"format"`
	// Phone is the number a phone session's counsellor calls (required
	// for a phone session).
	Phone string `json:"phone"`
	// ProgrammeStepID optionally links the new booking to the employee's
	// own programme step (internal/programme).
	ProgrammeStepID string `json:"programme_step_id"`
}

func (s *Server) bookingCreate(c echo.Context) error {
	var in bookingInput
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	nb := booking.NewBooking{Theme: in.Theme, Format: in.Format, Phone: in.Phone}
	if in.CounselorID != "" {
		id, err := uuid.Parse(in.CounselorID)
		if err != nil {
			return apperr.Field("counselor_id", "must be a counsellor id")
		}
		nb.CounselorID = id
	}
	start, err := parseTime("start", in.Start)
	if err != nil {
		return err
	}
	nb.Start = start
	step, err := optionalID("programme_step_id", in.ProgrammeStepID)
	if err != nil {
		return err
	}
	var b booking.Booking
	if step != uuid.Nil {
		// One unit of work: the step is checked, the session booked and
		// the step linked to it in one transaction, or nothing is.
		b, err = s.Programmes.BookStep(c.Request().Context(), principal(c), step, nb, c.Request().Header.Get(idempotencyHead))
	} else {
		b, err = s.Bookings.Book(c.Request().Context(), principal(c), nb, c.Request().Header.Get(idempotencyHead))
	}
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, b)
}

func (s *Server) myBookings(c echo.Context) error {
	list, err := s.Bookings.MyBookings(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[booking.Booking]{Items: list, Total: len(list), Page: 1, PerPage: len(list)})
}

func (s *Server) bookingGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := s.Bookings.Get(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (s *Server) bookingCancelPreview(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	late, hours, err := s.Bookings.CancelPreview(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"late": late, "notice_hours": hours})
}

func (s *Server) bookingCancel(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	reason, err := optionalReason(c)
	if err != nil {
		return err
	}
	b, err := s.Bookings.Cancel(c.Request().Context(), principal(c), id, reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (s *Server) bookingReschedule(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Start string `json:"start"`
	}
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	start, err := parseTime("start", in.Start)
	if err != nil {
		return err
	}
	b, err := s.Bookings.Reschedule(c.Request().Context(), principal(c), id, start)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (s *Server) bookingNoShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := s.Bookings.MarkNoShow(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}

func (s *Server) bookingComplete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := s.Bookings.Complete(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, b)
}
