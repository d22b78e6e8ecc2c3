package billing_test

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/wait"
)

// ledgerSnapshot renders every invoice (by company) with its lines and the
// count of billed sessions: what must be equal after a killed run is rerun.
func ledgerSnapshot(t *testing.T, env *dbtest.Env) (string, int) {
	t.Helper()
	var rows []string
	var n int
	err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		if err := tx.Select(&rows, `
			SELECT i.company_id || ' ' || i.period || ' ' || i.subtotal_jpy || ' ' || i.tax_jpy || ' ' || i.total_jpy || ' [' ||
			  COALESCE((SELECT string_agg(l.kind || ':' || l.quantity || 'x' || l.unit_amount_jpy || '=' || l.amount_jpy, ',' ORDER BY l.position)
			            FROM invoice_lines l WHERE l.company_id = i.company_id AND l.invoice_id = i.id), '') || ']'
			FROM invoices i ORDER BY i.company_id`); err != nil {
			return err
		}
		if err := tx.Get(&n, `SELECT count(*) FROM invoices`); err != nil {
			return err
		}
		var billed int
		if err := tx.Get(&billed, `SELECT count(*) FROM billed_sessions`); err != nil {
			return err
		}
		rows = append(rows, fmt.Sprintf("billed sessions: %d", billed))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(rows, "\n"), n
}

func TestKilledRunRerunGivesTheSameInvoicesAsAnUninterruptedRun(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := dbtest.Binary(t)
	const companies = 120
	killed, clean := dbtest.New(t), dbtest.New(t)
	bulkFixture(t, killed, companies, 30)
	bulkFixture(t, clean, companies, 30)
	run := func(env *dbtest.Env, pause string) *exec.Cmd {
		cmd := exec.Command(bin, "billing", "run", "--period", "2026-03")
		cmd.Env = env.CommandEnv("TAIWA_BILLING_RUN_PAUSE=" + pause)
		return cmd
	}
	if out, err := run(clean, "").CombinedOutput(); err != nil {
		t.Fatalf("uninterrupted run: %v\n%s", err, out)
	}
	want, total := ledgerSnapshot(t, clean)
	if total != companies {
		t.Fatalf("uninterrupted run made %d invoices, want %d", total, companies)
	}

	cmd := run(killed, "5ms")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Kill it once some companies are billed and others are not.
	wait.Until(wait.Context(t, 0), t, "the run to bill ten companies", func() bool {
		_, n := ledgerSnapshot(t, killed)
		return n >= 10
	})
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	_, mid := ledgerSnapshot(t, killed)
	if mid >= companies {
		t.Fatalf("the run finished (%d invoices) before it was killed; slow it down", mid)
	}
	t.Logf("killed after %d of %d invoices", mid, companies)
	out, err := run(killed, "").CombinedOutput()
	if err != nil {
		t.Fatalf("rerun: %v\n%s", err, out)
	}
	// A COMMIT the killed process had already sent may still land after it
	// died, so the rerun may find one or two more invoices than counted.
	var created, unchanged int
	if i := strings.Index(string(out), "invoices created"); i < 0 {
		t.Errorf("rerun said %q, want its counts", out)
	} else if _, err := fmt.Sscanf(string(out)[strings.LastIndex(string(out)[:i-1], " ")+1:], "%d invoices created, %d unchanged", &created, &unchanged); err != nil ||
		created+unchanged != companies || unchanged < mid || unchanged > mid+2 {
		t.Errorf("rerun said %q, want %d invoices in all, about %d unchanged", out, companies, mid)
	}
	got, _ := ledgerSnapshot(t, killed)
	if got != want {
		t.Fatalf("after kill and rerun the ledger differs from an uninterrupted run:\n got %.600s\nwant %.600s", got, want)
	}
	checkInvariants(t, killed.DB)
}
