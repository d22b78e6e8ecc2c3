package web

import (
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
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

// ByMonth reports whether one of the breakdowns is the month.
func (f reportForm) ByMonth() bool {
	return f.By == string(report.DimMonth) || f.By2 == string(report.DimMonth)
}

// reportPage is the dashboard: the form, and the report (a
// post-processing of the company's monthly releases) or why there is none.
type reportPage struct {
	Format
	ReportFormat
	CompanyName string // the operator's view names the company
	Base        string // the dashboard's path
	Form        reportForm
	Dims        []string // the first breakdown's choices
	Dims2       []string // the second's: months only (releases hold no other cross)
	Periods     []string // suggestions for the period fields
	MinGroup    int
	Privacy     report.Privacy // the stated guarantee, shown with or without a report
	NotReleased *notReleased   // 422: no month of the range is released
	Limited     bool           // 429
	Body        *report.Body
}

// notReleased is why a range shows nothing: its first month's release is
// due on PublishesOn (in the future), or the range lies before any release.
type notReleased struct {
	Month       string // the range's first month, YYYY-MM
	PublishesOn string // YYYY-MM-DD; "" when that day has passed
	Latest      string // the latest month whose release is due, YYYY-MM
}

// CSVURL is the download link of the report on the page.
func (p reportPage) CSVURL() template.URL {
	return template.URL(p.Base + ".csv?" + p.Form.Query())
}

// CloseDay is the day of the next month on which a month's release is
// published.
func (reportPage) CloseDay() int { return report.CloseDay }

// reportTarget is the company a request is about, the dashboard's path
// and, for an operator, the company's name.
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

// defaultReportForm is the last six released months, by department: the
// month in progress and a month not yet closed have no numbers.
func defaultReportForm(now time.Time) reportForm {
	to := report.LastClosed(now)
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
	ctx := c.Request().Context()
	now := s.Clock.Now()
	co, err := s.Companies.Get(ctx, p, cid)
	if err != nil {
		return err
	}
	f := readReportForm(c, now)
	pg := reportPage{CompanyName: name, Base: base, Form: f, Dims: reportDims, Dims2: reportDims2,
		Periods: reportPeriods(now), MinGroup: report.MinGroup(co.MinGroup), Privacy: report.Guarantee()}
	if f.By2 != "" && !slices.Contains(pg.Dims2, f.By2) {
		// Asked for in the address ("by=month,department"): keep it chosen.
		pg.Dims2 = append(slices.Clone(pg.Dims2), f.By2)
	}
	req, err := store.NewRequest(f.From, f.To, joinBy(f.By, f.By2), false)
	if err == nil {
		pg.Body, err = s.Reports.Report(ctx, p, cid, req)
	}
	setRetryAfter(c, err)
	status, err := pg.refusal(err, req.Query, now)
	if err != nil {
		return err
	}
	if pg.Body != nil {
		pg.MinGroup, pg.Privacy = pg.Body.MinGroup, pg.Body.Privacy
	}
	return s.render(c, status, pageReport, pg)
}

// refusal turns a refused request into the page's explanation and its
// status: 400 with messages beside the fields, 422 for a range without a
// release, 429. Any other error is returned for the error page.
func (pg *reportPage) refusal(err error, q report.Query, now time.Time) (int, error) {
	if err == nil {
		return http.StatusOK, nil
	}
	e, ok := apperr.As(err)
	switch {
	case !ok:
		return 0, err
	case e.Code == apperr.CodeInvalid:
		pg.Form.Errors.addDomain(e.Fields, reportFieldKeys)
		return http.StatusBadRequest, nil
	case e.Code == apperr.CodeUnprocessable && e.Has(report.ReasonNotReleasedRange):
		pg.NotReleased = newNotReleased(q, now)
		return http.StatusUnprocessableEntity, nil
	case e.Code == apperr.CodeRateLimited:
		pg.Limited = true
		return http.StatusTooManyRequests, nil
	}
	return 0, err
}

// newNotReleased explains a range without a release from the publishing
// calendar alone: when its first month is due, or that it lies before
// the company's first release.
func newNotReleased(q report.Query, now time.Time) *notReleased {
	n := &notReleased{Month: q.From.String(), Latest: report.LastClosed(now).String()}
	if on := report.PublishesOn(q.From); on.After(now) {
		n.PublishesOn = on.Format(time.DateOnly)
	}
	return n
}

func (s *Server) reportCSV(c echo.Context) error {
	cid, _, _, err := s.reportTarget(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	f := readReportForm(c, s.Clock.Now())
	req, err := store.NewRequest(f.From, f.To, joinBy(f.By, f.By2), true)
	if err != nil {
		return err
	}
	b, err := s.Reports.Report(c.Request().Context(), p, cid, req)
	if err != nil {
		return err
	}
	return report.WriteCSV(c.Response(), b)
}

func joinBy(by, by2 string) string {
	if by2 == "" {
		return by
	}
	return by + "," + by2
}
