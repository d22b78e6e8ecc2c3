package billing_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

func TestRunBillsAPerSessionCompanyOnceWithTaxRoundedDown(t *testing.T) {
	t.Parallel()
	f := newFixture(t, time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
	c := f.company("per_session", 3, "2025-01-01", nil)
	for _, s := range [][2]string{{"2026-03-02 10:00", "completed"}, {"2026-03-03 10:00", "completed"}, {"2026-03-04 10:00", "late_cancelled"},
		{"2026-03-05 10:00", "no_show"}, {"2026-03-06 10:00", "cancelled"}, {"2026-04-01 08:00", "completed"}, {"2026-03-01 08:59", "completed"}} {
		f.session(c, s[0], s[1])
	}
	res := f.run("2026-03")
	if res.InvoicesCreated != 1 || res.InvoicesUnchanged != 0 {
		t.Fatalf("first run: %+v", res)
	}
	inv := f.invoiceOf(c, "2026-03")
	// 3 held (incl. 1 March 08:59 JST), 1 late, 1 no-show at 15,000.
	if inv.SubtotalJPY != 75000 || inv.TaxJPY != 7500 || inv.TotalJPY != 82500 || inv.Status != "not_sent" {
		t.Fatalf("invoice: %+v", inv)
	}
	if len(inv.Lines) != 3 || inv.Lines[0].Kind != "sessions" || inv.Lines[0].Quantity != 3 || inv.Lines[1].Kind != "late_cancellations" || inv.Lines[2].Kind != "no_shows" {
		t.Fatalf("lines: %+v", inv.Lines)
	}
	if inv.IssuedOn != "2026-04-01" || inv.DueOn != "2026-04-30" {
		t.Fatalf("dates: issued %s due %s", inv.IssuedOn, inv.DueOn)
	}
	if res := f.run("2026-03"); res.InvoicesCreated != 0 || res.InvoicesUnchanged != 1 {
		t.Fatalf("second run: %+v, want unchanged", res)
	}
}

func TestRunRefusesBadPeriodsAndMonthsNotEnded(t *testing.T) {
	t.Parallel()
	f := newFixture(t, time.Date(2026, 3, 31, 14, 59, 0, 0, time.UTC)) // 23:59 JST on the 31st
	for _, c := range []struct {
		period string
		code   apperr.Code
		reason string
	}{
		{"2026-3", apperr.CodeInvalid, "invalid_input"}, {"", apperr.CodeInvalid, "invalid_input"}, {"1999-12", apperr.CodeInvalid, "invalid_input"},
		{"9999-01", apperr.CodeInvalid, "invalid_input"}, {"2026-03", apperr.CodeUnprocessable, "period_not_ended"}, {"2026-04", apperr.CodeUnprocessable, "period_not_ended"},
	} {
		_, err := f.svc.Run(context.Background(), f.operator, c.period)
		e, ok := apperr.As(err)
		if !ok || e.Code != c.code || e.APICode() != c.reason {
			t.Errorf("Run(%q) = %v, want %s/%s", c.period, err, c.code, c.reason)
		}
		if ok && e.Code == apperr.CodeInvalid && e.Fields["period"] == "" {
			t.Errorf("Run(%q): no field period in %v", c.period, e.Fields)
		}
	}
	if _, err := f.svc.Run(context.Background(), auth.Principal{Role: auth.RoleCompanyAdmin}, "2026-02"); !apperr.Is(err, apperr.CodeForbidden) {
		t.Errorf("a company admin ran billing: %v", err)
	}
}

func TestCorrectionsAfterAnInvoiceBecomeAdjustmentLinesOnTheNext(t *testing.T) {
	t.Parallel()
	f := newFixture(t, time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
	c := f.company("per_session", 2, "2025-01-01", nil)
	held := f.session(c, "2026-03-02 10:00", "completed")
	noShow := f.session(c, "2026-03-03 10:00", "no_show")
	pending := f.session(c, "2026-03-04 10:00", "confirmed") // completed late
	f.run("2026-03")
	march := f.invoiceOf(c, "2026-03")
	if march.SubtotalJPY != 30000 {
		t.Fatalf("march subtotal %d", march.SubtotalJPY)
	}
	// After the invoice: the confirmed one is completed, the no-show reversed.
	f.exec(`UPDATE bookings SET status = 'completed' WHERE id = $1`, pending)
	f.exec(`UPDATE bookings SET status = 'cancelled' WHERE id = $1`, noShow)
	f.session(c, "2026-04-10 10:00", "completed")
	f.now = time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	f.run("2026-04")
	if again := f.invoiceOf(c, "2026-03"); again.SubtotalJPY != 30000 || len(again.Lines) != len(march.Lines) {
		t.Fatalf("the sent March invoice was rewritten: %+v", again)
	}
	april := f.invoiceOf(c, "2026-04")
	want := []struct {
		kind string
		qty  int64
		amt  int64
	}{{"sessions", 1, 15000}, {"adjustment", 1, 15000}, {"adjustment", -1, -15000}}
	if len(april.Lines) != len(want) {
		t.Fatalf("april lines %+v", april.Lines)
	}
	for i, w := range want {
		if l := april.Lines[i]; l.Kind != w.kind || l.Quantity != w.qty || l.AmountJPY != w.amt {
			t.Errorf("line %d = %+v, want %+v", i, l, w)
		}
	}
	if april.SubtotalJPY != 15000 || april.TaxJPY != 1500 {
		t.Fatalf("april %+v", april)
	}
	_ = held
}

func TestContractChangeAtAMonthBoundaryBillsEachMonthOnItsPlan(t *testing.T) {
	t.Parallel()
	f := newFixture(t, time.Date(2026, 3, 15, 0, 0, 0, 0, time.UTC))
	c := f.company("trial", 1, "2026-02-01", nil)
	if _, err := f.svc.ChangeContract(context.Background(), f.operator, c.id, billing.ContractChange{PlanCode: "subscription", Seats: 10, StartsOn: "2026-03-15"}); !apperr.Is(err, apperr.CodeInvalid) {
		t.Fatalf("mid-month change: %v, want invalid starts_on", err)
	}
	if _, err := f.svc.ChangeContract(context.Background(), f.operator, c.id, billing.ContractChange{PlanCode: "subscription", Seats: 10, StartsOn: "2026-03-01"}); err != nil {
		t.Fatal(err)
	}
	f.session(c, "2026-02-10 10:00", "completed")
	f.now = time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC)
	f.run("2026-02")
	f.run("2026-03")
	if feb := f.invoiceOf(c, "2026-02"); feb.SubtotalJPY != 0 || len(feb.Lines) != 1 || feb.Lines[0].Quantity != 1 {
		t.Fatalf("trial February: %+v", feb)
	}
	if mar := f.invoiceOf(c, "2026-03"); mar.SubtotalJPY != 300000 || mar.TaxJPY != 30000 {
		t.Fatalf("subscription March: %+v", mar)
	}
}

func TestCompanyAdminSeesOnlyOwnInvoicesAndNoBilledSessions(t *testing.T) {
	t.Parallel()
	f := newFixture(t, time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
	a := f.company("per_session", 1, "2025-01-01", nil)
	b := f.company("per_session", 1, "2025-01-01", nil)
	f.session(a, "2026-03-02 10:00", "completed")
	f.session(b, "2026-03-02 10:00", "completed")
	f.run("2026-03")
	ctx := context.Background()
	invB := f.invoiceOf(b, "2026-03")
	if _, err := f.svc.Invoice(ctx, a.admin, invB.ID); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("A read B's invoice: %v", err)
	}
	if _, err := f.svc.Invoices(ctx, a.admin, b.id); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("A listed B's invoices: %v", err)
	}
	if list, err := f.svc.Invoices(ctx, a.admin, a.id); err != nil || len(list) != 1 {
		t.Fatalf("A's own invoices: %v %d", err, len(list))
	}
	employee := auth.Principal{UserID: a.employees[0], CompanyID: a.id, Role: auth.RoleEmployee}
	if _, err := f.svc.Invoices(ctx, employee, a.id); !apperr.Is(err, apperr.CodeForbidden) {
		t.Fatalf("an employee listed invoices: %v", err)
	}
	var n int
	if err := f.env.DB.InTx(ctx, a.admin.Scope(), func(tx *sqlx.Tx) error {
		return tx.Get(&n, `SELECT (SELECT count(*) FROM billed_sessions) + (SELECT count(*) FROM invoices WHERE company_id <> $1)`, a.id)
	}); err != nil || n != 0 {
		t.Fatalf("a company admin's scope sees %d billed sessions or foreign invoices (%v)", n, err)
	}
}

func TestTwoRunsAtOnceBillEachCompanyOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
	for i := 0; i < 20; i++ {
		c := f.company("per_session", 1, "2025-01-01", nil)
		f.session(c, "2026-03-02 10:00", "completed")
	}
	var wg sync.WaitGroup
	results := make([]billing.RunResult, 2)
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = f.svc.Run(context.Background(), f.operator, "2026-03")
		}()
	}
	wg.Wait()
	if errs[0] != nil || errs[1] != nil {
		t.Fatal(errs)
	}
	created := results[0].InvoicesCreated + results[1].InvoicesCreated
	unchanged := results[0].InvoicesUnchanged + results[1].InvoicesUnchanged
	if created != 20 || unchanged != 20 {
		t.Fatalf("results %+v: created %d unchanged %d, want 20 and 20", results, created, unchanged)
	}
	checkInvariants(t, f.env.DB)
}
