package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// StatusCounselorNoShow is a session whose counsellor never joined the
// room by its end plus the room's grace: never billable, never paid.
const StatusCounselorNoShow = "counselor_no_show"

// RoomOpensBefore is how long before the start the video room opens.
const RoomOpensBefore = 10 * time.Minute

// Defaults of the room's settings (Service.RoomGrace, Service.HeldAfter).
const (
	DefaultRoomGrace = 15 * time.Minute
	DefaultHeldAfter = 10 * time.Minute
)

// Room states: when a party may enter.
const (
	RoomEarly  = "early"  // before the start minus RoomOpensBefore
	RoomOpen   = "open"   // the parties may join
	RoomClosed = "closed" // after the end plus the grace, or the session is off
)

// Parties of a session's room.
const (
	PartyEmployee  = "employee"
	PartyCounselor = "counselor"
)

func (s *Service) roomGrace() time.Duration {
	if s.RoomGrace > 0 {
		return s.RoomGrace
	}
	return DefaultRoomGrace
}

func (s *Service) heldAfter() time.Duration {
	if s.HeldAfter > 0 {
		return s.HeldAfter
	}
	return DefaultHeldAfter
}

// InRoom reports whether b is held in Taiwa's own video room: a video
// session not on the counsellor's external meeting link. Only such a
// session has its attendance recorded and settled automatically.
func (b Booking) InRoom() bool { return b.Format == "video" && !b.MeetingExternal }

// RoomWindow is when b's room is open: from RoomOpensBefore the start to
// the end plus the grace.
func (s *Service) RoomWindow(b Booking) (opens, closes time.Time) {
	return b.Start.Add(-RoomOpensBefore), b.End.Add(s.roomGrace())
}

// RoomState says whether b's room may be entered at now. Only a video
// session that is confirmed (or was just settled as held while the call
// goes on) has an open room.
func (s *Service) RoomState(b Booking, now time.Time) string {
	if !b.InRoom() || (b.Status != StatusConfirmed && b.Status != StatusCompleted) {
		return RoomClosed
	}
	opens, closes := s.RoomWindow(b)
	switch {
	case now.Before(opens):
		return RoomEarly
	case now.After(closes):
		return RoomClosed
	}
	return RoomOpen
}

// JoinOpen reports whether a "join" link belongs on b's pages now: while
// its room is open, or, for a confirmed session on the counsellor's
// external link, in the same window (the link leads there).
func (s *Service) JoinOpen(b Booking) bool {
	if b.Format == "video" && b.MeetingExternal {
		opens, closes := s.RoomWindow(b)
		now := s.Clock.Now()
		return b.Status == StatusConfirmed && !now.Before(opens) && !now.After(closes)
	}
	return s.RoomState(b, s.Clock.Now()) == RoomOpen
}

// EnterRoom is b as its party sees it, and which party they are, when the
// room is open now. Anyone else (a company admin, another employee or
// counsellor, an operator) gets 404; a party outside the window gets 409
// room_not_open with the booking, so the page can say when it opens.
func (s *Service) EnterRoom(ctx context.Context, actor auth.Principal, id uuid.UUID) (Booking, string, error) {
	if err := actor.Require(auth.RoleEmployee, auth.RoleCounselor); err != nil {
		return Booking{}, "", apperr.NotFound("booking")
	}
	b, err := s.Get(ctx, actor, id)
	if err != nil {
		return Booking{}, "", err
	}
	party := PartyEmployee
	if actor.Role == auth.RoleCounselor {
		party = PartyCounselor
	}
	if s.RoomState(b, s.Clock.Now()) != RoomOpen {
		return b, party, apperr.Conflict(ReasonRoomNotOpen, "the session's room is not open now")
	}
	return b, party, nil
}

// Attendance is one connection of a party to the room.
type Attendance struct {
	Party    string     `db:"party"`
	JoinedAt time.Time  `db:"joined_at"`
	LeftAt   *time.Time `db:"left_at"`
}

// Join records that party connected to b's room now, and returns the time
// it recorded (the key Leave closes).
func (s *Service) Join(ctx context.Context, b Booking, party string) (time.Time, error) {
	now := s.Clock.Now().UTC().Truncate(time.Microsecond)
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO session_attendance (company_id, booking_id, party, joined_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, b.CompanyID, b.ID, party, now)
		return err
	})
	if err != nil {
		return time.Time{}, fmt.Errorf("room join: %w", err)
	}
	return now, nil
}

// Leave records that the connection party opened at joinedAt has ended,
// then settles the session (both may have been there long enough).
func (s *Service) Leave(ctx context.Context, b Booking, party string, joinedAt time.Time) error {
	now := s.Clock.Now().UTC()
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE session_attendance SET left_at = GREATEST($5, joined_at)
			WHERE company_id = $1 AND booking_id = $2 AND party = $3 AND joined_at = $4 AND left_at IS NULL`,
			b.CompanyID, b.ID, party, joinedAt, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("room leave: %w", err)
	}
	_, err = s.SettleHeld(ctx, b.ID)
	return err
}

// AttendanceOf lists b's room connections, oldest first (the platform's
// view: settling, tests and operators).
func (s *Service) AttendanceOf(ctx context.Context, id uuid.UUID) ([]Attendance, error) {
	var out []Attendance
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `
			SELECT party, joined_at, left_at FROM session_attendance WHERE booking_id = $1 ORDER BY joined_at, party`, id)
	})
	return out, err
}

// Together is how long both parties were connected at once by now: the
// overlap of the employee's connections with the counsellor's (an open
// connection counts until now).
func Together(rows []Attendance, now time.Time) time.Duration {
	var total time.Duration
	for _, e := range rows {
		if e.Party != PartyEmployee {
			continue
		}
		for _, c := range rows {
			if c.Party != PartyCounselor {
				continue
			}
			from := later(e.JoinedAt, c.JoinedAt)
			to := earlier(until(e, now), until(c, now))
			if to.After(from) {
				total += to.Sub(from)
			}
		}
	}
	return total
}

func until(a Attendance, now time.Time) time.Time {
	if a.LeftAt != nil {
		return *a.LeftAt
	}
	return now
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// SettleHeld marks a confirmed video session completed (held) once both
// parties have been connected together for HeldAfter; it reports whether
// it did. The room calls it while both are in and when one leaves.
func (s *Service) SettleHeld(ctx context.Context, id uuid.UUID) (bool, error) {
	now := s.Clock.Now()
	held := false
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		b, err := getBooking(ctx, tx, id, false)
		if err != nil || b.Status != StatusConfirmed || !b.InRoom() {
			return err
		}
		if err := lockCounselor(ctx, tx, b.CounselorID); err != nil {
			return err
		}
		if b, err = getBooking(ctx, tx, id, true); err != nil || b.Status != StatusConfirmed {
			return err
		}
		var rows []Attendance
		if err := tx.SelectContext(ctx, &rows, `
			SELECT party, joined_at, left_at FROM session_attendance WHERE booking_id = $1`, id); err != nil {
			return err
		}
		if Together(rows, now) < s.heldAfter() {
			return nil
		}
		held = true
		_, err = tx.ExecContext(ctx, `
			UPDATE bookings SET status = 'completed', completed_at = $2, updated_at = $2 WHERE id = $1`, id, now)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("settle held %s: %w", id, err)
	}
	return held, nil
}

// employeeJoined reports whether the employee ever connected to b's room.
func employeeJoined(ctx context.Context, tx *sqlx.Tx, id uuid.UUID) (bool, error) {
	var ok bool
	err := tx.GetContext(ctx, &ok, `
		SELECT EXISTS (SELECT 1 FROM session_attendance WHERE booking_id = $1 AND party = 'employee')`, id)
	return ok, err
}

// NoShowOffered reports whether the counsellor may mark b a no-show now:
// a confirmed session NoShowGrace after its start whose employee has not
// joined the room (a session outside the room: whenever the grace has
// passed). The same rule is enforced by MarkNoShow.
func (s *Service) NoShowOffered(ctx context.Context, b Booking) (bool, error) {
	if b.Status != StatusConfirmed || s.Clock.Now().Before(b.Start.Add(NoShowGrace)) {
		return false, nil
	}
	if !b.InRoom() {
		return true, nil
	}
	joined := false
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var err error
		joined, err = employeeJoined(ctx, tx, b.ID)
		return err
	})
	return !joined, err
}
