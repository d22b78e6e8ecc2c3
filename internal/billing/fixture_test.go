package billing_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// fixture is a database with counsellors, companies and sessions written
// directly (the billing run reads them as the booking package leaves them).
type fixture struct {
	t         *testing.T
	env       *dbtest.Env
	svc       *billing.Service
	now       time.Time
	counselor uuid.UUID
	operator  auth.Principal
}

func newFixture(t *testing.T, now time.Time) *fixture {
	t.Helper()
	env := dbtest.New(t)
	f := &fixture{t: t, env: env, now: now}
	f.svc = &billing.Service{DB: env.DB, Clock: func() time.Time { return f.now }}
	f.operator = dbtest.Operator(t, env, "op@x.example", dbtest.Name("Op"))
	_, f.counselor = dbtest.Counsellor(t, env, "c@x.example", dbtest.Name("C"), dbtest.DisplayName("カウンセラー"), dbtest.Rate(8000), dbtest.VerifiedAt(nil))
	return f
}

func (f *fixture) exec(q string, args ...any) {
	f.t.Helper()
	if err := f.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	}); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

func (f *fixture) get(dst any, q string, args ...any) {
	f.t.Helper()
	if err := f.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(dst, q, args...)
	}); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

// company makes a company with employees and one contract.
type company struct {
	id        uuid.UUID
	contract  uuid.UUID
	employees []uuid.UUID
	admin     auth.Principal
}

func (f *fixture) company(plan string, employees int, startsOn string, endsOn *string) *company {
	f.t.Helper()
	c := &company{}
	c.id = dbtest.Company(f.t, f.env)
	c.contract = f.contract(c.id, plan, startsOn, endsOn)
	c.admin = dbtest.CompanyAdmin(f.t, f.env, c.id, fmt.Sprintf("hr-%s@x.example", c.id), dbtest.Name("HR"))
	for i := 0; i < employees; i++ {
		e := dbtest.Employee(f.t, f.env, c.id, fmt.Sprintf("e%d-%s@x.example", i, c.id), dbtest.Name("E"), dbtest.CreatedAt("2020-01-01"))
		c.employees = append(c.employees, e.UserID)
	}
	return c
}

func (f *fixture) contract(companyID uuid.UUID, plan, startsOn string, endsOn *string) uuid.UUID {
	f.t.Helper()
	end := ""
	if endsOn != nil {
		end = *endsOn
	}
	return dbtest.Contract(f.t, f.env, companyID, plan, dbtest.Term(startsOn, end))
}

// session writes a booking of the company's first employee with the
// fixture's counsellor at start (JST wall clock "2026-03-15 10:00") with
// status.
func (f *fixture) session(c *company, start, status string) uuid.UUID {
	f.t.Helper()
	return f.sessionWith(c, f.counselor, start, status)
}

// newCounselor adds a verified counsellor earning rate per session.
func (f *fixture) newCounselor(name string, rate int64) uuid.UUID {
	f.t.Helper()
	_, id := dbtest.Counsellor(f.t, f.env, uuid.NewString()+"@x.example", dbtest.Name(name), dbtest.DisplayName(name), dbtest.Rate(rate), dbtest.VerifiedAt(nil))
	return id
}

// sessionWith is session with another counsellor.
func (f *fixture) sessionWith(c *company, counselor uuid.UUID, start, status string) uuid.UUID {
	f.t.Helper()
	at, err := time.ParseInLocation("2006-01-02 15:04", start, billing.JST)
	if err != nil {
		f.t.Fatal(err)
	}
	var cu uuid.UUID
	f.get(&cu, `SELECT user_id FROM counselors WHERE id = $1`, counselor)
	var id uuid.UUID
	f.get(&id, `INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, contract_id, starts_at, ends_at, blocked_until, theme, format, status, cancelled_by)
		VALUES ($1, $2, $3, $4, $5, $6, $6::timestamptz + interval '50 minutes', $6::timestamptz + interval '60 minutes', 'career', 'video', $7,
		  CASE WHEN $7 IN ('late_cancelled', 'cancelled') THEN 'employee' END) RETURNING id`,
		c.id, c.employees[0], counselor, cu, c.contract, at, status)
	return id
}

func (f *fixture) run(period string) billing.RunResult {
	f.t.Helper()
	res, err := f.svc.Run(context.Background(), f.operator, period)
	if err != nil {
		f.t.Fatalf("run %s: %v", period, err)
	}
	checkInvariants(f.t, f.env.DB)
	return res
}

// invoiceOf returns the company's invoice for period, with lines.
func (f *fixture) invoiceOf(c *company, period string) billing.Invoice {
	f.t.Helper()
	var id uuid.UUID
	f.get(&id, `SELECT id FROM invoices WHERE company_id = $1 AND period = $2`, c.id, period)
	inv, err := f.svc.Invoice(context.Background(), c.admin, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return inv
}

// checkInvariants proves the ledger's rules over the whole database: lines
// sum to the subtotal, tax is floor(10%), and every billable session of an
// invoiced month sits on exactly one line (net of reversals).
func checkInvariants(t testing.TB, d *db.DB) {
	t.Helper()
	err := d.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		var bad []string
		if err := tx.Select(&bad, `
			SELECT i.number FROM invoices i
			WHERE i.subtotal_jpy <> COALESCE((SELECT sum(amount_jpy) FROM invoice_lines l WHERE l.company_id = i.company_id AND l.invoice_id = i.id), 0)
			   OR i.tax_jpy <> floor(i.subtotal_jpy * 10 / 100.0)::bigint OR i.total_jpy <> i.subtotal_jpy + i.tax_jpy`); err != nil {
			return err
		}
		if len(bad) > 0 {
			t.Errorf("invoices whose lines, tax or total do not add up: %v", bad)
		}
		var missing, twice, stale int
		if err := tx.Get(&missing, `
			SELECT count(*) FROM bookings b
			WHERE b.status IN ('completed', 'late_cancelled', 'no_show') AND b.contract_id IS NOT NULL
			  AND EXISTS (SELECT 1 FROM invoices i WHERE i.company_id = b.company_id AND i.period = to_char(b.starts_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM'))
			  AND NOT EXISTS (SELECT 1 FROM billed_sessions s WHERE s.booking_id = b.id AND s.reversed_invoice_id IS NULL)
			  AND NOT EXISTS (SELECT 1 FROM billed_sessions s WHERE s.booking_id = b.id) -- a late one waits for the next invoice
			`); err != nil {
			return err
		}
		if err := tx.Get(&twice, `SELECT count(*) FROM (SELECT booking_id FROM billed_sessions WHERE reversed_invoice_id IS NULL GROUP BY booking_id HAVING count(*) > 1) x`); err != nil {
			return err
		}
		// Each line's quantity equals its sessions (net), for session lines.
		if err := tx.Get(&stale, `
			SELECT count(*) FROM invoice_lines l
			WHERE l.kind IN ('sessions', 'late_cancellations', 'no_shows', 'overage')
			  AND l.quantity <> (SELECT count(*) FROM billed_sessions s WHERE s.company_id = l.company_id AND s.invoice_id = l.invoice_id AND s.line_position = l.position)`); err != nil {
			return err
		}
		if missing+twice+stale > 0 {
			t.Errorf("billable sessions unbilled: %d, billed twice: %d, session lines whose quantity differs from their sessions: %d", missing, twice, stale)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func uuidOf(t testing.TB, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}
