package booking

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// bookingColumns selects a Booking; the employee's name comes through the
// users policy that lets a counsellor read the people booked with them.
const bookingColumns = `
	SELECT b.id, b.counselor_id, c.display_name, COALESCE(u.name, '') AS employee_name,
	       b.starts_at, b.ends_at, b.theme, b.format, b.status, b.meeting_url, b.sequence,
	       COALESCE(b.cancel_reason, '') AS cancel_reason, b.cancelled_at, b.completed_at, b.created_at, b.updated_at,
	       b.company_id, b.employee_user_id, b.counselor_user_id, COALESCE(b.cancelled_by, '') AS cancelled_by,
	       b.meeting_external, CASE WHEN b.format = 'in_person' THEN c.in_person_place ELSE '' END AS place
	FROM bookings b
	JOIN counselors c ON c.id = b.counselor_id
	LEFT JOIN users u ON u.id = b.employee_user_id`

type scanner interface{ Scan(dest ...any) error }

func scanBooking(r scanner) (Booking, error) {
	var b Booking
	var cancelled, completed sql.NullTime
	err := r.Scan(&b.ID, &b.CounselorID, &b.CounselorName, &b.EmployeeName, &b.Start, &b.End, &b.Theme, &b.Format,
		&b.Status, &b.MeetingURL, &b.Sequence, &b.CancelReason, &cancelled, &completed, &b.CreatedAt, &b.UpdatedAt,
		&b.CompanyID, &b.EmployeeUserID, &b.CounselorUserID, &b.CancelledBy, &b.MeetingExternal, &b.Place)
	if err != nil {
		return b, err
	}
	if cancelled.Valid {
		t := cancelled.Time.UTC()
		b.CancelledAt = &t
	}
	if completed.Valid {
		t := completed.Time.UTC()
		b.CompletedAt = &t
	}
	b.Start, b.End, b.CreatedAt, b.UpdatedAt = b.Start.UTC(), b.End.UTC(), b.CreatedAt.UTC(), b.UpdatedAt.UTC()
	return b, nil
}

// getBooking reads one booking as the transaction's scope may see it;
// lock adds FOR UPDATE OF b.
func getBooking(ctx context.Context, tx *sqlx.Tx, id uuid.UUID, lock bool) (Booking, error) {
	q := bookingColumns + ` WHERE b.id = $1`
	if lock {
		q += ` FOR UPDATE OF b`
	}
	b, err := scanBooking(tx.QueryRowxContext(ctx, q, id))
	if db.IsNoRows(err) {
		return b, apperr.NotFound("booking")
	}
	if err != nil {
		return b, fmt.Errorf("booking %s: %w", id, err)
	}
	return b, nil
}

// forViewer hides what the viewer may not see: the employee's name is for
// the counsellor (and operators) only.
func forViewer(b Booking, actor auth.Principal) Booking {
	if actor.Role == auth.RoleEmployee {
		b.EmployeeName = ""
	}
	return b
}

// partyOf reports how actor takes part in b: "employee", "counselor",
// "operator", or "" when b is none of their business.
func partyOf(b Booking, actor auth.Principal) string {
	switch {
	case actor.Role == auth.RoleEmployee && b.EmployeeUserID == actor.UserID && b.CompanyID == actor.CompanyID:
		return "employee"
	case actor.Role == auth.RoleCounselor && b.CounselorUserID == actor.UserID:
		return "counselor"
	case actor.Role == auth.RoleOperator:
		return "operator"
	}
	return ""
}

// MyBookings lists the signed-in employee's or counsellor's bookings,
// upcoming first (soonest first) then past (newest first), at most 500.
func (s *Service) MyBookings(ctx context.Context, actor auth.Principal) ([]Booking, error) {
	if err := actor.Require(auth.RoleEmployee, auth.RoleCounselor); err != nil {
		return nil, err
	}
	col := "b.employee_user_id"
	if actor.Role == auth.RoleCounselor {
		col = "b.counselor_user_id"
	}
	now := s.Clock.Now()
	out := []Booking{}
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		rows, err := tx.QueryxContext(ctx, bookingColumns+`
			WHERE `+col+` = $1
			ORDER BY (b.ends_at < $2), CASE WHEN b.ends_at >= $2 THEN b.starts_at END ASC, b.starts_at DESC
			LIMIT 500`, actor.UserID, now)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			b, err := scanBooking(rows)
			if err != nil {
				return err
			}
			out = append(out, forViewer(b, actor))
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("my bookings: %w", err)
	}
	return out, nil
}

// Get returns one booking its employee or counsellor (or an operator) may
// see; anyone else, a company admin included, gets 404 from row-level
// security itself.
func (s *Service) Get(ctx context.Context, actor auth.Principal, id uuid.UUID) (Booking, error) {
	var b Booking
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var err error
		b, err = getBooking(ctx, tx, id, false)
		return err
	})
	if err != nil {
		return Booking{}, err
	}
	if partyOf(b, actor) == "" {
		return Booking{}, apperr.NotFound("booking")
	}
	return forViewer(b, actor), nil
}

// lateNoticeHours is the notice window of the plan the booking counts
// against (24 h without one).
func lateNoticeHours(ctx context.Context, tx *sqlx.Tx, bookingID uuid.UUID) (int, error) {
	var h int
	err := tx.GetContext(ctx, &h, `
		SELECT COALESCE((SELECT p.late_cancel_notice_h FROM contracts k JOIN plans p ON p.code = k.plan_code
		                 WHERE k.company_id = b.company_id AND k.id = b.contract_id), 24)
		FROM bookings b WHERE b.id = $1`, bookingID)
	return h, err
}

// isLate reports whether cancelling at now is a late (billable)
// cancellation: only the employee's own cancellation can be, when less
// than noticeHours remain before the start. Exactly noticeHours ahead is
// still in time.
func isLate(party string, start, now time.Time, noticeHours int) bool {
	return party == "employee" && start.Sub(now) < time.Duration(noticeHours)*time.Hour
}

// CancelPreview says whether cancelling now would be a late cancellation
// (billable), so the page can warn before the employee confirms.
func (s *Service) CancelPreview(ctx context.Context, actor auth.Principal, id uuid.UUID) (late bool, noticeHours int, err error) {
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		b, err := getBooking(ctx, tx, id, false)
		if err != nil {
			return err
		}
		party := partyOf(b, actor)
		if party == "" {
			return apperr.NotFound("booking")
		}
		if noticeHours, err = lateNoticeHours(ctx, tx, id); err != nil {
			return err
		}
		late = b.Status == StatusConfirmed && isLate(party, b.Start, s.Clock.Now(), noticeHours)
		return nil
	})
	return late, noticeHours, err
}
