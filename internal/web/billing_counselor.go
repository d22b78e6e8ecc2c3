package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/billing"
)

// earningsPage is the counsellor's own month: each session they held (or
// that pays despite a late cancellation or no-show) with its amount.
type earningsPage struct {
	Format
	BillingFormat
	BookingFormat
	Statement billing.Statement
	Zone      *time.Location
	Prev      string
	Next      string // empty for the current month
	BadPeriod bool
}

// When shows a session's start in the counsellor's zone.
func (p earningsPage) When(t time.Time) string { return t.In(p.Zone).Format("2006-01-02 15:04") }

func (s *Server) earningsShow(c echo.Context) error {
	p, _ := principalOf(c)
	now := s.thisMonth()
	per, ok := periodParam(c, now)
	if per.String() > now.String() {
		per = now
	}
	st, err := s.Billing.Statement(c.Request().Context(), p, per.String())
	if err != nil {
		return err
	}
	zone, err := s.counselorZone(c, p)
	if err != nil {
		return err
	}
	pg := earningsPage{Statement: st, Zone: zone, Prev: per.Prev().String(), BadPeriod: !ok}
	if per.String() < now.String() {
		pg.Next = per.Next().String()
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusBadRequest
	}
	return s.render(c, status, pageEarnings, pg)
}
