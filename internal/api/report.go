package api

import (
	"bytes"
	"encoding/csv"
	"math"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
)

// reportRoutes lists the de-identified report endpoints: HR of the
// company or an operator. The CSV route is a sibling static segment of
// the JSON one, so echo's router tells them apart.
func (s *Server) reportRoutes() []Route {
	return []Route{
		{http.MethodGet, "/api/v1/companies/:cid/reports", s.reportGet, companyStaff},
		{http.MethodGet, "/api/v1/companies/:cid/reports.csv", s.reportCSV, companyStaff},
	}
}

// ReportBody is the JSON answer of GET /api/v1/companies/{cid}/reports.
type ReportBody struct {
	MinGroup    int          `json:"min_group"`
	From        string       `json:"from"`
	To          string       `json:"to"`
	By          string       `json:"by"`
	Cells       []ReportCell `json:"cells"`
	Total       ReportTotal  `json:"total"`
	Snapshot    bool         `json:"snapshot"`
	GeneratedAt time.Time    `json:"generated_at"`
	Seats       *int         `json:"seats"`       // null when the company has no current contract
	Utilisation *float64     `json:"utilisation"` // total employees ÷ seats; null when either is unknown or hidden
}

// ReportCell is one published cell; a suppressed cell has null numbers.
type ReportCell struct {
	Key             string           `json:"key"` // Keys joined with "|"
	Keys            []string         `json:"keys"`
	Sessions        *int             `json:"sessions"`
	Employees       *int             `json:"employees"`
	SatisfactionAvg *float64         `json:"satisfaction_avg"`
	WellbeingAvg    *float64         `json:"wellbeing_avg"`
	Suppressed      bool             `json:"suppressed"`
	Reason          string           `json:"reason,omitempty"`
	Risk            []ReportCategory `json:"risk"`
	Observations    []ReportCategory `json:"observations"`
}

// ReportCategory is one bar of a cell's distribution.
type ReportCategory struct {
	Code       string `json:"code"`
	Employees  *int   `json:"employees"`
	Suppressed bool   `json:"suppressed"`
	Reason     string `json:"reason,omitempty"`
}

// ReportTotal is the grand total; its numbers are null when hidden.
type ReportTotal struct {
	Sessions  *int `json:"sessions"`
	Employees *int `json:"employees"`
}

// CellKey joins a cell's keys as the API's "key".
func CellKey(keys []string) string { return strings.Join(keys, "|") }

// NewReportBody shapes a served report for the API (and the dashboard's
// chart data): hidden numbers become null, never zero.
func NewReportBody(r *store.Report) ReportBody {
	b := ReportBody{MinGroup: r.MinGroup, From: r.From, To: r.To, By: r.By, Snapshot: r.Snapshot,
		GeneratedAt: r.GeneratedAt, Cells: make([]ReportCell, 0, len(r.Cells))}
	for _, c := range r.Cells {
		b.Cells = append(b.Cells, newReportCell(c))
	}
	if !r.Total.Suppressed {
		b.Total = ReportTotal{Sessions: intPtr(r.Total.Sessions), Employees: intPtr(r.Total.Employees)}
	}
	if r.Seats > 0 {
		b.Seats = intPtr(r.Seats)
		if !r.Total.Suppressed {
			u := math.Round(float64(r.Total.Employees)/float64(r.Seats)*1000) / 1000
			b.Utilisation = &u
		}
	}
	return b
}

func newReportCell(c report.Cell) ReportCell {
	out := ReportCell{Key: CellKey(c.Keys), Keys: c.Keys, Suppressed: c.Suppressed, Reason: string(c.Reason),
		Risk: newCategories(c.Risk), Observations: newCategories(c.Observations)}
	if out.Keys == nil {
		out.Keys = []string{}
	}
	if !c.Suppressed {
		out.Sessions, out.Employees = intPtr(c.Sessions), intPtr(c.Employees)
		out.SatisfactionAvg, out.WellbeingAvg = c.SatisfactionAvg, c.WellbeingAvg
	}
	return out
}

func newCategories(cs []report.Category) []ReportCategory {
	out := make([]ReportCategory, 0, len(cs))
	for _, c := range cs {
		rc := ReportCategory{Code: c.Code, Suppressed: c.Suppressed, Reason: string(c.Reason)}
		if !c.Suppressed {
			rc.Employees = intPtr(c.Employees)
		}
		out = append(out, rc)
	}
	return out
}

func intPtr(n int) *int { return &n }

// ReportRequest validates from, to and by (400 naming the field) into the
// service's request; by is normalised to "dim" or "dim1,dim2".
func ReportRequest(from, to, by string, export bool) (store.Request, error) {
	q, err := report.ParseQuery(from, to, by)
	if err != nil {
		return store.Request{}, err
	}
	dims := make([]string, len(q.By))
	for i, d := range q.By {
		dims[i] = string(d)
	}
	return store.Request{Query: q, From: from, To: to, By: strings.Join(dims, ","), Export: export}, nil
}

// ServeReport authorises the actor for the company (another company's
// admin gets 404 before anything else), validates the query and asks the
// service, which rate-limits and audits.
func ServeReport(c echo.Context, svc *store.Service, actor auth.Principal, cid uuid.UUID, export bool) (*store.Report, error) {
	if _, err := actor.CompanyScope(cid); err != nil {
		return nil, err
	}
	q := c.QueryParams()
	req, err := ReportRequest(q.Get("from"), q.Get("to"), q.Get("by"), export)
	if err != nil {
		return nil, err
	}
	return svc.Report(c.Request().Context(), actor, cid, req)
}

func (s *Server) reportGet(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	r, err := ServeReport(c, s.Reports, principal(c), cid, false)
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "no-store")
	return c.JSON(http.StatusOK, NewReportBody(r))
}

func (s *Server) reportCSV(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	r, err := ServeReport(c, s.Reports, principal(c), cid, true)
	if err != nil {
		return err
	}
	return WriteReportCSV(c, r)
}

// WriteReportCSV answers with the report as a CSV download, uncached.
func WriteReportCSV(c echo.Context, r *store.Report) error {
	h := c.Response().Header()
	h.Set(echo.HeaderContentDisposition, `attachment; filename="`+ReportFilename(r)+`"`)
	h.Set(echo.HeaderCacheControl, "no-store")
	return c.Blob(http.StatusOK, "text/csv; charset=utf-8", ReportCSV(r))
}

// ReportFilename is taiwa-report-<from>-<to>-<by>.csv, "+" between two
// dimensions.
func ReportFilename(r *store.Report) string {
	return "taiwa-report-" + r.From + "-" + r.To + "-" + strings.ReplaceAll(r.By, ",", "+") + ".csv"
}

// ReportCSV is the report's cells as CSV: UTF-8 with a BOM (Excel in
// Japan), a header of English codes, one row per JSON cell, empty fields
// for hidden numbers, and text fields guarded against formula injection.
func ReportCSV(r *store.Report) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true // RFC 4180, as Excel writes it
	dims := strings.Split(r.By, ",")
	head := append([]string{"key"}, dims...)
	_ = w.Write(append(head, "sessions", "employees", "satisfaction_avg", "wellbeing_avg", "suppressed", "reason"))
	for _, c := range NewReportBody(r).Cells {
		row := []string{csvText(c.Key)}
		for i := range dims {
			k := ""
			if i < len(c.Keys) {
				k = c.Keys[i]
			}
			row = append(row, csvText(k))
		}
		row = append(row, csvInt(c.Sessions), csvInt(c.Employees), csvFloat(c.SatisfactionAvg), csvFloat(c.WellbeingAvg),
			strconv.FormatBool(c.Suppressed), c.Reason)
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// csvText keeps a spreadsheet from reading a value as a formula.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func csvInt(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func csvFloat(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 1, 64)
}
