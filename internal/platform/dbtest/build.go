package dbtest

import (
	"context"
	"database/sql"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// Q runs statements at the system scope: a *sqlx.Tx opened with
// db.System, or an *Env (one system transaction per statement). The
// builders below write through it, so a fixture can make its rows in one
// transaction or one by one.
type Q interface {
	Get(dest any, query string, args ...any) error
	Exec(query string, args ...any) (sql.Result, error)
}

var _ Q = (*sqlx.Tx)(nil)

// Get runs query in its own transaction at the system scope and scans the
// single row into dest.
func (e *Env) Get(dest any, query string, args ...any) error {
	return e.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(dest, query, args...)
	})
}

// Exec runs query in its own transaction at the system scope.
func (e *Env) Exec(query string, args ...any) (sql.Result, error) {
	var res sql.Result
	err := e.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		var err error
		res, err = tx.Exec(query, args...)
		return err
	})
	return res, err
}

// Option varies a row a builder writes. Each builder reads the options
// that apply to its table and ignores the others.
type Option func(*spec)

type spec struct {
	id           uuid.UUID
	userID       uuid.UUID // a counsellor's user
	name         string
	createdAt    any
	passwordHash any
	locale       string

	// employees
	departmentID any
	ageBand      any
	tenureBand   any

	// contracts
	seats    int
	startsOn string
	endsOn   any
	status   string

	// counsellors
	displayName  string
	themes       []string
	formats      []string
	rateJPY      int64
	verifiedAt   any
	verifiedSet  bool
	verifiedAgo  any // an interval before verifiedAt
	gender       any
	counselorAge any
	years        int
	languages    []string
	industries   []string
	jobFunctions []string
	ratingAvg    any
	ratingCount  int
	nextAt       any
	credentials  []credential
}

// credential is one credential of a counsellor.
type credential struct {
	kind, registration, issuedOn string
	expiresOn                    any
	status                       string
}

func build(opts []Option) spec {
	var s spec
	for _, o := range opts {
		o(&s)
	}
	return s
}

func or(v, def string) string {
	if v == "" {
		return def
	}
	return v
}

func orID(id uuid.UUID) uuid.UUID {
	if id == uuid.Nil {
		return uuid.New()
	}
	return id
}

// ID gives the row this id instead of a random one.
func ID(id uuid.UUID) Option { return func(s *spec) { s.id = id } }

// UserID gives a counsellor's user this id (ID is the profile's).
func UserID(id uuid.UUID) Option { return func(s *spec) { s.userID = id } }

// Name names a company or a person.
func Name(name string) Option { return func(s *spec) { s.name = name } }

// CreatedAt sets created_at (of a company, or of an employee's row).
func CreatedAt(at any) Option { return func(s *spec) { s.createdAt = at } }

// PasswordHash sets a user's password hash (account.HashPassword), for a
// test that signs in. Without it the user has no password.
func PasswordHash(hash string) Option { return func(s *spec) { s.passwordHash = hash } }

// Locale sets a user's locale ("ja" by default).
func Locale(locale string) Option { return func(s *spec) { s.locale = locale } }

// Department puts an employee in a department.
func Department(id uuid.UUID) Option { return func(s *spec) { s.departmentID = id } }

// Bands sets an employee's age and tenure bands.
func Bands(age, tenure string) Option {
	return func(s *spec) { s.ageBand, s.tenureBand = age, tenure }
}

// Seats sets a contract's seats (100 by default).
func Seats(n int) Option { return func(s *spec) { s.seats = n } }

// Term sets a contract's first day and last day ("" for open-ended). The
// default is from 2020-01-01, open-ended.
func Term(startsOn, endsOn string) Option {
	return func(s *spec) {
		s.startsOn = startsOn
		if endsOn != "" {
			s.endsOn = endsOn
		}
	}
}

// Status sets a contract's status (active, or trial for the trial plan) or
// a counsellor's (verified).
func Status(status string) Option { return func(s *spec) { s.status = status } }

// DisplayName sets a counsellor's public name ("" by default, as a new
// profile has).
func DisplayName(name string) Option { return func(s *spec) { s.displayName = name } }

// Themes sets a counsellor's themes.
func Themes(themes ...string) Option { return func(s *spec) { s.themes = themes } }

// Formats sets a counsellor's session formats.
func Formats(formats ...string) Option { return func(s *spec) { s.formats = formats } }

// Rate sets a counsellor's fee per session in yen.
func Rate(jpy int64) Option { return func(s *spec) { s.rateJPY = jpy } }

// VerifiedAt sets a counsellor's verified_at (now by default); nil leaves
// it empty.
func VerifiedAt(at any) Option { return func(s *spec) { s.verifiedAt, s.verifiedSet = at, true } }

// VerifiedAgo sets a counsellor's verified_at to interval (e.g. "1 year")
// before the transaction's time.
func VerifiedAgo(interval string) Option {
	return func(s *spec) { s.verifiedAt, s.verifiedSet, s.verifiedAgo = "now", true, interval }
}

// Profile sets a counsellor's gender, age band ("" leaves either empty)
// and years of experience.
func Profile(gender, ageBand string, years int) Option {
	return func(s *spec) {
		s.gender, s.counselorAge, s.years = nullable(gender), nullable(ageBand), years
	}
}

// nullable is v, or nil (SQL NULL) for "".
func nullable(v string) any {
	if v == "" {
		return nil
	}
	return v
}

// Languages sets a counsellor's languages.
func Languages(langs ...string) Option { return func(s *spec) { s.languages = langs } }

// Industries sets a counsellor's industries.
func Industries(industries ...string) Option { return func(s *spec) { s.industries = industries } }

// JobFunctions sets a counsellor's job functions.
func JobFunctions(functions ...string) Option { return func(s *spec) { s.jobFunctions = functions } }

// Rating sets a counsellor's average rating and the number of ratings
// (none by default).
func Rating(avg float64, count int) Option {
	return func(s *spec) { s.ratingAvg, s.ratingCount = avg, count }
}

// NextAvailable sets a counsellor's next_available_at (empty by default).
func NextAvailable(at any) Option { return func(s *spec) { s.nextAt = at } }

// Credential gives a counsellor a verified credential of kind (e.g.
// career_consultant) with registration number, issued 2020-04-01, not
// expiring. Each Credential adds one.
func Credential(kind, number string) Option {
	return CredentialOn(kind, number, "2020-04-01", "", "")
}

// CredentialOn is Credential issued on issuedOn, expiring on expiresOn
// ("" never) with status ("" verified).
func CredentialOn(kind, number, issuedOn, expiresOn, status string) Option {
	c := credential{kind, number, issuedOn, nullable(expiresOn), or(status, "verified")}
	return func(s *spec) { s.credentials = append(s.credentials, c) }
}

// Company inserts a company (named テスト株式会社 unless Name says
// otherwise) and returns its id. Options: ID, Name, CreatedAt.
func Company(t testing.TB, q Q, opts ...Option) uuid.UUID {
	t.Helper()
	s := build(opts)
	id := orID(s.id)
	if _, err := q.Exec(`INSERT INTO companies (id, name, created_at) VALUES ($1, $2, COALESCE($3::timestamptz, now()))`,
		id, or(s.name, "テスト株式会社"), s.createdAt); err != nil {
		t.Fatalf("insert company: %v", err)
	}
	return id
}

// Contract inserts a contract of the company on plan and returns its id:
// 100 seats from 2020-01-01, open-ended, active (trial on the trial plan).
// Options: ID, Seats, Term, Status.
func Contract(t testing.TB, q Q, companyID uuid.UUID, plan string, opts ...Option) uuid.UUID {
	t.Helper()
	s := build(opts)
	id := orID(s.id)
	status := s.status
	if status == "" {
		status = "active"
		if plan == "trial" {
			status = "trial"
		}
	}
	seats := s.seats
	if seats == 0 {
		seats = 100
	}
	if _, err := q.Exec(`INSERT INTO contracts (company_id, id, plan_code, seats, starts_on, ends_on, status) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		companyID, id, plan, seats, or(s.startsOn, "2020-01-01"), s.endsOn, status); err != nil {
		t.Fatalf("insert contract: %v", err)
	}
	return id
}

// user inserts a user row and returns its id.
func user(t testing.TB, q Q, companyID any, email, role, defName string, s spec) uuid.UUID {
	t.Helper()
	id := orID(s.id)
	if _, err := q.Exec(`INSERT INTO users (id, company_id, email, name, role, password_hash, locale) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		id, companyID, email, or(s.name, defName), role, s.passwordHash, or(s.locale, "ja")); err != nil {
		t.Fatalf("insert %s %s: %v", role, email, err)
	}
	return id
}

// Employee inserts an employee of the company (a user named 社員 and the
// employees row) and returns the principal. Options: ID, Name,
// PasswordHash, Locale, Department, Bands, CreatedAt (of the employees
// row).
func Employee(t testing.TB, q Q, companyID uuid.UUID, email string, opts ...Option) auth.Principal {
	t.Helper()
	s := build(opts)
	id := user(t, q, companyID, email, "employee", "社員", s)
	if _, err := q.Exec(`INSERT INTO employees (company_id, user_id, department_id, age_band, tenure_band, created_at)
		VALUES ($1, $2, $3, $4, $5, COALESCE($6::timestamptz, now()))`,
		companyID, id, s.departmentID, s.ageBand, s.tenureBand, s.createdAt); err != nil {
		t.Fatalf("insert employee %s: %v", email, err)
	}
	return auth.Principal{UserID: id, Role: auth.RoleEmployee, CompanyID: companyID}
}

// CompanyAdmin inserts an administrator of the company (named 人事) and
// returns the principal. Options: ID, Name, PasswordHash, Locale.
func CompanyAdmin(t testing.TB, q Q, companyID uuid.UUID, email string, opts ...Option) auth.Principal {
	t.Helper()
	id := user(t, q, companyID, email, "company_admin", "人事", build(opts))
	return auth.Principal{UserID: id, Role: auth.RoleCompanyAdmin, CompanyID: companyID}
}

// Operator inserts a platform operator (named 運営) and returns the
// principal. Options: ID, Name, PasswordHash, Locale.
func Operator(t testing.TB, q Q, email string, opts ...Option) auth.Principal {
	t.Helper()
	id := user(t, q, nil, email, "operator", "運営", build(opts))
	return auth.Principal{UserID: id, Role: auth.RoleOperator}
}

// Counsellor inserts a counsellor's user (named 相談 花子) and profile and
// returns the principal and the profile's id. The profile is verified (now)
// with the schema's defaults unless options say otherwise. Options: ID (of
// the profile), UserID, Name, PasswordHash, Locale, Status, DisplayName, Themes,
// Formats, Rate, VerifiedAt, VerifiedAgo, Profile, Languages, Industries,
// JobFunctions, Rating, NextAvailable, Credential, CredentialOn.
func Counsellor(t testing.TB, q Q, email string, opts ...Option) (auth.Principal, uuid.UUID) {
	t.Helper()
	s := build(opts)
	profile := orID(s.id)
	s.id = s.userID
	uid := user(t, q, nil, email, "counselor", "相談 花子", s)
	arr := func(v []string) any {
		if v == nil {
			v = []string{}
		}
		return pq.Array(v)
	}
	var verifiedAt any = "now" // PostgreSQL reads 'now' as the transaction's time
	if s.verifiedSet {
		verifiedAt = s.verifiedAt
	}
	if _, err := q.Exec(`INSERT INTO counselors (id, user_id, status, display_name, themes, formats, rate_jpy, verified_at,
			gender, age_band, years_experience, languages, industries, job_functions, rating_avg, rating_count, next_available_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz - COALESCE($9::interval, '0'), $10, $11, $12, $13, $14, $15, $16, $17, $18)`,
		profile, uid, or(s.status, "verified"), s.displayName, arr(s.themes), arr(s.formats), s.rateJPY, verifiedAt, s.verifiedAgo,
		s.gender, s.counselorAge, s.years, arr(s.languages), arr(s.industries), arr(s.jobFunctions), s.ratingAvg, s.ratingCount, s.nextAt); err != nil {
		t.Fatalf("insert counsellor %s: %v", email, err)
	}
	for _, c := range s.credentials {
		if _, err := q.Exec(`INSERT INTO credentials (counselor_id, kind, registration_number, issued_on, expires_on, status, verified_at)
			VALUES ($1, $2, $3, $4, $5, $6, now())`, profile, c.kind, c.registration, c.issuedOn, c.expiresOn, c.status); err != nil {
			t.Fatalf("insert credential of %s: %v", email, err)
		}
	}
	return auth.Principal{UserID: uid, Role: auth.RoleCounselor}, profile
}
