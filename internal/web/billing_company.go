package web

import (
	"errors"
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/billing/invoicedoc"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// invoicesPage is a company's invoices with what is still to pay.
type invoicesPage struct {
	Format
	BillingFormat
	Invoices []billing.Invoice
	Unpaid   int64 // open and overdue totals
	Overdue  int
}

// invoiceList shows the admin's own company's invoices: the company comes
// from the session, never from the URL.
func (s *Server) invoiceList(c echo.Context) error {
	p, _ := principalOf(c)
	list, err := s.Billing.Invoices(c.Request().Context(), p, p.CompanyID)
	if err != nil {
		return err
	}
	pg := invoicesPage{Invoices: list}
	for _, inv := range list {
		if inv.Status == billing.StatusOpen || inv.Status == billing.StatusOverdue {
			pg.Unpaid += inv.TotalJPY
		}
		if inv.Status == billing.StatusOverdue {
			pg.Overdue++
		}
	}
	return s.render(c, http.StatusOK, pageInvoices, pg)
}

// invoicePage is one invoice; Base is where its downloads live.
type invoicePage struct {
	Format
	BillingFormat
	Invoice billing.Invoice
	Issuer  billing.Issuer
	Base    string
	Rate    int
}

// loadInvoice reads the invoice of the path; another company's is 404.
func (s *Server) loadInvoice(c echo.Context) (billing.Invoice, error) {
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return billing.Invoice{}, apperr.NotFound("invoice")
	}
	p, _ := principalOf(c)
	return s.Billing.Invoice(c.Request().Context(), p, id)
}

// invoiceBase is the invoice's address for the signed-in role.
func invoiceBase(c echo.Context, id uuid.UUID) string {
	if p, _ := principalOf(c); p.Role == auth.RoleOperator {
		return "/operator/invoices/" + id.String()
	}
	return "/company/invoices/" + id.String()
}

func (s *Server) invoiceShow(c echo.Context) error {
	inv, err := s.loadInvoice(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageInvoiceShow, invoicePage{Invoice: inv, Issuer: s.Billing.Issuer, Base: invoiceBase(c, inv.ID), Rate: billing.TaxRatePercent})
}

func (s *Server) invoicePDF(c echo.Context) error {
	inv, err := s.loadInvoice(c)
	if err != nil {
		return err
	}
	b, err := invoicedoc.PDF(inv, s.Billing.Issuer, s.view(c, nil).Lang)
	if errors.Is(err, invoicedoc.ErrUnavailable) {
		return invoicedoc.Unavailable(err) // the error page names it (errorPageKeys)
	}
	if err != nil {
		return err
	}
	if err := s.recordDownload(c, inv, "pdf"); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+inv.Filename("pdf")+`"`)
	return c.Blob(http.StatusOK, "application/pdf", b)
}

func (s *Server) invoiceCSV(c echo.Context) error {
	inv, err := s.loadInvoice(c)
	if err != nil {
		return err
	}
	b, err := invoicedoc.CSV(inv, s.view(c, nil).Lang)
	if err != nil {
		return err
	}
	if err := s.recordDownload(c, inv, "csv"); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+inv.Filename("csv")+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b)
}

// usagePage is the company's running month: counts, never who.
type usagePage struct {
	Format
	BillingFormat
	PeopleFormat
	Usage     billing.Usage
	Remaining int  // sessions left under the cap or the included ones
	Limited   bool // the plan has a cap or included sessions
	Percent   int  // share of the limit used, for the bar
}

func (s *Server) usageShow(c echo.Context) error {
	p, _ := principalOf(c)
	u, err := s.Billing.Usage(c.Request().Context(), p, p.CompanyID)
	if err != nil {
		return err
	}
	pg := usagePage{Usage: u}
	limit := u.IncludedSessions
	if u.SessionCap != nil {
		limit = *u.SessionCap
	}
	if limit > 0 {
		pg.Limited = true
		pg.Remaining = max(limit-u.HeldSessions, 0)
		pg.Percent = min(100, u.HeldSessions*100/limit)
	}
	return s.render(c, http.StatusOK, pageUsage, pg)
}

// recordDownload audits an invoice download by the signed-in user.
func (s *Server) recordDownload(c echo.Context, inv billing.Invoice, format string) error {
	p, _ := principalOf(c)
	return s.Billing.RecordDownload(c.Request().Context(), p, inv, format)
}
