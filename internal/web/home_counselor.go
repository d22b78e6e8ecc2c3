package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/record"
)

// homeRecordsDue bounds the records-due list on the counsellor's home.
const homeRecordsDue = 10

// counselorHomePage is the counsellor's overview: today's sessions (with
// join), held sessions whose record is due, the risk alerts of their
// records still open with the clinical lead, and — only until they are
// published — their listing's state and what it still needs.
type counselorHomePage struct {
	Format
	BookingFormat
	CounselorFormat
	RecordFormat
	Profile     counselor.Profile
	Credentials []counselor.Credential
	PhotoURL    string
	Missing     []todo // what a listing still needs
	Today       []booking.Booking
	RecordsDue  []record.Due
	Alerts      []record.OwnAlert
	Zone        *time.Location
}

// Published reports whether the counsellor is listed: onboarding is over.
func (p counselorHomePage) Published() bool { return p.Profile.Status == "verified" }

// UnreadAlerts counts the alerts the clinical lead has not acknowledged.
func (p counselorHomePage) UnreadAlerts() int {
	n := 0
	for _, a := range p.Alerts {
		if a.Status == "open" {
			n++
		}
	}
	return n
}

// todo is one thing left to do: a message id and where to do it.
type todo struct {
	Key, Href string
}

// missingOf lists what a listing still needs.
func missingOf(prof counselor.Profile, creds []counselor.Credential) []todo {
	var out []todo
	if prof.PhotoURL == "" {
		out = append(out, todo{"missing_photo", "/counselor/profile#photo"})
	}
	if strings.TrimSpace(prof.Bio) == "" {
		out = append(out, todo{"missing_bio", "/counselor/profile#bio"})
	}
	if len(prof.Themes) == 0 {
		out = append(out, todo{"missing_themes", "/counselor/profile#themes"})
	}
	if len(verifiedKinds(creds)) == 0 {
		out = append(out, todo{"missing_credential", "/counselor/credentials"})
	}
	return out
}

// dayBounds is the calendar day (in loc) that contains t: [from, to).
func dayBounds(t time.Time, loc *time.Location) (from, to time.Time) {
	l := t.In(loc)
	from = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, loc)
	return from, from.AddDate(0, 0, 1)
}

// counselorHome reads everything in one transaction.
func (s *Server) counselorHome(c echo.Context) error {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	var pg counselorHomePage
	err := s.DB.InTx(ctx, p.Scope(), func(tx *sqlx.Tx) error {
		var err error
		if pg.Profile, pg.Credentials, err = s.Counselors.OwnTx(ctx, tx, p); err != nil {
			return err
		}
		tz, err := booking.ZoneTx(ctx, tx, p)
		if err != nil {
			return err
		}
		pg.Zone = loadZone(tz)
		now := s.Clock.Now()
		from, to := dayBounds(now, pg.Zone)
		if pg.Today, err = booking.DayTx(ctx, tx, p, from, to, 50); err != nil {
			return err
		}
		if pg.RecordsDue, err = record.DueTx(ctx, tx, p, now, homeRecordsDue); err != nil {
			return err
		}
		pg.Alerts, err = record.OwnAlertsTx(ctx, tx, p)
		return err
	})
	if err != nil {
		return err
	}
	pg.PhotoURL, pg.Missing = photoURL(pg.Profile.ID, pg.Profile.PhotoURL), missingOf(pg.Profile, pg.Credentials)
	return s.render(c, http.StatusOK, pageCounselorHome, pg)
}
