package web

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/company"
)

// employeeHomePage offers "join" for each session whose room is open now.
type employeeHomePage struct {
	Join []booking.Booking
	Zone *time.Location
}

func (s *Server) employeeHome(c echo.Context) error {
	p, _ := principalOf(c)
	bs, err := s.Bookings.MyBookings(c.Request().Context(), p)
	if err != nil {
		return err
	}
	pg := employeeHomePage{Zone: s.userZone(c)}
	for _, b := range bs {
		if s.Bookings.JoinOpen(b) {
			pg.Join = append(pg.Join, b)
		}
	}
	return s.render(c, http.StatusOK, pageEmployeeHome, pg)
}

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
