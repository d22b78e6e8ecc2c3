package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// PlanCodes are the plans present on every installation (API.md), offered
// in the create-company form.
var PlanCodes = []string{"trial", "per_session", "subscription", "per_seat"}

// companyForm is the create-company form, kept on error.
type companyForm struct {
	Name     string
	PlanCode string
	Seats    string
	MinGroup string
	Errors   formErrors
}

// adminForm is one company's add-admin form, kept on error.
type adminForm struct {
	CompanyID uuid.UUID
	Name      string
	Email     string
	Errors    formErrors
}

// companiesPage is the operator's list of companies with its forms.
type companiesPage struct {
	Format
	BillingFormat
	PeopleFormat
	Companies []company.Company
	Plans     []string
	Create    companyForm
	Admin     adminForm // the add-admin form that failed, if any
	Next      operatorNext
}

// AdminFormFor is the add-admin form of company id: the failed one kept,
// or a blank one.
func (p companiesPage) AdminFormFor(id uuid.UUID) adminForm {
	if p.Admin.CompanyID == id {
		return p.Admin
	}
	return adminForm{CompanyID: id, Errors: formErrors{}}
}

func (s *Server) renderCompanies(c echo.Context, status int, pg companiesPage) error {
	p, _ := principalOf(c)
	list, err := s.Companies.List(c.Request().Context(), p)
	if err != nil {
		return err
	}
	pg.Companies, pg.Plans = list, PlanCodes
	if pg.Next, err = s.loadOperatorNext(c.Request().Context(), p); err != nil {
		return err
	}
	if pg.Create.Errors == nil {
		pg.Create = companyForm{PlanCode: "subscription", MinGroup: "10", Errors: formErrors{}}
	}
	if pg.Admin.Errors == nil {
		pg.Admin.Errors = formErrors{}
	}
	return s.render(c, status, pageCompanies, pg)
}

func (s *Server) companyList(c echo.Context) error {
	return s.renderCompanies(c, http.StatusOK, companiesPage{})
}

func (s *Server) companyCreate(c echo.Context) error {
	p, _ := principalOf(c)
	f := companyForm{
		Name: strings.TrimSpace(c.FormValue("name")), PlanCode: c.FormValue("plan_code"),
		Seats: strings.TrimSpace(c.FormValue("seats")), MinGroup: strings.TrimSpace(c.FormValue("min_group")),
		Errors: formErrors{},
	}
	f.Errors.required("name", f.Name)
	if !contains(PlanCodes, f.PlanCode) {
		f.Errors.add("plan_code", "field_choose_one")
	}
	seats := f.Errors.intIn("seats", f.Seats, 1, 1_000_000, "company_seats_invalid")
	minGroup := f.Errors.intIn("min_group", f.MinGroup, company.PlatformMinGroup, 1000, "company_min_group_invalid")
	if !f.Errors.Any() {
		_, err := s.Companies.Create(c.Request().Context(), p, company.NewCompany{Name: f.Name, PlanCode: f.PlanCode, Seats: seats, MinGroup: &minGroup})
		if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
			for field := range e.Fields {
				f.Errors.add(field, "field_invalid")
			}
		} else if err != nil {
			return err
		}
	}
	if f.Errors.Any() {
		return s.renderCompanies(c, http.StatusBadRequest, companiesPage{Create: f})
	}
	s.setFlash(c, "success", "flash_company_created")
	return c.Redirect(http.StatusSeeOther, "/operator/companies")
}

func (s *Server) companyAdminCreate(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return apperr.NotFound("company")
	}
	f := adminForm{CompanyID: id, Name: strings.TrimSpace(c.FormValue("name")), Email: strings.TrimSpace(c.FormValue("email")), Errors: formErrors{}}
	password := c.FormValue("password")
	f.Errors.required("name", f.Name)
	f.Errors.required("email", f.Email)
	if password != "" && utf8.RuneCountInString(password) < account.MinPasswordLen {
		f.Errors.add("password", "password_too_short")
	}
	if !f.Errors.Any() {
		_, err := s.Companies.CreateAdmin(c.Request().Context(), p, id, company.NewAdmin{Email: f.Email, Name: f.Name, Password: password})
		switch e, ok := apperr.As(err); {
		case ok && e.Code == apperr.CodeInvalid:
			for field := range e.Fields {
				key := "field_invalid"
				if field == "email" {
					key = "field_email_invalid"
				}
				f.Errors.add(field, key)
			}
		case ok && e.Code == apperr.CodeConflict:
			f.Errors.add("email", "admin_email_taken")
		case err != nil:
			return err
		}
	}
	if f.Errors.Any() {
		return s.renderCompanies(c, http.StatusBadRequest, companiesPage{Admin: f})
	}
	key := "flash_admin_invited"
	if password != "" {
		key = "flash_admin_created"
	}
	s.setFlash(c, "success", key)
	return c.Redirect(http.StatusSeeOther, "/operator/companies")
}

func contains(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}
