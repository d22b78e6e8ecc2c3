package record

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// version is the original record (Seq 0) or one amendment, as stored.
type version struct {
	Seq           int            `db:"seq"`
	Themes        pq.StringArray `db:"themes"`
	RiskLevel     string         `db:"risk_level"`
	FollowUp      bool           `db:"follow_up"`
	Observations  pq.StringArray `db:"observations"`
	SharedSummary *string        `db:"shared_summary"`
	PrivateNotes  []byte         `db:"private_notes"`
	CreatedAt     time.Time      `db:"created_at"`
}

// stored is a record row with its amendments in seq order.
type stored struct {
	version
	CompanyID       uuid.UUID `db:"company_id"`
	BookingID       uuid.UUID `db:"booking_id"`
	CounselorUserID uuid.UUID `db:"counselor_user_id"`
	UpdatedAt       time.Time `db:"updated_at"`
	LocksAt         time.Time `db:"locks_at"`
	Amendments      []version `db:"-"`
}

// effective is the version as read: the latest amendment, else the original.
func (st stored) effective() version {
	if n := len(st.Amendments); n > 0 {
		return st.Amendments[n-1]
	}
	return st.version
}

// aad is the associated data of version seq's sealed notes.
func (st stored) aad(seq int) []byte {
	if seq == 0 {
		return NotesAAD(st.CompanyID, st.BookingID)
	}
	return AmendmentNotesAAD(st.CompanyID, st.BookingID, seq)
}

// loadStored reads a booking's record and amendments under the caller's
// scope (row-level security decides who sees it); found is false when
// there is none (or it is not visible).
func loadStored(ctx context.Context, tx *sqlx.Tx, bookingID uuid.UUID, lock bool) (st stored, found bool, err error) {
	q := `SELECT company_id, booking_id, counselor_user_id, 0 AS seq, themes, risk_level, follow_up, observations,
	             shared_summary, private_notes, created_at, updated_at, locks_at
	      FROM session_records WHERE booking_id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	err = tx.GetContext(ctx, &st, q, bookingID)
	if db.IsNoRows(err) {
		return st, false, nil
	}
	if err != nil {
		return st, false, fmt.Errorf("record: read: %w", err)
	}
	err = tx.SelectContext(ctx, &st.Amendments, `
		SELECT seq, themes, risk_level, follow_up, observations, shared_summary, private_notes, created_at
		FROM session_record_amendments WHERE company_id = $1 AND booking_id = $2 ORDER BY seq`, st.CompanyID, bookingID)
	if err != nil {
		return st, false, fmt.Errorf("record: read amendments: %w", err)
	}
	return st, true, nil
}

// open is the record as its counsellor reads it, notes opened; unreadable
// is true when sealed notes do not open (moved to another row, tampered
// with, or sealed with a key no longer configured).
func (s *Service) open(st stored, now time.Time) (rec Record, unreadable bool) {
	eff := st.effective()
	rec = Record{BookingID: st.BookingID, Themes: nonNil(eff.Themes), RiskLevel: eff.RiskLevel, FollowUp: eff.FollowUp,
		Observations: nonNil(eff.Observations), SharedSummary: eff.SharedSummary, CreatedAt: st.CreatedAt,
		UpdatedAt: st.UpdatedAt, LocksAt: st.LocksAt, Locked: !now.Before(st.LocksAt), Amendments: []Amendment{}}
	for _, a := range st.Amendments {
		rec.Amendments = append(rec.Amendments, Amendment{Seq: a.Seq, CreatedAt: a.CreatedAt})
		rec.UpdatedAt = a.CreatedAt
	}
	if eff.PrivateNotes != nil {
		if s.Keys == nil {
			return rec, true
		}
		plain, err := s.Keys.Open(eff.PrivateNotes, st.aad(eff.Seq))
		if err != nil {
			rec.NotesUnreadable = true
			return rec, true
		}
		notes := string(plain)
		rec.PrivateNotes = &notes
	}
	return rec, false
}

func nonNil(a []string) []string {
	if a == nil {
		return []string{}
	}
	return a
}

// ErrNotWritten is Get's answer (404) for the counsellor's own session
// that has no record yet; it is not audited as a denied read.
var ErrNotWritten = &apperr.Error{Code: apperr.CodeNotFound, Reason: ReasonRecordNotWritten, Message: "no record has been written for this session yet"}

// Get is a record as its counsellor reads it (GET
// /api/v1/bookings/{id}/record), private notes opened, and audits the read.
// Anyone else — the employee, a company admin, another counsellor, an
// operator — gets 404 and a record.read entry with outcome denied. Notes
// that do not open do not fail the read: private_notes is null,
// notes_unreadable true, and record.notes_unreadable is audited.
func (s *Service) Get(ctx context.Context, actor auth.Principal, bookingID uuid.UUID) (Record, error) {
	if actor.Role != auth.RoleCounselor {
		return Record{}, s.deny(ctx, actor, "record.read", bookingID)
	}
	now := s.Clock.Now().UTC()
	var out Record
	denied := false
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		st, found, err := loadStored(ctx, tx, bookingID, false)
		if err != nil {
			return err
		}
		if !found || st.CounselorUserID != actor.UserID {
			// The counsellor's own session without a record yet is not a
			// refused read: it is simply not written.
			var own bool
			if err := tx.GetContext(ctx, &own, `SELECT EXISTS (SELECT 1 FROM bookings WHERE id = $1 AND counselor_user_id = $2)`,
				bookingID, actor.UserID); err != nil {
				return err
			}
			if own && !found {
				return ErrNotWritten
			}
			denied = true
			return apperr.NotFound("record")
		}
		rec, unreadable := s.open(st, now)
		ev := audit.Event{Action: "record.read", CompanyID: st.CompanyID, TargetType: "booking", TargetID: bookingID.String()}
		if err := audit.Write(ctx, tx, actor, ev); err != nil {
			return err
		}
		if unreadable {
			ev.Action, ev.Outcome = "record.notes_unreadable", "failed"
			ev.Details = map[string]any{"seq": len(st.Amendments)}
			if err := audit.Write(ctx, tx, actor, ev); err != nil {
				return err
			}
		}
		out = rec
		return nil
	})
	if denied {
		return Record{}, s.deny(ctx, actor, "record.read", bookingID)
	}
	return out, err
}

// Written reports which of the counsellor's own sessions already have a
// record, so their list can offer "view" instead of "write". It reads no
// record content and is not audited: that a record exists is the
// counsellor's own bookkeeping. Other roles get an empty answer.
func (s *Service) Written(ctx context.Context, actor auth.Principal, bookingIDs []uuid.UUID) (map[uuid.UUID]bool, error) {
	out := map[uuid.UUID]bool{}
	if actor.Role != auth.RoleCounselor || len(bookingIDs) == 0 {
		return out, nil
	}
	want := make(pq.StringArray, len(bookingIDs))
	for i, id := range bookingIDs {
		want[i] = id.String()
	}
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var ids []uuid.UUID
		if err := tx.SelectContext(ctx, &ids, `SELECT booking_id FROM session_records
			WHERE counselor_user_id = $1 AND booking_id = ANY($2::uuid[])`, actor.UserID, want); err != nil {
			return fmt.Errorf("record: written: %w", err)
		}
		for _, id := range ids {
			out[id] = true
		}
		return nil
	})
	return out, err
}
