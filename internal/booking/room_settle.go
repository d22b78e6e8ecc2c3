package booking

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
)

// mailCounselorAbsent tells the employee their counsellor never came.
const mailCounselorAbsent = "booking_counselor_absent"

// SettleAbsentCounselors records a counsellor's no-show for every
// confirmed video session held in Taiwa's room (not on the counsellor's
// external meeting link, whose attendance is the counsellor's to record)
// whose room has closed (end plus RoomGrace)
// without the counsellor ever joining it: the status becomes
// counselor_no_show (never billed, never paid), and the employee is
// mailed an apology with a link to book again. Housekeeping runs it; it
// returns the sessions it settled.
func (s *Service) SettleAbsentCounselors(ctx context.Context) ([]uuid.UUID, error) {
	now := s.Clock.Now()
	var ids []uuid.UUID
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &ids, `
			SELECT b.id FROM bookings b
			WHERE b.status = 'confirmed' AND b.format = 'video' AND NOT b.meeting_external AND b.ends_at < $1
			  AND NOT EXISTS (SELECT 1 FROM session_attendance a WHERE a.booking_id = b.id AND a.party = 'counselor')
			ORDER BY b.ends_at, b.id`, now.Add(-s.roomGrace()))
	})
	if err != nil {
		return nil, fmt.Errorf("settle absent counsellors: %w", err)
	}
	var done []uuid.UUID
	for _, id := range ids {
		ok, err := s.settleAbsent(ctx, id, now)
		if err != nil {
			return done, err
		}
		if ok {
			done = append(done, id)
		}
	}
	return done, nil
}

// settleAbsent settles one session in its own short transaction, checking
// again under the lock (the counsellor may have joined meanwhile).
func (s *Service) settleAbsent(ctx context.Context, id uuid.UUID, now time.Time) (bool, error) {
	settled := false
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `
			UPDATE bookings b SET status = 'counselor_no_show', updated_at = $2
			WHERE b.id = $1 AND b.status = 'confirmed' AND b.format = 'video' AND NOT b.meeting_external AND b.ends_at < $3
			  AND NOT EXISTS (SELECT 1 FROM session_attendance a WHERE a.booking_id = b.id AND a.party = 'counselor')`,
			id, now, now.Add(-s.roomGrace()))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil
		}
		settled = true
		p, err := loadParties(ctx, tx, id)
		if err != nil {
			return err
		}
		if !p.EmployeeActive {
			return nil
		}
		rc := p.employee()
		d := s.mailData(rc, p, id, p.Start, p.End, p.Format, p.MeetingURL)
		d.Link = s.baseURL() + "/counselors"
		return s.sendMail(ctx, tx, mailCounselorAbsent, rc, d, "booking.mail:counselor_absent:"+id.String())
	})
	if err != nil {
		return false, fmt.Errorf("settle absent counsellor %s: %w", id, err)
	}
	return settled, nil
}

// CounselorNoShow is one session a counsellor never came to, for operators.
type CounselorNoShow struct {
	BookingID     uuid.UUID `db:"id"`
	CounselorID   uuid.UUID `db:"counselor_id"`
	CounselorName string    `db:"counselor_name"`
	Start         time.Time `db:"starts_at"`
	End           time.Time `db:"ends_at"`
}

// CounselorNoShows lists the counsellors' no-shows since from, newest
// first, for the operators' list (no employee, company or theme).
func (s *Service) CounselorNoShows(ctx context.Context, from time.Time) ([]CounselorNoShow, error) {
	var out []CounselorNoShow
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `
			SELECT b.id, b.counselor_id, COALESCE(NULLIF(c.display_name, ''), u.name) AS counselor_name, b.starts_at, b.ends_at
			FROM bookings b JOIN counselors c ON c.id = b.counselor_id JOIN users u ON u.id = c.user_id
			WHERE b.status = 'counselor_no_show' AND b.starts_at >= $1
			ORDER BY b.starts_at DESC, b.id LIMIT 500`, from)
	})
	if err != nil {
		return nil, fmt.Errorf("counsellor no-shows: %w", err)
	}
	return out, nil
}
