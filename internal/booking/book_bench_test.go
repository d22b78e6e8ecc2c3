package booking_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// BenchmarkBookingContention: eight employees race for each of 20 slots of
// one counsellor (160 attempts, 20 bookings) through Service.Book, beside 20
// plain one-row INSERT transactions into the same table (no rules, no
// contention): what the rules, the re-checks and the exclusion constraint
// cost. No worker runs here; BenchmarkBookingHTTPContention in
// internal/api measures bookings through HTTP with the worker running.
func BenchmarkBookingContention(b *testing.B) {
	const racers, slotsPerOp = 8, 20
	f := newFixture(b, "per_session", racers)
	ctx := context.Background()
	// Let every slot of the horizon be bookable (no daily cap in the way).
	exec(b, f.env, `UPDATE availability_settings SET max_per_day = 24, horizon_days = 180 WHERE counselor_id = $1`, f.cid)
	all, err := f.svc.Slots(ctx, f.emps[0], f.cid, f.clock.Now(), f.clock.Now().Add(62*24*time.Hour))
	if err != nil {
		b.Fatal(err)
	}
	next := 0
	take := func() []booking.Slot {
		if next+slotsPerOp > len(all) {
			b.Fatalf("out of slots after %d", next)
		}
		s := all[next : next+slotsPerOp]
		next += slotsPerOp
		return s
	}

	b.Run("book-8-racers-per-slot", func(b *testing.B) {
		var won, lost atomic.Int64
		start := time.Now()
		for b.Loop() {
			for _, s := range take() {
				var wg sync.WaitGroup
				for _, emp := range f.emps {
					wg.Add(1)
					go func() {
						defer wg.Done()
						_, err := f.svc.Book(ctx, emp, booking.NewBooking{CounselorID: f.cid, Start: s.Start, Theme: "career", Format: "video"}, "")
						if err == nil {
							won.Add(1)
						} else {
							lost.Add(1)
						}
					}()
				}
				wg.Wait()
			}
		}
		if won.Load() != int64(b.N*slotsPerOp) {
			b.Fatalf("won %d slots, want %d", won.Load(), b.N*slotsPerOp)
		}
		el := time.Since(start).Seconds()
		b.ReportMetric(float64(won.Load()+lost.Load())/el, "attempts/s")
		b.ReportMetric(float64(won.Load())/el, "bookings/s")
	})

	// One row per transaction, as a booking is: 20 rows in one transaction
	// made the floor look twenty times cheaper than it is.
	b.Run("plain-insert", func(b *testing.B) {
		var n int64
		start := time.Now()
		for b.Loop() {
			for _, s := range take() {
				err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
					_, err := tx.ExecContext(ctx, `
						INSERT INTO bookings (company_id, id, employee_user_id, counselor_id, counselor_user_id,
						                      starts_at, ends_at, blocked_until, theme, format)
						VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 'career', 'video')`,
						f.companyID, uuid.New(), f.emps[0].UserID, f.cid, f.counselor.UserID, s.Start, s.End)
					return err
				})
				if err != nil {
					b.Fatal(err)
				}
				n++
			}
		}
		b.ReportMetric(float64(n)/time.Since(start).Seconds(), "bookings/s")
	})
}

// BenchmarkSlots100 reads 14 days of free slots for 100 counsellors through
// Service.Slots (schedule and bookings loaded from PostgreSQL each time).
func BenchmarkSlots100(b *testing.B) {
	f := newFixture(b, "per_session", 1)
	ctx := context.Background()
	// 99 more counsellors with the first one's credential and schedule.
	exec(b, f.env, `
		WITH u AS (
			INSERT INTO users (email, name, role)
			SELECT 'c' || g || '@bench.example', '相談 ' || g, 'counselor' FROM generate_series(1, 99) g RETURNING id),
		c AS (
			INSERT INTO counselors (user_id, status, display_name, themes, formats, verified_at)
			SELECT id, 'verified', 'ベンチ', '{career}', '{video}', now() FROM u RETURNING id),
		cr AS (
			INSERT INTO credentials (counselor_id, kind, registration_number, issued_on, status, verified_at)
			SELECT id, 'career_consultant', '1601' || left(id::text, 4), '2020-04-01', 'verified', now() FROM c),
		s AS (
			INSERT INTO availability_settings (counselor_id, timezone, slot_minutes, buffer_minutes, min_notice_minutes, horizon_days, max_per_day)
			SELECT c.id, a.timezone, a.slot_minutes, a.buffer_minutes, a.min_notice_minutes, a.horizon_days, a.max_per_day
			FROM c, availability_settings a WHERE a.counselor_id = $1)
		INSERT INTO availability_weekly (counselor_id, weekday, start_time, end_time)
		SELECT c.id, w.weekday, w.start_time, w.end_time FROM c, availability_weekly w WHERE w.counselor_id = $1`, f.cid)
	var ids []uuid.UUID
	if err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.Select(&ids, `SELECT id FROM counselors ORDER BY id`)
	}); err != nil {
		b.Fatal(err)
	}
	if len(ids) != 100 {
		b.Fatalf("%d counsellors", len(ids))
	}
	from := f.clock.Now()
	to := from.Add(14 * 24 * time.Hour)
	total := 0
	for b.Loop() {
		total = 0
		for _, id := range ids {
			s, err := f.svc.Slots(ctx, f.emps[0], id, from, to)
			if err != nil {
				b.Fatal(fmt.Errorf("counsellor %s: %w", id, err))
			}
			total += len(s)
		}
	}
	if total == 0 {
		b.Fatal("no slots")
	}
	b.ReportMetric(float64(total)/100, "slots/counsellor")
}
