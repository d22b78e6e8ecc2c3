package billing_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

func TestDemoSeedBillsPastMonthsPaidOpenAndOverdue(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	start := time.Now()
	if err := demo.SeedDemo(ctx, env.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	t.Logf("demo seed with billing: %s", time.Since(start))
	checkInvariants(t, env.DB)
	svc := &billing.Service{DB: env.DB}
	last := billing.PeriodOf(time.Now()).Prev()
	statuses := map[string]int{}
	var companies []struct {
		ID   string `db:"id"`
		Name string `db:"name"`
	}
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.Select(&companies, `SELECT id::text, name FROM companies ORDER BY name`)
	}); err != nil {
		t.Fatal(err)
	}
	for _, c := range companies {
		invs, err := svc.Invoices(ctx, auth.Principal{Role: auth.RoleOperator}, uuidOf(t, c.ID))
		if err != nil {
			t.Fatal(err)
		}
		if len(invs) < 6 {
			t.Errorf("%s: %d invoices, want a year of past months", c.Name, len(invs))
		}
		for _, inv := range invs {
			statuses[inv.Status]++
			if inv.Period == last.String() && inv.Status != billing.StatusOpen {
				t.Errorf("%s %s: status %s, want open", c.Name, inv.Period, inv.Status)
			}
			if inv.TotalJPY <= 0 {
				t.Errorf("%s %s: total %d", c.Name, inv.Period, inv.TotalJPY)
			}
		}
	}
	if statuses[billing.StatusPaid] == 0 || statuses[billing.StatusOverdue] != 1 || statuses[billing.StatusOpen] != 2 {
		t.Fatalf("statuses %v, want paid ones, one overdue, two open", statuses)
	}
	ps, err := svc.Payouts(ctx, auth.Principal{Role: auth.RoleOperator}, last.String())
	if err != nil || len(ps) == 0 || ps[0].Status != billing.PayoutDue {
		t.Fatalf("last month's payouts: %v %+v", err, ps)
	}
}
