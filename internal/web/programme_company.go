package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/programme"
)

// programmeForm is HR's "new programme" form, kept as entered on error.
type programmeForm struct {
	Template, Name, Mode, Department string
	Errors                           formErrors
}

// programmeListPage is HR's programmes with the form to start one.
type programmeListPage struct {
	Format
	ProgrammeFormat
	Programmes  []programme.Programme
	Templates   []programme.Template
	Departments []company.Department
	Form        programmeForm
}

// enrolForm is HR's enrolment (named) or invitation (open) form.
type enrolForm struct {
	Email, Department string
	Anchors           map[string]string
	Errors            formErrors
}

// programmeShowPage is one programme as HR sees it.
type programmeShowPage struct {
	Format
	ProgrammeFormat
	Detail      programme.Detail
	Template    programme.Template
	Departments []company.Department
	Form        enrolForm
}

// Count shows a published count or "fewer than N".
func (p programmeShowPage) Count(c programme.Count) string {
	if c.Value == nil {
		return ""
	}
	return strconv.Itoa(*c.Value)
}

func (s *Server) loadProgrammeList(c echo.Context, f programmeForm) (programmeListPage, error) {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	list, err := s.Programmes.List(ctx, p, p.CompanyID)
	if err != nil {
		return programmeListPage{}, err
	}
	depts, err := s.Companies.Departments(ctx, p, p.CompanyID)
	if err != nil {
		return programmeListPage{}, err
	}
	return programmeListPage{Programmes: list, Templates: programme.Templates, Departments: depts, Form: f}, nil
}

func (s *Server) programmeList(c echo.Context) error {
	page, err := s.loadProgrammeList(c, programmeForm{Mode: programme.ModeNamed, Errors: formErrors{}})
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageProgrammeList, page)
}

// programmeFieldKeys are the messages beside the fields the domain refuses.
var programmeFieldKeys = map[string]string{
	"template": "prog_err_template", "mode": "prog_err_mode", "name": "prog_err_name", "department_id": "prog_err_department",
}

func (s *Server) programmeCreate(c echo.Context) error {
	p, _ := principalOf(c)
	f := programmeForm{Template: c.FormValue("template"), Name: c.FormValue("name"), Mode: c.FormValue("mode"),
		Department: c.FormValue("department"), Errors: formErrors{}}
	f.Errors.text("name", f.Name, false, "prog_err_name")
	n := programme.NewProgramme{Template: f.Template, Name: f.Name, Mode: f.Mode}
	if f.Department != "" && f.Mode == programme.ModeOpen {
		id, err := uuid.Parse(f.Department)
		if err != nil {
			f.Errors.add("department_id", "prog_err_department")
		}
		n.DepartmentID = id
	}
	if !f.Errors.Any() {
		pr, err := s.Programmes.Create(c.Request().Context(), p, p.CompanyID, n)
		if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
			f.Errors.addDomain(e.Fields, programmeFieldKeys)
		} else if err != nil {
			return err
		} else {
			return s.redirectBack(c, "success", "prog_flash_created", "/company/programmes/"+pr.ID.String())
		}
	}
	page, err := s.loadProgrammeList(c, f)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusBadRequest, pageProgrammeList, page)
}

func (s *Server) renderProgramme(c echo.Context, status int, id uuid.UUID, f enrolForm) error {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	d, err := s.Programmes.Get(ctx, p, p.CompanyID, id)
	if err != nil {
		return err
	}
	depts, err := s.Companies.Departments(ctx, p, p.CompanyID)
	if err != nil {
		return err
	}
	page := programmeShowPage{Detail: d, Template: templateByCode(d.Template), Departments: depts, Form: f}
	return s.render(c, status, pageProgrammeShow, page)
}

func (s *Server) programmeShow(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	return s.renderProgramme(c, http.StatusOK, id, enrolForm{Anchors: map[string]string{}, Errors: formErrors{}})
}

// programmeEnrol enrols a named employee by e-mail, or invites a group to
// an open programme.
func (s *Server) programmeEnrol(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	f := enrolForm{Email: strings.TrimSpace(c.FormValue("email")), Department: c.FormValue("department"),
		Anchors: map[string]string{}, Errors: formErrors{}}
	for _, t := range programme.Templates {
		for _, a := range t.Anchors {
			if v := strings.TrimSpace(c.FormValue("anchor." + a)); v != "" {
				f.Anchors[a] = v
			}
		}
	}
	if f.Department != "" || c.FormValue("group") != "" {
		inv := programme.NewInvitation{}
		if f.Department != "" {
			if inv.DepartmentID, err = uuid.Parse(f.Department); err != nil {
				return apperr.Field("department", "must be a department")
			}
		}
		n, err := s.Programmes.Invite(ctx, p, p.CompanyID, id, inv)
		if e, ok := apperr.As(err); ok && (e.Code == apperr.CodeInvalid || e.Code == apperr.CodeConflict) {
			f.Errors.add("", "prog_err_invite")
			return s.renderProgramme(c, http.StatusBadRequest, id, f)
		} else if err != nil {
			return err
		}
		if n == 0 {
			return s.redirectBack(c, "success", "prog_flash_nobody_new", "/company/programmes/"+id.String())
		}
		return s.redirectBack(c, "success", "prog_flash_invited", "/company/programmes/"+id.String())
	}
	f.Errors.required("email", f.Email)
	if !f.Errors.Any() {
		_, err = s.Programmes.Enrol(ctx, p, p.CompanyID, id, programme.NewEnrolment{Email: f.Email, Anchors: f.Anchors})
		e, ok := apperr.As(err)
		switch {
		case err == nil:
			return s.redirectBack(c, "success", "prog_flash_enrolled", "/company/programmes/"+id.String())
		case ok && e.Has(programme.ReasonEmployeeNotFound):
			f.Errors.add("email", reasonKey(err, ""))
		case ok && e.Code == apperr.CodeConflict:
			// Already enrolled, or the programme's mode takes a group.
			f.Errors.add("email", reasonKey(err, reasonKeys[programme.ReasonAlreadyEnrolled]))
		case ok && e.Code == apperr.CodeInvalid:
			for field := range e.Fields {
				if a, found := strings.CutPrefix(field, "anchors."); found {
					f.Errors.add("anchor."+a, "prog_err_anchor")
				}
			}
			if !f.Errors.Any() {
				f.Errors.add("", "field_invalid")
			}
		default:
			return err
		}
	}
	return s.renderProgramme(c, http.StatusBadRequest, id, f)
}
