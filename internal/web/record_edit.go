package web

import (
	"errors"
	"math"
	"net/http"
	"slices"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/record"
)

// Message ids of a record's codes (written out so the catalogue test sees
// them).
var (
	riskKeys = map[string]string{
		"none": "record_risk_none", "low": "record_risk_low", "moderate": "record_risk_moderate",
		"high": "record_risk_high", "urgent": "record_risk_urgent",
	}
	observationKeys = map[string]string{
		"workload": "record_obs_workload", "management_style": "record_obs_management_style",
		"communication": "record_obs_communication", "harassment_climate": "record_obs_harassment_climate",
		"career_path": "record_obs_career_path", "pay_evaluation": "record_obs_pay_evaluation",
		"work_life": "record_obs_work_life",
	}
	// recordFieldKeys name the message shown beside a field the domain
	// refused.
	recordFieldKeys = map[string]string{
		record.FieldThemes: "record_err_themes", record.FieldRiskLevel: "record_err_risk",
		record.FieldObservations: "record_err_observations", record.FieldSharedSummary: "record_err_summary",
		record.FieldPrivateNotes: "record_err_notes",
	}
)

// RiskLabel is a risk level's name.
func (v RecordFormat) RiskLabel(code string) string { return v.label(riskKeys, code) }

// ObservationLabel is an organisational observation's name.
func (v RecordFormat) ObservationLabel(code string) string { return v.label(observationKeys, code) }

// recordForm is the record form as entered (kept on error).
type recordForm struct {
	Themes       []string
	Risk         string
	FollowUp     bool
	Observations []string
	Summary      string
	Notes        string
	Errors       formErrors
}

// recordEditPage is the one-screen record of a held session.
type recordEditPage struct {
	Format
	RecordFormat
	Booking  booking.Booking
	Zone     *time.Location
	Form     recordForm
	Record   *record.Record // nil before the first save
	DaysLeft int            // days the record may still be edited in place
	now      time.Time
}

// Themes, Risks and Observations are the choices, in API.md's order.
func (recordEditPage) Themes() []string       { return counselor.Themes }
func (recordEditPage) Risks() []string        { return record.RiskLevels }
func (recordEditPage) Observations() []string { return record.Observations }

// HasTheme and HasObservation tell the checkboxes what is checked.
func (p recordEditPage) HasTheme(code string) bool { return slices.Contains(p.Form.Themes, code) }
func (p recordEditPage) HasObservation(code string) bool {
	return slices.Contains(p.Form.Observations, code)
}

func recordFormOf(r record.Record) recordForm {
	f := recordForm{Themes: r.Themes, Risk: r.RiskLevel, FollowUp: r.FollowUp, Observations: r.Observations, Errors: formErrors{}}
	if r.SharedSummary != nil {
		f.Summary = *r.SharedSummary
	}
	if r.PrivateNotes != nil {
		f.Notes = *r.PrivateNotes
	}
	return f
}

// recordPage loads the session (404 unless it is the counsellor's) and its
// record, if written.
func (s *Server) recordPage(c echo.Context) (recordEditPage, error) {
	p, _ := principalOf(c)
	b, err := s.loadSession(c)
	if err != nil {
		return recordEditPage{}, err
	}
	zone, err := s.counselorZone(c, p)
	if err != nil {
		return recordEditPage{}, err
	}
	pg := recordEditPage{Booking: b, Zone: zone, now: s.Clock.Now(), Form: recordForm{Themes: []string{b.Theme}, Errors: formErrors{}}}
	// No risk level is chosen for the counsellor: "none" must be a choice
	// they make, not a default they leave.
	rec, err := s.Records.Get(c.Request().Context(), p, b.ID)
	switch {
	case errors.Is(err, record.ErrNotWritten):
	case err != nil:
		return pg, err
	default:
		pg.Record, pg.Form = &rec, recordFormOf(rec)
		if left := rec.LocksAt.Sub(pg.now); left > 0 {
			pg.DaysLeft = int(math.Ceil(left.Hours() / 24))
		}
	}
	return pg, nil
}

func (s *Server) recordEditShow(c echo.Context) error {
	pg, err := s.recordPage(c)
	if err != nil {
		return err
	}
	if pg.Record == nil && !heldSession(pg.Booking, pg.now) {
		s.setFlash(c, "error", "record_flash_not_held")
		return c.Redirect(http.StatusSeeOther, "/counselor/sessions")
	}
	return s.render(c, http.StatusOK, pageRecordEdit, pg)
}

// heldSession reports whether a record may be written for b now.
func heldSession(b booking.Booking, now time.Time) bool {
	return b.Status == booking.StatusCompleted || (b.Status == booking.StatusConfirmed && !now.Before(b.Start))
}

func (s *Server) recordEditSave(c echo.Context) error {
	p, _ := principalOf(c)
	pg, err := s.recordPage(c)
	if err != nil {
		return err
	}
	form, _ := c.FormParams()
	f := recordForm{Themes: form["themes"], Risk: c.FormValue("risk"), FollowUp: c.FormValue("followup") == "1",
		Observations: form["observations"], Summary: c.FormValue("summary"), Notes: c.FormValue("notes"), Errors: formErrors{}}
	pg.Form = f
	in := record.Input{Themes: f.Themes, RiskLevel: f.Risk, FollowUp: f.FollowUp, Observations: f.Observations,
		SharedSummary: &f.Summary, PrivateNotes: &f.Notes}
	_, err = s.Records.Save(c.Request().Context(), p, pg.Booking.ID, in)
	e, isApp := apperr.As(err)
	switch {
	case err == nil:
		s.setFlash(c, "success", "record_flash_saved")
		return c.Redirect(http.StatusSeeOther, "/counselor/sessions/"+pg.Booking.ID.String()+"/record")
	case isApp && e.Code == apperr.CodeInvalid:
		pg.Form.Errors.addDomain(e.Fields, recordFieldKeys)
		status := http.StatusBadRequest
		if f.Risk == "" {
			// The form is well formed but its one required choice was
			// left unmade.
			status = http.StatusUnprocessableEntity
		}
		return s.render(c, status, pageRecordEdit, pg)
	case isApp && e.Code == apperr.CodeConflict:
		s.setFlash(c, "error", "record_flash_not_held")
		return c.Redirect(http.StatusSeeOther, "/counselor/sessions")
	}
	return err
}
