package matching_test

import (
	"context"
	"io"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// benchCounselors is the size of the recommendation benchmark's marketplace.
const benchCounselors = 10_000

// BenchmarkRecommend measures Recommend for one employee over 10,000 listed
// counsellors in PostgreSQL (all with fit profiles, ratings, free slots and
// weekly hours), for a plain profile and one with every preference set;
// p50 and p95 in milliseconds.
func BenchmarkRecommend(b *testing.B) {
	ctx := context.Background()
	env := dbtest.New(b)
	if err := demo.SeedScaleWith(ctx, env.DB, demo.ScaleOptions{Employees: 20, Counselors: benchCounselors}, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		b.Fatal(err)
	}
	var emp auth.Principal
	err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(`UPDATE counselors SET
			rating_avg = CASE WHEN get_byte(uuid_send(id), 0) % 4 = 0 THEN NULL ELSE 3 + (get_byte(uuid_send(id), 1) % 5) * 0.5 END,
			rating_count = get_byte(uuid_send(id), 2) % 40,
			next_available_at = date_trunc('hour', now()) + (1 + get_byte(uuid_send(id), 4) % 300) * interval '1 hour'`); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO counselor_fit_profiles (counselor_id, user_id, value_answers, style_answers)
			SELECT id, user_id,
			       ARRAY(SELECT 1 + (get_byte(uuid_send(c.id), k) % 5) FROM generate_series(0, 9) k)::smallint[],
			       ARRAY(SELECT 1 + (get_byte(uuid_send(c.id), k) % 5) FROM generate_series(10, 12) k)::smallint[]
			FROM counselors c`); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO availability_weekly (counselor_id, weekday, start_time, end_time)
			SELECT id, d, CASE WHEN get_byte(uuid_send(id), 5) % 2 = 0 THEN '09:00'::time ELSE '13:00'::time END,
			       CASE WHEN get_byte(uuid_send(id), 6) % 2 = 0 THEN '17:00'::time ELSE '21:00'::time END
			FROM counselors, generate_series(1, 5) d`); err != nil {
			return err
		}
		emp.Role = auth.RoleEmployee
		return tx.QueryRow(`SELECT id, company_id FROM users WHERE role = 'employee' ORDER BY email LIMIT 1`).Scan(&emp.UserID, &emp.CompanyID)
	})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := (&counselor.Service{DB: env.DB}).Reindex(ctx); err != nil {
		b.Fatal(err)
	}
	// Production tables have statistics (autovacuum); a fresh seed not yet.
	// Seeding also leaves counselor_match with a dozen dead versions of
	// each row (its triggers repack the row on every source change); a
	// live table of stable size reuses that space, so compact it once.
	owner, err := sqlx.Open("postgres", env.AdminURL)
	if err != nil {
		b.Fatal(err)
	}
	defer owner.Close()
	if _, err := owner.Exec(`VACUUM FULL counselor_match`); err != nil {
		b.Fatal(err)
	}
	if _, err := owner.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	svc := &matching.Service{DB: env.DB}
	profiles := map[string]matching.FitProfile{}
	plain := answers(3, 3)
	plain.Values["stimulation"], plain.Values["security"] = 5, 2
	plain.Theme = "engagement"
	profiles["plain"] = plain
	rich := plain
	rich.Preferences = &matching.Preferences{Gender: "female", Languages: []string{"ja"}, Formats: []string{"video", "phone"},
		AgeBands: []string{"40s"}, Industries: []string{"it"}, JobFunctions: []string{"engineering"}, TimeOfDay: []string{"evening"}}
	profiles["every-preference"] = rich
	for _, name := range []string{"plain", "every-preference"} {
		b.Run(name, func(b *testing.B) {
			if _, err := svc.SaveFitProfile(ctx, emp, profiles[name]); err != nil {
				b.Fatal(err)
			}
			var lat []time.Duration
			var items int
			for b.Loop() {
				for range 20 {
					t0 := time.Now()
					res, err := svc.Recommend(ctx, emp, matching.Query{})
					if err != nil {
						b.Fatal(err)
					}
					lat = append(lat, time.Since(t0))
					items = len(res.Items)
				}
			}
			slices.Sort(lat)
			ms := func(q float64) float64 { return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000 }
			b.ReportMetric(ms(0.5), "p50-ms")
			b.ReportMetric(ms(0.95), "p95-ms")
			b.ReportMetric(float64(items), "items")
		})
	}
}
