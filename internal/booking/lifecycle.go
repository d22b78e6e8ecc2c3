package booking

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// NoShowGrace is how long after the start a counsellor waits before a
// session may be marked no_show.
const NoShowGrace = 10 * time.Minute

// change runs fn on one booking, locked, in the system scope (a change
// frees or takes the counsellor's time, which spans other employees' rows,
// and may mail the waitlist); only the booking's own parties get past the
// check. The counsellor's lock is taken before the row's, in the same
// order as Book, so the two never deadlock.
func (s *Service) change(ctx context.Context, actor auth.Principal, id uuid.UUID, fn func(tx *sqlx.Tx, b Booking, party string) (Booking, error)) (Booking, error) {
	var out Booking
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		b, err := getBooking(ctx, tx, id, false)
		if err != nil {
			return err
		}
		party := partyOf(b, actor)
		if party == "" {
			return apperr.NotFound("booking")
		}
		if err := lockCounselor(ctx, tx, b.CounselorID); err != nil {
			return err
		}
		if b, err = getBooking(ctx, tx, id, true); err != nil {
			return err
		}
		if out, err = fn(tx, b, party); err != nil {
			return err
		}
		out = forViewer(out, actor)
		return nil
	})
	if err != nil {
		return Booking{}, err
	}
	return out, nil
}

func notConfirmed(b Booking) error {
	return apperr.Conflict(ReasonBookingNotConfirmed, "the booking is "+b.Status+", so it can no longer be changed")
}

// Cancel cancels a confirmed booking that has not started: cancelled, or
// late_cancelled (billable) when the employee cancels less than the plan's
// notice (default 24 h) before the start. A counsellor's cancellation is
// never late. 409 booking_not_confirmed / booking_started otherwise.
func (s *Service) Cancel(ctx context.Context, actor auth.Principal, id uuid.UUID, reason string) (Booking, error) {
	if err := actor.Require(auth.RoleEmployee, auth.RoleCounselor, auth.RoleOperator); err != nil {
		return Booking{}, err
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > 1000 || counselor.HasControl(reason, true) {
		return Booking{}, apperr.Field("reason", "must be at most 1000 characters of text")
	}
	now := s.Clock.Now()
	return s.change(ctx, actor, id, func(tx *sqlx.Tx, b Booking, party string) (Booking, error) {
		if b.Status != StatusConfirmed {
			return b, notConfirmed(b)
		}
		if !b.Start.After(now) {
			return b, apperr.Conflict(ReasonBookingStarted, "the session has already started and can no longer be cancelled")
		}
		notice, err := lateNoticeHours(ctx, tx, id)
		if err != nil {
			return b, err
		}
		status := StatusCancelled
		if isLate(party, b.Start, now, notice) {
			status = StatusLateCancelled
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE bookings SET status = $2, cancel_reason = NULLIF($3, ''), cancelled_by = $4, cancelled_at = $5,
			       sequence = sequence + 1, updated_at = $5
			WHERE id = $1`, id, status, reason, party, now); err != nil {
			return b, err
		}
		if b, err = getBooking(ctx, tx, id, false); err != nil {
			return b, err
		}
		if err := s.notifyCancelled(ctx, tx, b); err != nil {
			return b, err
		}
		return b, s.refreshNextAvailableNoWait(ctx, tx, b.CounselorID, nil)
	})
}

// Reschedule moves a confirmed booking that has not started to a new free
// start (same id, Sequence+1); 409 slot_unavailable when taken, 422
// start_in_past for a start already gone. The session keeps the length
// and buffer of the counsellor's current schedule. A move to the start it
// already has changes nothing and mails no one: the booking is answered
// as it stands, so a resent or double-clicked request is harmless.
func (s *Service) Reschedule(ctx context.Context, actor auth.Principal, id uuid.UUID, start time.Time) (Booking, error) {
	if err := actor.Require(auth.RoleEmployee, auth.RoleCounselor, auth.RoleOperator); err != nil {
		return Booking{}, err
	}
	if start.IsZero() {
		return Booking{}, apperr.Field("start", "is required (RFC 3339 with offset)")
	}
	start = start.UTC()
	now := s.Clock.Now()
	return s.change(ctx, actor, id, func(tx *sqlx.Tx, b Booking, _ string) (Booking, error) {
		if b.Status != StatusConfirmed {
			return b, notConfirmed(b)
		}
		if !b.Start.After(now) {
			return b, apperr.Conflict(ReasonBookingStarted, "the session has already started and can no longer be moved")
		}
		if b.Start.Equal(start) {
			return b, nil
		}
		a, err := checkSlot(ctx, tx, b.CounselorID, start, now, id)
		if err != nil {
			return b, err
		}
		end := start.Add(time.Duration(a.SlotMinutes) * time.Minute)
		if _, err := tx.ExecContext(ctx, `
			UPDATE bookings SET starts_at = $2, ends_at = $3, blocked_until = $4, sequence = sequence + 1, updated_at = $5
			WHERE id = $1`, id, start, end, end.Add(time.Duration(a.BufferMinutes)*time.Minute), now); err != nil {
			return b, err
		}
		if b, err = getBooking(ctx, tx, id, false); err != nil {
			return b, err
		}
		if err := s.notifyRescheduled(ctx, tx, b); err != nil {
			return b, err
		}
		return b, s.refreshNextAvailableNoWait(ctx, tx, b.CounselorID, nil)
	})
}

// MarkNoShow lets the counsellor mark a confirmed session no_show once
// NoShowGrace has passed since its start (409 too_early before), unless
// the employee joined its video room (409 employee_joined).
func (s *Service) MarkNoShow(ctx context.Context, actor auth.Principal, id uuid.UUID) (Booking, error) {
	return s.finish(ctx, actor, id, StatusNoShow, NoShowGrace)
}

// Complete lets the counsellor confirm a session was held (after its start).
func (s *Service) Complete(ctx context.Context, actor auth.Principal, id uuid.UUID) (Booking, error) {
	return s.finish(ctx, actor, id, StatusCompleted, 0)
}

func (s *Service) finish(ctx context.Context, actor auth.Principal, id uuid.UUID, status string, after time.Duration) (Booking, error) {
	if err := actor.Require(auth.RoleCounselor, auth.RoleOperator); err != nil {
		return Booking{}, err
	}
	now := s.Clock.Now()
	return s.change(ctx, actor, id, func(tx *sqlx.Tx, b Booking, party string) (Booking, error) {
		if party == "employee" {
			return b, apperr.NotFound("booking")
		}
		if b.Status != StatusConfirmed {
			return b, notConfirmed(b)
		}
		if now.Before(b.Start.Add(after)) {
			return b, apperr.Conflict(ReasonTooEarly, "the session has not started yet (a no-show can be marked 10 minutes after the start)")
		}
		if status == StatusNoShow && b.InRoom() {
			joined, err := employeeJoined(ctx, tx, id)
			if err != nil {
				return b, err
			}
			if joined {
				return b, apperr.Conflict(ReasonEmployeeJoined, "the employee joined the session's room, so it is not a no-show")
			}
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE bookings SET status = $2, completed_at = CASE WHEN $2 = 'completed' THEN $3::timestamptz END, updated_at = $3
			WHERE id = $1`, id, status, now); err != nil {
			return b, err
		}
		return getBooking(ctx, tx, id, false)
	})
}

// JoinWaitlist puts the signed-in employee on a counsellor's waitlist; they
// are mailed when an earlier slot frees up.
func (s *Service) JoinWaitlist(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) error {
	_, err := s.Waitlist(ctx, actor, counselorID)
	return err
}

// Waitlist is JoinWaitlist that also says whether a new entry was made
// (false: the employee was already waiting for this counsellor).
func (s *Service) Waitlist(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) (created bool, err error) {
	if err := actor.Require(auth.RoleEmployee); err != nil {
		return false, err
	}
	now := s.Clock.Now()
	err = s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if _, err := loadBookable(ctx, tx, counselorID, now); err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO waitlist (company_id, counselor_id, employee_user_id) VALUES ($1, $2, $3)
			ON CONFLICT (counselor_id, employee_user_id) WHERE notified_at IS NULL DO NOTHING`,
			actor.CompanyID, counselorID, actor.UserID)
		if err != nil {
			return err
		}
		n, _ := res.RowsAffected()
		created = n == 1
		return nil
	})
	return created, err
}
