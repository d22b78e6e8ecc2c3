package booking

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// slotInputs reads everything a free-slot answer needs in one prepared
// statement (one round trip, planned once per connection): whether the
// counsellor is listed (loadBookable's rule), the schedule
// (loadAvailability's) and the busy time around the window (busyBetween's,
// 48 hours either side for the daily cap). Reading them in five
// statements, each parsed and planned again, cost more than the request's
// authentication.
const slotInputs = `
	SELECT
	  EXISTS (SELECT 1 FROM counselors c WHERE c.id = $1 AND c.status = 'verified' AND EXISTS (
	    SELECT 1 FROM credentials k WHERE k.counselor_id = c.id AND k.status = 'verified'
	      AND (k.expires_on IS NULL OR k.expires_on >= $2::date))),
	  s.timezone, s.slot_minutes, s.buffer_minutes, s.min_notice_minutes, s.horizon_days, s.max_per_day,
	  ARRAY(SELECT w.weekday || ' ' || to_char(w.start_time, 'HH24:MI') || ' ' || to_char(w.end_time, 'HH24:MI')
	        FROM availability_weekly w WHERE w.counselor_id = $1 ORDER BY w.weekday, w.start_time),
	  ARRAY(SELECT to_char(o.on_date, 'YYYY-MM-DD') || ' ' || coalesce(to_char(o.start_time, 'HH24:MI'), '-')
	               || ' ' || coalesce(to_char(o.end_time, 'HH24:MI'), '-') || ' ' || o.available::text
	        FROM availability_overrides o WHERE o.counselor_id = $1 ORDER BY o.on_date, o.start_time NULLS FIRST),
	  ARRAY(SELECT (extract(epoch FROM b.starts_at) * 1000000)::int8 || ' ' || (extract(epoch FROM b.blocked_until) * 1000000)::int8
	        FROM bookings b WHERE b.counselor_id = $1 AND b.status IN ('confirmed', 'completed', 'no_show')
	          AND b.starts_at < $4 AND b.blocked_until > $3 ORDER BY b.starts_at)
	FROM (SELECT 1) AS one LEFT JOIN availability_settings s ON s.counselor_id = $1`

// readSlotInputs runs slotInputs inside tx (which must see every company's
// bookings: the system scope); 404 for a counsellor who is not listed.
func readSlotInputs(ctx context.Context, d *db.DB, tx *sqlx.Tx, counselorID uuid.UUID, from, to, now time.Time) (Availability, []Interval, error) {
	a := DefaultAvailability()
	var (
		listed                                   bool
		tz                                       sql.NullString
		slot, buffer, notice, horizon, maxPerDay sql.NullInt64
		weekly, overrides, busy                  []string
	)
	err := d.Stmt(ctx, tx, slotInputs).QueryRowxContext(ctx, counselorID, counselor.Today(now), from.Add(-48*time.Hour), to.Add(48*time.Hour)).
		Scan(&listed, &tz, &slot, &buffer, &notice, &horizon, &maxPerDay,
			pq.Array(&weekly), pq.Array(&overrides), pq.Array(&busy))
	if err != nil {
		return a, nil, fmt.Errorf("slot inputs: %w", err)
	}
	if !listed {
		return a, nil, apperr.NotFound("counselor")
	}
	if tz.Valid {
		a.Timezone = tz.String
		a.SlotMinutes, a.BufferMinutes, a.MinNoticeMinutes = int(slot.Int64), int(buffer.Int64), int(notice.Int64)
		a.HorizonDays, a.MaxPerDay = int(horizon.Int64), int(maxPerDay.Int64)
	}
	for _, line := range weekly {
		f := strings.Fields(line)
		if len(f) != 3 {
			return a, nil, fmt.Errorf("slot inputs: weekly %q", line)
		}
		wd, err := strconv.Atoi(f[0])
		if err != nil {
			return a, nil, fmt.Errorf("slot inputs: weekly %q", line)
		}
		a.Weekly = append(a.Weekly, WeeklyRange{Weekday: wd, Start: f[1], End: f[2]})
	}
	for _, line := range overrides {
		f := strings.Fields(line)
		if len(f) != 4 {
			return a, nil, fmt.Errorf("slot inputs: override %q", line)
		}
		o := Override{Date: f[0], Available: f[3] == "true"}
		if f[1] != "-" {
			o.Start = &f[1]
		}
		if f[2] != "-" {
			o.End = &f[2]
		}
		a.Overrides = append(a.Overrides, o)
	}
	out := make([]Interval, 0, len(busy))
	for _, line := range busy {
		s, e, ok := strings.Cut(line, " ")
		start, err1 := strconv.ParseInt(s, 10, 64)
		end, err2 := strconv.ParseInt(e, 10, 64)
		if !ok || err1 != nil || err2 != nil {
			return a, nil, fmt.Errorf("slot inputs: busy %q", line)
		}
		out = append(out, Interval{Start: time.UnixMicro(start).UTC(), End: time.UnixMicro(end).UTC()})
	}
	return a, out, nil
}
