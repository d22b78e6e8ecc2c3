package booking

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

var errBadZone = errors.New("not an IANA time zone")

// Limits of a schedule, beyond the columns' own checks.
const (
	maxWeeklyRanges = 100
	maxOverrides    = 1000
)

// DefaultAvailability is a schedule never set: the columns' defaults and
// no weekly ranges, so no slots.
func DefaultAvailability() Availability {
	return Availability{Timezone: "Asia/Tokyo", SlotMinutes: 50, BufferMinutes: 10, MinNoticeMinutes: 720,
		HorizonDays: 30, MaxPerDay: 6, Weekly: []WeeklyRange{}, Overrides: []Override{}}
}

// Validate refuses a schedule with a 400 naming every bad field
// ("weekly[2].start"): an unknown zone, numbers out of range, malformed or
// reversed times, overlapping ranges on one weekday or one date.
func (a Availability) Validate() error {
	f := map[string]string{}
	if _, err := loadZone(a.Timezone); err != nil {
		f["timezone"] = "must be an IANA time zone such as Asia/Tokyo"
	}
	between := func(name string, v, lo, hi int) {
		if v < lo || v > hi {
			f[name] = fmt.Sprintf("must be from %d to %d", lo, hi)
		}
	}
	between("slot_minutes", a.SlotMinutes, 15, 180)
	between("buffer_minutes", a.BufferMinutes, 0, 120)
	between("min_notice_minutes", a.MinNoticeMinutes, 0, 43200)
	between("horizon_days", a.HorizonDays, 1, 180)
	between("max_per_day", a.MaxPerDay, 1, 24)
	if len(a.Weekly) > maxWeeklyRanges {
		f["weekly"] = fmt.Sprintf("may hold at most %d ranges", maxWeeklyRanges)
	}
	if len(a.Overrides) > maxOverrides {
		f["overrides"] = fmt.Sprintf("may hold at most %d dates", maxOverrides)
	}
	type placed struct {
		key string
		s   span
		at  int
	}
	var seen []placed
	overlapCheck := func(prefix, key string, i int, s span) {
		for _, p := range seen {
			if p.key == key && s.from < p.s.to && p.s.from < s.to {
				f[fmt.Sprintf("%s[%d]", prefix, i)] = fmt.Sprintf("overlaps %s[%d]", prefix, p.at)
				return
			}
		}
		seen = append(seen, placed{key, s, i})
	}
	for i, w := range a.Weekly {
		p := fmt.Sprintf("weekly[%d]", i)
		if w.Weekday < 1 || w.Weekday > 7 {
			f[p+".weekday"] = "must be 1 (Monday) to 7 (Sunday)"
		}
		if s, ok := checkRange(f, p, w.Start, w.End); ok && w.Weekday >= 1 && w.Weekday <= 7 {
			overlapCheck("weekly", fmt.Sprint(w.Weekday), i, s)
		}
	}
	for i, o := range a.Overrides {
		p := fmt.Sprintf("overrides[%d]", i)
		if _, err := time.Parse(time.DateOnly, o.Date); err != nil {
			f[p+".date"] = "must be a date YYYY-MM-DD"
		}
		switch {
		case (o.Start == nil) != (o.End == nil):
			f[p] = "give both start and end, or neither"
		case o.Start == nil && o.Available:
			f[p] = "extra hours need a start and an end"
		case o.Start != nil:
			if s, ok := checkRange(f, p, *o.Start, *o.End); ok {
				overlapCheck("overrides", o.Date+fmt.Sprint(o.Available), i, s)
			}
		}
	}
	if len(f) > 0 {
		return apperr.Invalid("the schedule has problems", f)
	}
	return nil
}

// checkRange checks one "HH:MM"–"HH:MM" range within a day.
func checkRange(f map[string]string, prefix, start, end string) (span, bool) {
	s, ok1 := parseClock(start)
	e, ok2 := parseClock(end)
	if !ok1 || s == 24*60 {
		f[prefix+".start"] = "must be a time HH:MM from 00:00 to 23:59"
	}
	if !ok2 {
		f[prefix+".end"] = "must be a time HH:MM from 00:01 to 24:00"
	}
	if !ok1 || !ok2 || s == 24*60 {
		return span{}, false
	}
	if s >= e {
		f[prefix+".end"] = "must be after start (a range cannot cross midnight: split it at 24:00)"
		return span{}, false
	}
	return span{s, e}, true
}

// counselorOf returns the signed-in counsellor's id.
func counselorOf(ctx context.Context, tx *sqlx.Tx, actor auth.Principal) (uuid.UUID, error) {
	var id uuid.UUID
	err := tx.GetContext(ctx, &id, `SELECT id FROM counselors WHERE user_id = $1`, actor.UserID)
	if db.IsNoRows(err) {
		return uuid.Nil, apperr.NotFound("counselor")
	}
	return id, err
}

// loadAvailability reads a counsellor's schedule (defaults if never set).
func loadAvailability(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID) (Availability, error) {
	a := DefaultAvailability()
	err := tx.QueryRowxContext(ctx, `
		SELECT timezone, slot_minutes, buffer_minutes, min_notice_minutes, horizon_days, max_per_day
		FROM availability_settings WHERE counselor_id = $1`, counselorID).
		Scan(&a.Timezone, &a.SlotMinutes, &a.BufferMinutes, &a.MinNoticeMinutes, &a.HorizonDays, &a.MaxPerDay)
	if err != nil && !db.IsNoRows(err) {
		return a, fmt.Errorf("load availability: %w", err)
	}
	rows, err := tx.QueryContext(ctx, `
		SELECT weekday, to_char(start_time, 'HH24:MI'), to_char(end_time, 'HH24:MI')
		FROM availability_weekly WHERE counselor_id = $1 ORDER BY weekday, start_time`, counselorID)
	if err != nil {
		return a, fmt.Errorf("load weekly: %w", err)
	}
	for rows.Next() {
		var w WeeklyRange
		if err := rows.Scan(&w.Weekday, &w.Start, &w.End); err != nil {
			rows.Close()
			return a, err
		}
		a.Weekly = append(a.Weekly, w)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return a, err
	}
	rows, err = tx.QueryContext(ctx, `
		SELECT to_char(on_date, 'YYYY-MM-DD'), to_char(start_time, 'HH24:MI'), to_char(end_time, 'HH24:MI'), available
		FROM availability_overrides WHERE counselor_id = $1 ORDER BY on_date, start_time NULLS FIRST`, counselorID)
	if err != nil {
		return a, fmt.Errorf("load overrides: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var o Override
		if err := rows.Scan(&o.Date, &o.Start, &o.End, &o.Available); err != nil {
			return a, err
		}
		a.Overrides = append(a.Overrides, o)
	}
	return a, rows.Err()
}

// GetAvailability returns the signed-in counsellor's schedule (defaults if
// never set).
func (s *Service) GetAvailability(ctx context.Context, actor auth.Principal) (Availability, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return Availability{}, err
	}
	var a Availability
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		id, err := counselorOf(ctx, tx, actor)
		if err != nil {
			return err
		}
		a, err = loadAvailability(ctx, tx, id)
		return err
	})
	return a, err
}

// SetAvailability validates (400 naming fields) and replaces the signed-in
// counsellor's schedule; next_available_at and the search index follow.
// Bookings already made stay as they are.
func (s *Service) SetAvailability(ctx context.Context, actor auth.Principal, a Availability) (Availability, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return Availability{}, err
	}
	if a.Weekly == nil {
		a.Weekly = []WeeklyRange{}
	}
	if a.Overrides == nil {
		a.Overrides = []Override{}
	}
	if err := a.Validate(); err != nil {
		return Availability{}, err
	}
	var out Availability
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		id, err := counselorOf(ctx, tx, actor)
		if err != nil {
			return err
		}
		if err := lockCounselor(ctx, tx, id); err != nil {
			return err
		}
		if err := saveAvailability(ctx, tx, id, a); err != nil {
			return err
		}
		if out, err = loadAvailability(ctx, tx, id); err != nil {
			return err
		}
		return s.refreshNextAvailable(ctx, tx, id)
	})
	return out, err
}

func saveAvailability(ctx context.Context, tx *sqlx.Tx, id uuid.UUID, a Availability) error {
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO availability_settings (counselor_id, timezone, slot_minutes, buffer_minutes, min_notice_minutes, horizon_days, max_per_day)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		ON CONFLICT (counselor_id) DO UPDATE SET timezone = $2, slot_minutes = $3, buffer_minutes = $4,
		  min_notice_minutes = $5, horizon_days = $6, max_per_day = $7, updated_at = now()`,
		id, a.Timezone, a.SlotMinutes, a.BufferMinutes, a.MinNoticeMinutes, a.HorizonDays, a.MaxPerDay); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM availability_weekly WHERE counselor_id = $1`, id); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM availability_overrides WHERE counselor_id = $1`, id); err != nil {
		return err
	}
	for _, w := range a.Weekly {
		if _, err := tx.ExecContext(ctx, `INSERT INTO availability_weekly (counselor_id, weekday, start_time, end_time) VALUES ($1, $2, $3::time, $4::time)`,
			id, w.Weekday, w.Start, w.End); err != nil {
			return err
		}
	}
	for _, o := range a.Overrides {
		if _, err := tx.ExecContext(ctx, `INSERT INTO availability_overrides (counselor_id, on_date, start_time, end_time, available) VALUES ($1, $2::date, $3::time, $4::time, $5)`,
			id, o.Date, o.Start, o.End, o.Available); err != nil {
			return err
		}
	}
	return nil
}

// lockCounselor serialises the booking transactions of one counsellor, so
// the daily cap and the rules are checked against a settled state.
func lockCounselor(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID) error {
	_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('booking:' || $1::text, 0))`, counselorID)
	return err
}

// lockCounselorToBook is lockCounselor for a new booking, in the same
// round trip asking the bookings trigger to enforce the plan's session cap
// at commit (migration 00016: taiwa.enforce_session_cap).
func lockCounselorToBook(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID) error {
	_, err := db.Prepare(ctx, tx, `
		SELECT pg_advisory_xact_lock(hashtextextended('booking:' || $1::text, 0)),
		       set_config('taiwa.enforce_session_cap', 'on', true)`).ExecContext(ctx, counselorID)
	return err
}

// busyBetween returns the counsellor's sessions that hold time in [from,
// to): confirmed, completed and no-show, from start to buffer end. except
// (a booking being moved) is left out.
func busyBetween(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID, from, to time.Time, except uuid.UUID) ([]Interval, error) {
	var rows []struct {
		Start time.Time `db:"starts_at"`
		End   time.Time `db:"blocked_until"`
	}
	err := tx.SelectContext(ctx, &rows, `
		SELECT starts_at, blocked_until FROM bookings
		WHERE counselor_id = $1 AND status IN ('confirmed', 'completed', 'no_show')
		  AND starts_at < $3 AND blocked_until > $2 AND id <> $4
		ORDER BY starts_at`, counselorID, from, to, except)
	if err != nil {
		return nil, fmt.Errorf("busy: %w", err)
	}
	out := make([]Interval, len(rows))
	for i, r := range rows {
		out[i] = Interval{Start: r.Start, End: r.End}
	}
	return out, nil
}

// freeSlots computes a counsellor's free slots in [from, to) inside a
// transaction that can see every company's bookings (system scope).
func freeSlots(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID, from, to, now time.Time, except uuid.UUID) ([]Slot, Availability, error) {
	a, err := loadAvailability(ctx, tx, counselorID)
	if err != nil {
		return nil, a, err
	}
	// Busy over whole days around the window, for the daily cap.
	busy, err := busyBetween(ctx, tx, counselorID, from.Add(-48*time.Hour), to.Add(48*time.Hour), except)
	if err != nil {
		return nil, a, err
	}
	return ComputeSlots(a, busy, from, to, now), a, nil
}

// refreshNextAvailable writes the counsellor's first free slot to
// counselors.next_available_at and asks for the search document to follow.
func (s *Service) refreshNextAvailable(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID) error {
	return s.refreshNextAvailableWith(ctx, tx, counselorID, nil)
}

// refreshNextAvailableWith is refreshNextAvailable with the counsellor's
// schedule already loaded in this transaction under their lock (nil: load
// it).
func (s *Service) refreshNextAvailableWith(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID, loaded *Availability) error {
	now := s.Clock.Now()
	var a Availability
	if loaded != nil {
		a = *loaded
	} else {
		var err error
		if a, err = loadAvailability(ctx, tx, counselorID); err != nil {
			return err
		}
	}
	to := now.Add(time.Duration(a.HorizonDays) * 24 * time.Hour)
	busy, err := busyBetween(ctx, tx, counselorID, now.Add(-48*time.Hour), to.Add(48*time.Hour), uuid.Nil)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE counselors SET next_available_at = $2 WHERE id = $1`, counselorID, nextFree(a, busy, now)); err != nil {
		return err
	}
	return counselor.EnqueueIndex(ctx, tx, counselorID)
}

// nextFree is the first free slot from now within the horizon, given the
// busy time from two days before now to two days after the horizon; nil
// when there is none.
func nextFree(a Availability, busy []Interval, now time.Time) *time.Time {
	to := now.Add(time.Duration(a.HorizonDays) * 24 * time.Hour)
	if slots := ComputeSlots(a, busy, now, to, now); len(slots) > 0 {
		return &slots[0].Start
	}
	return nil
}

// NextAvailableKind is the outbox kind that recomputes a counsellor's
// next_available_at after a booking change whose transaction found the
// counsellor's row (or the recommender's copy of it) busy with another
// writer.
const NextAvailableKind = "booking.next_available"

type nextAvailablePayload struct {
	CounselorID uuid.UUID `json:"counselor_id"`
}

// refreshNextAvailableNoWait is refreshNextAvailable for the booking
// paths, which must not queue behind other writers (the search index's
// handler, the recommender's upkeep): when the counsellor's row or its
// counselor_match row is locked, the recomputation goes to the outbox
// instead. next_available_at is only a hint for search and ranking; the
// slots offered and the booking's own check always read the bookings, and
// the exclusion constraints have the last word.
func (s *Service) refreshNextAvailableNoWait(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID, loaded *Availability) error {
	var got []uuid.UUID
	if err := tx.SelectContext(ctx, &got, `
		SELECT c.id FROM counselors c JOIN counselor_match m ON m.counselor_id = c.id
		WHERE c.id = $1 FOR NO KEY UPDATE OF c, m SKIP LOCKED`, counselorID); err != nil {
		return err
	}
	if len(got) == 0 {
		return outbox.Enqueue(ctx, tx, NextAvailableKind, nextAvailablePayload{CounselorID: counselorID}, "")
	}
	return s.refreshNextAvailableWith(ctx, tx, counselorID, loaded)
}

// nextAvailableKey is the dedupe key of a new booking's follow-up, by
// which Book finds it again after its commit.
func nextAvailableKey(b Booking) string {
	return fmt.Sprintf("%s:%s:%d", NextAvailableKind, b.ID, b.Sequence)
}

// HandleNextAvailable is the outbox handler of NextAvailableKind. It
// takes the counsellor's row before reading the busy time, so that of two
// recomputations the one that writes last has read last.
func (s *Service) HandleNextAvailable(ctx context.Context, tx *sqlx.Tx, m outbox.Message) error {
	var p nextAvailablePayload
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return fmt.Errorf("next available: payload %s: %w", m.Payload, err)
	}
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM counselors WHERE id = $1 FOR NO KEY UPDATE`, p.CounselorID); err != nil {
		return err
	}
	return s.refreshNextAvailable(ctx, tx, p.CounselorID)
}

// errRowsBusy leaves a follow-up to the worker: another writer holds the
// counsellor's rows.
var errRowsBusy = errors.New("booking: the counsellor's rows are busy")

// followNextAvailable runs a new booking's next_available_at follow-up
// right after the booking committed, in a short transaction of its own
// that waits on nothing: if the worker has already taken the row, or
// another writer holds the counsellor's row or the recommender's copy of
// it, the worker does it instead (the row stays pending, so nothing is
// lost). The booking stands either way, so a failure here is not the
// booking's: the worker retries the row.
func (s *Service) followNextAvailable(ctx context.Context, b Booking, a Availability) {
	_ = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := outbox.RunNow(ctx, tx, nextAvailableKey(b), func(ctx context.Context, tx *sqlx.Tx, m outbox.Message) error {
			var got []uuid.UUID
			if err := tx.SelectContext(ctx, &got, `
				SELECT c.id FROM counselors c JOIN counselor_match m ON m.counselor_id = c.id
				WHERE c.id = $1 FOR NO KEY UPDATE OF c, m SKIP LOCKED`, b.CounselorID); err != nil {
				return err
			}
			if len(got) == 0 {
				return errRowsBusy
			}
			return s.refreshNextAvailableWith(ctx, tx, b.CounselorID, &a)
		})
		return err
	})
}

// RefreshNextAvailable recomputes a counsellor's next_available_at inside
// the caller's transaction (which must see every company's bookings: the
// system scope), for writers outside this package such as the demo seed.
func (s *Service) RefreshNextAvailable(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID) error {
	return s.refreshNextAvailable(ctx, tx, counselorID)
}

// PreviewDays is how far ahead the schedule editor previews slots.
const PreviewDays = 7

// PreviewSlots is what a draft schedule a would offer employees over
// [now, now+PreviewDays) if it were saved now: the counsellor's own busy
// time (every company's sessions, so the system scope) and the same rule
// as the booking pages (ComputeSlots). Nothing is stored. A draft the
// domain would refuse is refused here with the same field errors.
func (s *Service) PreviewSlots(ctx context.Context, actor auth.Principal, a Availability) ([]Slot, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return nil, err
	}
	if err := a.Validate(); err != nil {
		return nil, err
	}
	now := s.Clock.Now()
	to := now.Add(PreviewDays * 24 * time.Hour)
	var out []Slot
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		id, err := counselorOf(ctx, tx, actor)
		if err != nil {
			return err
		}
		busy, err := busyBetween(ctx, tx, id, now.Add(-48*time.Hour), to.Add(48*time.Hour), uuid.Nil)
		if err != nil {
			return err
		}
		out = ComputeSlots(a, busy, now, to, now)
		return nil
	})
	return out, err
}
