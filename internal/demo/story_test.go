package demo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
)

// TestSeedDemoReportTellsTheStory checks what サンプル商事's HR sees in
// the demo's released months: every company has its releases, several
// departments show numbers and some are hidden, 法務室 is never on its
// own, and the raw data has 東京支店's workload and stress sessions rising
// month by month (the releases carry that story with noise).
func TestSeedDemoReportTellsTheStory(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	ctx := context.Background()
	if n := count(t, d, `SELECT count(*) FROM report_releases`); n != 2*demo.ReleasedMonths {
		t.Errorf("%d releases, want %d for each of the two companies", n, demo.ReleasedMonths)
	}
	var company uuid.UUID
	if err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &company, `SELECT id FROM companies WHERE name = 'サンプル商事'`)
	}); err != nil {
		t.Fatal(err)
	}
	closed := report.LastClosed(time.Now())
	from := closed - 5
	current := closed + 1
	svc := &store.Service{DB: d}
	op := auth.Principal{UserID: uuid.New(), Role: auth.RoleOperator}
	body, err := svc.Report(ctx, op, company, store.Request{From: from.String(), To: closed.String(), By: "department"})
	if err != nil {
		t.Fatal(err)
	}
	var published, hidden []string
	for _, c := range body.Cells {
		k := c.Key
		if strings.Contains(k, "法務室") {
			t.Errorf("法務室 (6 people) reported on its own: %+v", c)
		}
		switch {
		case c.Suppressed || c.PersonMonths == nil:
			hidden = append(hidden, k+":"+c.Reason+strings.Join(c.Below, ","))
		case k != report.KeyAll && !strings.HasSuffix(k, report.SubtreeSuffix):
			published = append(published, fmt.Sprintf("%s≈%d", k, *c.PersonMonths))
		}
	}
	t.Logf("published %v, hidden %v", published, hidden)
	if len(published) < 3 || len(hidden) == 0 {
		t.Errorf("six released months by department: published %v, hidden %v; want several of each kind", published, hidden)
	}
	months, err := svc.Report(ctx, op, company, store.Request{From: from.String(), To: closed.String(), By: "month"})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range months.Cells {
		if c.Suppressed || c.PersonMonths == nil || c.Sessions == nil {
			t.Errorf("month %s: %+v, want released numbers", c.Key, c)
		}
	}

	// 東京支店: the share of its records noting workload, and its stress
	// sessions, grow over the closed months of the range.
	var trend []struct {
		Month    string `db:"month"`
		Records  int    `db:"records"`
		Workload int    `db:"workload"`
		Stress   int    `db:"stress"`
	}
	if err := d.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Select(&trend, `
			SELECT to_char(b.starts_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') AS month, count(r.booking_id) AS records,
			       count(*) FILTER (WHERE 'workload' = ANY (r.observations)) AS workload,
			       count(*) FILTER (WHERE b.theme IN ('high_stress_followup', 'mental_health')) AS stress
			FROM bookings b JOIN companies c ON c.id = b.company_id
			JOIN employees e ON e.company_id = b.company_id AND e.user_id = b.employee_user_id
			JOIN departments dp ON dp.company_id = e.company_id AND dp.id = e.department_id
			LEFT JOIN session_records r ON r.company_id = b.company_id AND r.booking_id = b.id
			WHERE c.name = 'サンプル商事' AND dp.path = '営業部/東京支店' AND b.status = 'completed'
			  AND b.starts_at >= $1 AND b.starts_at < $2
			GROUP BY 1 ORDER BY 1`, monthStart(from), monthStart(current))
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("東京支店 by month: %+v", trend)
	if len(trend) < 5 {
		t.Fatalf("東京支店 has sessions in %d of the closed months", len(trend))
	}
	first, last := trend[0], trend[len(trend)-1]
	if last.Workload*first.Records <= first.Workload*last.Records || last.Stress <= first.Stress {
		t.Errorf("東京支店 workload %d/%d → %d/%d, stress sessions %d → %d: want both rising",
			first.Workload, first.Records, last.Workload, last.Records, first.Stress, last.Stress)
	}
	if n := count(t, d, `SELECT count(*) FROM session_records r JOIN companies c ON c.id = r.company_id
		JOIN employees e ON e.company_id = r.company_id AND e.user_id = r.employee_user_id
		JOIN departments dp ON dp.company_id = e.company_id AND dp.id = e.department_id
		WHERE c.name = $1 AND dp.path LIKE '営業部%' AND 'workload' = ANY (r.observations)`, "みなと物流"); n > 3 {
		t.Errorf("みなと物流's 営業部 has %d workload observations: the story is サンプル商事's", n)
	}
}

func monthStart(m report.Month) time.Time {
	return time.Date(int(m)/12, time.Month(int(m)%12+1), 1, 0, 0, 0, 0, japan.Zone)
}
