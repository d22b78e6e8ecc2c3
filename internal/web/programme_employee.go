package web

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/programme"
)

// programmeMinePage is the employee's invitations and steps, with their
// upcoming bookings that a step may use.
type programmeMinePage struct {
	Format
	ProgrammeFormat
	Enrolments []programme.Enrolment
	Upcoming   []booking.Booking
	Zone       *time.Location
}

// Pending counts invitations that wait for the employee's answer.
func (p programmeMinePage) Pending() int {
	n := 0
	for _, e := range p.Enrolments {
		if e.Status == programme.StatusPending || e.Status == programme.StatusInvited {
			n++
		}
	}
	return n
}

// Bookable reports whether the step may be booked or declined now.
func (p programmeMinePage) Bookable(st programme.Step) bool { return stepBookable(st) }

func (s *Server) loadMine(c echo.Context) (programmeMinePage, error) {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	list, err := s.Programmes.Mine(ctx, p)
	if err != nil {
		return programmeMinePage{}, err
	}
	page := programmeMinePage{Enrolments: list, Zone: s.userZone(c)}
	mine, err := s.Bookings.MyBookings(ctx, p)
	if err != nil {
		return page, err
	}
	linked := map[uuid.UUID]bool{}
	for _, e := range list {
		for _, st := range e.Steps {
			if st.BookingID.Valid {
				linked[st.BookingID.UUID] = true
			}
		}
	}
	now := s.Clock.Now()
	for _, b := range mine {
		if b.Status == booking.StatusConfirmed && b.Start.After(now) && !linked[b.ID] {
			page.Upcoming = append(page.Upcoming, b)
		}
	}
	return page, nil
}

func (s *Server) programmeMine(c echo.Context) error {
	page, err := s.loadMine(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageProgrammeMine, page)
}

// programmeCard is the home page's card of invitations waiting for an
// answer (loaded by htmx).
func (s *Server) programmeCard(c echo.Context) error {
	page, err := s.loadMine(c)
	if err != nil {
		return err
	}
	return s.renderPartial(c, http.StatusOK, pageProgrammeMine, "programme_card", page)
}

// answerFlash is the message after each answer.
var answerFlash = map[string]string{
	programme.ActionAccept: "prog_flash_accept", programme.ActionDecline: "prog_flash_decline",
	programme.ActionWithdraw: "prog_flash_withdraw", programme.ActionJoin: "prog_flash_join",
}

// programmeAnswer accepts, declines, withdraws or joins an enrolment.
func (s *Server) programmeAnswer(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	action := c.Param("action")
	switch action {
	case programme.ActionAccept, programme.ActionDecline, programme.ActionWithdraw, programme.ActionJoin:
	default:
		return apperr.NotFound("action")
	}
	_, err = s.Programmes.Answer(c.Request().Context(), p, id, action)
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeConflict {
		return s.redirectBack(c, "error", "prog_flash_refused", "/programmes")
	} else if err != nil {
		return err
	}
	return s.redirectBack(c, "success", answerFlash[action], "/programmes")
}

func (s *Server) programmeStepDecline(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	_, err = s.Programmes.DeclineStep(c.Request().Context(), p, id, c.FormValue("reason"))
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeConflict {
		return s.redirectBack(c, "error", "prog_flash_refused", "/programmes")
	} else if err != nil {
		return err
	}
	return s.redirectBack(c, "success", "prog_flash_step_declined", "/programmes")
}

// programmeStepLink uses one of the employee's upcoming bookings for a
// step (a booking made without the programme link).
func (s *Server) programmeStepLink(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	b, err := uuid.Parse(c.FormValue("booking"))
	if err != nil {
		return apperr.Field("booking", "must be one of your bookings")
	}
	_, err = s.Programmes.LinkBooking(c.Request().Context(), p, id, b)
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeConflict {
		return s.redirectBack(c, "error", "prog_flash_refused", "/programmes")
	} else if err != nil {
		return err
	}
	return s.redirectBack(c, "success", "prog_flash_step_linked", "/programmes")
}
