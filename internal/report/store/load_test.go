package store

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/report"
)

// The loader, open (April, live) and closed (January–March, frozen on
// first need), one case per rule.
func TestLoaderAggregatesHeldSessionsPerEmployeeMonthAndTheme(t *testing.T) {
	jan, feb, apr := report.MonthOf(2026, 1), report.MonthOf(2026, 2), report.MonthOf(2026, 4)
	type want struct {
		month        report.Month
		theme        string
		sessions     int
		satSum       int
		satCount     int
		who5Sum      int
		who5Count    int
		risk         int8
		observations uint8
	}
	cases := []struct {
		name     string
		sessions []session
		optOut   bool
		want     []want // empty: no row at all
	}{
		{"no record is unrecorded, no feedback counts nothing",
			[]session{{at: in(2026, 4, 2)}},
			false, []want{{month: apr, theme: "career", sessions: 1}}},
		{"the last amendment's coded fields win over the record and earlier amendments",
			[]session{{at: in(2026, 4, 3), risk: "low", obs: []string{"workload"},
				amendments: []amendment{{risk: "urgent", obs: []string{"communication"}}, {risk: "moderate", obs: []string{"career_path", "work_life"}}}}},
			false, []want{{month: apr, theme: "career", sessions: 1, risk: report.RiskBand("moderate"),
				observations: report.ObservationBits([]string{"career_path", "work_life"})}}},
		{"amendments win in a frozen month too",
			[]session{{at: in(2026, 2, 3), risk: "none", amendments: []amendment{{risk: "high", obs: []string{"harassment_climate"}}}}},
			false, []want{{month: feb, theme: "career", sessions: 1, risk: report.RiskBand("high"),
				observations: report.ObservationBits([]string{"harassment_climate"})}}},
		{"urgent counts as high; the highest band and the union of observations per row",
			[]session{
				{at: in(2026, 4, 1), risk: "urgent", obs: []string{"workload"}},
				{at: in(2026, 4, 9), risk: "low", obs: []string{"management_style"}},
			},
			false, []want{{month: apr, theme: "career", sessions: 2, risk: 4, observations: report.ObservationBits([]string{"workload", "management_style"})}}},
		{"WHO-5 is the percentage (sum × 4), satisfaction sums and counts",
			[]session{
				{at: in(2026, 4, 1), sat: 5, who5: [5]int{5, 5, 5, 5, 5}},
				{at: in(2026, 4, 6), sat: 2, who5: [5]int{1, 2, 3, 4, 5}},
				{at: in(2026, 4, 8)},
			},
			false, []want{{month: apr, theme: "career", sessions: 3, satSum: 7, satCount: 2, who5Sum: 160, who5Count: 2}}},
		{"months by Japan time: 00:30 on 1 February in Japan is February",
			[]session{{at: time.Date(2026, 1, 31, 15, 30, 0, 0, time.UTC)}, {at: time.Date(2026, 1, 31, 14, 30, 0, 0, time.UTC)}},
			false, []want{{month: jan, theme: "career", sessions: 1}, {month: feb, theme: "career", sessions: 1}}},
		{"themes are separate rows",
			[]session{{at: in(2026, 4, 1), theme: "career"}, {at: in(2026, 4, 2), theme: "mental_health"}},
			false, []want{{month: apr, theme: "career", sessions: 1}, {month: apr, theme: "mental_health", sessions: 1}}},
		{"only held sessions count",
			[]session{{at: in(2026, 4, 1), status: "cancelled"}, {at: in(2026, 4, 2), status: "no_show"}, {at: in(2026, 4, 3), status: "late_cancelled"}},
			false, nil},
		{"an opted-out employee has no row, open or frozen",
			[]session{{at: in(2026, 4, 1), sat: 4}, {at: in(2026, 2, 1), risk: "high"}},
			true, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := newWorld(t) // a fresh company: each case freezes its own months
			emp := w.hire("営業部", 1, "30s", "3-5y")[0]
			for _, s := range c.sessions {
				w.held(emp, s)
			}
			if c.optOut {
				w.optOut(emp)
			}
			var got []want
			for _, a := range w.activity(report.MonthOf(2025, 12), apr) {
				if a.Employee == emp {
					got = append(got, want{a.Month, a.Theme, a.Sessions, a.SatSum, a.SatCount, a.WHO5Sum, a.WHO5Count, a.Risk, a.Observations})
				}
			}
			slices.SortFunc(got, func(a, b want) int {
				if a.month != b.month {
					return int(a.month - b.month)
				}
				if a.theme < b.theme {
					return -1
				}
				return 1
			})
			if !slices.Equal(got, c.want) {
				t.Errorf("rows:\n got %+v\nwant %+v", got, c.want)
			}
		})
	}
}

// A closed month is computed once: a late amendment, a late rating or a
// session's status changed afterwards does not move it, while the open
// month follows the records as read.
func TestClosedMonthStaysFrozenAfterLateChanges(t *testing.T) {
	w := newWorld(t)
	emp := w.hire("営業部", 1, "", "")[0]
	feb, apr := report.MonthOf(2026, 2), report.MonthOf(2026, 4)
	bFeb := w.held(emp, session{at: in(2026, 2, 10), risk: "none"})
	bApr := w.held(emp, session{at: in(2026, 4, 1), risk: "none"})
	before := w.activity(feb, apr)
	var frozen int
	w.exec(func(tx *sqlx.Tx) error {
		return tx.Get(&frozen, `SELECT count(*) FROM report_months WHERE company_id = $1`, w.company)
	})
	if frozen != 2 { // February and March; April is open
		t.Fatalf("frozen months = %d, want 2", frozen)
	}
	w.amend(bFeb, amendment{risk: "high", obs: []string{"workload"}})
	w.amend(bApr, amendment{risk: "high", obs: []string{"workload"}})
	w.held(emp, session{at: in(2026, 2, 20), sat: 5})
	w.exec(func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`UPDATE bookings SET status = 'no_show' WHERE id = $1`, bFeb)
		return err
	})
	after := w.activity(feb, apr)
	if len(before) != 2 || len(after) != 2 {
		t.Fatalf("rows before %d, after %d, want 2 each", len(before), len(after))
	}
	for _, a := range after {
		switch a.Month {
		case feb:
			if a != before[0] && a != before[1] {
				t.Errorf("February moved after it closed: %+v, before %+v", a, before)
			}
		case apr:
			if a.Risk != report.RiskBand("high") {
				t.Errorf("April (open) risk = %d, want the amendment's high", a.Risk)
			}
		}
	}
	// Opting out reaches frozen months too (privacy before stability).
	w.optOut(emp)
	if got := w.activity(feb, apr); len(got) != 0 {
		t.Errorf("an opted-out employee still has %d rows", len(got))
	}
}

// Two requests freezing the same month at once both succeed and agree.
func TestFreezingIsIdempotentUnderConcurrency(t *testing.T) {
	w := newWorld(t)
	emp := w.hire("営業部", 1, "", "")[0]
	w.held(emp, session{at: in(2026, 3, 3)})
	ctx := context.Background()
	mar := report.MonthOf(2026, 3)
	errs := make(chan error, 4)
	for range 4 {
		go func() {
			errs <- w.env.DB.InTx(ctx, dbSystem, func(tx *sqlx.Tx) error {
				acts, err := loadActivity(ctx, tx, w.company, mar, mar, mar, func(uuid.UUID) bool { return true })
				if err == nil && len(acts) != 1 {
					t.Errorf("rows = %d, want 1", len(acts))
				}
				return err
			})
		}()
	}
	for range 4 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
}
