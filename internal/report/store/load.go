package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/report"
)

// A month M is closed from the 8th of M+1 in Japan time: records stay
// editable for 7 days after a session, so the last of M's records are
// settled by then.
const closeDay = 8

// lastClosed is the latest closed month at now.
func lastClosed(now time.Time) report.Month {
	t := now.In(japan.Zone)
	cur := report.MonthOf(t.Year(), t.Month())
	if t.Day() >= closeDay {
		return cur - 1
	}
	return cur - 2
}

// currentMonth is now's month in Japan time.
func currentMonth(now time.Time) report.Month {
	t := now.In(japan.Zone)
	return report.MonthOf(t.Year(), t.Month())
}

// monthStart is the first instant of m in Japan time.
func monthStart(m report.Month) time.Time {
	return time.Date(int(m)/12, time.Month(int(m)%12+1), 1, 0, 0, 0, 0, japan.Zone)
}

// departmentPaths reads the company's department paths by id. Departments
// are read apart from employees (a few hundred rows into a map) so that
// the roster is one index range whatever the planner's statistics say.
func departmentPaths(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) (map[uuid.UUID]string, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id, path FROM departments WHERE company_id = $1`, companyID)
	if err != nil {
		return nil, fmt.Errorf("report store: departments: %w", err)
	}
	defer rows.Close()
	paths := map[uuid.UUID]string{}
	for rows.Next() {
		var id uuid.UUID
		var path string
		if err := rows.Scan(&id, &path); err != nil {
			return nil, fmt.Errorf("report store: departments: %w", err)
		}
		paths[id] = path
	}
	return paths, rows.Err()
}

// rosterSQL is the company's roster as HR knows it: every employee with
// their department, bands and opt-out.
const rosterSQL = `
	SELECT user_id, department_id, COALESCE(age_band, ''), COALESCE(tenure_band, ''), report_opt_out
	FROM employees WHERE company_id = $1 ORDER BY user_id`

// loadRoster reads the roster (opted-out employees included, marked: the
// engine needs them for the shape of the department tree only).
func loadRoster(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) ([]report.Employee, error) {
	paths, err := departmentPaths(ctx, tx, companyID)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, rosterSQL, companyID)
	if err != nil {
		return nil, fmt.Errorf("report store: roster: %w", err)
	}
	defer rows.Close()
	var out []report.Employee
	for rows.Next() {
		var e report.Employee
		var dept uuid.NullUUID
		if err := rows.Scan(&e.ID, &dept, &e.AgeBand, &e.TenureBand, &e.OptedOut); err != nil {
			return nil, fmt.Errorf("report store: roster: %w", err)
		}
		if dept.Valid {
			e.Department = paths[dept.UUID]
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// riskSQL maps the risk level in col to its band with the engine's own
// mapping (report.RiskBand); a session without a record is band 0.
func riskSQL(col string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for _, lvl := range []string{"none", "low", "moderate", "high", "urgent"} {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", lvl, report.RiskBand(lvl))
	}
	fmt.Fprintf(&b, " ELSE %d END", report.RiskBand(""))
	return b.String()
}

// observationsSQL packs the observation codes in col into the engine's
// bits (report.ObservationBits).
func observationsSQL(col string) string {
	parts := make([]string, len(report.Observations))
	for i, o := range report.Observations {
		parts[i] = fmt.Sprintf("(CASE WHEN '%s' = ANY(%s) THEN %d ELSE 0 END)", o, col, report.ObservationBits([]string{o}))
	}
	return strings.Join(parts, " | ")
}

// activitySQL aggregates a company's held sessions in [$2, $3) per
// employee × month (Japan time) × booking theme: sessions, satisfaction
// and WHO-5 (percentage: the five answers' sum × 4) sums and counts, the
// highest risk band and the union of observation bits of each session's
// record as read (the last amendment's coded fields win over the
// record's). Opted-out employees are dropped by the caller (keep), which
// saves a lookup per session.
//
// recent is the plan for ranges ending now (open months): a record, an
// amendment or a rating is always written after its session started, so
// only the rows written since the range began (a day's margin) can
// belong to it; each table's rows are read once by (company_id,
// created_at) and hash-joined, instead of three index probes per
// session. Freezing an old month probes per session instead (the rows
// written since would be most of the company's history).
func activitySQL(recent bool) string {
	joins := `
	  LEFT JOIN session_records r ON r.company_id = b.company_id AND r.booking_id = b.id
	  LEFT JOIN LATERAL (
	    SELECT x.risk_level, x.observations FROM session_record_amendments x
	    WHERE x.company_id = b.company_id AND x.booking_id = b.id
	    ORDER BY x.seq DESC LIMIT 1) a ON true
	  LEFT JOIN session_feedback f ON f.company_id = b.company_id AND f.booking_id = b.id`
	if recent {
		joins = `
	  LEFT JOIN (SELECT booking_id, risk_level, observations FROM session_records
	             WHERE company_id = $1 AND created_at >= $2::timestamptz - interval '1 day') r ON r.booking_id = b.id
	  LEFT JOIN (SELECT DISTINCT ON (booking_id) booking_id, risk_level, observations FROM session_record_amendments
	             WHERE company_id = $1 AND created_at >= $2::timestamptz - interval '1 day'
	             ORDER BY booking_id, seq DESC) a ON a.booking_id = b.id
	  LEFT JOIN (SELECT booking_id, satisfaction, who5 FROM session_feedback
	             WHERE company_id = $1 AND created_at >= $2::timestamptz - interval '1 day') f ON f.booking_id = b.id`
	}
	return `
	SELECT s.employee_user_id,
	       (extract(year FROM s.local)::int * 12 + extract(month FROM s.local)::int - 1) AS month,
	       s.theme,
	       count(*)::int,
	       COALESCE(sum(s.satisfaction), 0)::int,
	       count(s.satisfaction)::int,
	       COALESCE(sum(s.who5), 0)::int,
	       count(s.who5)::int,
	       max(` + riskSQL("s.lvl") + `)::int,
	       bit_or(` + observationsSQL("s.obs") + `)::int
	FROM (
	  SELECT b.employee_user_id, b.starts_at AT TIME ZONE 'Asia/Tokyo' AS local, b.theme,
	         f.satisfaction,
	         (f.who5[1] + f.who5[2] + f.who5[3] + f.who5[4] + f.who5[5]) * 4 AS who5,
	         COALESCE(a.risk_level, r.risk_level) AS lvl,
	         COALESCE(a.observations, r.observations) AS obs
	  FROM bookings b` + joins + `
	  WHERE b.company_id = $1 AND b.status = 'completed' AND b.starts_at >= $2 AND b.starts_at < $3
	) s
	GROUP BY 1, 2, 3`
}

var (
	activityFreezeSQL = activitySQL(false)
	activityLiveSQL   = activitySQL(true)
)

// aggregate runs the activity query over the months from..to (inclusive):
// live (hash joins, more sort memory) for open months, per-session probes
// when freezing.
func aggregate(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, from, to report.Month, live bool, dst []report.Activity) ([]report.Activity, error) {
	q := activityFreezeSQL
	if live {
		q = activityLiveSQL
		// Planner statistics may lag right after a bulk load; the hash plan
		// is the right one for a month of sessions whatever they say.
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '64MB'`); err != nil {
			return dst, err
		}
		defer func() { _, _ = tx.ExecContext(ctx, `SET LOCAL enable_nestloop = on; RESET work_mem`) }()
	}
	rows, err := tx.QueryContext(ctx, q, companyID, monthStart(from), monthStart(to+1))
	if err != nil {
		return dst, fmt.Errorf("report store: activity: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var a report.Activity
		var month, risk, obs int
		if err := rows.Scan(&a.Employee, &month, &a.Theme, &a.Sessions, &a.SatSum, &a.SatCount, &a.WHO5Sum, &a.WHO5Count, &risk, &obs); err != nil {
			return dst, fmt.Errorf("report store: activity: %w", err)
		}
		a.Month, a.Risk, a.Observations = report.Month(month), int8(risk), uint8(obs)
		dst = append(dst, a)
	}
	return dst, rows.Err()
}

// loadActivity returns the company's activity for from..to: closed months
// from their frozen rows (freezing those not yet frozen, in tx), open
// months aggregated live. keep drops employees opted out since a month
// was frozen (and anyone no longer on the roster).
func loadActivity(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, from, to, closed report.Month, keep func(uuid.UUID) bool) ([]report.Activity, error) {
	var acts []report.Activity
	if from <= closed {
		hi := min(to, closed)
		frozen, err := frozenMonths(ctx, tx, companyID, from, hi)
		if err != nil {
			return nil, err
		}
		var missing []report.Month
		for m := from; m <= hi; m++ {
			if _, ok := frozen[m]; !ok {
				missing = append(missing, m)
			}
		}
		if len(missing) > 0 {
			if err := freeze(ctx, tx, companyID, missing, frozen, keep); err != nil {
				return nil, err
			}
		}
		for m := from; m <= hi; m++ {
			if acts, err = decodeActivity(acts, m, frozen[m], keep); err != nil {
				return nil, fmt.Errorf("report store: frozen month %s: %w", m, err)
			}
		}
	}
	if to > closed {
		lo := max(from, closed+1)
		n := len(acts)
		var err error
		if acts, err = aggregate(ctx, tx, companyID, lo, to, true, acts); err != nil {
			return nil, err
		}
		live := acts[:n]
		for _, a := range acts[n:] {
			if keep(a.Employee) {
				live = append(live, a)
			}
		}
		acts = live
	}
	return acts, nil
}

// frozenMonths reads the frozen months of from..to that exist.
func frozenMonths(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, from, to report.Month) (map[report.Month][]byte, error) {
	rows, err := tx.QueryContext(ctx, `SELECT month, activity FROM report_months WHERE company_id = $1 AND month BETWEEN $2 AND $3`,
		companyID, int(from), int(to))
	if err != nil {
		return nil, fmt.Errorf("report store: frozen months: %w", err)
	}
	defer rows.Close()
	out := map[report.Month][]byte{}
	for rows.Next() {
		var m int
		var b []byte
		if err := rows.Scan(&m, &b); err != nil {
			return nil, fmt.Errorf("report store: frozen months: %w", err)
		}
		out[report.Month(m)] = b
	}
	return out, rows.Err()
}

// freeze aggregates the missing closed months once and stores them. Two
// requests freezing the same month at once are fine: the first insert
// wins, the other's is dropped, and both read back the stored row.
func freeze(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, missing []report.Month, into map[report.Month][]byte, keep func(uuid.UUID) bool) error {
	acts, err := aggregate(ctx, tx, companyID, missing[0], missing[len(missing)-1], false, nil)
	if err != nil {
		return err
	}
	byMonth := map[report.Month][]report.Activity{}
	for _, a := range acts {
		if keep(a.Employee) { // opted-out employees' activity is never stored
			byMonth[a.Month] = append(byMonth[a.Month], a)
		}
	}
	var lost []int
	for _, m := range missing {
		b, n := encodeActivity(byMonth[m])
		var got int
		err := tx.GetContext(ctx, &got, `
			INSERT INTO report_months (company_id, month, rows, activity) VALUES ($1, $2, $3, $4)
			ON CONFLICT (company_id, month) DO NOTHING RETURNING month`, companyID, int(m), n, b)
		switch {
		case err == sql.ErrNoRows:
			lost = append(lost, int(m))
		case err != nil:
			return fmt.Errorf("report store: freeze %s: %w", m, err)
		default:
			into[m] = b
		}
	}
	if len(lost) == 0 {
		return nil
	}
	rows, err := tx.QueryContext(ctx, `SELECT month, activity FROM report_months WHERE company_id = $1 AND month = ANY($2)`,
		companyID, pq.Array(lost))
	if err != nil {
		return fmt.Errorf("report store: frozen months: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var m int
		var b []byte
		if err := rows.Scan(&m, &b); err != nil {
			return err
		}
		into[report.Month(m)] = b
	}
	return rows.Err()
}
