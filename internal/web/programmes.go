package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/programme"
)

// The programme pages.
const (
	pageProgrammeMine = "programme_mine"
	pageProgrammeList = "programme_list"
	pageProgrammeShow = "programme_show"
)

// programmePages are parsed with the others (render.go).
var programmePages = []string{pageProgrammeMine, pageProgrammeList, pageProgrammeShow}

// registerProgrammes adds HR's programme pages and the employee's
// invitations.
func (s *Server) registerProgrammes(e *echo.Echo) {
	employee := requireRoles(auth.RoleEmployee)
	admin := requireRoles(auth.RoleCompanyAdmin)
	e.GET("/programmes", s.programmeMine, employee)
	e.GET("/programmes/card", s.programmeCard, employee)
	e.POST("/programmes/enrolments/:id/:action", s.programmeAnswer, employee)
	e.POST("/programmes/steps/:id/decline", s.programmeStepDecline, employee)
	e.POST("/programmes/steps/:id/link", s.programmeStepLink, employee)
	e.GET("/company/programmes", s.programmeList, admin)
	e.POST("/company/programmes", s.programmeCreate, admin)
	e.GET("/company/programmes/:id", s.programmeShow, admin)
	e.POST("/company/programmes/:id/enrol", s.programmeEnrol, admin)
}

// programmeStateKeys name a step's states for the employee.
var programmeStateKeys = map[string]string{
	programme.StepScheduled: "prog_state_scheduled", programme.StepInvited: "prog_state_invited",
	programme.StepBooked: "prog_state_booked", programme.StepHeld: "prog_state_held",
	programme.StepDeclined: "prog_state_declined", programme.StepClosed: "prog_state_closed",
}

// programmeStatusKeys name an enrolment's statuses for the employee.
var programmeStatusKeys = map[string]string{
	programme.StatusPending: "prog_status_pending", programme.StatusAccepted: "prog_status_accepted",
	programme.StatusInvited: "prog_status_invited", programme.StatusJoined: "prog_status_joined",
	programme.StatusDeclined: "prog_status_declined", programme.StatusWithdrawn: "prog_status_withdrawn",
}

// programmeDescKeys describe each template on HR's "new" form.
var programmeDescKeys = map[string]string{
	programme.TemplateHighStress: "prog_desc_high_stress", programme.TemplateReturnToWork: "prog_desc_return_to_work",
	programme.TemplateOnboarding: "prog_desc_onboarding", programme.TemplateExit: "prog_desc_exit",
}

// programmeAnchorKeys name the anchor dates on HR's enrolment form.
var programmeAnchorKeys = map[string]string{
	programme.AnchorInterview: "prog_anchor_interview", programme.AnchorLeave: "prog_anchor_leave",
	programme.AnchorReturn: "prog_anchor_return", programme.AnchorStart: "prog_anchor_start",
	programme.AnchorLastDay: "prog_anchor_last_day",
}

// programmeReasonKeys name the coded decline reasons.
var programmeReasonKeys = map[string]string{
	"not_needed": "prog_reason_not_needed", "no_time": "prog_reason_no_time",
	"other_support": "prog_reason_other_support", "other": "prog_reason_other",
}

// ProgLabel is a programme template's or step's name.
func (v ProgrammeFormat) ProgLabel(code string) string { return programme.Label(code, v.Lang) }

// ProgState is a step state's name.
func (v ProgrammeFormat) ProgState(s string) string { return v.label(programmeStateKeys, s) }

// ProgStatus is an enrolment status's name.
func (v ProgrammeFormat) ProgStatus(s string) string { return v.label(programmeStatusKeys, s) }

// ProgDesc describes a template.
func (v ProgrammeFormat) ProgDesc(code string) string { return v.label(programmeDescKeys, code) }

// ProgAnchor names an anchor date.
func (v ProgrammeFormat) ProgAnchor(code string) string { return v.label(programmeAnchorKeys, code) }

// ProgReasons are the coded decline reasons with their names.
func (v ProgrammeFormat) ProgReasons() [][2]string {
	out := make([][2]string, 0, len(programme.DeclineReasons))
	for _, r := range programme.DeclineReasons {
		out = append(out, [2]string{r, v.label(programmeReasonKeys, r)})
	}
	return out
}

// ProgDate shows a YYYY-MM-DD date or month as it is (dates are JST days).
func (v ProgrammeFormat) ProgDate(d string) string { return d }

// stepBookable reports whether an employee may book or decline a step now.
func stepBookable(st programme.Step) bool {
	return st.State == programme.StepInvited || st.State == programme.StepDeclined
}

// templateByCode is for templates: the template of a programme.
func templateByCode(code string) programme.Template {
	t, _ := programme.TemplateByCode(code)
	return t
}

// redirectBack answers a form post with a flash and a redirect.
func (s *Server) redirectBack(c echo.Context, kind, key, to string) error {
	s.setFlash(c, kind, key)
	return c.Redirect(http.StatusSeeOther, to)
}
