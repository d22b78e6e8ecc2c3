package web

import (
	"net/http"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/programme"
)

// How much of each list the employee's home shows; the full lists are a
// link away.
const (
	homeUpcoming = 5
	homeToRate   = 3
	homeRecs     = 3
)

// employeeHomePage says what comes next for an employee: the next session
// (with a countdown and, when its room is open, the join button), the
// sessions after it, held sessions to rate, programme invitations waiting
// for an answer, and a few recommendations (or the questionnaire's entry).
type employeeHomePage struct {
	Format
	BookingFormat
	ProgrammeFormat
	Now         time.Time
	Zone        *time.Location
	Upcoming    []booking.Booking // soonest first; the first is "next"
	ToRate      []feedback.ToRate
	Invitations []programme.Enrolment
	Recs        []matching.Recommendation
	NeedsFit    bool // no questionnaire answered yet: offer it instead
}

// Next is the soonest upcoming session, if any.
func (p employeeHomePage) Next() *booking.Booking {
	if len(p.Upcoming) == 0 {
		return nil
	}
	return &p.Upcoming[0]
}

// Later are the upcoming sessions after the next one.
func (p employeeHomePage) Later() []booking.Booking {
	if len(p.Upcoming) < 2 {
		return nil
	}
	return p.Upcoming[1:]
}

// Until is the countdown to a session's start.
func (p employeeHomePage) Until(b booking.Booking) countdown { return until(p.Now, b.Start) }

// employeeHome reads the sessions, ratings and invitations in one
// transaction and the recommendations in a second.
func (s *Server) employeeHome(c echo.Context) error {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	pg := employeeHomePage{Now: s.Clock.Now(), Zone: s.userZone(c)}
	err := s.DB.InTx(ctx, p.Scope(), func(tx *sqlx.Tx) error {
		var err error
		if pg.Upcoming, err = booking.UpcomingTx(ctx, tx, p, pg.Now, homeUpcoming); err != nil {
			return err
		}
		if pg.ToRate, err = feedback.ToRateTx(ctx, tx, p, pg.Now, homeToRate); err != nil {
			return err
		}
		pg.Invitations, err = programme.InvitationsTx(ctx, tx, p)
		return err
	})
	if err != nil {
		return err
	}
	res, err := s.Matching.Recommend(ctx, p, matching.Query{Lang: resolveLang(c, p.Locale)})
	switch e, ok := apperr.As(err); {
	case ok && e.Has(matching.ReasonFitProfileRequired):
		pg.NeedsFit = true
	case err != nil:
		return err
	default:
		pg.Recs = res.Items[:min(homeRecs, len(res.Items))]
	}
	return s.render(c, http.StatusOK, pageEmployeeHome, pg)
}
