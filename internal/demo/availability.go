package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/booking"
)

// Counsellors' weekly schedules, in their own zone: a handful of working
// patterns, shifted and varied, so the demo shows mornings, evenings,
// weekends and part-timers, and counsellors abroad who work Japan's hours.

// bookingCounselor is a verified demo counsellor as the booking seed needs them.
type bookingCounselor struct {
	ID       uuid.UUID      `db:"id"`
	UserID   uuid.UUID      `db:"user_id"`
	Timezone string         `db:"timezone"`
	Formats  pq.StringArray `db:"formats"`
	Themes   pq.StringArray `db:"themes"`
	avail    booking.Availability
	busy     []booking.Interval // every booking generated so far (with its buffer)
}

// loadBookingCounselors reads the verified demo counsellors, in email order.
func loadBookingCounselors(ctx context.Context, tx *sqlx.Tx) ([]*bookingCounselor, error) {
	var out []*bookingCounselor
	if err := tx.SelectContext(ctx, &out, `
		SELECT c.id, c.user_id, c.timezone, c.formats, c.themes
		FROM counselors c JOIN users u ON u.id = c.user_id
		WHERE c.status = 'verified' AND u.email LIKE 'counselor%@taiwa.example'
		  AND cardinality(c.themes) > 0 AND cardinality(c.formats) > 0
		ORDER BY u.email`); err != nil {
		return nil, fmt.Errorf("load demo counsellors: %w", err)
	}
	return out, nil
}

func wr(weekday int, start, end string) booking.WeeklyRange {
	return booking.WeeklyRange{Weekday: weekday, Start: start, End: end}
}

// hhmm is h:m as "HH:MM".
func hhmm(h, m int) string { return fmt.Sprintf("%02d:%02d", h, m) }

// weeklyPattern draws one counsellor's weekly ranges.
func weeklyPattern(r *rand.Rand, zone string) []booking.WeeklyRange {
	var w []booking.WeeklyRange
	switch zone {
	case "Europe/London": // Japan's afternoon and evening are London's morning
		for d := 1; d <= 5; d++ {
			w = append(w, wr(d, "07:00", "11:00"))
		}
		return w
	case "America/New_York": // Japan's morning is New York's evening
		for d := 1; d <= 5; d++ {
			w = append(w, wr(d, "18:00", "22:00"))
		}
		return w
	}
	shift := r.IntN(3) - 1 // start an hour earlier or later
	switch weighted(r, []int{35, 20, 20, 15, 10}) {
	case 0: // weekdays, office hours
		for d := 1; d <= 5; d++ {
			w = append(w, wr(d, hhmm(9+shift, 0), "12:00"), wr(d, "13:00", hhmm(17+shift, 0)))
		}
	case 1: // weekday evenings and Saturday
		for d := 1; d <= 5; d++ {
			w = append(w, wr(d, "18:00", "21:30"))
		}
		w = append(w, wr(6, "10:00", "16:00"))
	case 2: // three days a week
		days := r.Perm(5)[:3]
		for d := 1; d <= 5; d++ {
			for _, x := range days {
				if x+1 == d {
					w = append(w, wr(d, hhmm(10+shift, 0), "16:00"))
				}
			}
		}
	case 3: // afternoons, two mornings
		w = append(w, wr(1, "13:00", "19:00"), wr(2, hhmm(9+shift, 0), "12:00"), wr(3, "13:00", "19:00"),
			wr(4, hhmm(9+shift, 0), "12:00"), wr(5, "13:00", "19:00"))
	default: // weekends and a weekday evening
		w = append(w, wr(3, "19:00", "21:00"), wr(6, "09:00", "17:00"), wr(7, "09:00", "12:00"))
	}
	return w
}

// newAvailability draws a counsellor's whole schedule; today is Japan's
// date, for the overrides of the next two weeks.
func newAvailability(r *rand.Rand, zone string, today time.Time) booking.Availability {
	a := booking.DefaultAvailability()
	a.Timezone = zone
	a.SlotMinutes = []int{50, 60}[weighted(r, []int{3, 1})]
	a.BufferMinutes = []int{10, 15, 0}[weighted(r, []int{5, 3, 1})]
	a.MinNoticeMinutes = []int{720, 1440, 180}[weighted(r, []int{5, 2, 2})]
	a.HorizonDays = []int{30, 45, 60}[weighted(r, []int{5, 2, 2})]
	a.MaxPerDay = 3 + r.IntN(6)
	a.Weekly = weeklyPattern(r, zone)
	a.Overrides = []booking.Override{}
	if r.IntN(4) == 0 { // a day off somewhere in the next two weeks
		a.Overrides = append(a.Overrides, booking.Override{Date: today.AddDate(0, 0, 2+r.IntN(12)).Format(time.DateOnly)})
	}
	if r.IntN(6) == 0 { // extra hours on one date
		s, e := "14:00", "17:00"
		a.Overrides = append(a.Overrides, booking.Override{Date: today.AddDate(0, 0, 1+r.IntN(13)).Format(time.DateOnly),
			Start: &s, End: &e, Available: true})
	}
	return a
}

// insertAvailability writes the schedules of cs in three statements.
func insertAvailability(ctx context.Context, tx *sqlx.Tx, cs []*bookingCounselor) error {
	var ids, zones []string
	var slot, buf, notice, horizon, perDay []int64
	var wID, wStart, wEnd []string
	var wDay []int64
	var oID, oDate, oStart, oEnd []string
	var oAvail []bool
	for _, c := range cs {
		a := c.avail
		ids, zones = append(ids, c.ID.String()), append(zones, a.Timezone)
		slot, buf = append(slot, int64(a.SlotMinutes)), append(buf, int64(a.BufferMinutes))
		notice, horizon, perDay = append(notice, int64(a.MinNoticeMinutes)), append(horizon, int64(a.HorizonDays)), append(perDay, int64(a.MaxPerDay))
		for _, w := range a.Weekly {
			wID, wDay, wStart, wEnd = append(wID, c.ID.String()), append(wDay, int64(w.Weekday)), append(wStart, w.Start), append(wEnd, w.End)
		}
		for _, o := range a.Overrides {
			s, e := "", ""
			if o.Start != nil {
				s, e = *o.Start, *o.End
			}
			oID, oDate, oStart, oEnd, oAvail = append(oID, c.ID.String()), append(oDate, o.Date), append(oStart, s), append(oEnd, e), append(oAvail, o.Available)
		}
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO availability_settings (counselor_id, timezone, slot_minutes, buffer_minutes, min_notice_minutes, horizon_days, max_per_day)
		SELECT id::uuid, tz, s, b, n, h, m FROM unnest($1::text[], $2::text[], $3::int[], $4::int[], $5::int[], $6::int[], $7::int[]) AS t(id, tz, s, b, n, h, m)`,
		pq.Array(ids), pq.Array(zones), pq.Array(slot), pq.Array(buf), pq.Array(notice), pq.Array(horizon), pq.Array(perDay)); err != nil {
		return fmt.Errorf("insert availability settings: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO availability_weekly (counselor_id, weekday, start_time, end_time)
		SELECT id::uuid, d, s::time, e::time FROM unnest($1::text[], $2::int[], $3::text[], $4::text[]) AS t(id, d, s, e)`,
		pq.Array(wID), pq.Array(wDay), pq.Array(wStart), pq.Array(wEnd)); err != nil {
		return fmt.Errorf("insert weekly availability: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO availability_overrides (counselor_id, on_date, start_time, end_time, available)
		SELECT id::uuid, d::date, NULLIF(s, '')::time, NULLIF(e, '')::time, a
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bool[]) AS t(id, d, s, e, a)`,
		pq.Array(oID), pq.Array(oDate), pq.Array(oStart), pq.Array(oEnd), pq.Array(oAvail)); err != nil {
		return fmt.Errorf("insert availability overrides: %w", err)
	}
	return nil
}
