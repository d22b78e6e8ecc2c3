package store_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/platform/seal"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
)

// The report benchmarks run over `taiwa seed --scale 20000 --sessions
// 1000000`: 20,000 employees in about 1,000 departments, a million held
// sessions over 24 months and this one, ~90% with a record, ~60% rated.
// The data is seeded once per process and shared by every benchmark of
// the package (about three minutes on two cores); with
// TAIWA_BENCH_DATABASE_URL the benchmarks use that database instead (the
// seed is idempotent, so an already seeded one is ready at once).
// TAIWA_BENCH_EMPLOYEES and TAIWA_BENCH_SESSIONS shrink the data for a
// quick look.
//
//	go test -run '^$' -bench . -benchtime 5x ./internal/report/store/

var scaleData struct {
	once    sync.Once
	db      *db.DB
	keys    *seal.Keyring // one for the process: the company's guard key is sealed with it
	company uuid.UUID
	err     error
}

// keepTB lends dbtest a testing.TB whose clean-ups never run: the
// database outlives the benchmark that created it, and goes with the
// package's cluster when the process ends.
type keepTB struct{ testing.TB }

func (keepTB) Cleanup(func()) {}

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// scale returns the seeded database and the scale company's id.
func scale(b *testing.B) (*db.DB, uuid.UUID) {
	b.Helper()
	scaleData.once.Do(func() {
		ctx := context.Background()
		adminURL := ""
		if url := os.Getenv("TAIWA_BENCH_DATABASE_URL"); url != "" {
			scaleData.db, scaleData.err = db.Open(ctx, url)
		} else {
			env := dbtest.New(keepTB{b})
			scaleData.db, adminURL = env.DB, env.AdminURL
		}
		if scaleData.err != nil {
			return
		}
		spec, err := os.Getenv("TAIWA_NOTE_KEYS"), error(nil) // a reused database needs the keys that sealed its guard key
		if spec == "" {
			spec, err = seal.NewKey("bench")
		}
		if err == nil {
			scaleData.keys, err = seal.ParseKeys(spec)
		}
		if scaleData.err = err; err != nil {
			return
		}
		opts := demo.ScaleOptions{Employees: envInt("TAIWA_BENCH_EMPLOYEES", 20_000), Sessions: envInt("TAIWA_BENCH_SESSIONS", 1_000_000)}
		started := time.Now()
		if scaleData.err = demo.SeedScaleWith(ctx, scaleData.db, opts, slog.New(slog.NewTextHandler(io.Discard, nil))); scaleData.err != nil {
			return
		}
		if adminURL != "" { // fresh tables: give the planner their statistics, as autovacuum soon would
			scaleData.err = analyze(ctx, adminURL)
		}
		b.Logf("scale data ready in %s: %d employees, %d sessions", time.Since(started).Round(time.Second), opts.Employees, opts.Sessions)
		scaleData.err = scaleData.db.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			return tx.GetContext(ctx, &scaleData.company, `SELECT id FROM companies WHERE name = $1 ORDER BY created_at, id LIMIT 1`, demo.ScaleCompany)
		})
	})
	if scaleData.err != nil {
		b.Fatal(scaleData.err)
	}
	return scaleData.db, scaleData.company
}

// analyze puts the seeded rows in time order, as a live system writes
// them (the bulk seed writes a million sessions in one go, scattered over
// two years, so one month's rows would sit on every page of the tables),
// then runs ANALYZE; both as the schema owner (the application role may
// not).
func analyze(ctx context.Context, adminURL string) error {
	a, err := sqlx.Open("postgres", adminURL)
	if err != nil {
		return err
	}
	defer a.Close()
	for _, q := range []string{
		`CREATE INDEX bench_bookings_time ON bookings (company_id, starts_at)`,
		`CLUSTER bookings USING bench_bookings_time`,
		`DROP INDEX bench_bookings_time`,
		`CLUSTER session_records USING session_records_company_idx`,
		`CLUSTER session_feedback USING session_feedback_company_idx`,
		`ANALYZE`,
	} {
		if _, err := a.ExecContext(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// service is a report service for the scale company's HR, with a rate
// limit no benchmark reaches.
func service(b *testing.B, d *db.DB, company uuid.UUID) (*store.Service, auth.Principal) {
	b.Helper()
	hr := auth.Principal{UserID: uuid.New(), Role: auth.RoleCompanyAdmin, CompanyID: company, Email: "hr@scale.example"}
	return &store.Service{DB: d, Keys: scaleData.keys, Limit: 1_000_000}, hr
}

// months returns this month, the month five before it, and the last
// closed month (a month closes on the 8th of the next, in Japan).
func months(now time.Time) (current, sixAgo, closed time.Time) {
	t := now.In(japan.Zone)
	current = time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, japan.Zone)
	closed = current.AddDate(0, -1, 0)
	if t.Day() < 8 {
		closed = closed.AddDate(0, -1, 0)
	}
	return current, current.AddDate(0, -5, 0), closed
}

func ym(t time.Time) string { return t.Format("2006-01") }

// request parses a report request as the API would.
func request(b *testing.B, from, to time.Time, by string) store.Request {
	b.Helper()
	q, err := report.ParseQuery(ym(from), ym(to), by)
	if err != nil {
		b.Fatal(err)
	}
	return store.Request{Query: q, From: ym(from), To: ym(to), By: by}
}

// timed runs fn per iteration and reports the median and 95th percentile
// of the iterations' durations.
func timed(b *testing.B, fn func() error) {
	b.Helper()
	var ds []time.Duration
	b.ResetTimer()
	for b.Loop() {
		start := time.Now()
		if err := fn(); err != nil {
			b.Fatal(err)
		}
		ds = append(ds, time.Since(start))
	}
	b.StopTimer()
	slices.Sort(ds)
	pct := func(p float64) float64 {
		return float64(ds[min(len(ds)-1, int(p*float64(len(ds))))].Microseconds()) / 1000
	}
	b.ReportMetric(pct(0.50), "p50_ms")
	b.ReportMetric(pct(0.95), "p95_ms")
}

// hiddenTotal notes once that a served report hid its own total.
var hiddenTotal sync.Once

// serve serves r through the service, checking that it has cells (a
// report the guard refused measures nothing).
func serve(ctx context.Context, svc *store.Service, hr auth.Principal, company uuid.UUID, r store.Request, snapshot bool) error {
	rep, err := svc.Report(ctx, hr, company, r)
	if err != nil {
		return err
	}
	if len(rep.Cells) < 2 {
		return fmt.Errorf("%s..%s by %s: %d cells", r.From, r.To, r.By, len(rep.Cells))
	}
	if rep.Total.Suppressed {
		hiddenTotal.Do(func() {
			fmt.Fprintf(os.Stderr, "bench: %s..%s by %s: the total is hidden (%s)\n", r.From, r.To, r.By, rep.Total.Reason)
		})
	}
	if snapshot && !rep.Snapshot {
		return fmt.Errorf("%s..%s by %s was not served from its snapshot", r.From, r.To, r.By)
	}
	return nil
}

// BenchmarkReportOpenMonth: this month by department, computed from the
// live rows on every request (an open month is never a snapshot).
func BenchmarkReportOpenMonth(b *testing.B) {
	d, company := scale(b)
	svc, hr := service(b, d, company)
	current, _, _ := months(time.Now())
	r := request(b, current, current, "department")
	ctx := context.Background()
	timed(b, func() error { return serve(ctx, svc, hr, company, r, false) })
}

// BenchmarkReportOpenRange: the last six months, this one included, by
// department and month.
func BenchmarkReportOpenRange(b *testing.B) {
	d, company := scale(b)
	svc, hr := service(b, d, company)
	current, sixAgo, _ := months(time.Now())
	r := request(b, sixAgo, current, "department,month")
	ctx := context.Background()
	timed(b, func() error { return serve(ctx, svc, hr, company, r, false) })
}

// BenchmarkReportClosedMonth: the last closed month by department. The
// first request (not timed) computes it and keeps the snapshot; the timed
// ones are served from it.
func BenchmarkReportClosedMonth(b *testing.B) {
	d, company := scale(b)
	svc, hr := service(b, d, company)
	_, _, closed := months(time.Now())
	r := request(b, closed, closed, "department")
	ctx := context.Background()
	if err := serve(ctx, svc, hr, company, r, false); err != nil {
		b.Fatal(err)
	}
	timed(b, func() error { return serve(ctx, svc, hr, company, r, true) })
}

// BenchmarkPlainGroupBy is the floor the reports are measured against:
// one SQL GROUP BY over the same held sessions, distinct employees and
// sessions per department (no roll-up, suppression, guard or audit), for
// this month and for the last six months by month.
func BenchmarkPlainGroupBy(b *testing.B) {
	d, company := scale(b)
	current, sixAgo, _ := months(time.Now())
	end := current.AddDate(0, 1, 0)
	ctx := context.Background()
	for _, c := range []struct {
		name, monthCol string
		from           time.Time
	}{
		{"month_by_department", `''`, current},
		{"six_months_by_department_month", `to_char(b.starts_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM')`, sixAgo},
	} {
		b.Run(c.name, func(b *testing.B) {
			q := `SELECT COALESCE(dp.path, ''), ` + c.monthCol + `, count(DISTINCT b.employee_user_id), count(*)
				FROM bookings b
				JOIN employees e ON e.company_id = b.company_id AND e.user_id = b.employee_user_id
				LEFT JOIN departments dp ON dp.company_id = e.company_id AND dp.id = e.department_id
				WHERE b.company_id = $1 AND b.status = 'completed' AND b.starts_at >= $2 AND b.starts_at < $3
				  AND NOT e.report_opt_out
				GROUP BY 1, 2`
			timed(b, func() error {
				return d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
					rows, err := tx.QueryContext(ctx, q, company, c.from, end)
					if err != nil {
						return err
					}
					defer rows.Close()
					n := 0
					for rows.Next() {
						var path, month string
						var people, sessions int
						if err := rows.Scan(&path, &month, &people, &sessions); err != nil {
							return err
						}
						n++
					}
					if n == 0 {
						return fmt.Errorf("no groups")
					}
					return rows.Err()
				})
			})
		})
	}
}
