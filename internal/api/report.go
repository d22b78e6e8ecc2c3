package api

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
)

// reportRoutes lists the de-identified report endpoints: HR of the
// company or an operator read releases; an operator publishes them. The
// CSV route is a sibling static segment of the JSON one, so echo's router
// tells them apart.
func (s *Server) reportRoutes() []Route {
	return []Route{
		{http.MethodGet, "/api/v1/companies/:cid/reports", s.reportGet, companyStaff},
		{http.MethodGet, "/api/v1/companies/:cid/reports.csv", s.reportCSV, companyStaff},
		{http.MethodPost, "/api/v1/reports/releases", s.reportRelease, operator},
	}
}

// ServeReport authorises the actor for the company (another company's
// admin gets 404 before anything else), validates the query and asks the
// service, which rate-limits and audits.
func ServeReport(c echo.Context, svc *store.Service, actor auth.Principal, cid uuid.UUID, export bool) (*report.Body, error) {
	if _, err := actor.CompanyScope(cid); err != nil {
		return nil, err
	}
	q := c.QueryParams()
	for name := range q {
		switch name {
		case "from", "to", "by":
		default:
			return nil, apperr.Field(name, "unknown parameter: a report takes from, to and by")
		}
	}
	req, err := store.NewRequest(q.Get("from"), q.Get("to"), q.Get("by"), export)
	if err != nil {
		return nil, err
	}
	return svc.Report(c.Request().Context(), actor, cid, req)
}

func (s *Server) reportGet(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	b, err := ServeReport(c, s.Reports, principal(c), cid, false)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, b)
}

func (s *Server) reportCSV(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	b, err := ServeReport(c, s.Reports, principal(c), cid, true)
	if err != nil {
		return err
	}
	return report.WriteCSV(c.Response(), b)
}

// reportRelease publishes a closed month's releases: every company, or
// the one named. A rerun answers what exists (created 0).
func (s *Server) reportRelease(c echo.Context) error {
	var in struct {
		Period    string     `json:"period"`
		CompanyID *uuid.UUID `json:"company_id"`
	}
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	m, err := report.ParseMonth(strings.TrimSpace(in.Period), "period")
	if err != nil {
		return err
	}
	res, err := s.Reports.Publish(c.Request().Context(), principal(c), m, in.CompanyID)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}
