package web

import (
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/record"
)

// Message ids of alert states and outcomes.
var (
	alertStatusKeys = map[string]string{
		"open": "alert_status_open", "acknowledged": "alert_status_acknowledged", "resolved": "alert_status_resolved",
	}
	outcomeKeys = map[string]string{
		"contacted_counselor": "alert_outcome_contacted_counselor", "emergency_services": "alert_outcome_emergency_services",
		"employee_safe": "alert_outcome_employee_safe", "referred": "alert_outcome_referred", "other": "alert_outcome_other",
	}
)

// AlertStatus is an alert state's name.
func (v *View) AlertStatus(s string) string { return v.label(alertStatusKeys, s) }

// Outcome is a resolution outcome's name.
func (v *View) Outcome(o string) string { return v.label(outcomeKeys, o) }

// Age is how long ago t was, coarsely: "3時間" / "3 h".
func (v *View) Age(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Hour:
		return v.T("alert_age_minutes", "N", int(d.Minutes()))
	case d < 48*time.Hour:
		return v.T("alert_age_hours", "N", int(d.Hours()))
	}
	return v.T("alert_age_days", "N", int(d.Hours()/24))
}

// alertListPage is the operators' queue.
type alertListPage struct {
	Alerts []record.Alert
	Total  int
	Status string
}

// alertShowPage is one alert with the protocol and its actions.
type alertShowPage struct {
	Alert    record.Alert
	Outcomes []string
	Error    string
}

func (s *Server) alertList(c echo.Context) error {
	p, _ := principalOf(c)
	status := c.QueryParam("status")
	items, total, err := s.Records.Alerts(c.Request().Context(), p, status, 1, 100)
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
		status = ""
		items, total, err = s.Records.Alerts(c.Request().Context(), p, "", 1, 100)
	}
	if err != nil {
		return err
	}
	pg := alertListPage{Alerts: items, Total: total, Status: status}
	return s.render(c, http.StatusOK, pageOperatorAlerts, pg)
}

func alertID(c echo.Context) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return uuid.Nil, apperr.NotFound("alert")
	}
	return id, nil
}

func (s *Server) alertShow(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := alertID(c)
	if err != nil {
		return err
	}
	a, err := s.Records.Alert(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageOperatorAlertsShow, alertShowPage{Alert: a, Outcomes: record.Outcomes})
}

func (s *Server) alertAcknowledge(c echo.Context) error {
	return s.alertAct(c, func(p auth.Principal, id uuid.UUID) error {
		_, err := s.Records.Acknowledge(c.Request().Context(), p, id)
		return err
	}, "alert_flash_acknowledged")
}

func (s *Server) alertResolve(c echo.Context) error {
	return s.alertAct(c, func(p auth.Principal, id uuid.UUID) error {
		_, err := s.Records.Resolve(c.Request().Context(), p, id, c.FormValue("outcome"))
		return err
	}, "alert_flash_resolved")
}

func (s *Server) alertAct(c echo.Context, act func(auth.Principal, uuid.UUID) error, done string) error {
	p, _ := principalOf(c)
	id, err := alertID(c)
	if err != nil {
		return err
	}
	back := "/operator/alerts/" + id.String()
	err = act(p, id)
	if e, ok := apperr.As(err); ok && (e.Code == apperr.CodeInvalid || e.Code == apperr.CodeConflict) {
		s.setFlash(c, "error", "alert_flash_refused")
		return c.Redirect(http.StatusSeeOther, back)
	} else if err != nil {
		return err
	}
	s.setFlash(c, "success", done)
	return c.Redirect(http.StatusSeeOther, back)
}
