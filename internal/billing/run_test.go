package billing_test

import (
	"testing"
	"time"
)

func TestRunBillsAPerSessionCompanyOnceWithTaxRoundedDown(t *testing.T) {
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
