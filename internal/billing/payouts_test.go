package billing_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// TestEveryListedPayoutHasItsOwnIDWhichTheRunKeeps: before the run each
// counsellor's open payout has a distinct id derived from counsellor and
// month; the run materialises the rows under those same ids, due; then
// "mark paid" works on them.
func TestEveryListedPayoutHasItsOwnIDWhichTheRunKeeps(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, time.Date(2026, 3, 20, 3, 0, 0, 0, time.UTC))
	c := f.company("per_session", 1, "2025-01-01", nil)
	other := f.newCounselor("相談 次郎", 6000)
	f.session(c, "2026-03-02 10:00", "completed")
	f.session(c, "2026-03-05 10:00", "no_show")
	f.session(c, "2026-03-06 10:00", "cancelled")
	f.sessionWith(c, other, "2026-03-03 10:00", "completed")
	want := map[uuid.UUID]struct {
		sessions int
		amount   int64
	}{f.counselor: {2, 16000}, other: {1, 6000}}

	list := func(status string) []billing.Payout {
		t.Helper()
		ps, err := f.svc.Payouts(ctx, f.operator, "2026-03")
		if err != nil {
			t.Fatal(err)
		}
		if len(ps) != len(want) {
			t.Fatalf("%d payouts, want %d: %+v", len(ps), len(want), ps)
		}
		seen := map[uuid.UUID]bool{}
		for _, po := range ps {
			w := want[po.CounselorID]
			if po.ID == uuid.Nil || seen[po.ID] || po.ID != billing.PayoutID(po.CounselorID, billing.Period{Year: 2026, Month: 3}) {
				t.Fatalf("payout id %s of %s: nil, repeated or not derived from counsellor and month", po.ID, po.DisplayName)
			}
			seen[po.ID] = true
			if po.Status != status || po.Period != "2026-03" || po.Sessions != w.sessions || po.AmountJPY != w.amount {
				t.Fatalf("payout %+v, want %s with %d sessions, ¥%d", po, status, w.sessions, w.amount)
			}
		}
		return ps
	}

	open := list(billing.PayoutOpen)
	if again := list(billing.PayoutOpen); again[0].ID != open[0].ID || again[1].ID != open[1].ID {
		t.Fatalf("listing twice gave other ids: %v then %v", open, again)
	}
	_, err := f.svc.MarkPayoutPaid(ctx, f.operator, open[0].ID)
	if e, ok := apperr.As(err); !ok || e.Code != apperr.CodeConflict || e.Reason != billing.ReasonPayoutNotDue || !strings.Contains(e.Message, "not ended") {
		t.Fatalf("mark paid during the month: %v, want a conflict %s saying the month has not ended", err, billing.ReasonPayoutNotDue)
	}
	f.now = time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC)
	_, err = f.svc.MarkPayoutPaid(ctx, f.operator, open[1].ID)
	if e, ok := apperr.As(err); !ok || e.Code != apperr.CodeConflict || e.Reason != billing.ReasonPayoutNotDue || !strings.Contains(e.Message, "billing of 2026-03") {
		t.Fatalf("mark paid before the run: %v, want a conflict %s asking for the run", err, billing.ReasonPayoutNotDue)
	}
	if _, err := f.svc.MarkPayoutPaid(ctx, f.operator, uuid.New()); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("mark an unknown id paid: %v, want not found", err)
	}

	f.run("2026-03")
	due := list(billing.PayoutDue)
	for i := range due {
		if due[i].ID != open[i].ID {
			t.Fatalf("the run changed %s's payout id from %s to %s", due[i].DisplayName, open[i].ID, due[i].ID)
		}
	}
	paid, err := f.svc.MarkPayoutPaid(ctx, f.operator, open[0].ID)
	if err != nil || paid.Status != billing.PayoutPaid || paid.ID != open[0].ID || paid.PaidAt == nil {
		t.Fatalf("mark paid after the run: %v %+v", err, paid)
	}
	f.now = f.now.Add(time.Hour)
	again, err := f.svc.MarkPayoutPaid(ctx, f.operator, open[0].ID)
	if err != nil || again.Status != billing.PayoutPaid || !again.PaidAt.Equal(*paid.PaidAt) {
		t.Fatalf("marking a paid payout again: %v %+v, want it unchanged (paid at %v)", err, again, paid.PaidAt)
	}
}

// TestRunKeepsPayoutsItAlreadyMade: a rerun after a late change adds the
// counsellor who had no payout yet and leaves the others' rows alone.
func TestRunKeepsPayoutsItAlreadyMade(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	f := newFixture(t, time.Date(2026, 4, 2, 0, 0, 0, 0, time.UTC))
	c := f.company("per_session", 1, "2025-01-01", nil)
	late := f.newCounselor("相談 三郎", 7000)
	f.session(c, "2026-03-02 10:00", "completed")
	held := f.sessionWith(c, late, "2026-03-03 10:00", "confirmed")
	f.run("2026-03")
	ps, err := f.svc.Payouts(ctx, f.operator, "2026-03")
	if err != nil || len(ps) != 1 || ps[0].CounselorID != f.counselor {
		t.Fatalf("payouts after the run: %v %+v", err, ps)
	}
	f.session(c, "2026-03-04 10:00", "completed") // too late for the first payout
	f.exec(`UPDATE bookings SET status = 'completed' WHERE id = $1`, held)
	_, err = f.svc.MarkPayoutPaid(ctx, f.operator, billing.PayoutID(late, billing.Period{Year: 2026, Month: 3}))
	if e, ok := apperr.As(err); !ok || e.Reason != billing.ReasonPayoutNotDue {
		t.Fatalf("mark paid the late counsellor's unmaterialised payout: %v, want %s", err, billing.ReasonPayoutNotDue)
	}
	// Not f.run: the late sessions wait for April's invoice, which the
	// ledger's invariants would report as unbilled.
	if _, err := f.svc.Run(ctx, f.operator, "2026-03"); err != nil {
		t.Fatal(err)
	}
	ps, err = f.svc.Payouts(ctx, f.operator, "2026-03")
	if err != nil || len(ps) != 2 {
		t.Fatalf("payouts after the rerun: %v %+v", err, ps)
	}
	for _, po := range ps {
		switch po.CounselorID {
		case f.counselor:
			if po.Sessions != 1 || po.AmountJPY != 8000 || po.ID != billing.PayoutID(f.counselor, billing.Period{Year: 2026, Month: 3}) {
				t.Errorf("the rerun changed a made payout: %+v", po)
			}
		case late:
			if po.Status != billing.PayoutDue || po.Sessions != 1 || po.AmountJPY != 7000 {
				t.Errorf("the late counsellor's payout: %+v", po)
			}
			if paid, err := f.svc.MarkPayoutPaid(ctx, f.operator, po.ID); err != nil || paid.Status != billing.PayoutPaid {
				t.Errorf("mark the late payout paid: %v %+v", err, paid)
			}
		}
	}
}
