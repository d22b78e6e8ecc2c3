package store

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/report"
)

// monthStart is the first instant of m in Japan time.
func monthStart(m report.Month) time.Time {
	return time.Date(int(m)/12, time.Month(int(m)%12+1), 1, 0, 0, 0, 0, japan.Zone)
}

// currentMonth is now's month in Japan time.
func currentMonth(now time.Time) report.Month {
	t := now.In(japan.Zone)
	return report.MonthOf(t.Year(), t.Month())
}

// departmentPaths reads the company's department paths by id.
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

// loadRoster reads the roster as HR knows it (opted-out employees
// included and marked: they count in populations, never in numbers).
func loadRoster(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) ([]report.Employee, error) {
	paths, err := departmentPaths(ctx, tx, companyID)
	if err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT user_id, department_id, COALESCE(age_band, ''), COALESCE(tenure_band, ''), report_opt_out
		FROM employees WHERE company_id = $1 ORDER BY user_id`, companyID)
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
// employee × booking theme: sessions, satisfaction and WHO-5 (percentage:
// the five answers' sum × 4) sums and counts, the highest risk band and
// the union of observation bits of each session's record as read at the
// release (the last amendment's coded fields win over the record's).
//
// recent is the plan for a month that closed lately: a record, an
// amendment or a rating is always written after its session started, so
// only the rows written since the month began (a day's margin) can belong
// to it; each table's rows are read once by (company_id, created_at) and
// hash-joined instead of three index probes per session. An old month
// probes per session instead.
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
	SELECT s.employee_user_id, s.theme,
	       count(*)::int,
	       COALESCE(sum(s.satisfaction), 0)::int,
	       count(s.satisfaction)::int,
	       COALESCE(sum(s.who5), 0)::int,
	       count(s.who5)::int,
	       max(` + riskSQL("s.lvl") + `)::int,
	       bit_or(` + observationsSQL("s.obs") + `)::int
	FROM (
	  SELECT b.employee_user_id, b.theme, f.satisfaction,
	         (f.who5[1] + f.who5[2] + f.who5[3] + f.who5[4] + f.who5[5]) * 4 AS who5,
	         COALESCE(a.risk_level, r.risk_level) AS lvl,
	         COALESCE(a.observations, r.observations) AS obs
	  FROM bookings b` + joins + `
	  WHERE b.company_id = $1 AND b.status = 'completed' AND b.starts_at >= $2 AND b.starts_at < $3
	) s
	GROUP BY 1, 2`
}

var (
	activityOldSQL    = activitySQL(false)
	activityRecentSQL = activitySQL(true)
)

// loadActivity reads the company's activity in month m; recent picks the
// hash-join plan.
func loadActivity(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, m report.Month, recent bool) ([]report.Activity, error) {
	q := activityOldSQL
	if recent {
		q = activityRecentSQL
		// Planner statistics may lag right after a bulk load; the hash plan
		// is the right one for a month of sessions whatever they say.
		if _, err := tx.ExecContext(ctx, `SET LOCAL enable_nestloop = off; SET LOCAL work_mem = '64MB'`); err != nil {
			return nil, err
		}
		defer func() { _, _ = tx.ExecContext(ctx, `SET LOCAL enable_nestloop = on; RESET work_mem`) }()
	}
	rows, err := tx.QueryContext(ctx, q, companyID, monthStart(m), monthStart(m+1))
	if err != nil {
		return nil, fmt.Errorf("report store: activity: %w", err)
	}
	defer rows.Close()
	var out []report.Activity
	for rows.Next() {
		a := report.Activity{Month: m}
		var risk, obs int
		if err := rows.Scan(&a.Employee, &a.Theme, &a.Sessions, &a.SatSum, &a.SatCount, &a.WHO5Sum, &a.WHO5Count, &risk, &obs); err != nil {
			return nil, fmt.Errorf("report store: activity: %w", err)
		}
		a.Risk, a.Observations = int8(risk), uint8(obs)
		out = append(out, a)
	}
	return out, rows.Err()
}

// loadProgrammes reads the company's open-invitation programmes (oldest
// first), how many each invited, and every enrolment's joined and held
// state at the release: uptake is cumulative, as of the release.
func loadProgrammes(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) ([]report.Invitation, []report.Enrolment, error) {
	var progs []struct {
		ID      uuid.UUID `db:"id"`
		Invited int       `db:"invited"`
	}
	if err := tx.SelectContext(ctx, &progs, `
		SELECT p.id, (SELECT count(*) FROM programme_enrolments e WHERE e.company_id = p.company_id AND e.programme_id = p.id) AS invited
		FROM programmes p WHERE p.company_id = $1 AND p.mode = 'open'
		ORDER BY p.created_at, p.id`, companyID); err != nil {
		return nil, nil, fmt.Errorf("report store: programmes: %w", err)
	}
	if len(progs) == 0 {
		return nil, nil, nil
	}
	invs := make([]report.Invitation, len(progs))
	for i, p := range progs {
		invs[i] = report.Invitation{Programme: p.ID, Invited: p.Invited}
	}
	var ens []struct {
		Programme uuid.UUID `db:"programme_id"`
		Employee  uuid.UUID `db:"employee_user_id"`
		Joined    bool      `db:"joined"`
		Held      bool      `db:"held"`
	}
	if err := tx.SelectContext(ctx, &ens, `
		SELECT e.programme_id, e.employee_user_id, e.status = 'joined' AS joined,
		       EXISTS (SELECT 1 FROM programme_steps s WHERE s.company_id = e.company_id AND s.enrolment_id = e.id AND s.state = 'held') AS held
		FROM programme_enrolments e WHERE e.company_id = $1 AND e.mode = 'open'`, companyID); err != nil {
		return nil, nil, fmt.Errorf("report store: enrolments: %w", err)
	}
	out := make([]report.Enrolment, len(ens))
	for i, e := range ens {
		out[i] = report.Enrolment{Programme: e.Programme, Employee: e.Employee, Joined: e.Joined, Held: e.Held}
	}
	return invs, out, nil
}
