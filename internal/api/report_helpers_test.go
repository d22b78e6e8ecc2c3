package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/alexedwards/argon2id"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/report"
)

// Helpers of the report tests (report_test.go, report_attack_test.go): a
// server with an operator and one verified counsellor, small companies
// built on it with SQL (roster, departments, held sessions of past
// months), releases published through the operator's API, and reports
// read through HR's API.

const repPass = "report-pass-2026"

// repEnv is one server: an operator client and a verified counsellor
// (career and mental health) whose sessions the companies hold.
type repEnv struct {
	h         *apptest.Harness
	op        *apptest.Client
	hash      string
	cslID     uuid.UUID
	cslUser   uuid.UUID
	cslEmail  string
	companies int
}

func newRepEnv(t *testing.T) *repEnv {
	t.Helper()
	h := apptest.New(t)
	t.Cleanup(func() { h.App.Reports.SetNoise(nil) })
	// The accounts' hash is argon2id with small parameters (a sign-in
	// checks against the parameters stored in the hash): the games sign
	// dozens of employees in, and the product's 64 MiB × 3 passes would
	// dominate the run under -race without testing anything here.
	hash, err := argon2id.CreateHash(repPass, &argon2id.Params{Memory: 1024, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32})
	if err != nil {
		t.Fatal(err)
	}
	e := &repEnv{h: h, hash: hash, cslEmail: "counselor@report.example"}
	err = h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		var p auth.Principal
		p, e.cslID = dbtest.Counsellor(t, tx, e.cslEmail, dbtest.PasswordHash(hash), dbtest.DisplayName("山田 花子"),
			dbtest.Themes("career", "mental_health"), dbtest.Formats("video"), dbtest.Credential("career_consultant", "16012345"),
			dbtest.CredentialOn("clinical_psychologist", "12345", "2015-04-01", "", ""))
		e.cslUser = p.UserID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	e.op = h.Operator()
	return e
}

// setNoise switches the noise of the releases made from now on: the
// product's exact discrete Gaussian (on) or none at all (off, the
// unprotected mechanism the attacks must beat).
func (e *repEnv) setNoise(on bool) {
	if on {
		e.h.App.Reports.SetNoise(nil)
		return
	}
	e.h.App.Reports.SetNoise(func() report.Noise { return report.UnsafeNoNoise{} })
}

// repDept is a department of a test company and its head count.
type repDept struct {
	Path string
	N    int
}

// repEmp is one roster entry the test made.
type repEmp struct {
	ID    uuid.UUID
	Email string
	Name  string
	Dept  string
}

// repCompany is a small company on a subscription with its HR signed in.
type repCompany struct {
	env      *repEnv
	id       uuid.UUID
	contract uuid.UUID
	hrEmail  string
	hr       *apptest.Client
	emps     []repEmp
	byDept   map[string][]int // department path → indices into emps
	slot     map[report.Month]int
}

// company makes a company with the departments given (one level each),
// their employees (age and tenure bands spread evenly) and an HR admin.
func (e *repEnv) company(t *testing.T, depts ...repDept) *repCompany {
	t.Helper()
	e.companies++
	n := e.companies
	c := &repCompany{env: e, byDept: map[string][]int{}, slot: map[report.Month]int{}, hrEmail: fmt.Sprintf("hr@c%d.report.example", n)}
	err := e.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		// The company has existed since 2000, so that releases of any
		// closed month are releases of months it lived through.
		c.id = dbtest.Company(t, tx, dbtest.Name(fmt.Sprintf("レポート商事%d", n)), dbtest.CreatedAt("2000-01-01T00:00:00+09:00"))
		c.contract = dbtest.Contract(t, tx, c.id, "subscription", dbtest.Term("2000-01-01", ""))
		pw := dbtest.PasswordHash(e.hash)
		dbtest.CompanyAdmin(t, tx, c.id, c.hrEmail, pw)
		k := 0
		for _, d := range depts {
			var did uuid.UUID
			if err := tx.Get(&did, `INSERT INTO departments (company_id, name, path) VALUES ($1, $2, $2) RETURNING id`, c.id, d.Path); err != nil {
				return err
			}
			for j := range d.N {
				emp := repEmp{Email: fmt.Sprintf("e%03d@c%d.report.example", k, n), Name: fmt.Sprintf("%s 社員%02d", d.Path, j+1), Dept: d.Path}
				emp.ID = dbtest.Employee(t, tx, c.id, emp.Email, dbtest.Name(emp.Name), pw,
					dbtest.Department(did), dbtest.Bands(report.AgeBands[1+k%3], report.TenureBands[k%4])).UserID
				c.byDept[d.Path] = append(c.byDept[d.Path], len(c.emps))
				c.emps = append(c.emps, emp)
				k++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c.hr = e.h.Login(c.hrEmail, repPass)
	return c
}

// login signs employee i in.
func (c *repCompany) login(t *testing.T, i int) *apptest.Client {
	t.Helper()
	return c.env.h.Login(c.emps[i].Email, repPass)
}

// path is the company's API path with suffix.
func (c *repCompany) path(suffix string) string {
	return "/api/v1/companies/" + c.id.String() + "/" + suffix
}

// repSession is one held session of a past month. Sat > 0 adds the
// employee's rating (satisfaction Sat, WHO-5 answers all 3).
type repSession struct {
	Emp   int
	Month report.Month
	Theme string
	Sat   int
}

// repMonthStart is the first instant of m in Japan time.
func repMonthStart(m report.Month) time.Time {
	return time.Date(int(m)/12, time.Month(int(m)%12+1), 1, 0, 0, 0, 0, japan.Zone)
}

// hold inserts completed bookings (and ratings) for ss, each at its own
// hour of its month, in one transaction.
func (c *repCompany) hold(t *testing.T, ss ...repSession) {
	t.Helper()
	if len(ss) == 0 {
		return
	}
	emps := make([]string, len(ss))
	starts := make([]string, len(ss))
	themes := make([]string, len(ss))
	sats := make([]int64, len(ss))
	for i, s := range ss {
		k := c.slot[s.Month]
		c.slot[s.Month]++
		if k >= 27*24 {
			t.Fatalf("too many sessions in %s", s.Month)
		}
		emps[i] = c.emps[s.Emp].ID.String()
		starts[i] = repMonthStart(s.Month).Add(time.Duration(k) * time.Hour).Format(time.RFC3339)
		themes[i] = s.Theme
		sats[i] = int64(s.Sat)
	}
	err := c.env.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`
			WITH x AS (
			  SELECT e, s, th, sat FROM unnest($5::uuid[], $6::timestamptz[], $7::text[], $8::int[]) AS x(e, s, th, sat)
			), b AS (
			  INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, contract_id, starts_at, ends_at,
			                        blocked_until, theme, format, status, completed_at)
			  SELECT $1, e, $2, $3, $4, s, s + interval '50 minutes', s + interval '50 minutes', th, 'video', 'completed', s + interval '50 minutes'
			  FROM x
			  RETURNING id, employee_user_id, starts_at
			)
			INSERT INTO session_feedback (company_id, booking_id, employee_user_id, counselor_id, satisfaction, fit, who5)
			SELECT $1, b.id, b.employee_user_id, $2, x.sat, 4, '{3,3,3,3,3}'
			FROM b JOIN x ON x.e = b.employee_user_id AND x.s = b.starts_at
			WHERE x.sat > 0`,
			c.id, c.env.cslID, c.env.cslUser, c.contract, pq.Array(emps), pq.Array(starts), pq.Array(themes), pq.Array(sats))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// repRelease is the answer of POST /api/v1/reports/releases.
type repRelease struct {
	Period   string `json:"period"`
	Created  int    `json:"created"`
	Existing int    `json:"existing"`
}

// releaseBody is the operator's request to publish m for this company.
func (c *repCompany) releaseBody(m report.Month) map[string]any {
	return map[string]any{"period": m.String(), "company_id": c.id}
}

// release publishes m through the operator's API and checks it was made.
func (c *repCompany) release(t *testing.T, m report.Month) {
	t.Helper()
	var out repRelease
	if st := c.env.op.Do("POST", "/api/v1/reports/releases", c.releaseBody(m), &out); st != http.StatusOK || out.Created != 1 || out.Period != m.String() {
		t.Fatalf("release %s: %d %+v", m, st, out)
	}
}

// releaseAll publishes every month of ms, four at a time (different
// months are independent releases).
func (c *repCompany) releaseAll(t *testing.T, ms []report.Month) {
	t.Helper()
	type answer struct {
		st  int
		out repRelease
	}
	answers := make([]answer, len(ms))
	next := make(chan int)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				r := post(c.env.op, "/api/v1/reports/releases", c.releaseBody(ms[i]))
				answers[i].st = r.Status
				_ = json.Unmarshal(r.Body, &answers[i].out)
			}
		}()
	}
	for i := range ms {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, a := range answers {
		if a.st != http.StatusOK || a.out.Created != 1 {
			t.Fatalf("release %s: %d %+v", ms[i], a.st, a.out)
		}
	}
}

// repCell is one row of a report as the API answers it.
type repCell struct {
	Key             string   `json:"key"`
	Keys            []string `json:"keys"`
	Sessions        *int     `json:"sessions"`
	Employees       *int     `json:"employees"`
	PersonMonths    *int     `json:"person_months"`
	SatisfactionAvg *float64 `json:"satisfaction_avg"`
	WellbeingAvg    *float64 `json:"wellbeing_avg"`
	Suppressed      bool     `json:"suppressed"`
	Reason          string   `json:"reason"`
	Below           []string `json:"below"`
	Months          int      `json:"months"`
}

// repBody is a report as the API answers it.
type repBody struct {
	MinGroup int       `json:"min_group"`
	From     string    `json:"from"`
	To       string    `json:"to"`
	By       string    `json:"by"`
	Cells    []repCell `json:"cells"`
	Total    struct {
		Sessions  *int `json:"sessions"`
		Employees *int `json:"employees"`
	} `json:"total"`
	Months []struct {
		Month       string `json:"month"`
		Released    bool   `json:"released"`
		PublishesOn string `json:"publishes_on"`
	} `json:"months"`
	Privacy struct {
		RhoMonth     float64 `json:"rho_month"`
		EpsilonMonth float64 `json:"epsilon_month"`
		EpsilonYear  float64 `json:"epsilon_year"`
		Delta        float64 `json:"delta"`
	} `json:"privacy"`
	Approximate bool `json:"approximate"`
}

// cell finds the row whose key is key.
func (b repBody) cell(key string) (repCell, bool) {
	for _, c := range b.Cells {
		if c.Key == key {
			return c, true
		}
	}
	return repCell{}, false
}

// read asks for the report (query without the leading "?") as HR and
// fails unless it answers 200.
func (c *repCompany) read(t *testing.T, query string) (repBody, apptest.Response) {
	t.Helper()
	r := c.hr.Raw("GET", c.path("reports?"+query), "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("GET reports?%s: %d %s", query, r.Status, r.Body)
	}
	var b repBody
	decode(t, r.Body, &b)
	return b, r
}

// repRosterEntry is what HR's roster API shows of one employee.
type repRosterEntry struct {
	ID         uuid.UUID `json:"id"`
	Name       string    `json:"name"`
	Department string    `json:"department"`
	AgeBand    *string   `json:"age_band"`
	TenureBand *string   `json:"tenure_band"`
}

// roster is the company's roster as HR reads it through the API: the
// attacker's knowledge of who is where.
func (c *repCompany) roster(t *testing.T) []repRosterEntry {
	t.Helper()
	var all []repRosterEntry
	for page := 1; ; page++ {
		var p struct {
			Items []repRosterEntry `json:"items"`
			Total int              `json:"total"`
		}
		if st := c.hr.Do("GET", c.path(fmt.Sprintf("employees?per_page=100&page=%d", page)), nil, &p); st != http.StatusOK {
			t.Fatalf("roster: %d", st)
		}
		all = append(all, p.Items...)
		if len(p.Items) == 0 || len(all) >= p.Total {
			return all
		}
	}
}

// headcount is how many of the roster are in department path.
func headcount(roster []repRosterEntry, path string) int {
	n := 0
	for _, e := range roster {
		if e.Department == path {
			n++
		}
	}
	return n
}

// monthRanges splits first..first+n-1 into report ranges of at most 24
// months, as from=…&to=… queries.
func monthRanges(first report.Month, n int) []string {
	var out []string
	for m := first; m < first+report.Month(n); m += report.MaxRangeMonths {
		last := min(m+report.MaxRangeMonths-1, first+report.Month(n)-1)
		out = append(out, "from="+m.String()+"&to="+last.String())
	}
	return out
}

// monthsFrom lists n months from first.
func monthsFrom(first report.Month, n int) []report.Month {
	out := make([]report.Month, n)
	for i := range out {
		out[i] = first + report.Month(i)
	}
	return out
}

// q escapes a query value.
func q(s string) string { return url.QueryEscape(s) }

// --- The privacy games -------------------------------------------------

// trialCoins are the secret bits of a game: a fair coin per trial from a
// seeded PCG, so a run can be replayed (the noise itself is the
// product's, from crypto/rand).
func trialCoins(attack, mode uint64, n int) []bool {
	r := rand.New(rand.NewPCG(20261206, attack<<8|mode))
	out := make([]bool, n)
	for i := range out {
		out[i] = r.IntN(2) == 1
	}
	return out
}

// sigma2Of is the noise variance of the measure named name.
func sigma2Of(t *testing.T, name string) float64 {
	t.Helper()
	for _, m := range report.Measures() {
		if m.Name == name {
			s := m.Sigma()
			return s * s
		}
	}
	t.Fatalf("no measure %q", name)
	return 0
}

// oneSessionMoves is how far one employee holding one session (no record,
// no rating) moves the numbers of their month's release, as the squared
// L2 change of each measure family: one participant and one session in
// the company's total, their department, age band and tenure band; one
// theme; one risk band ("unrecorded").
var oneSessionMoves = map[string]float64{
	"total.participants": 1, "total.sessions": 1,
	"department.participants": 1, "department.sessions": 1,
	"age_band.participants": 1, "age_band.sessions": 1,
	"tenure_band.participants": 1, "tenure_band.sessions": 1,
	"theme.participants": 1, "risk.participants": 1,
}

// gaussianBound is the most any attacker can win a balanced game whose
// two worlds' releases differ by moves (squared change per measure): the
// releases are Gaussian mechanisms, so telling the worlds apart is
// telling N(0, I) from N(v, I) with v_i = change_i/σ_i, and the best test
// is right with probability Φ(μ/2), μ = ‖v‖. μ never exceeds the month's
// budget sqrt(2ρ) when every change is within its measure's sensitivity;
// a μ above it means the test's own accounting is wrong.
func gaussianBound(t *testing.T, moves map[string]float64) (mu, bound float64) {
	t.Helper()
	var mu2 float64
	for name, d2 := range moves {
		mu2 += d2 / sigma2Of(t, name)
	}
	mu = math.Sqrt(mu2)
	if month := math.Sqrt(2 * float64(report.RhoNum) / float64(report.RhoDen)); mu > month+1e-9 {
		t.Fatalf("the worlds differ by μ = %.3f, more than one employee's month (%.3f): the game is not a neighbouring pair", mu, month)
	}
	return mu, phi(mu / 2)
}

// phi is the standard normal distribution function.
func phi(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// tolerance is three binomial standard deviations of an accuracy p over
// n trials: a one-sided allowance for sampling luck.
func tolerance(p float64, n int) float64 { return 3 * math.Sqrt(p*(1-p)/float64(n)) }

// judge checks a game's two runs: without noise the attacker must win
// (≥ 95%, which proves the attack is real), with noise it must not beat
// the bound by more than sampling luck.
func judge(t *testing.T, name string, n, off, on int, mu, bound float64) {
	t.Helper()
	offAcc, onAcc := float64(off)/float64(n), float64(on)/float64(n)
	limit := bound + tolerance(bound, n)
	t.Logf("%s: %d trials; noise off %.3f, noise on %.3f; bound Φ(μ/2) = %.3f (μ = %.3f), allowed up to %.3f",
		name, n, offAcc, onAcc, bound, mu, limit)
	if offAcc < 0.95 {
		t.Errorf("%s: without noise the attacker is right in %.3f of trials, want ≥ 0.95: the attack does not work, so the noise run proves nothing", name, offAcc)
	}
	if onAcc > limit {
		t.Errorf("%s: with noise the attacker is right in %.3f of trials, more than differential privacy allows (%.3f + %.3f)", name, onAcc, bound, tolerance(bound, n))
	}
}

// shownOr is a shown number, or alt when the report withholds it.
func shownOr(v *int, alt float64) float64 {
	if v == nil {
		return alt
	}
	return float64(*v)
}
