package web

import (
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/api"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
)

// pageReport is the report dashboard (HR's and the operator's).
const pageReport = "report_dashboard"

// reportPages are parsed with the others (render.go).
var reportPages = []string{pageReport}

// registerReports adds the report dashboard and its CSV download: HR for
// their own company, operators for any company from its page.
func (s *Server) registerReports(e *echo.Echo) {
	admin := requireRoles(auth.RoleCompanyAdmin)
	operator := requireRoles(auth.RoleOperator)
	e.GET("/company/reports", s.reportShow, admin)
	e.GET("/company/reports.csv", s.reportCSV, admin)
	e.GET("/operator/companies/:id/reports", s.reportShow, operator)
	e.GET("/operator/companies/:id/reports.csv", s.reportCSV, operator)
}

// reportForm is the dashboard's GET form, kept as entered.
type reportForm struct {
	From, To, By, By2 string
	Errors            formErrors
}

// Query is the form as a query string, for the CSV link.
func (f reportForm) Query() string {
	return url.Values{"from": {f.From}, "to": {f.To}, "by": {joinBy(f.By, f.By2)}}.Encode()
}

// reportPage is the dashboard: the form, and the report or why there is none.
type reportPage struct {
	CompanyName string // the operator's view names the company
	Base        string // the dashboard's path
	Form        reportForm
	Dims        []string
	Periods     []string // suggestions for the period fields
	MinGroup    int
	Refused     bool // 422 would_reveal_individual
	Limited     bool // 429
	Report      *store.Report
	Body        api.ReportBody
}

// CSVURL is the download link of the report on the page.
func (p reportPage) CSVURL() template.URL {
	return template.URL(p.Base + ".csv?" + p.Form.Query())
}

// reportTarget is the company a request is about and the dashboard's path.
func (s *Server) reportTarget(c echo.Context) (uuid.UUID, string, string, error) {
	p, _ := principalOf(c)
	if p.Role != auth.RoleOperator {
		return p.CompanyID, "/company/reports", "", nil
	}
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return uuid.Nil, "", "", apperr.NotFound("company")
	}
	co, err := s.Companies.Get(c.Request().Context(), p, id)
	if err != nil {
		return uuid.Nil, "", "", err
	}
	return id, "/operator/companies/" + id.String() + "/reports", co.Name, nil
}

// defaultReportForm is the last six months up to this one, by department.
func defaultReportForm(now time.Time) reportForm {
	n := now.In(japan.Zone)
	to := report.MonthOf(n.Year(), n.Month())
	return reportForm{From: (to - 5).String(), To: to.String(), By: string(report.DimDepartment), Errors: formErrors{}}
}

// readReportForm takes the query string over the defaults; by may carry
// both dimensions ("department,month").
func readReportForm(c echo.Context, now time.Time) reportForm {
	f := defaultReportForm(now)
	q := c.QueryParams()
	if q.Has("from") {
		f.From = strings.TrimSpace(q.Get("from"))
	}
	if q.Has("to") {
		f.To = strings.TrimSpace(q.Get("to"))
	}
	if q.Has("by") {
		f.By, f.By2, _ = strings.Cut(q.Get("by"), ",")
	}
	if q.Has("by2") {
		f.By2 = q.Get("by2")
	}
	return f
}

// reportFieldKeys are the messages beside the form's fields.
var reportFieldKeys = map[string]string{"from": "report_err_from", "to": "report_err_to", "by": "report_err_by"}

func (s *Server) reportShow(c echo.Context) error {
	cid, base, name, err := s.reportTarget(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	now := s.now()
	f := readReportForm(c, now)
	pg := reportPage{CompanyName: name, Base: base, Form: f, Dims: reportDims, Periods: reportPeriods(now)}
	if co, err := s.Companies.Get(c.Request().Context(), p, cid); err == nil {
		pg.MinGroup = max(co.MinGroup, report.Floor)
	} else {
		return err
	}
	req, err := api.ReportRequest(f.From, f.To, joinBy(f.By, f.By2), false)
	if err == nil {
		pg.Report, err = s.Reports.Report(c.Request().Context(), p, cid, req)
	}
	status := http.StatusOK
	if e, ok := apperr.As(err); ok {
		switch e.Code {
		case apperr.CodeInvalid:
			pg.Form.Errors.addDomain(e.Fields, reportFieldKeys)
			status = http.StatusBadRequest
		case apperr.CodeUnprocessable:
			pg.Refused, status = true, http.StatusUnprocessableEntity
		case apperr.CodeRateLimited:
			pg.Limited, status = true, http.StatusTooManyRequests
		default:
			return err
		}
	} else if err != nil {
		return err
	}
	if pg.Report != nil {
		pg.Body = api.NewReportBody(pg.Report)
		pg.MinGroup = pg.Report.MinGroup
	}
	return s.render(c, status, pageReport, pg)
}

func (s *Server) reportCSV(c echo.Context) error {
	cid, _, _, err := s.reportTarget(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	f := readReportForm(c, s.now())
	req, err := api.ReportRequest(f.From, f.To, joinBy(f.By, f.By2), true)
	if err != nil {
		return err
	}
	r, err := s.Reports.Report(c.Request().Context(), p, cid, req)
	if err != nil {
		return err
	}
	return api.WriteReportCSV(c, r)
}

func joinBy(by, by2 string) string {
	if by2 == "" {
		return by
	}
	return by + "," + by2
}
