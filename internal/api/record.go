package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/record"
)

// recordRoutes lists the record endpoints and the operators' risk-alert
// queue. The record routes admit every signed-in role on purpose: anyone
// but the booking's counsellor gets 404 from the service, and that denied
// attempt is audited (a 403 from the route table would leave no trace).
func (s *Server) recordRoutes() []Route {
	return []Route{
		{http.MethodPut, "/api/v1/bookings/:id/record", s.recordSave, signedIn},
		{http.MethodGet, "/api/v1/bookings/:id/record", s.recordGet, signedIn},
		{http.MethodGet, "/api/v1/risk-alerts", s.riskAlerts, operator},
		{http.MethodGet, "/api/v1/risk-alerts/:id", s.riskAlert, operator},
		{http.MethodPost, "/api/v1/risk-alerts/:id/acknowledge", s.riskAlertAcknowledge, operator},
		{http.MethodPost, "/api/v1/risk-alerts/:id/resolve", s.riskAlertResolve, operator},
	}
}

func (s *Server) recordSave(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in record.Input
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	rec, err := s.Records.Save(c.Request().Context(), principal(c), id, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rec)
}

func (s *Server) recordGet(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	rec, err := s.Records.Get(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, rec)
}

func (s *Server) riskAlerts(c echo.Context) error {
	page, perPage, err := pageParams(c)
	if err != nil {
		return err
	}
	items, total, err := s.Records.Alerts(c.Request().Context(), principal(c), c.QueryParam("status"), page, perPage)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[record.Alert]{Items: items, Total: total, Page: page, PerPage: perPage})
}

func (s *Server) riskAlert(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.Records.Alert(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (s *Server) riskAlertAcknowledge(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	a, err := s.Records.Acknowledge(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}

func (s *Server) riskAlertResolve(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Outcome string `json:"outcome"`
	}
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	a, err := s.Records.Resolve(c.Request().Context(), principal(c), id, in.Outcome)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, a)
}
