package web

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/billing/invoicedoc"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// The billing pages, each a file templates/pages/<name>.html.
const (
	pageInvoices    = "billing_invoices"
	pageInvoiceShow = "invoice_show"
	pageUsage       = "billing_usage"
	pageEarnings    = "billing_earnings"
	pagePlans       = "operator_plans"
	pageContract    = "operator_contract"
	pageBillingRun  = "operator_billing"
)

var billingPages = []string{pageInvoices, pageInvoiceShow, pageUsage, pageEarnings, pagePlans, pageContract, pageBillingRun}

// registerBilling adds the plan, contract, invoice, usage, earnings and
// payout pages.
func (s *Server) registerBilling(e *echo.Echo) {
	admin := requireRoles(auth.RoleCompanyAdmin)
	counselor := requireRoles(auth.RoleCounselor)
	operator := requireRoles(auth.RoleOperator)

	e.GET("/company/invoices", s.invoiceList, admin)
	e.GET("/company/invoices/:id", s.invoiceShow, admin)
	e.GET("/company/invoices/:id/pdf", s.invoicePDF, admin)
	e.GET("/company/invoices/:id/csv", s.invoiceCSV, admin)
	e.GET("/company/usage", s.usageShow, admin)

	e.GET("/counselor/earnings", s.earningsShow, counselor)

	e.GET("/operator/plans", s.planList, operator)
	e.POST("/operator/plans", s.planSave, operator)
	e.GET("/operator/companies/:id/contract", s.contractShow, operator)
	e.POST("/operator/companies/:id/contract", s.contractChange, operator)
	e.POST("/operator/companies/:id/contract/end", s.contractEnd, operator)
	e.GET("/operator/billing", s.billingShow, operator)
	e.POST("/operator/billing/run", s.billingRun, operator)
	e.POST("/operator/payouts/:id/paid", s.payoutPaid, operator)
	e.GET("/operator/invoices/:id", s.invoiceShow, operator)
	e.GET("/operator/invoices/:id/pdf", s.invoicePDF, operator)
	e.GET("/operator/invoices/:id/csv", s.invoiceCSV, operator)
}

// invoiceStatusKeys name the invoice statuses.
var invoiceStatusKeys = map[string]string{
	billing.StatusNotSent: "inv_status_not_sent", billing.StatusOpen: "inv_status_open",
	billing.StatusOverdue: "inv_status_overdue", billing.StatusPaid: "inv_status_paid",
	billing.StatusVoid: "inv_status_void", billing.StatusUncollectible: "inv_status_uncollectible",
}

// InvoiceStatus is an invoice status's name.
func (v BillingFormat) InvoiceStatus(s string) string { return v.label(invoiceStatusKeys, s) }

// statementStatusKeys name a counsellor's statement and payout statuses.
var statementStatusKeys = map[string]string{"open": "bill_statement_open", "due": "bill_statement_due", "paid": "bill_statement_paid"}

// StatementStatus is a statement's or payout's status name.
func (v BillingFormat) StatementStatus(s string) string { return v.label(statementStatusKeys, s) }

// planKindKeys and contractStatusKeys name plan kinds and contract states.
var (
	planKindKeys = map[string]string{
		billing.KindPerSession: "bill_kind_per_session", billing.KindSubscription: "bill_kind_subscription", billing.KindPerSeat: "bill_kind_per_seat",
	}
	contractStatusKeys = map[string]string{"trial": "bill_contract_trial", "active": "bill_contract_active", "ended": "bill_contract_ended"}
)

// PlanKind is a plan kind's name.
func (v BillingFormat) PlanKind(k string) string { return v.label(planKindKeys, k) }

// ContractStatus is a contract state's name.
func (v BillingFormat) ContractStatus(s string) string { return v.label(contractStatusKeys, s) }

// LineLabel is an invoice line's name in the page's language.
func (v BillingFormat) LineLabel(l billing.Line) string { return invoicedoc.LineLabel(l, v.Lang) }

// PlanName is a plan's name in the page's language.
func (v BillingFormat) PlanName(p billing.Plan) string {
	if v.Lang == "en" && p.NameEn != "" {
		return p.NameEn
	}
	if p.NameJa != "" {
		return p.NameJa
	}
	return p.Code
}

// thisMonth is the current billing month (Japan time).
func (s *Server) thisMonth() billing.Period {
	return billing.PeriodOf(s.Clock.Now())
}

// periodParam reads ?period=YYYY-MM, defaulting to def; a bad one is
// reported and def used.
func periodParam(c echo.Context, def billing.Period) (billing.Period, bool) {
	v := strings.TrimSpace(c.QueryParam("period"))
	if v == "" {
		return def, true
	}
	p, err := billing.ParsePeriod(v)
	if err != nil {
		return def, false
	}
	return p, true
}
