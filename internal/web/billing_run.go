package web

import (
	"net/http"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// recentInvoices is how many invoices per company the billing page lists.
const recentInvoices = 3

// companyInvoices is one company's latest invoices.
type companyInvoices struct {
	Company  company.Company
	Invoices []billing.Invoice
}

// billingPage is the operator's billing: run a month (after a
// confirmation), the latest invoices per company, the payouts of a month.
type billingPage struct {
	Format
	BillingFormat
	Period    string // the month shown and offered to run
	Confirm   bool   // ask before running Period
	Result    *billing.RunResult
	RunError  string // message id
	Companies []companyInvoices
	Payouts   []billing.Payout
	DueTotal  int64
	Prev      string
	Next      string
}

func (s *Server) renderBilling(c echo.Context, status int, pg billingPage) error {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	per, err := billing.ParsePeriod(pg.Period)
	if err != nil {
		per = s.thisMonth().Prev()
	}
	pg.Period, pg.Prev = per.String(), per.Prev().String()
	if per.Next().String() <= s.thisMonth().String() {
		pg.Next = per.Next().String()
	}
	list, err := s.Companies.List(ctx, p)
	if err != nil {
		return err
	}
	for _, co := range list {
		invs, err := s.Billing.Invoices(ctx, p, co.ID)
		if err != nil {
			return err
		}
		pg.Companies = append(pg.Companies, companyInvoices{Company: co, Invoices: invs[:min(len(invs), recentInvoices)]})
	}
	if pg.Payouts, err = s.Billing.Payouts(ctx, p, pg.Period); err != nil {
		return err
	}
	for _, po := range pg.Payouts {
		if po.Status == "due" {
			pg.DueTotal += po.AmountJPY
		}
	}
	return s.render(c, status, pageBillingRun, pg)
}

func (s *Server) billingShow(c echo.Context) error {
	per, ok := periodParam(c, s.thisMonth().Prev())
	if !ok {
		return s.renderBilling(c, http.StatusBadRequest, billingPage{Period: per.String(), RunError: "bill_err_month"})
	}
	return s.renderBilling(c, http.StatusOK, billingPage{Period: per.String()})
}

// billingRun bills a month: the first post asks for a confirmation, the
// confirmed one runs (idempotent, so a double submit changes nothing).
func (s *Server) billingRun(c echo.Context) error {
	p, _ := principalOf(c)
	v := strings.TrimSpace(c.FormValue("period"))
	per, err := billing.ParsePeriod(v)
	if err != nil {
		return s.renderBilling(c, http.StatusBadRequest, billingPage{RunError: "bill_err_month"})
	}
	pg := billingPage{Period: per.String()}
	if c.FormValue("confirmed") != "1" {
		pg.Confirm = true
		return s.renderBilling(c, http.StatusOK, pg)
	}
	res, err := s.Billing.Run(c.Request().Context(), p, per.String())
	if e, ok := apperr.As(err); ok && e.Has(billing.ReasonPeriodNotEnded) {
		pg.RunError = reasonKey(err, "")
		return s.renderBilling(c, http.StatusUnprocessableEntity, pg)
	} else if ok && (e.Code == apperr.CodeConflict || e.Code == apperr.CodeUnprocessable) {
		pg.RunError = "bill_err_run_refused"
		return s.renderBilling(c, http.StatusConflict, pg)
	} else if err != nil {
		return err
	}
	pg.Result = &res
	return s.renderBilling(c, http.StatusOK, pg)
}

// payoutPaid records a payout as paid and goes back to its month.
func (s *Server) payoutPaid(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return apperr.NotFound("payout")
	}
	po, err := s.Billing.MarkPayoutPaid(c.Request().Context(), p, id)
	if err != nil {
		return err
	}
	s.setFlash(c, "success", "bill_flash_payout_paid")
	return c.Redirect(http.StatusSeeOther, "/operator/billing?period="+po.Period+"#payouts")
}
