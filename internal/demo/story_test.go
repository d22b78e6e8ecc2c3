package demo_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/report"
)

// storyData is サンプル商事's roster and its held sessions of the last six
// months as the report engine takes them.
func storyData(t *testing.T, d *db.DB, from report.Month) ([]report.Employee, []report.Activity) {
	t.Helper()
	ctx := context.Background()
	var roster []struct {
		ID       uuid.UUID `db:"user_id"`
		Dept     string    `db:"dept"`
		Age      string    `db:"age_band"`
		Tenure   string    `db:"tenure_band"`
		OptedOut bool      `db:"report_opt_out"`
	}
	var sessions []struct {
		Employee uuid.UUID      `db:"employee_user_id"`
		Month    string         `db:"month"`
		Theme    string         `db:"theme"`
		Risk     string         `db:"risk"`
		Obs      pq.StringArray `db:"observations"`
		Sat      *int           `db:"satisfaction"`
		WHO5     *int           `db:"who5"`
	}
	err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &roster, `
			SELECT e.user_id, COALESCE(dp.path, '') AS dept, COALESCE(e.age_band, '') AS age_band,
			       COALESCE(e.tenure_band, '') AS tenure_band, e.report_opt_out
			FROM employees e JOIN companies c ON c.id = e.company_id
			LEFT JOIN departments dp ON dp.company_id = e.company_id AND dp.id = e.department_id
			WHERE c.name = 'サンプル商事'`); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &sessions, `
			SELECT b.employee_user_id, to_char(b.starts_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') AS month, b.theme,
			       COALESCE(r.risk_level, '') AS risk, COALESCE(r.observations, '{}') AS observations, f.satisfaction,
			       (SELECT sum(x) * 4 FROM unnest(f.who5) x) AS who5
			FROM bookings b JOIN companies c ON c.id = b.company_id
			LEFT JOIN session_records r ON r.company_id = b.company_id AND r.booking_id = b.id
			LEFT JOIN session_feedback f ON f.company_id = b.company_id AND f.booking_id = b.id
			WHERE c.name = 'サンプル商事' AND b.status = 'completed'`)
	})
	if err != nil {
		t.Fatal(err)
	}
	emps := make([]report.Employee, len(roster))
	for i, e := range roster {
		emps[i] = report.Employee{ID: e.ID, Department: e.Dept, AgeBand: e.Age, TenureBand: e.Tenure, OptedOut: e.OptedOut}
	}
	type key struct {
		e     uuid.UUID
		m     report.Month
		theme string
	}
	acts := map[key]*report.Activity{}
	var order []key
	for _, s := range sessions {
		tm, err := time.Parse("2006-01", s.Month)
		if err != nil {
			t.Fatal(err)
		}
		m := report.MonthOf(tm.Year(), tm.Month())
		if m < from {
			continue
		}
		k := key{s.Employee, m, s.Theme}
		a := acts[k]
		if a == nil {
			a = &report.Activity{Employee: s.Employee, Month: m, Theme: s.Theme}
			acts[k] = a
			order = append(order, k)
		}
		a.Sessions++
		a.Risk = max(a.Risk, report.RiskBand(s.Risk))
		a.Observations |= report.ObservationBits(s.Obs)
		if s.Sat != nil {
			a.SatSum += *s.Sat
			a.SatCount++
		}
		if s.WHO5 != nil {
			a.WHO5Sum += *s.WHO5
			a.WHO5Count++
		}
	}
	out := make([]report.Activity, len(order))
	for i, k := range order {
		out[i] = *acts[k]
	}
	return emps, out
}

// TestSeedDemoReportTellsTheStory checks what サンプル商事's HR sees in a
// six-month report: several published departments and some hidden ones,
// 法務室 never on its own, every month published, and 東京支店's workload
// and stress sessions rising month by month.
func TestSeedDemoReportTellsTheStory(t *testing.T) {
	d := seeded(t)
	now := time.Now().In(japan.Zone)
	current := report.MonthOf(now.Year(), now.Month())
	from := current - 5
	roster, acts := storyData(t, d, from)
	build := func(by string) *report.Table {
		q, err := report.ParseQuery(from.String(), current.String(), by)
		if err != nil {
			t.Fatal(err)
		}
		return report.Build(report.Policy{MinGroup: 10}, q, roster, acts)
	}

	var published, hidden []string
	for _, c := range build("department").Cells {
		k := strings.Join(c.Keys, "|")
		if strings.Contains(k, "法務室") {
			t.Errorf("法務室 (6 people) reported on its own: %+v", c)
		}
		switch {
		case c.Suppressed:
			hidden = append(hidden, k+":"+string(c.Reason))
		case k != report.KeyAll && !strings.HasSuffix(k, report.SubtreeSuffix) && c.Employees >= 10:
			published = append(published, fmt.Sprintf("%s=%d", k, c.Employees))
		}
	}
	t.Logf("published %v, hidden %v", published, hidden)
	if len(published) < 4 || len(hidden) == 0 {
		t.Errorf("six months by department: published %v, hidden %v; want several of each kind", published, hidden)
	}

	months := build("month")
	for m := from; m <= current-1; m++ { // the current month may have just begun
		if c, ok := months.Cell(m.String()); !ok || c.Suppressed || c.Employees < 10 {
			t.Errorf("month %s: %+v, want published", m, c)
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
	if len(trend) != 5 {
		t.Fatalf("東京支店 has sessions in %d of the 5 closed months", len(trend))
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
