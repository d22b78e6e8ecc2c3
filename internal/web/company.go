package web

import (
	"net/http"
	"net/url"

	"github.com/jmoiron/sqlx"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/programme"
	"github.com/taiwa/taiwa/internal/report/store"
)

// companyPage is the company admin's home: their company with what needs
// them next — the latest report release, invoices to pay and the state of
// their programmes.
type companyPage struct {
	Format
	BillingFormat
	PeopleFormat
	Company     company.Company
	Departments []company.Department
	Latest      *store.Latest // nil before the first release
	Unpaid      []billing.Invoice
	Programmes  []programme.Programme
}

// UnpaidTotal is what the unpaid invoices add up to, in yen.
func (p companyPage) UnpaidTotal() int64 {
	var n int64
	for _, inv := range p.Unpaid {
		n += inv.TotalJPY
	}
	return n
}

// LatestURL opens the report on the latest released month.
func (p companyPage) LatestURL() string {
	if p.Latest == nil {
		return "/company/reports"
	}
	m := p.Latest.Month.String()
	return "/company/reports?" + url.Values{"from": {m}, "to": {m}, "by": {"department"}}.Encode()
}

// companyShow shows the admin's own company: the id comes from the session,
// never from the URL. The company's own rows are read in one transaction;
// the releases, which only the platform's scope reads, in a second.
func (s *Server) companyShow(c echo.Context) error {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	var pg companyPage
	scope, err := p.CompanyScope(p.CompanyID)
	if err != nil {
		return err
	}
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		var err error
		if pg.Company, err = company.GetTx(ctx, tx, p.CompanyID); err != nil {
			return err
		}
		if pg.Departments, err = company.DepartmentsTx(ctx, tx, p.CompanyID); err != nil {
			return err
		}
		if pg.Unpaid, err = billing.UnpaidTx(ctx, tx, p, p.CompanyID, s.Clock.Now()); err != nil {
			return err
		}
		pg.Programmes, err = programme.ListTx(ctx, tx, p.CompanyID)
		return err
	})
	if err != nil {
		return err
	}
	latest, ok, err := s.Reports.LatestRelease(ctx, p, p.CompanyID)
	if err != nil {
		return err
	}
	if ok {
		pg.Latest = &latest
	}
	return s.render(c, http.StatusOK, pageCompany, pg)
}
