package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// A new booking's racers meet on two advisory locks, always in this
// order: the slot's (the counsellor and the exact start), then the
// counsellor's (lockCounselorToBook). The first racer for a slot takes the
// slot's lock without waiting and goes on; the others wait for it with a
// shared lock, which PostgreSQL grants to all of them at once when the
// first one's transaction ends, and each then answers 409 with one indexed
// read, in parallel, instead of queueing one by one on the counsellor's
// lock behind each other. If the first one failed (its rules refused it),
// the slot is still free and they go on as usual. The locks only spare
// work: the checks under the counsellor's lock and, last, the exclusion
// constraint decide.

// slotClaim is what the first statement of a booking learnt about its
// slot.
type slotClaim struct {
	Mine  bool // this transaction holds the slot's lock
	Taken bool // a session committed before the statement holds the start
}

// loadBookableClaimingSlot is loadBookable that, in the same round trip,
// tries the slot's lock and reads whether the start is already taken.
func loadBookableClaimingSlot(ctx context.Context, tx *sqlx.Tx, id uuid.UUID, start, now time.Time) (bookable, slotClaim, error) {
	c := bookable{ID: id}
	var (
		links []byte
		claim slotClaim
		found bool
	)
	err := db.Prepare(ctx, tx, `
		SELECT pg_try_advisory_xact_lock(hashtextextended($4, 0)),
		       EXISTS (SELECT 1 FROM bookings
		               WHERE counselor_id = $1 AND status IN ('confirmed', 'completed', 'no_show')
		                 AND starts_at <= $3 AND blocked_until > $3),
		       c.id IS NOT NULL, c.user_id, coalesce(c.display_name, ''), c.formats, c.themes,
		       ARRAY(SELECT DISTINCT k.kind FROM credentials k
		             WHERE k.counselor_id = c.id AND k.status = 'verified' AND (k.expires_on IS NULL OR k.expires_on >= $2::date)),
		       c.meeting_links
		FROM (SELECT 1) one
		LEFT JOIN counselors c ON c.id = $1 AND c.status = 'verified'`).QueryRowxContext(ctx, id, counselor.Today(now), start, slotLockKey(id, start)).
		Scan(&claim.Mine, &claim.Taken, &found, &nullUUID{&c.UserID}, &c.Name, pq.Array(&c.Formats), pq.Array(&c.Themes), pq.Array(&c.Kinds), &links)
	if err != nil {
		return c, claim, err
	}
	if !found || len(c.Kinds) == 0 {
		return c, claim, apperr.NotFound("counselor")
	}
	if len(links) > 0 {
		if err := json.Unmarshal(links, &c.Links); err != nil {
			return c, claim, err
		}
	}
	return c, claim, nil
}

// nullUUID scans a uuid that may be NULL (left as it was).
type nullUUID struct{ p *uuid.UUID }

func (n *nullUUID) Scan(src any) error {
	if src == nil {
		return nil
	}
	return n.p.Scan(src)
}

// awaitSlot answers 409 for a slot the claim found taken; for a slot
// another transaction is booking right now, it waits for that transaction
// to end (a shared lock: every waiter wakes at once) and reads again.
func awaitSlot(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID, start time.Time, claim slotClaim) error {
	if claim.Taken {
		return errSlotUnavailable()
	}
	if claim.Mine {
		return nil
	}
	if _, err := db.Prepare(ctx, tx, `
		SELECT pg_advisory_xact_lock_shared(hashtextextended($1, 0))`).ExecContext(ctx, slotLockKey(counselorID, start)); err != nil {
		return err
	}
	// A statement of its own: it must see what committed while this one
	// waited.
	var taken bool
	if err := db.Prepare(ctx, tx, `
		SELECT EXISTS (SELECT 1 FROM bookings
		               WHERE counselor_id = $1 AND status IN ('confirmed', 'completed', 'no_show')
		                 AND starts_at <= $2 AND blocked_until > $2)`).QueryRowxContext(ctx, counselorID, start).Scan(&taken); err != nil {
		return err
	}
	if taken {
		return errSlotUnavailable()
	}
	return nil
}

// slotLockKey names a slot's advisory lock (hashed by PostgreSQL).
func slotLockKey(counselorID uuid.UUID, start time.Time) string {
	return "booking-slot:" + counselorID.String() + ":" + start.UTC().Format(time.RFC3339Nano)
}

func errSlotUnavailable() error {
	return apperr.Conflict(ReasonSlotUnavailable, "this time is not available; please choose another slot")
}

// checkLockedSlot is checkNotTaken and checkSlot in one statement, for a
// new booking under the counsellor's lock (it must be a statement of its
// own after the lock, to see what committed meanwhile): 409 for a start
// taken or not free, 404 for a counsellor suspended meanwhile; else the
// schedule, for the session's length and buffer.
func checkLockedSlot(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID, start, now time.Time) (Availability, error) {
	var row struct {
		Status    string `db:"status"`
		Taken     bool   `db:"taken"`
		Settings  []byte `db:"settings"`
		Weekly    []byte `db:"weekly"`
		Overrides []byte `db:"overrides"`
		Busy      []byte `db:"busy"`
	}
	a := DefaultAvailability()
	// Busy over whole days around the start, for the daily cap (freeSlots).
	err := db.Prepare(ctx, tx, `
		SELECT coalesce((SELECT status FROM counselors WHERE id = $1), '') AS status,
		       EXISTS (SELECT 1 FROM bookings
		               WHERE counselor_id = $1 AND status IN ('confirmed', 'completed', 'no_show')
		                 AND starts_at <= $2 AND blocked_until > $2) AS taken,
		       (SELECT json_build_object('timezone', timezone, 'slot_minutes', slot_minutes, 'buffer_minutes', buffer_minutes,
		                                 'min_notice_minutes', min_notice_minutes, 'horizon_days', horizon_days, 'max_per_day', max_per_day)
		        FROM availability_settings WHERE counselor_id = $1) AS settings,
		       (SELECT coalesce(json_agg(json_build_object('weekday', weekday, 'start', to_char(start_time, 'HH24:MI'),
		                                                   'end', to_char(end_time, 'HH24:MI')) ORDER BY weekday, start_time), '[]')
		        FROM availability_weekly WHERE counselor_id = $1) AS weekly,
		       (SELECT coalesce(json_agg(json_build_object('date', to_char(on_date, 'YYYY-MM-DD'), 'start', to_char(start_time, 'HH24:MI'),
		                                                   'end', to_char(end_time, 'HH24:MI'), 'available', available)
		                                 ORDER BY on_date, start_time NULLS FIRST), '[]')
		        FROM availability_overrides WHERE counselor_id = $1) AS overrides,
		       (SELECT coalesce(json_agg(json_build_array(starts_at, blocked_until) ORDER BY starts_at), '[]')
		        FROM bookings
		        WHERE counselor_id = $1 AND status IN ('confirmed', 'completed', 'no_show')
		          AND starts_at < $4 AND blocked_until > $3) AS busy`).
		GetContext(ctx, &row, counselorID, start, start.Add(-48*time.Hour), start.Add(time.Nanosecond+48*time.Hour))
	if err != nil {
		return a, err
	}
	if row.Taken {
		return a, errSlotUnavailable()
	}
	if row.Status != "verified" {
		return a, apperr.NotFound("counselor")
	}
	if row.Settings != nil {
		if err := json.Unmarshal(row.Settings, &a); err != nil {
			return a, fmt.Errorf("load availability: %w", err)
		}
	}
	var busy [][2]time.Time
	if err := errors.Join(json.Unmarshal(row.Weekly, &a.Weekly), json.Unmarshal(row.Overrides, &a.Overrides),
		json.Unmarshal(row.Busy, &busy)); err != nil {
		return a, fmt.Errorf("load schedule: %w", err)
	}
	intervals := make([]Interval, len(busy))
	for i, b := range busy {
		intervals[i] = Interval{Start: b[0], End: b[1]}
	}
	if slots := ComputeSlots(a, intervals, start, start.Add(time.Nanosecond), now); len(slots) == 0 || !slots[0].Start.Equal(start) {
		return a, errSlotUnavailable()
	}
	return a, nil
}
