package api_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/report"
)

// The report API under DEID-2: reports are read from monthly releases
// published by the operator once a month has closed; reading is
// post-processing of stored releases (the same answer every time, however
// the raw data changes afterwards), and bad input is a 4xx naming the
// field, never a 500.

// Months of the report world: Q1 2025 is released, April 2025 has
// sessions but no release.
var (
	repJan = report.MonthOf(2025, time.January)
	repApr = report.MonthOf(2025, time.April)
)

// repWorld is a company of 34 (営業部 12, 開発部 12, 管理部 10) with
// sessions and ratings in January–April 2025 and the product's noisy
// releases of January–March, plus another company's HR and an employee.
type repWorld struct {
	env      *repEnv
	c        *repCompany
	otherHR  *apptest.Client
	employee *apptest.Client
}

func newRepWorld(t *testing.T) repWorld {
	t.Helper()
	env := newRepEnv(t)
	c := env.company(t, repDept{"営業部", 12}, repDept{"開発部", 12}, repDept{"管理部", 10})
	other := env.company(t, repDept{"物流部", 10})
	themes := []string{"career", "mental_health", "work_life"}
	var ss []repSession
	for m := repJan; m <= repApr; m++ {
		for i := range c.emps {
			k := i + int(m)
			for s := range 1 + k%2 {
				sat := 0
				if s == 0 {
					sat = 3 + i%3
				}
				ss = append(ss, repSession{Emp: i, Month: m, Theme: themes[k%3], Sat: sat})
			}
		}
	}
	c.hold(t, ss...)
	env.setNoise(true)
	for m := repJan; m < repApr; m++ {
		c.release(t, m)
	}
	return repWorld{env: env, c: c, otherHR: other.hr, employee: c.login(t, 0)}
}

func TestReportRefusesBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	w := newRepWorld(t)
	c := w.c
	open := report.LastClosed(time.Now()) + 1 // not closed yet: no release can exist
	cases := []struct {
		name, query, field string
		status             int
	}{
		{"month 13", "from=2025-13&to=2025-13&by=department", "from", 400},
		{"from as a day", "from=2025-01-01&to=2025-03&by=department", "from", 400},
		{"garbage from", "from=last+year&to=2025-03&by=department", "from", 400},
		{"injection in from", "from=" + q("2025-01'--") + "&to=2025-03&by=department", "from", 400},
		{"injection in to", "from=2025-01&to=" + q("2025-03; DROP TABLE report_releases") + "&by=department", "to", 400},
		{"missing from", "to=2025-03&by=department", "from", 400},
		{"malformed to", "from=2025-01&to=25-03&by=department", "to", 400},
		{"quarter 5", "from=2025-Q5&to=2025-Q4&by=department", "from", 400},
		{"month and quarter mixed", "from=2025-01&to=2025-Q2&by=department", "to", 400},
		{"reversed", "from=2025-06&to=2025-01&by=department", "to", 400},
		{"25 months", "from=2023-01&to=2025-01&by=month", "to", 400},
		{"9 quarters", "from=2023-Q1&to=2025-Q1&by=month", "to", 400},
		{"three dimensions", "from=2025-01&to=2025-03&by=department,age_band,month", "by", 400},
		{"two dimensions without month", "from=2025-01&to=2025-03&by=department,age_band", "by", 400},
		{"same dimension twice", "from=2025-01&to=2025-03&by=month,month", "by", 400},
		{"unknown dimension", "from=2025-01&to=2025-03&by=salary", "by", 400},
		{"no dimension", "from=2025-01&to=2025-03", "by", 400},
		{"injection in by", "from=2025-01&to=2025-03&by=" + q("department'; --"), "by", 400},
		{"unknown parameter", "from=2025-01&to=2025-03&by=department&employee=" + c.emps[0].ID.String(), "employee", 400},
		{"min_group from the query", "from=2025-01&to=2025-03&by=department&min_group=1", "min_group", 400},
		{"a month not closed yet", "from=" + open.String() + "&to=" + open.String() + "&by=department", "from", 422},
		{"a future range", "from=" + (open + 1).String() + "&to=" + (open + 3).String() + "&by=month", "from", 422},
		{"a closed month without a release", "from=2025-04&to=2025-04&by=department", "from", 422},
	}
	for _, suffix := range []string{"reports", "reports.csv"} {
		for _, tc := range cases {
			t.Run(suffix+"/"+tc.name, func(t *testing.T) {
				var e apptest.APIError
				r := c.hr.Raw("GET", c.path(suffix+"?"+tc.query), "", nil)
				decode(t, r.Body, &e)
				if r.Status != tc.status || e.Error.Fields[tc.field] == "" {
					t.Fatalf("status %d, error %+v; want %d naming %s", r.Status, e.Error, tc.status, tc.field)
				}
				if tc.status == 422 && e.Error.Code != "not_released" {
					t.Errorf("code %q, want not_released", e.Error.Code)
				}
			})
		}
	}

	releases := "/api/v1/reports/releases"
	for _, tc := range []struct {
		name, body, field string
		status            int
		code              string
	}{
		{"an open month", `{"period":"` + open.String() + `","company_id":"` + c.id.String() + `"}`, "period", 422, "not_closed"},
		{"a month years ahead", `{"period":"2999-12","company_id":"` + c.id.String() + `"}`, "period", 422, "not_closed"},
		{"an open month for every company", `{"period":"` + open.String() + `"}`, "period", 422, "not_closed"},
		{"month 13", `{"period":"2025-13","company_id":"` + c.id.String() + `"}`, "period", 400, ""},
		{"a quarter", `{"period":"2025-Q1","company_id":"` + c.id.String() + `"}`, "period", 400, ""},
		{"a day", `{"period":"2025-01-31"}`, "period", 400, ""},
		{"before 2000", `{"period":"1999-12"}`, "period", 400, ""},
		{"injection", `{"period":"2025-01'; DELETE FROM report_releases; --"}`, "period", 400, ""},
		{"no period", `{"company_id":"` + c.id.String() + `"}`, "period", 400, ""},
		{"period as a number", `{"period":202501}`, "period", 400, ""},
		{"unknown field", `{"period":"2025-01","company":"` + c.id.String() + `"}`, "company", 400, ""},
		{"company_id not an id", `{"period":"2025-01","company_id":"sample"}`, "", 400, ""},
		{"not JSON", `{"period":`, "body", 400, ""},
		{"an array", `[]`, "body", 400, ""},
		{"empty", ``, "body", 400, ""},
	} {
		t.Run("release/"+tc.name, func(t *testing.T) {
			r := w.env.op.Raw("POST", releases, "application/json", strings.NewReader(tc.body))
			var e apptest.APIError
			decode(t, r.Body, &e)
			if r.Status != tc.status || len(e.Error.Fields) == 0 || (tc.field != "" && e.Error.Fields[tc.field] == "") {
				t.Fatalf("status %d, error %+v; want %d naming %q", r.Status, e.Error, tc.status, tc.field)
			}
			if tc.code != "" && e.Error.Code != tc.code {
				t.Errorf("code %q, want %s", e.Error.Code, tc.code)
			}
		})
	}
	t.Run("release/an unknown company", func(t *testing.T) {
		r := post(w.env.op, releases, map[string]any{"period": "2025-01", "company_id": uuid.New()})
		if r.Status != http.StatusNotFound {
			t.Fatalf("status %d %s, want 404", r.Status, r.Body)
		}
	})
	t.Run("release/as text", func(t *testing.T) {
		r := w.env.op.Raw("POST", releases, "text/plain", strings.NewReader(`{"period":"2025-01"}`))
		if r.Status != http.StatusBadRequest {
			t.Fatalf("status %d, want 400", r.Status)
		}
	})

	// Roles and tenancy come before the query: another company's admin
	// gets 404 whatever it asks, an employee 403, nobody signed in 401;
	// only operators publish.
	ok := "from=2025-01&to=2025-03&by=department"
	for _, tc := range []struct {
		name   string
		c      *apptest.Client
		method string
		path   string
		body   any
		status int
	}{
		{"another company's admin", w.otherHR, "GET", c.path("reports?" + ok), nil, http.StatusNotFound},
		{"another company's admin, CSV", w.otherHR, "GET", c.path("reports.csv?" + ok), nil, http.StatusNotFound},
		{"another company's admin, bad query", w.otherHR, "GET", c.path("reports?by=salary"), nil, http.StatusNotFound},
		{"another company's admin, unknown parameter", w.otherHR, "GET", c.path("reports?" + ok + "&x=1"), nil, http.StatusNotFound},
		{"an employee", w.employee, "GET", c.path("reports?" + ok), nil, http.StatusForbidden},
		{"an employee, CSV", w.employee, "GET", c.path("reports.csv?" + ok), nil, http.StatusForbidden},
		{"nobody signed in", w.env.h.Anonymous(), "GET", c.path("reports?" + ok), nil, http.StatusUnauthorized},
		{"nobody signed in, CSV", w.env.h.Anonymous(), "GET", c.path("reports.csv?" + ok), nil, http.StatusUnauthorized},
		{"not an id", c.hr, "GET", "/api/v1/companies/sample/reports?" + ok, nil, http.StatusNotFound},
		{"HR publishes", c.hr, "POST", releases, c.releaseBody(repApr), http.StatusForbidden},
		{"an employee publishes", w.employee, "POST", releases, c.releaseBody(repApr), http.StatusForbidden},
		{"nobody publishes", w.env.h.Anonymous(), "POST", releases, c.releaseBody(repApr), http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if st := tc.c.Do(tc.method, tc.path, tc.body, nil); st != tc.status {
				t.Fatalf("status %d, want %d", st, tc.status)
			}
		})
	}
	var n int
	if err := w.env.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&n, `SELECT count(*) FROM report_releases WHERE company_id = $1 AND month = $2`, c.id, int(repApr))
	}); err != nil || n != 0 {
		t.Errorf("April's releases after refused requests: %d (%v), want 0", n, err)
	}
}

func TestReportReadsArePostProcessingOfReleases(t *testing.T) {
	t.Parallel()
	w := newRepWorld(t)
	c := w.c
	queries := []string{
		"from=2025-01&to=2025-03&by=department,month",
		"from=2025-Q1&to=2025-Q1&by=theme",
		"from=2025-01&to=2025-03&by=age_band",
	}
	first := map[string][]byte{}
	for _, qy := range queries {
		_, r1 := c.read(t, qy)
		_, r2 := c.read(t, qy)
		if !bytes.Equal(r1.Body, r2.Body) {
			t.Errorf("%s: two reads differ:\n%s\n%s", qy, r1.Body, r2.Body)
		}
		if cc := r1.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("%s: Cache-Control %q", qy, cc)
		}
		first[qy] = r1.Body
	}
	b, _ := c.read(t, queries[0])
	if !b.Approximate || b.Privacy.RhoMonth != 0.5 || b.Privacy.EpsilonMonth <= 0 || b.Privacy.EpsilonYear <= b.Privacy.EpsilonMonth || b.Privacy.Delta <= 0 || b.MinGroup != report.Floor {
		t.Errorf("stated guarantee: approximate %v, privacy %+v, min_group %d", b.Approximate, b.Privacy, b.MinGroup)
	}
	if len(b.Months) != 3 || !b.Months[0].Released || !b.Months[2].Released {
		t.Errorf("months: %+v", b.Months)
	}

	// Corrections after the release change nothing read from it: a held
	// session cancelled, a new one held, a rating changed.
	feb := repJan + 1
	owner := ownerDB(t, w.env.h) // the application may not rewrite a rating; the owner may
	err := func() error {
		res, err := owner.Exec(`UPDATE bookings SET status = 'cancelled', cancelled_at = now(), cancelled_by = 'operator'
			WHERE company_id = $1 AND id IN (SELECT id FROM bookings WHERE company_id = $1 AND starts_at >= $2 AND starts_at < $3 ORDER BY starts_at LIMIT 5)`,
			c.id, repMonthStart(feb), repMonthStart(feb+1))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 5 {
			t.Errorf("cancelled %d sessions, want 5", n)
		}
		_, err = owner.Exec(`UPDATE session_feedback SET satisfaction = 1 WHERE company_id = $1`, c.id)
		return err
	}()
	if err != nil {
		t.Fatal(err)
	}
	c.hold(t, repSession{Emp: 3, Month: feb, Theme: "harassment", Sat: 5}, repSession{Emp: 4, Month: repJan, Theme: "harassment"})
	for _, qy := range queries {
		if _, r := c.read(t, qy); !bytes.Equal(r.Body, first[qy]) {
			t.Errorf("%s changed after a correction:\n%s\n%s", qy, first[qy], r.Body)
		}
	}
	var again repRelease
	if st := w.env.op.Do("POST", "/api/v1/reports/releases", c.releaseBody(feb), &again); st != http.StatusOK || again.Created != 0 || again.Existing != 1 || again.Period != "2025-02" {
		t.Errorf("release again: %d %+v, want created 0", st, again)
	}
	if _, r := c.read(t, queries[0]); !bytes.Equal(r.Body, first[queries[0]]) {
		t.Errorf("a second release request changed the report")
	}

	// A month without a release shows no numbers and says when it is
	// published; the range's margin is made of the released months.
	b, _ = c.read(t, "from=2025-01&to=2025-04&by=month")
	if len(b.Months) != 4 || b.Months[3].Released || b.Months[3].PublishesOn != "2025-05-08" {
		t.Errorf("April's state: %+v", b.Months)
	}
	if apr, ok := b.cell("2025-04"); !ok || !apr.Suppressed || apr.Reason != report.ReasonNotReleased || apr.Sessions != nil || apr.Employees != nil {
		t.Errorf("April's cell: %+v", apr)
	}
	if all, ok := b.cell("*"); !ok || all.Months != 3 || all.Sessions == nil {
		t.Errorf("the margin: %+v", all)
	}

	t.Run("CSV rows are the JSON cells", func(t *testing.T) {
		qy := "from=2025-01&to=2025-03&by=department,month"
		jb, _ := c.read(t, qy)
		r := c.hr.Raw("GET", c.path("reports.csv?"+qy), "", nil)
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(r.Header.Get("Content-Disposition"), "taiwa-report-2025-01-2025-03-department+month.csv") {
			t.Fatalf("CSV: %d %v", r.Status, r.Header)
		}
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(r.Body, []byte("\ufeff")))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		head := rows[0]
		col := func(name string) int {
			i := slices.Index(head, name)
			if i < 0 {
				t.Fatalf("no column %s in %v", name, head)
			}
			return i
		}
		if len(rows)-1 != len(jb.Cells) {
			t.Fatalf("%d CSV rows, %d JSON cells", len(rows)-1, len(jb.Cells))
		}
		num := func(v *int) string {
			if v == nil {
				return ""
			}
			return strconv.Itoa(*v)
		}
		dec := func(v *float64) string {
			if v == nil {
				return ""
			}
			return strconv.FormatFloat(*v, 'f', 1, 64)
		}
		shown := 0
		for i, cell := range jb.Cells {
			row := rows[i+1]
			want := map[string]string{
				"key": cell.Key, "department": cell.Keys[0], "month": cell.Keys[1],
				"sessions": num(cell.Sessions), "employees": num(cell.Employees), "person_months": num(cell.PersonMonths),
				"satisfaction_avg": dec(cell.SatisfactionAvg), "wellbeing_avg": dec(cell.WellbeingAvg),
				"suppressed": strconv.FormatBool(cell.Suppressed), "reason": cell.Reason,
				"below_min_group": strings.Join(cell.Below, " "), "months": strconv.Itoa(cell.Months), "approximate": "true",
			}
			for name, v := range want {
				if got := row[col(name)]; got != v {
					t.Errorf("row %d (%s) %s: CSV %q, JSON %q", i+1, cell.Key, name, got, v)
				}
			}
			if cell.Sessions != nil {
				shown++
			}
		}
		if shown < 4 {
			t.Errorf("only %d rows show sessions: the comparison proves little", shown)
		}
	})

	t.Run("a quarter is the sum of its months", func(t *testing.T) {
		months, _ := c.read(t, "from=2025-01&to=2025-03&by=department,month")
		quarter, _ := c.read(t, "from=2025-Q1&to=2025-Q1&by=department,month")
		compared := 0
		for _, d := range []string{"*", "営業部", "開発部", "管理部"} {
			qc, ok := quarter.cell(d + "|2025-Q1")
			if !ok {
				t.Fatalf("no quarter cell for %s", d)
			}
			margin, _ := months.cell(d + "|*")
			for _, f := range []struct {
				name string
				get  func(repCell) *int
			}{
				{"sessions", func(c repCell) *int { return c.Sessions }},
				{"person_months", func(c repCell) *int { return c.PersonMonths }},
			} {
				sum, all := 0, true
				for m := repJan; m < repApr; m++ {
					mc, _ := months.cell(d + "|" + m.String())
					if v := f.get(mc); v != nil {
						sum += *v
					} else {
						all = false
					}
				}
				if !all || f.get(qc) == nil {
					continue // a month below min_group hides its number
				}
				compared++
				if *f.get(qc) != sum {
					t.Errorf("%s %s: quarter %d, months sum to %d", d, f.name, *f.get(qc), sum)
				}
				if v := f.get(margin); v == nil || *v != sum {
					t.Errorf("%s %s: the months' margin %v, months sum to %d", d, f.name, v, sum)
				}
			}
		}
		if compared < 2 {
			t.Errorf("only %d sums compared", compared)
		}
		byMonth, _ := c.read(t, "from=2025-01&to=2025-03&by=month")
		byQuarter, _ := c.read(t, "from=2025-Q1&to=2025-Q1&by=month")
		qc, ok := byQuarter.cell("2025-Q1")
		if !ok || qc.Sessions == nil || qc.PersonMonths == nil || qc.Months != 3 {
			t.Fatalf("the quarter by month: %+v", qc)
		}
		sessions, personMonths := 0, 0
		for m := repJan; m < repApr; m++ {
			mc, _ := byMonth.cell(m.String())
			if mc.Sessions == nil || mc.PersonMonths == nil {
				t.Fatalf("%s hides the company's numbers: %+v", m, mc)
			}
			sessions, personMonths = sessions+*mc.Sessions, personMonths+*mc.PersonMonths
		}
		if *qc.Sessions != sessions || *qc.PersonMonths != personMonths {
			t.Errorf("2025-Q1: sessions %d, person-months %d; its months sum to %d and %d", *qc.Sessions, *qc.PersonMonths, sessions, personMonths)
		}
	})
}

func TestReportConcurrentReleasesMakeExactlyOne(t *testing.T) {
	t.Parallel()
	env := newRepEnv(t)
	c := env.company(t, repDept{"営業部", 10})
	m := report.MonthOf(2024, time.June)
	c.hold(t, repSession{Emp: 0, Month: m, Theme: "career"}, repSession{Emp: 1, Month: m, Theme: "career"})
	const n = 8
	outs := make([]repRelease, n)
	sts := make([]int, n)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range n {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			r := post(env.op, "/api/v1/reports/releases", c.releaseBody(m))
			sts[i] = r.Status
			decode(t, r.Body, &outs[i])
		}()
	}
	start.Done()
	done.Wait()
	created, existing := 0, 0
	for i := range n {
		if sts[i] != http.StatusOK {
			t.Errorf("request %d: %d", i, sts[i])
		}
		created += outs[i].Created
		existing += outs[i].Existing
	}
	if created != 1 || existing != n-1 {
		t.Errorf("created %d, existing %d; want 1 and %d", created, existing, n-1)
	}
	var rows int
	if err := ownerDB(t, env.h).Get(&rows, `SELECT count(*) FROM report_releases WHERE company_id = $1`, c.id); err != nil || rows != 1 {
		t.Fatalf("releases stored: %d (%v), want 1", rows, err)
	}
	b, _ := c.read(t, "from=2024-06&to=2024-06&by=department")
	if len(b.Months) != 1 || !b.Months[0].Released {
		t.Errorf("the release is not read: %+v", b.Months)
	}
}

func TestReportReleasesCannotBeChangedByTheApplicationRole(t *testing.T) {
	t.Parallel()
	env := newRepEnv(t)
	c := env.company(t, repDept{"営業部", 10})
	m := report.MonthOf(2024, time.June)
	c.hold(t, repSession{Emp: 0, Month: m, Theme: "career"})
	c.release(t, m)
	owner := ownerDB(t, env.h)
	var before []byte
	if err := owner.Get(&before, `SELECT body::text FROM report_releases WHERE company_id = $1`, c.id); err != nil {
		t.Fatal(err)
	}
	app := appDB(t, env.h)
	var visible int
	if err := app.Get(&visible, `SELECT count(*) FROM report_releases WHERE company_id = $1`, c.id); err != nil || visible != 1 {
		t.Fatalf("the application role sees %d releases (%v): the refusals below would prove nothing", visible, err)
	}
	for _, qy := range []string{
		`UPDATE report_releases SET body = '{}'`,
		`UPDATE report_releases SET released_at = now() - interval '1 year'`,
		`DELETE FROM report_releases`,
		`TRUNCATE report_releases`,
		`INSERT INTO report_releases (company_id, month, version, rho, body) VALUES ('` + c.id.String() + `', ` + strconv.Itoa(int(m)) + `, 1, 0.5, '{}')`,
	} {
		if _, err := app.Exec(qy); err == nil {
			t.Errorf("the application role ran %q", qy)
		}
	}
	var after []byte
	if err := owner.Get(&after, `SELECT body::text FROM report_releases WHERE company_id = $1`, c.id); err != nil || !bytes.Equal(before, after) {
		t.Fatalf("the release changed (%v)", err)
	}
}
