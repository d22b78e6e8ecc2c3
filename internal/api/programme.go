package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/programme"
)

// programmeRoutes lists the programme endpoints: HR runs programmes of
// its own company (operators of any); employees answer their own
// invitations and steps.
func (s *Server) programmeRoutes() []Route {
	return []Route{
		{http.MethodGet, "/api/v1/companies/:cid/programmes", s.programmeList, companyStaff},
		{http.MethodPost, "/api/v1/companies/:cid/programmes", s.programmeCreate, companyStaff},
		{http.MethodGet, "/api/v1/companies/:cid/programmes/:pid", s.programmeGet, companyStaff},
		{http.MethodPost, "/api/v1/companies/:cid/programmes/:pid/enrolments", s.programmeEnrol, companyStaff},
		{http.MethodGet, "/api/v1/me/programmes", s.myProgrammes, employeeOnly},
		{http.MethodPost, "/api/v1/me/enrolments/:id/accept", s.enrolmentAnswer(programme.ActionAccept), employeeOnly},
		{http.MethodPost, "/api/v1/me/enrolments/:id/decline", s.enrolmentAnswer(programme.ActionDecline), employeeOnly},
		{http.MethodPost, "/api/v1/me/enrolments/:id/withdraw", s.enrolmentAnswer(programme.ActionWithdraw), employeeOnly},
		{http.MethodPost, "/api/v1/me/enrolments/:id/join", s.enrolmentAnswer(programme.ActionJoin), employeeOnly},
		{http.MethodPost, "/api/v1/me/programme-steps/:id/decline", s.programmeStepDecline, employeeOnly},
	}
}

// optionalID parses an optional id field of a body; "" is uuid.Nil.
func optionalID(field, v string) (uuid.UUID, error) {
	if v == "" {
		return uuid.Nil, nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return uuid.Nil, apperr.Field(field, "must be an id")
	}
	return id, nil
}

func (s *Server) programmeList(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	list, err := s.Programmes.List(c.Request().Context(), principal(c), cid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[programme.Programme]{Items: list, Total: len(list), Page: 1, PerPage: len(list)})
}

func (s *Server) programmeCreate(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	var in struct {
		Template     string `json:"template"`
		Name         string `json:"name"`
		Mode         string `json:"mode"`
		DepartmentID string `json:"department_id"`
	}
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	dept, err := optionalID("department_id", in.DepartmentID)
	if err != nil {
		return err
	}
	p, err := s.Programmes.Create(c.Request().Context(), principal(c), cid,
		programme.NewProgramme{Template: in.Template, Name: in.Name, Mode: in.Mode, DepartmentID: dept})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Server) programmeGet(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	pid, err := pathID(c, "pid")
	if err != nil {
		return err
	}
	d, err := s.Programmes.Get(c.Request().Context(), principal(c), cid, pid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, d)
}

// programmeEnrol enrols one named employee (named programme) or invites a
// group (open programme); the programme's mode decides which body fits.
func (s *Server) programmeEnrol(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	pid, err := pathID(c, "pid")
	if err != nil {
		return err
	}
	var in struct {
		EmployeeUserID string            `json:"employee_user_id"`
		Email          string            `json:"email"`
		DepartmentID   string            `json:"department_id"`
		Anchors        map[string]string `json:"anchors"`
	}
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	emp, err := optionalID("employee_user_id", in.EmployeeUserID)
	if err != nil {
		return err
	}
	dept, err := optionalID("department_id", in.DepartmentID)
	if err != nil {
		return err
	}
	ctx, actor := c.Request().Context(), principal(c)
	if emp == uuid.Nil && in.Email == "" {
		n, err := s.Programmes.Invite(ctx, actor, cid, pid, programme.NewInvitation{DepartmentID: dept, Anchors: in.Anchors})
		if err != nil {
			return err
		}
		return c.JSON(http.StatusCreated, map[string]any{"invited": n})
	}
	if dept != uuid.Nil {
		return apperr.Field("department_id", "is for open programmes; a named enrolment names one employee")
	}
	e, err := s.Programmes.Enrol(ctx, actor, cid, pid, programme.NewEnrolment{EmployeeUserID: emp, Email: in.Email, Anchors: in.Anchors})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, e)
}

func (s *Server) myProgrammes(c echo.Context) error {
	list, err := s.Programmes.Mine(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[programme.Enrolment]{Items: list, Total: len(list), Page: 1, PerPage: len(list)})
}

func (s *Server) enrolmentAnswer(action string) echo.HandlerFunc {
	return func(c echo.Context) error {
		id, err := pathID(c, "id")
		if err != nil {
			return err
		}
		e, err := s.Programmes.Answer(c.Request().Context(), principal(c), id, action)
		if err != nil {
			return err
		}
		return c.JSON(http.StatusOK, e)
	}
}

func (s *Server) programmeStepDecline(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	reason, err := optionalReason(c)
	if err != nil {
		return err
	}
	st, err := s.Programmes.DeclineStep(c.Request().Context(), principal(c), id, reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, st)
}
