package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/company"
)

// companyPage is the company admin's summary of their own company.
type companyPage struct {
	Company     company.Company
	Departments []company.Department
}

// companyShow shows the admin's own company: the id comes from the session,
// never from the URL.
func (s *Server) companyShow(c echo.Context) error {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	co, err := s.Companies.Get(ctx, p, p.CompanyID)
	if err != nil {
		return err
	}
	depts, err := s.Companies.Departments(ctx, p, p.CompanyID)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageCompany, companyPage{Company: co, Departments: depts})
}
