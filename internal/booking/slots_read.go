package booking

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// slotInputs reads everything a free-slot answer needs in one statement
// with no explicit transaction (one round trip, prepared once per
// connection): app_slot_inputs (migrations/00027) declares the scope, then
// reads whether the counsellor is listed (loadBookable's rule), the
// schedule (loadAvailability's) and the busy time around the window
// (busyBetween's, 48 hours either side for the daily cap). Five statements
// parsed and planned per request cost more than the request's
// authentication; BEGIN, the scope and COMMIT around one statement were
// three more round trips.
const slotInputs = `SELECT * FROM public.app_slot_inputs($1, $2, $3, $4, $5, $6, $7, $8)`

// readSlotInputs runs slotInputs in the system scope (a free-slot answer
// must see every company's bookings); 404 for a counsellor who is not
// listed.
func readSlotInputs(ctx context.Context, d *db.DB, counselorID uuid.UUID, from, to, now time.Time) (Availability, []Interval, error) {
	a := DefaultAvailability()
	var (
		listed                                   bool
		tz                                       sql.NullString
		slot, buffer, notice, horizon, maxPerDay sql.NullInt64
		weekly, overrides, busy                  []string
	)
	err := d.QueryRowInScope(ctx, db.System, slotInputs, counselorID, counselor.Today(now), from.Add(-48*time.Hour), to.Add(48*time.Hour)).
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
