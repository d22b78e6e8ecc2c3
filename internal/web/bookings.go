package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/programme"
)

// findSlot is the free slot starting at start, if it is still free.
func (s *Server) findSlot(c echo.Context, p auth.Principal, id uuid.UUID, start time.Time) (booking.Slot, bool, error) {
	slots, err := s.Bookings.Slots(c.Request().Context(), p, id, start.Add(-time.Minute), start.Add(24*time.Hour))
	if err != nil {
		return booking.Slot{}, false, err
	}
	for _, sl := range slots {
		if sl.Start.Equal(start) {
			return sl, true, nil
		}
	}
	return booking.Slot{}, false, nil
}

// bookForm is the booking confirmation form, kept as entered on error.
type bookForm struct {
	Start          time.Time
	Theme, Format  string
	Phone          string // a phone session's number
	IdempotencyKey string
	Errors         formErrors
	// Step is the employee's programme step this booking is for (from
	// the programme page's "book" link), or "".
	Step string
}

// bookPage confirms one slot: the counsellor, the time, theme and format.
type bookPage struct {
	Format
	BookingFormat
	Listing counselor.Listing
	Slot    booking.Slot
	Form    bookForm
	Zone    *time.Location
}

// parseStart reads an RFC 3339 start; anything else is a 400.
func parseStart(v string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339, strings.TrimSpace(v))
	if err != nil {
		return time.Time{}, apperr.Field("start", "must be an RFC 3339 time")
	}
	return t.UTC(), nil
}

// slotGone tells the employee the slot was taken and sends them back to
// the counsellor's free slots.
func (s *Server) slotGone(c echo.Context, to string) error {
	s.setFlash(c, "error", "flash_slot_unavailable")
	return c.Redirect(http.StatusSeeOther, to)
}

func profileSlots(id uuid.UUID) string { return "/counselors/" + id.String() + "#slots" }

// renderBook shows the confirm page for start, or sends the employee back
// when the slot is no longer free.
func (s *Server) renderBook(c echo.Context, status int, id uuid.UUID, f bookForm) error {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	l, err := s.Counselors.GetListing(ctx, p, id)
	if err != nil {
		return err
	}
	sl, ok, err := s.findSlot(c, p, id, f.Start)
	if err != nil {
		return err
	}
	if !ok {
		return s.slotGone(c, profileSlots(id))
	}
	if f.Format == "" && len(l.Formats) == 1 {
		f.Format = l.Formats[0]
	}
	if f.Theme == "" && len(l.Themes) == 1 {
		f.Theme = l.Themes[0]
	}
	return s.render(c, status, pageBookingNew, bookPage{Listing: l, Slot: sl, Form: f, Zone: s.userZone(c)})
}

func (s *Server) bookShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	start, err := parseStart(c.QueryParam("start"))
	if err != nil {
		return err
	}
	return s.renderBook(c, http.StatusOK, id, bookForm{Start: start, IdempotencyKey: uuid.NewString(), Errors: formErrors{}, Step: c.QueryParam("step")})
}

// bookFieldKeys are the messages beside the fields the domain refuses.
var bookFieldKeys = map[string]string{"theme": "book_err_theme", "format": "book_err_format", "phone": "book_err_phone"}

func (s *Server) bookSubmit(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	start, err := parseStart(c.FormValue("start"))
	if err != nil {
		return err
	}
	f := bookForm{Start: start, Theme: c.FormValue("theme"), Format: c.FormValue("format"), Phone: strings.TrimSpace(c.FormValue("phone")),
		IdempotencyKey: strings.TrimSpace(c.FormValue("idempotency_key")), Errors: formErrors{}, Step: c.FormValue("step")}
	if f.Theme == "" {
		f.Errors.add("theme", "book_err_theme")
	}
	if f.Format == "" {
		f.Errors.add("format", "book_err_format")
	}
	if len(f.IdempotencyKey) > 100 {
		return apperr.Field("idempotency_key", "too long")
	}
	if f.Errors.Any() {
		return s.renderBook(c, http.StatusBadRequest, id, f)
	}
	step := uuid.Nil
	if f.Step != "" {
		if step, err = uuid.Parse(f.Step); err != nil {
			return apperr.Field("step", "must be one of your programme steps")
		}
	}
	nb := booking.NewBooking{CounselorID: id, Start: start, Theme: f.Theme, Format: f.Format, Phone: f.Phone}
	var b booking.Booking
	if step != uuid.Nil {
		// One unit of work: the step is checked, the session booked and
		// the step linked to it in one transaction, or nothing is.
		b, err = s.Programmes.BookStep(c.Request().Context(), p, step, nb, f.IdempotencyKey)
	} else {
		b, err = s.Bookings.Book(c.Request().Context(), p, nb, f.IdempotencyKey)
	}
	e, isApp := apperr.As(err)
	switch {
	case err == nil:
		s.setFlash(c, "success", "flash_booked")
		return c.Redirect(http.StatusSeeOther, "/sessions/"+b.ID.String())
	case isApp && (e.Has(programme.ReasonStepNotBookable) || e.Has(programme.ReasonEnrolmentNotActive)):
		// The step cannot take a booking (any more): nothing was booked.
		return s.redirectBack(c, "error", reasonKey(err, ""), "/programmes")
	case isApp && (e.Has(booking.ReasonSlotUnavailable) || e.Has(booking.ReasonStartInPast)):
		return s.slotGone(c, profileSlots(id))
	case isApp && e.Has(booking.ReasonPlanExhausted):
		s.setFlash(c, "error", reasonKey(err, ""))
		return c.Redirect(http.StatusSeeOther, "/counselors/"+id.String())
	case isApp && bookReasonFields[e.Reason] != "":
		f.Errors.add(bookReasonFields[e.Reason], reasonKey(err, "field_invalid"))
		return s.renderBook(c, http.StatusUnprocessableEntity, id, f)
	case isApp && e.Code == apperr.CodeInvalid:
		for field := range e.Fields {
			if key, ok := bookFieldKeys[field]; ok {
				f.Errors.add(field, key)
			}
		}
		if !f.Errors.Any() {
			f.Errors.add("", "field_invalid")
		}
		return s.renderBook(c, http.StatusBadRequest, id, f)
	case isApp && (e.Code == apperr.CodeConflict || e.Code == apperr.CodeUnprocessable):
		s.setFlash(c, "error", "flash_booking_refused")
		return c.Redirect(http.StatusSeeOther, "/counselors/"+id.String())
	}
	return err
}

// bookReasonFields name the booking form's field a refusal belongs to.
var bookReasonFields = map[apperr.Reason]string{
	booking.ReasonThemeNotOffered:  "theme",
	booking.ReasonPhoneRequired:    "phone",
	booking.ReasonFormatNotOffered: "format",
}

// waitlistJoin puts the employee on the counsellor's waitlist.
func (s *Server) waitlistJoin(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	err = s.Bookings.JoinWaitlist(c.Request().Context(), p, id)
	if e, ok := apperr.As(err); ok && (e.Code == apperr.CodeConflict || e.Code == apperr.CodeUnprocessable) {
		s.setFlash(c, "error", "flash_booking_refused")
		return c.Redirect(http.StatusSeeOther, "/counselors/"+id.String())
	} else if err != nil {
		return err
	}
	s.setFlash(c, "success", "flash_waitlist_joined")
	return c.Redirect(http.StatusSeeOther, "/counselors/"+id.String())
}
