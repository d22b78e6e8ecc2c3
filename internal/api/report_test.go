package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/japan"
)

// reportWorld is the demo environment: サンプル商事 with a year of
// sessions, its HR, みなと物流's HR and an employee.
type reportWorld struct {
	h        *apptest.Harness
	company  uuid.UUID
	hr       *apptest.Client
	otherHR  *apptest.Client
	employee *apptest.Client
}

func newReportWorld(t *testing.T) reportWorld {
	t.Helper()
	h := apptest.New(t)
	ctx := context.Background()
	if err := demo.SeedDemo(ctx, h.Env.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	w := reportWorld{h: h}
	err := h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&w.company, `SELECT id FROM companies WHERE name = 'サンプル商事'`)
	})
	if err != nil {
		t.Fatal(err)
	}
	w.hr = h.Login("hr@sample-shoji.example", demo.Password)
	w.otherHR = h.Login("hr@minato-logistics.example", demo.Password)
	w.employee = h.Login("emp0002@sample-shoji.example", demo.Password)
	return w
}

func (w reportWorld) path(suffix, query string) string {
	return "/api/v1/companies/" + w.company.String() + "/" + suffix + "?" + query
}

// lastMonths is from=…&to=… covering the n months up to this one.
func lastMonths(n int) string {
	now := time.Now().In(japan.Zone)
	first := time.Date(now.Year(), now.Month()-time.Month(n-1), 1, 0, 0, 0, 0, japan.Zone)
	return "from=" + first.Format("2006-01") + "&to=" + now.Format("2006-01")
}

type reportJSON struct {
	MinGroup int    `json:"min_group"`
	From     string `json:"from"`
	To       string `json:"to"`
	By       string `json:"by"`
	Cells    []struct {
		Key             string   `json:"key"`
		Keys            []string `json:"keys"`
		Sessions        *int     `json:"sessions"`
		Employees       *int     `json:"employees"`
		SatisfactionAvg *float64 `json:"satisfaction_avg"`
		WellbeingAvg    *float64 `json:"wellbeing_avg"`
		Suppressed      bool     `json:"suppressed"`
		Reason          string   `json:"reason"`
		Risk            []struct {
			Code       string `json:"code"`
			Employees  *int   `json:"employees"`
			Suppressed bool   `json:"suppressed"`
		} `json:"risk"`
		Observations []json.RawMessage `json:"observations"`
	} `json:"cells"`
	Total struct {
		Sessions  *int `json:"sessions"`
		Employees *int `json:"employees"`
	} `json:"total"`
	Snapshot    bool      `json:"snapshot"`
	GeneratedAt time.Time `json:"generated_at"`
	Seats       *int      `json:"seats"`
	Utilisation *float64  `json:"utilisation"`
}

// TestReportRefusesBadQueriesWith400NamingTheField covers both the JSON
// and the CSV route: unknown or three dimensions, malformed, reversed
// and too long ranges never reach the service, and never answer 500.
// Roles and tenancy come first: another company's admin gets 404 whatever
// the query, an employee 403, nobody signed in 401.
func TestReportRefusesBadQueriesWith400NamingTheField(t *testing.T) {
	w := newReportWorld(t)
	cases := []struct {
		name, query, field string
	}{
		{"unknown dimension", "from=2026-01&to=2026-03&by=salary", "by"},
		{"three dimensions", "from=2026-01&to=2026-03&by=department,age_band,month", "by"},
		{"same dimension twice", "from=2026-01&to=2026-03&by=month,month", "by"},
		{"no dimension", "from=2026-01&to=2026-03", "by"},
		{"malformed from", "from=2026-13&to=2026-03&by=department", "from"},
		{"from as a day", "from=2026-01-01&to=2026-03&by=department", "from"},
		{"missing from", "to=2026-03&by=department", "from"},
		{"malformed to", "from=2026-01&to=26-03&by=department", "to"},
		{"bad quarter", "from=2026-Q5&to=2026-Q4&by=department", "from"},
		{"month and quarter mixed", "from=2026-01&to=2026-Q2&by=department", "to"},
		{"reversed", "from=2026-06&to=2026-01&by=department", "to"},
		{"25 months", "from=2024-01&to=2026-01&by=month", "to"},
		{"injection", "from=2026-01'--&to=2026-03&by=department", "from"},
	}
	for _, suffix := range []string{"reports", "reports.csv"} {
		for _, tc := range cases {
			t.Run(suffix+"/"+tc.name, func(t *testing.T) {
				var e apptest.APIError
				st := w.hr.Do("GET", w.path(suffix, tc.query), nil, &e)
				if st != http.StatusBadRequest || e.Error.Fields[tc.field] == "" {
					t.Fatalf("status %d, error %+v; want 400 naming %s", st, e.Error, tc.field)
				}
			})
		}
	}
	ok := lastMonths(3) + "&by=department"
	for _, tc := range []struct {
		name   string
		c      *apptest.Client
		path   string
		status int
	}{
		{"another company's admin", w.otherHR, w.path("reports", ok), http.StatusNotFound},
		{"another company's admin, CSV", w.otherHR, w.path("reports.csv", ok), http.StatusNotFound},
		{"another company's admin, bad query", w.otherHR, w.path("reports", "by=salary"), http.StatusNotFound},
		{"an employee", w.employee, w.path("reports", ok), http.StatusForbidden},
		{"nobody signed in", w.h.Anonymous(), w.path("reports", ok), http.StatusUnauthorized},
		{"not an id", w.hr, "/api/v1/companies/sample/reports?" + ok, http.StatusNotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if st := tc.c.Do("GET", tc.path, nil, nil); st != tc.status {
				t.Fatalf("status %d, want %d", st, tc.status)
			}
		})
	}
}

// getReport fetches a report and fails unless it is served.
func getReport(t *testing.T, c *apptest.Client, path string) (reportJSON, apptest.Response) {
	t.Helper()
	r := c.Raw("GET", path, "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.Status, r.Body)
	}
	var out reportJSON
	decode(t, r.Body, &out)
	return out, r
}

// TestReportJSONHidesNumbersAsNullAndCSVHasTheSameRows checks the
// contract's shape on the demo company: every cell names its keys, a
// hidden cell carries a reason and no number at all (null, not 0), a shown
// cell counts at least min_group people (or nobody where nobody could
// be), the total is the last cell, and the CSV download has one row per
// JSON cell with empty fields where the JSON has null.
func TestReportJSONHidesNumbersAsNullAndCSVHasTheSameRows(t *testing.T) {
	w := newReportWorld(t)
	for _, by := range []string{"department", "age_band", "department,month"} {
		t.Run(by, func(t *testing.T) {
			q := lastMonths(6) + "&by=" + by
			rep, raw := getReport(t, w.hr, w.path("reports", q))
			if rep.MinGroup < 10 || rep.By != by || len(rep.Cells) < 2 || rep.GeneratedAt.IsZero() {
				t.Fatalf("report: %+v", rep)
			}
			if raw.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", raw.Header.Get("Cache-Control"))
			}
			dims := strings.Split(by, ",")
			last := rep.Cells[len(rep.Cells)-1]
			if last.Key != strings.TrimSuffix(strings.Repeat("*|", len(dims)), "|") {
				t.Errorf("last cell %q, want the grand total", last.Key)
			}
			if last.Suppressed || rep.Total.Employees == nil || *rep.Total.Employees != *last.Employees || *rep.Total.Sessions != *last.Sessions {
				t.Errorf("total %+v vs last cell %+v", rep.Total, last)
			}
			if rep.Seats == nil || rep.Utilisation == nil || *rep.Utilisation <= 0 || *rep.Utilisation > 1 {
				t.Errorf("seats %v utilisation %v", rep.Seats, rep.Utilisation)
			}
			hidden := 0
			for _, c := range rep.Cells {
				if c.Key != strings.Join(c.Keys, "|") || len(c.Keys) != len(dims) {
					t.Errorf("cell key %q keys %q", c.Key, c.Keys)
				}
				if c.Suppressed {
					hidden++
					if c.Sessions != nil || c.Employees != nil || c.SatisfactionAvg != nil || c.WellbeingAvg != nil || c.Reason == "" {
						t.Errorf("hidden cell %s shows %v %v %v %v reason %q", c.Key, c.Sessions, c.Employees, c.SatisfactionAvg, c.WellbeingAvg, c.Reason)
					}
					continue
				}
				if c.Employees == nil || c.Sessions == nil || (*c.Employees != 0 && *c.Employees < rep.MinGroup) {
					t.Errorf("shown cell %s counts %v people (min_group %d)", c.Key, c.Employees, rep.MinGroup)
				}
				for _, r := range c.Risk {
					if !r.Suppressed && r.Employees == nil || r.Suppressed && r.Employees != nil {
						t.Errorf("cell %s risk %s: suppressed %v employees %v", c.Key, r.Code, r.Suppressed, r.Employees)
					}
				}
			}
			if by == "department,month" && hidden == 0 {
				t.Error("no hidden cell in a department × month report of the demo: the small department should be hidden")
			}
			if hidden > 0 && !bytes.Contains(raw.Body, []byte(`"sessions":null`)) {
				t.Error("a hidden cell's numbers are not null in the JSON")
			}

			r := w.hr.Raw("GET", w.path("reports.csv", q), "", nil)
			if r.Status != http.StatusOK {
				t.Fatalf("CSV: %d %s", r.Status, r.Body)
			}
			wantName := `attachment; filename="taiwa-report-` + rep.From + "-" + rep.To + "-" + strings.ReplaceAll(by, ",", "+") + `.csv"`
			if got := r.Header.Get("Content-Disposition"); got != wantName {
				t.Errorf("Content-Disposition %q, want %q", got, wantName)
			}
			if r.Header.Get("Cache-Control") != "no-store" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
				t.Errorf("CSV headers %v", r.Header)
			}
			if !bytes.HasPrefix(r.Body, []byte("\ufeff")) {
				t.Fatal("the CSV has no BOM")
			}
			rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\ufeff")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			head := strings.Join(rows[0], ",")
			if want := "key," + by + ",sessions,employees,satisfaction_avg,wellbeing_avg,suppressed,reason"; head != want {
				t.Errorf("header %q, want %q", head, want)
			}
			if len(rows)-1 != len(rep.Cells) {
				t.Fatalf("CSV has %d rows, JSON %d cells", len(rows)-1, len(rep.Cells))
			}
			// The download is a new request through the company's guard, so
			// it may hide more than the view before it; it never shows a
			// different number, and its hidden rows have no number at all.
			n := len(dims)
			for i, c := range rep.Cells {
				row := rows[i+1]
				if strings.TrimPrefix(row[0], "'") != c.Key || strings.Join(row[1:n+1], "|") != c.Key {
					t.Errorf("row %d %q vs cell %s", i, row, c.Key)
				}
				if row[n+5] == "true" {
					if row[n+1] != "" || row[n+2] != "" || row[n+3] != "" || row[n+4] != "" || row[n+6] == "" {
						t.Errorf("hidden row %s has numbers or no reason: %q", c.Key, row)
					}
					continue
				}
				if row[n+5] != "false" || row[n+1] == "" || row[n+2] == "" || row[n+6] != "" {
					t.Errorf("shown row %s: %q", c.Key, row)
				}
				if !c.Suppressed && (row[n+1] != strconv.Itoa(*c.Sessions) || row[n+2] != strconv.Itoa(*c.Employees)) {
					t.Errorf("row %s shows %s sessions %s people, the JSON %d and %d", c.Key, row[n+1], row[n+2], *c.Sessions, *c.Employees)
				}
			}
		})
	}
}
