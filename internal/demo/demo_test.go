package demo_test

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/counselor"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/seal"
)

// TestMain runs the package against one PostgreSQL cluster, with cheap
// password hashes (the account package's tests keep the real ones).
func TestMain(m *testing.M) {
	account.UseInsecureTestHashes()
	dbtest.Main(m)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// count runs a count query with the system scope.
func count(t *testing.T, d *db.DB, q string, args ...any) int {
	t.Helper()
	var n int
	if err := d.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(context.Background(), &n, q, args...)
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	return n
}

// demoSeed is the demo as SeedDemo writes it: seeded once per test binary,
// cloned for each test that reads it. demoSeededFrom and demoSeededTo
// bound when it ran: what it computed from the clock (next_available_at)
// holds for an instant between them, not for a test's later "now".
var demoSeed = dbtest.Seed{Name: "demo", Fill: func(ctx context.Context, d *db.DB) error {
	demoSeededFrom = time.Now()
	defer func() { demoSeededTo = time.Now() }()
	return demo.SeedDemo(ctx, d, quiet)
}}

var demoSeededFrom, demoSeededTo time.Time

// seeded is a database of t's own holding the demo.
func seeded(t *testing.T) *db.DB {
	t.Helper()
	return dbtest.NewFrom(t, demoSeed).DB
}

// sealedKeys seal the private notes of sealedSeed's records; Fill sets
// them before any test reads them.
var sealedKeys *seal.Keyring

// sealedSeed is the demo with its records' and employees' notes sealed, as
// `make run` seeds it.
var sealedSeed = dbtest.Seed{Name: "demo-sealed", Fill: func(ctx context.Context, d *db.DB) error {
	spec, err := seal.NewKey("demo1")
	if err != nil {
		return err
	}
	if sealedKeys, err = seal.ParseKeys(spec); err != nil {
		return err
	}
	return demo.Seed(ctx, d, quiet, sealedKeys)
}}

// sealedSeeded is a database of t's own holding sealedSeed, and its keys.
func sealedSeeded(t *testing.T) (*db.DB, *seal.Keyring) {
	t.Helper()
	return dbtest.NewFrom(t, sealedSeed).DB, sealedKeys
}

// seedNow is a new database that t seeds itself, for tests of the seeding.
func seedNow(t *testing.T) *db.DB {
	t.Helper()
	env := dbtest.New(t)
	if err := demo.SeedDemo(context.Background(), env.DB, quiet); err != nil {
		t.Fatal(err)
	}
	return env.DB
}

func TestSeedDemoCreatesTheLoginsOfAPIMD(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	if n := count(t, d, `SELECT count(*) FROM users WHERE email = 'operator@taiwa.example' AND role = 'operator'`); n != 1 {
		t.Errorf("operator: %d", n)
	}
	for _, c := range []struct{ company, admin, plan string }{
		{"サンプル商事", "hr@sample-shoji.example", "subscription"},
		{"みなと物流", "hr@minato-logistics.example", "per_session"},
	} {
		n := count(t, d, `SELECT count(*) FROM users u JOIN companies c ON c.id = u.company_id
			JOIN contracts k ON k.company_id = c.id
			WHERE u.email = $1 AND u.role = 'company_admin' AND c.name = $2 AND k.plan_code = $3 AND k.status = 'active'
			  AND k.starts_on <= (now() AT TIME ZONE 'Asia/Tokyo')::date - interval '12 months'`, c.admin, c.company, c.plan)
		if n != 1 {
			t.Errorf("%s: admin %s with an active %s contract covering the last 12 months: %d", c.company, c.admin, c.plan, n)
		}
	}
	shoji := count(t, d, `SELECT count(*) FROM employees e JOIN users u ON u.id = e.user_id JOIN companies c ON c.id = e.company_id
		WHERE c.name = 'サンプル商事' AND u.email ~ '^emp[0-9]{4}@sample-shoji\.example$' AND u.role = 'employee'`)
	if shoji < 300 {
		t.Errorf("Sample Shoji employees with four-digit emails: %d, want ≥ 300", shoji)
	}
	if n := count(t, d, `SELECT count(*) FROM users WHERE email IN ('emp0001@sample-shoji.example', 'emp0300@sample-shoji.example', 'emp0001@minato-logistics.example')`); n != 3 {
		t.Errorf("known employee logins: %d of 3", n)
	}
	if n := count(t, d, `SELECT count(*) FROM employees e JOIN companies c ON c.id = e.company_id WHERE c.name = 'みなと物流'`); n < 100 {
		t.Errorf("Minato Logistics employees: %d", n)
	}
	if n := count(t, d, `SELECT count(DISTINCT age_band) FROM employees`); n != 5 {
		t.Errorf("age bands in use: %d, want 5 (20s–60s)", n)
	}
	if n := count(t, d, `SELECT count(DISTINCT tenure_band) FROM employees`); n != 4 {
		t.Errorf("tenure bands in use: %d, want 4", n)
	}
	if n := count(t, d, `SELECT count(*) FROM employees WHERE department_id IS NULL OR age_band IS NULL OR tenure_band IS NULL OR job_family = '' OR employee_code = ''`); n != 0 {
		t.Errorf("employees missing roster fields: %d", n)
	}
}

func TestSeedDemoHasSmallDepartmentsToSuppress(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	small := count(t, d, `SELECT count(*) FROM (
		SELECT d.id FROM departments d JOIN employees e ON e.company_id = d.company_id AND e.department_id = d.id
		GROUP BY d.id HAVING count(*) BETWEEN 1 AND 9) s`)
	if small < 1 {
		t.Errorf("departments with 1–9 employees: %d, want ≥ 1", small)
	}
	if n := count(t, d, `SELECT count(*) FROM departments d JOIN companies c ON c.id = d.company_id
		WHERE c.name = 'サンプル商事' AND d.path IN ('営業部/東京支店', '開発本部/プラットフォーム部', '管理本部/人事部', '広報室')`); n != 4 {
		t.Errorf("Sample Shoji's named departments: %d of 4", n)
	}
	if n := count(t, d, `SELECT count(*) FROM departments c JOIN departments p ON p.company_id = c.company_id AND p.id = c.parent_id
		WHERE c.path <> p.path || '/' || c.name`); n != 0 {
		t.Errorf("departments whose path does not extend their parent's: %d", n)
	}
}

func TestSeedDemoCounselorsOfferOnlyThemesTheirCredentialsAllow(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	type row struct {
		Email  string         `db:"email"`
		Themes pq.StringArray `db:"themes"`
		Kinds  pq.StringArray `db:"kinds"`
	}
	var rows []row
	err := d.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(context.Background(), &rows, `
			SELECT u.email, c.themes,
			       ARRAY(SELECT k.kind FROM credentials k WHERE k.counselor_id = c.id AND k.status = 'verified'
			             AND (k.expires_on IS NULL OR k.expires_on > current_date)) AS kinds
			FROM counselors c JOIN users u ON u.id = c.user_id
			WHERE c.status = 'verified' AND u.email ~ '^counselor[0-9]{3}@taiwa\.example$'
			  AND u.role = 'counselor' AND c.verified_at IS NOT NULL`)
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 200 {
		t.Fatalf("verified counsellors counselorNNN: %d, want ≥ 200", len(rows))
	}
	for _, r := range rows {
		if len(r.Kinds) == 0 {
			t.Errorf("%s has no verified credential", r.Email)
		}
		if len(r.Themes) == 0 {
			t.Errorf("%s offers no theme", r.Email)
		}
		for _, th := range r.Themes {
			if !counselor.ThemeAllowed(th, r.Kinds) {
				t.Errorf("%s offers %s with credentials %v", r.Email, th, r.Kinds)
			}
		}
	}
	for _, k := range counselor.CredentialKinds {
		if n := count(t, d, `SELECT count(*) FROM credentials WHERE kind = $1 AND status = 'verified'`, k); n == 0 {
			t.Errorf("no verified %s credential", k)
		}
	}
	for _, th := range counselor.Themes {
		if n := count(t, d, `SELECT count(*) FROM counselors WHERE status = 'verified' AND $1 = ANY(themes)`, th); n == 0 {
			t.Errorf("no counsellor offers %s", th)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM counselors WHERE 'en' = ANY(languages)`); n < 30 {
		t.Errorf("English-speaking counsellors: %d", n)
	}
	if n := count(t, d, `SELECT count(*) FROM counselors WHERE bio = '' OR kana = '' OR display_name = '' OR cardinality(formats) = 0
		OR cardinality(industries) = 0 OR cardinality(job_functions) = 0 OR rate_jpy = 0 OR gender IS NULL OR age_band IS NULL`); n != 0 {
		t.Errorf("counsellors with an incomplete profile: %d", n)
	}
	if n := count(t, d, `SELECT count(*) FROM credentials k JOIN counselors c ON c.id = k.counselor_id
		WHERE c.status = 'verified' AND k.status = 'verified' AND k.expires_on BETWEEN current_date AND current_date + 30`); n != 1 {
		t.Errorf("verified credentials expiring within 30 days: %d, want 1", n)
	}
}

func TestSeedDemoFillsTheVerificationQueue(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	n := count(t, d, `SELECT count(*) FROM counselors c JOIN users u ON u.id = c.user_id
		WHERE u.email ~ '^pending0[1-5]@taiwa\.example$' AND c.status = 'pending' AND c.verified_at IS NULL
		  AND EXISTS (SELECT 1 FROM credentials k WHERE k.counselor_id = c.id AND k.status = 'pending')
		  AND NOT EXISTS (SELECT 1 FROM credentials k WHERE k.counselor_id = c.id AND k.status = 'verified')`)
	if n != 5 {
		t.Errorf("pending counsellors with pending credentials: %d, want 5", n)
	}
}

func TestSeedDemoPasswordSignsIn(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	svc := &account.Service{DB: d, SessionTTL: time.Hour, MaxFailures: 10, MaxAttempts: 100, Window: 15 * time.Minute}
	for _, email := range []string{"operator@taiwa.example", "hr@sample-shoji.example", "hr@minato-logistics.example",
		"emp0001@sample-shoji.example", "counselor001@taiwa.example", "pending01@taiwa.example"} {
		s, err := svc.Login(context.Background(), email, demo.Password, "127.0.0.1", "")
		if err != nil {
			t.Errorf("%s: %v", email, err)
			continue
		}
		// Operators and counsellors owe a second factor: the password opens
		// its challenge, not a session (the shared demo TOTP secret answers
		// it; internal/api's TestDemoAccountsShareOneTOTPSecret).
		owesFactor := email == "operator@taiwa.example" || strings.HasPrefix(email, "counselor") || strings.HasPrefix(email, "pending")
		switch {
		case s.User.Email != email:
			t.Errorf("%s: signed in as %+v", email, s.User)
		case owesFactor && (s.MFA == nil || s.Token != ""):
			t.Errorf("%s: want a second-factor challenge and no token, got token %t, challenge %+v", email, s.Token != "", s.MFA)
		case !owesFactor && s.Token == "":
			t.Errorf("%s: no session token", email)
		}
	}
	if _, err := svc.Login(context.Background(), "operator@taiwa.example", "wrong-password-1", "127.0.0.1", ""); err == nil {
		t.Error("a wrong password signed in")
	}
}

func TestSeedDemoTwiceChangesNothing(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	all := []string{"users", "employees", "counselors", "credentials", "departments", "contracts", "companies",
		"bookings", "availability_settings", "availability_weekly", "availability_overrides", "outbox"}
	tables := make([]int, len(all))
	for i, tbl := range all {
		tables[i] = count(t, d, `SELECT count(*) FROM `+tbl)
	}
	if err := demo.SeedDemo(context.Background(), d, quiet); err != nil {
		t.Fatal(err)
	}
	for i, tbl := range all {
		if n := count(t, d, `SELECT count(*) FROM `+tbl); n != tables[i] {
			t.Errorf("%s: %d → %d", tbl, tables[i], n)
		}
	}
}

func TestSeedDemoIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := seeded(t), seedNow(t) // the template's seed and a new one
	q := `SELECT md5(string_agg(u.email || u.name || c.display_name || c.bio || array_to_string(c.themes, ','), '|' ORDER BY u.email))
		FROM counselors c JOIN users u ON u.id = c.user_id`
	var ha, hb string
	for _, x := range []struct {
		d *db.DB
		h *string
	}{{a, &ha}, {b, &hb}} {
		if err := x.d.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
			return tx.GetContext(context.Background(), x.h, q)
		}); err != nil {
			t.Fatal(err)
		}
	}
	if ha != hb {
		t.Errorf("two seeds differ: %s vs %s", ha, hb)
	}
	// Schedules and the sessions' shape; their times follow the clock.
	q = `SELECT md5(string_agg(u.email || ':' || a.timezone || a.slot_minutes || a.max_per_day || ':' ||
		(SELECT string_agg(w.weekday || w.start_time::text || w.end_time::text, ',' ORDER BY w.weekday, w.start_time)
		 FROM availability_weekly w WHERE w.counselor_id = c.id), '|' ORDER BY u.email))
		FROM counselors c JOIN users u ON u.id = c.user_id JOIN availability_settings a ON a.counselor_id = c.id`
	for _, x := range []struct {
		d *db.DB
		h *string
	}{{a, &ha}, {b, &hb}} {
		if err := x.d.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
			return tx.GetContext(context.Background(), x.h, q)
		}); err != nil {
			t.Fatal(err)
		}
	}
	if ha != hb {
		t.Errorf("two seeds' schedules differ: %s vs %s", ha, hb)
	}
}

func TestSeedScaleCreatesTheRequestedEmployeesAndSurvivesASecondRun(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	for range 2 {
		if err := demo.SeedScale(ctx, env.DB, 2000, quiet); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(t, env.DB, `SELECT count(*) FROM employees e JOIN companies c ON c.id = e.company_id
		JOIN users u ON u.id = e.user_id WHERE c.name = $1 AND u.email ~ '^scale[0-9]{6}@scale\.example$'`, demo.ScaleCompany); n != 2000 {
		t.Errorf("scale employees: %d, want 2000", n)
	}
	if n := count(t, env.DB, `SELECT count(*) FROM companies WHERE name = $1`, demo.ScaleCompany); n != 1 {
		t.Errorf("scale companies: %d", n)
	}
	if n := count(t, env.DB, `SELECT count(*) FROM counselors c JOIN users u ON u.id = c.user_id
		WHERE u.email LIKE 'scalecounselor%' AND c.status = 'verified'`); n != 100 {
		t.Errorf("scale counsellors: %d, want 100", n)
	}
	depts := count(t, env.DB, `SELECT count(*) FROM departments`)
	if depts < 50 || depts > 200 {
		t.Errorf("departments: %d, want about 5%% of 2000", depts)
	}
	if n := count(t, env.DB, `SELECT max(cardinality(string_to_array(path, '/'))) FROM departments`); n != 3 {
		t.Errorf("tree depth: %d, want 3", n)
	}
}
