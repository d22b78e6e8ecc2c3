package booking_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// testClock is a clock the tests move.
type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time      { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *testClock) Set(t time.Time)     { c.mu.Lock(); c.t = t; c.mu.Unlock() }
func (c *testClock) Add(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// fixture is a company with a contract and employees, its admin, and a
// listed counsellor (career consultant: themes career, onboarding and the
// not-allowed harassment; video only) working Monday to Friday 09:00–17:00
// in Tokyo, 50-minute slots, 10-minute buffer, 12 h notice, 30 days, 6 a
// day. The clock starts on Monday 2 March 2026, 00:00 in Tokyo.
type fixture struct {
	env       *dbtest.Env
	svc       *booking.Service
	clock     *testClock
	companyID uuid.UUID
	emps      []auth.Principal
	admin     auth.Principal
	counselor auth.Principal
	cid       uuid.UUID
}

func jst(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s+"+09:00")
	if err != nil {
		panic(err)
	}
	return t
}

func exec(t testing.TB, env *dbtest.Env, q string, args ...any) {
	t.Helper()
	if err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

func newFixture(t testing.TB, plan string, employees int) *fixture {
	t.Helper()
	env := dbtest.New(t)
	f := &fixture{env: env, clock: &testClock{t: jst("2026-03-02T00:00:00")}}
	f.svc = &booking.Service{DB: env.DB, Clock: f.clock.Now}
	ctx := context.Background()
	err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		f.companyID = newCompany(t, tx, plan)
		for i := range employees {
			f.emps = append(f.emps, newEmployee(t, tx, f.companyID, fmt.Sprintf("e%d@co.example", i)))
		}
		f.admin = dbtest.CompanyAdmin(t, tx, f.companyID, "hr@co.example")
		f.counselor, f.cid = dbtest.Counsellor(t, tx, "c@counsel.example", dbtest.DisplayName("山田 花子"),
			dbtest.Themes("career", "onboarding", "harassment"), dbtest.Formats("video"), dbtest.Credential("career_consultant", "16012345"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	a := booking.Availability{Timezone: "Asia/Tokyo", SlotMinutes: 50, BufferMinutes: 10, MinNoticeMinutes: 720, HorizonDays: 30, MaxPerDay: 6}
	for d := 1; d <= 5; d++ {
		a.Weekly = append(a.Weekly, booking.WeeklyRange{Weekday: d, Start: "09:00", End: "17:00"})
	}
	if _, err := f.svc.SetAvailability(ctx, f.counselor, a); err != nil {
		t.Fatal(err)
	}
	return f
}

// newCompany makes a company with a contract on plan from 2020 ("" for
// none).
func newCompany(t testing.TB, tx *sqlx.Tx, plan string) uuid.UUID {
	t.Helper()
	id := dbtest.Company(t, tx, dbtest.Name("サンプル"))
	if plan != "" {
		dbtest.Contract(t, tx, id, plan, dbtest.Status("active"))
	}
	return id
}

func newEmployee(t testing.TB, tx *sqlx.Tx, companyID uuid.UUID, email string) auth.Principal {
	t.Helper()
	return dbtest.Employee(t, tx, companyID, email)
}

func (f *fixture) book(emp auth.Principal, start string) (booking.Booking, error) {
	return f.svc.Book(context.Background(), emp, booking.NewBooking{CounselorID: f.cid, Start: jst(start), Theme: "career", Format: "video"}, "")
}

func (f *fixture) mustBook(t testing.TB, emp auth.Principal, start string) booking.Booking {
	t.Helper()
	b, err := f.book(emp, start)
	if err != nil {
		t.Fatalf("book %s: %v", start, err)
	}
	return b
}

// count runs a count query in scope s.
func (f *fixture) count(t testing.TB, s db.Scope, q string, args ...any) int {
	t.Helper()
	var n int
	if err := f.env.DB.InTx(context.Background(), s, func(tx *sqlx.Tx) error { return tx.Get(&n, q, args...) }); err != nil {
		t.Fatal(err)
	}
	return n
}
