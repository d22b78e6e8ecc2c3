package api

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/billing/invoicedoc"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// planReaders may list plans: operators all, company admins the active ones.
var planReaders = []auth.Role{auth.RoleCompanyAdmin, auth.RoleOperator}

// billingRoutes are plans, contracts, billing runs, invoices, usage,
// earnings, payouts and Stripe's webhook (issue 8).
func (s *Server) billingRoutes() []Route {
	return []Route{
		{http.MethodGet, "/api/v1/plans", s.planList, planReaders},
		{http.MethodPost, "/api/v1/plans", s.planCreate, operator},
		{http.MethodPut, "/api/v1/plans/:code", s.planUpdate, operator},

		{http.MethodGet, "/api/v1/companies/:cid/contracts", s.contractList, companyStaff},
		{http.MethodPost, "/api/v1/companies/:cid/contracts", s.contractChange, operator},
		{http.MethodPost, "/api/v1/companies/:cid/contracts/end", s.contractEnd, operator},

		{http.MethodPost, "/api/v1/billing/runs", s.billingRun, operator},
		{http.MethodGet, "/api/v1/companies/:cid/invoices", s.invoiceList, companyStaff},
		{http.MethodGet, "/api/v1/companies/:cid/usage", s.companyUsage, companyStaff},
		{http.MethodGet, "/api/v1/invoices/:id", s.invoiceGet, companyStaff},
		{http.MethodGet, "/api/v1/invoices/:id/pdf", s.invoicePDF, companyStaff},
		{http.MethodGet, "/api/v1/invoices/:id/csv", s.invoiceCSV, companyStaff},
		{http.MethodPost, "/api/v1/invoices/:id/send", s.invoiceSend, operator},

		{http.MethodGet, "/api/v1/me/earnings", s.myEarnings, counselorOnly},
		{http.MethodGet, "/api/v1/payouts", s.payoutList, operator},
		{http.MethodPost, "/api/v1/payouts/:id/paid", s.payoutPaid, operator},
	}
}

// parsePeriod checks a YYYY-MM month (billing.ParsePeriod); blank is the
// current month in Japan (on the services' clock) when optional.
func (s *Server) parsePeriod(v string, optional bool) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" && optional {
		return billing.PeriodOf(s.Clock.Now()).String(), nil
	}
	p, err := billing.ParsePeriod(v)
	if err != nil {
		return "", err
	}
	return p.String(), nil
}

func (s *Server) planList(c echo.Context) error {
	list, err := s.Billing.Plans(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[billing.Plan]{Items: list, Total: len(list), Page: 1, PerPage: len(list)})
}

func (s *Server) planCreate(c echo.Context) error {
	var in billing.Plan
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	p, err := s.Billing.SavePlan(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, p)
}

func (s *Server) planUpdate(c echo.Context) error {
	var in billing.Plan
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	code := c.Param("code")
	if in.Code != "" && in.Code != code {
		return apperr.Field("code", "must match the plan in the path")
	}
	in.Code = code
	p, err := s.Billing.SavePlan(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, p)
}

func (s *Server) contractList(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	list, err := s.Billing.Contracts(c.Request().Context(), principal(c), cid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[billing.Contract]{Items: list, Total: len(list), Page: 1, PerPage: len(list)})
}

func (s *Server) contractChange(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	var in billing.ContractChange
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	ct, err := s.Billing.ChangeContract(c.Request().Context(), principal(c), cid, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, ct)
}

func (s *Server) contractEnd(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	var in struct {
		EndsOn string `json:"ends_on"`
	}
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	if _, err := time.Parse(time.DateOnly, in.EndsOn); err != nil {
		return apperr.Field("ends_on", "must be a date as YYYY-MM-DD, the last day of a month")
	}
	ct, err := s.Billing.EndContract(c.Request().Context(), principal(c), cid, in.EndsOn)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, ct)
}

func (s *Server) billingRun(c echo.Context) error {
	var in struct {
		Period string `json:"period"`
	}
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	period, err := s.parsePeriod(in.Period, false)
	if err != nil {
		return err
	}
	res, err := s.Billing.Run(c.Request().Context(), principal(c), period)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

func (s *Server) invoiceList(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	list, err := s.Billing.Invoices(c.Request().Context(), principal(c), cid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[billing.Invoice]{Items: list, Total: len(list), Page: 1, PerPage: len(list)})
}

func (s *Server) companyUsage(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	u, err := s.Billing.Usage(c.Request().Context(), principal(c), cid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

// invoice loads the invoice of the path (404 outside the caller's company).
func (s *Server) invoice(c echo.Context) (billing.Invoice, error) {
	id, err := pathID(c, "id")
	if err != nil {
		return billing.Invoice{}, err
	}
	return s.Billing.Invoice(c.Request().Context(), principal(c), id)
}

// invoiceSend queues a not-sent invoice's push to Stripe again.
func (s *Server) invoiceSend(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Billing.SendNow(c.Request().Context(), principal(c), id); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]bool{"queued": true})
}

func (s *Server) invoiceGet(c echo.Context) error {
	inv, err := s.invoice(c)
	if err != nil {
		return err
	}
	if inv.Lines == nil {
		inv.Lines = []billing.Line{}
	}
	return c.JSON(http.StatusOK, inv)
}

// docLang is the document's language: ?lang=ja|en (400 for another),
// else the caller's locale.
func docLang(c echo.Context) (string, error) {
	switch l := c.QueryParam("lang"); l {
	case "ja", "en":
		return l, nil
	case "":
	default:
		return "", apperr.Field("lang", "must be ja or en")
	}
	if principal(c).Locale == "en" {
		return "en", nil
	}
	return "ja", nil
}

func (s *Server) invoicePDF(c echo.Context) error {
	lang, err := docLang(c)
	if err != nil {
		return err
	}
	inv, err := s.invoice(c)
	if err != nil {
		return err
	}
	b, err := invoicedoc.PDF(inv, s.Billing.Issuer, lang)
	if errors.Is(err, invoicedoc.ErrUnavailable) {
		return invoicedoc.Unavailable(err) // logged with the request id by the error handler
	}
	if err != nil {
		return err
	}
	if err := s.Billing.RecordDownload(c.Request().Context(), principal(c), inv, "pdf"); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+inv.Filename("pdf")+`"`)
	return c.Blob(http.StatusOK, "application/pdf", b)
}

func (s *Server) invoiceCSV(c echo.Context) error {
	lang, err := docLang(c)
	if err != nil {
		return err
	}
	inv, err := s.invoice(c)
	if err != nil {
		return err
	}
	b, err := invoicedoc.CSV(inv, lang)
	if err != nil {
		return err
	}
	if err := s.Billing.RecordDownload(c.Request().Context(), principal(c), inv, "csv"); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+inv.Filename("csv")+`"`)
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", b)
}

func (s *Server) myEarnings(c echo.Context) error {
	period, err := s.parsePeriod(c.QueryParam("period"), true)
	if err != nil {
		return err
	}
	st, err := s.Billing.Statement(c.Request().Context(), principal(c), period)
	if err != nil {
		return err
	}
	if st.Earnings == nil {
		st.Earnings = []billing.Earning{}
	}
	return c.JSON(http.StatusOK, st)
}

func (s *Server) payoutList(c echo.Context) error {
	period, err := s.parsePeriod(c.QueryParam("period"), true)
	if err != nil {
		return err
	}
	list, err := s.Billing.Payouts(c.Request().Context(), principal(c), period)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[billing.Payout]{Items: list, Total: len(list), Page: 1, PerPage: len(list)})
}

func (s *Server) payoutPaid(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	po, err := s.Billing.MarkPayoutPaid(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, po)
}
