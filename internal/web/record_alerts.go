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
	// overdueKeys flag the deadline an alert missed (record.AlertDeadline).
	overdueKeys = map[string]string{"acknowledge": "alert_overdue_acknowledge", "resolve": "alert_overdue_resolve"}
)

// AlertStatus is an alert state's name.
func (v RecordFormat) AlertStatus(s string) string { return v.label(alertStatusKeys, s) }

// Outcome is a resolution outcome's name.
func (v RecordFormat) Outcome(o string) string { return v.label(outcomeKeys, o) }

// Age is how long ago t was, coarsely: "3時間" / "3 h".
func (v RecordFormat) Age(t time.Time) string {
	d := time.Since(t)
	switch {
	case d < time.Hour:
		return v.T("alert_age_minutes", "N", int(d.Minutes()))
	case d < 48*time.Hour:
		return v.T("alert_age_hours", "N", int(d.Hours()))
	}
	return v.T("alert_age_days", "N", int(d.Hours()/24))
}

// Overdue is the flag of an alert past the protocol's next deadline
// (record.AlertOverdue, as of its read): "確認期限超過 34時間" /
// "Acknowledgement overdue by 34 h"; "" when it is not overdue.
func (v RecordFormat) Overdue(a record.Alert) string {
	if !a.Overdue {
		return ""
	}
	step, _, _ := record.AlertDeadline(a)
	return v.T(overdueKeys[step], "For", v.Span(time.Duration(a.OverdueSeconds)*time.Second))
}

// Span is a duration coarsely: "45分" / "34時間" / "3日".
func (v RecordFormat) Span(d time.Duration) string {
	switch {
	case d < time.Hour:
		return v.T("alert_span_minutes", "N", max(1, int(d.Minutes())))
	case d < 48*time.Hour:
		return v.T("alert_span_hours", "N", int(d.Hours()))
	}
	return v.T("alert_span_days", "N", int(d.Hours()/24))
}

// alertListPage is the operators' queue.
type alertListPage struct {
	Format
	RecordFormat
	Alerts []record.Alert
	Total  int
	Status string
}

// alertShowPage is one alert with the protocol and its actions.
type alertShowPage struct {
	Format
	RecordFormat
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

// alertResolve resolves with the chosen outcome; with none chosen (or an
// unknown one) the page comes back 422 with the message at the field.
func (s *Server) alertResolve(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := alertID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	_, err = s.Records.Resolve(ctx, p, id, c.FormValue("outcome"))
	if e, ok := apperr.As(err); ok && e.Fields["outcome"] != "" {
		a, aerr := s.Records.Alert(ctx, p, id)
		if aerr != nil {
			return aerr
		}
		key := "alert_outcome_required"
		if e.Code == apperr.CodeInvalid {
			key = "alert_outcome_unknown"
		}
		return s.render(c, http.StatusUnprocessableEntity, pageOperatorAlertsShow, alertShowPage{Alert: a, Outcomes: record.Outcomes, Error: key})
	}
	return s.alertDone(c, id, err, "alert_flash_resolved")
}

func (s *Server) alertAct(c echo.Context, act func(auth.Principal, uuid.UUID) error, done string) error {
	p, _ := principalOf(c)
	id, err := alertID(c)
	if err != nil {
		return err
	}
	return s.alertDone(c, id, act(p, id), done)
}

// alertDone answers an alert's change: back to the alert with the flash.
func (s *Server) alertDone(c echo.Context, id uuid.UUID, err error, done string) error {
	back := "/operator/alerts/" + id.String()
	if e, ok := apperr.As(err); ok && (e.Code == apperr.CodeInvalid || e.Code == apperr.CodeConflict) {
		s.setFlash(c, "error", "alert_flash_refused")
		return c.Redirect(http.StatusSeeOther, back)
	} else if err != nil {
		return err
	}
	s.setFlash(c, "success", done)
	return c.Redirect(http.StatusSeeOther, back)
}
