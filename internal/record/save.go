package record

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal"
)

// NotesAAD binds a record's sealed private notes to its row:
// seal.AAD("session_records", "private_notes", company_id, booking_id).
func NotesAAD(companyID, bookingID uuid.UUID) []byte {
	return seal.AAD("session_records", "private_notes", companyID.String(), bookingID.String())
}

// AmendmentNotesAAD binds an amendment's sealed notes to its row, seq
// included: seal.AAD("session_record_amendments", "private_notes",
// company_id, booking_id, seq).
func AmendmentNotesAAD(companyID, bookingID uuid.UUID, seq int) []byte {
	return seal.AAD("session_record_amendments", "private_notes", companyID.String(), bookingID.String(), strconv.Itoa(seq))
}

// EmployeeNotesAAD is the associated data of an employee's own notes
// (written by internal/feedback): seal.AAD("employee_notes", "notes",
// company_id, booking_id). Rotation re-seals them with the same parts.
func EmployeeNotesAAD(companyID, bookingID uuid.UUID) []byte {
	return seal.AAD("employee_notes", "notes", companyID.String(), bookingID.String())
}

// session is the booking a record is about, read as the platform.
type session struct {
	CompanyID       uuid.UUID `db:"company_id"`
	ID              uuid.UUID `db:"id"`
	CounselorID     uuid.UUID `db:"counselor_id"`
	CounselorUserID uuid.UUID `db:"counselor_user_id"`
	EmployeeUserID  uuid.UUID `db:"employee_user_id"`
	Status          string    `db:"status"`
	Start           time.Time `db:"starts_at"`
}

func loadSession(ctx context.Context, tx *sqlx.Tx, id uuid.UUID, lock bool) (session, error) {
	q := `SELECT company_id, id, counselor_id, counselor_user_id, employee_user_id, status, starts_at FROM bookings WHERE id = $1`
	if lock {
		q += ` FOR UPDATE`
	}
	var b session
	if err := tx.GetContext(ctx, &b, q, id); err != nil {
		return b, err
	}
	return b, nil
}

// heldState says whether a record may be written for b at now: a session
// that has started (confirmed or completed) may; one not started yet or
// cancelled / missed may not.
func heldState(b session, now time.Time) error {
	switch b.Status {
	case "confirmed":
		if now.Before(b.Start) {
			return apperr.Conflict(ReasonNotStarted, "the session has not started yet; write the record after it is held")
		}
		return nil
	case "completed":
		return nil
	}
	return apperr.Conflict(ReasonNotHeld, "the session was "+b.Status+", so it has no record")
}

// Save writes the counsellor's record of a held session (PUT
// /api/v1/bookings/{id}/record). Within EditWindow of the first save it
// overwrites; afterwards it appends an amendment and leaves the original
// untouched. A shared_summary or private_notes that is absent (or null)
// keeps the stored value; "" clears it. Saving a confirmed session that has
// started marks it completed. Only the booking's counsellor may save:
// anyone else gets 404 and a denied audit entry.
func (s *Service) Save(ctx context.Context, actor auth.Principal, bookingID uuid.UUID, in Input) (Record, error) {
	if actor.Role != auth.RoleCounselor {
		return Record{}, s.deny(ctx, actor, "record.write", bookingID)
	}
	if err := validate(&in); err != nil {
		return Record{}, err
	}
	now := s.Clock.Now().UTC()
	var out Record
	denied := false
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		b, err := loadSession(ctx, tx, bookingID, true)
		if db.IsNoRows(err) || (err == nil && b.CounselorUserID != actor.UserID) {
			denied = true
			return apperr.NotFound("record")
		}
		if err != nil {
			return fmt.Errorf("record: save: %w", err)
		}
		if err := heldState(b, now); err != nil {
			return err
		}
		if b.Status == "confirmed" {
			if _, err := tx.ExecContext(ctx, `UPDATE bookings SET status = 'completed', completed_at = $2, updated_at = $2 WHERE id = $1`, b.ID, now); err != nil {
				return fmt.Errorf("record: mark completed: %w", err)
			}
		}
		if err := s.write(ctx, tx, actor, b, in, now); err != nil {
			return err
		}
		if err := s.raise(ctx, tx, actor, b, in.RiskLevel, now); err != nil {
			return err
		}
		st, _, err := loadStored(ctx, tx, bookingID, false)
		if err != nil {
			return err
		}
		out, _ = s.open(st, now)
		return nil
	})
	if denied {
		return Record{}, s.deny(ctx, actor, "record.write", bookingID)
	}
	return out, err
}

// write inserts, overwrites or amends the record and audits it (codes only).
func (s *Service) write(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, b session, in Input, now time.Time) error {
	st, found, err := loadStored(ctx, tx, b.ID, true)
	if err != nil {
		return err
	}
	setSummary, summary := in.SharedSummary != nil, emptyNil(in.SharedSummary)
	action, seq := "record.write", 0
	switch {
	case !found:
		notes, err := s.sealNotes(in.PrivateNotes, NotesAAD(b.CompanyID, b.ID))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO session_records (company_id, booking_id, counselor_id, counselor_user_id, employee_user_id, themes,
			       risk_level, follow_up, observations, shared_summary, private_notes, created_at, updated_at, locks_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12, $13)`,
			b.CompanyID, b.ID, b.CounselorID, b.CounselorUserID, b.EmployeeUserID, pq.StringArray(in.Themes),
			in.RiskLevel, in.FollowUp, pq.StringArray(in.Observations), summary, notes, now, now.Add(EditWindow))
		if err != nil {
			return fmt.Errorf("record: insert: %w", err)
		}
	case now.Before(st.LocksAt):
		notes, err := s.sealNotes(in.PrivateNotes, NotesAAD(b.CompanyID, b.ID))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `
			UPDATE session_records SET themes = $3, risk_level = $4, follow_up = $5, observations = $6,
			       shared_summary = CASE WHEN $7 THEN $8 ELSE shared_summary END,
			       private_notes = CASE WHEN $9 THEN $10 ELSE private_notes END, updated_at = $11
			WHERE company_id = $1 AND booking_id = $2`,
			b.CompanyID, b.ID, pq.StringArray(in.Themes), in.RiskLevel, in.FollowUp, pq.StringArray(in.Observations),
			setSummary, summary, in.PrivateNotes != nil, notes, now)
		if err != nil {
			return fmt.Errorf("record: update: %w", err)
		}
	default:
		action = "record.amend"
		if seq, err = s.amend(ctx, tx, actor, b, st, in, now); err != nil {
			return err
		}
	}
	details := map[string]any{"risk_level": in.RiskLevel, "themes": in.Themes, "observations": in.Observations,
		"follow_up": in.FollowUp, "summary_changed": setSummary, "notes_changed": in.PrivateNotes != nil}
	if seq > 0 {
		details["seq"] = seq
	}
	return audit.Write(ctx, tx, actor, audit.Event{Action: action, CompanyID: b.CompanyID, TargetType: "booking",
		TargetID: b.ID.String(), Details: details})
}

// amend appends a full new version after the lock. A summary or notes not
// given carry over from the effective version (the notes re-sealed for the
// new row, since the row's identity is bound into them).
func (s *Service) amend(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, b session, st stored, in Input, now time.Time) (int, error) {
	eff := st.effective()
	seq := len(st.Amendments) + 1
	summary := eff.SharedSummary
	if in.SharedSummary != nil {
		summary = emptyNil(in.SharedSummary)
	}
	var notes []byte
	var err error
	switch {
	case in.PrivateNotes != nil:
		notes, err = s.sealNotes(in.PrivateNotes, AmendmentNotesAAD(b.CompanyID, b.ID, seq))
	case eff.PrivateNotes != nil:
		plain, oerr := s.Keys.Open(eff.PrivateNotes, st.aad(eff.Seq))
		if oerr != nil {
			return 0, apperr.Conflict(ReasonNotesUnreadable, "the stored private notes cannot be opened; send private_notes to replace them")
		}
		notes, err = s.Keys.Seal(plain, AmendmentNotesAAD(b.CompanyID, b.ID, seq))
	}
	if err != nil {
		return 0, fmt.Errorf("record: seal: %w", err)
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO session_record_amendments (company_id, booking_id, seq, author_user_id, counselor_user_id, themes,
		       risk_level, follow_up, observations, shared_summary, private_notes, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
		b.CompanyID, b.ID, seq, actor.UserID, b.CounselorUserID, pq.StringArray(in.Themes), in.RiskLevel, in.FollowUp,
		pq.StringArray(in.Observations), summary, notes, now)
	if err != nil {
		return 0, fmt.Errorf("record: amend: %w", err)
	}
	return seq, nil
}

// sealNotes seals plain for its row; nil or "" gives nil (no notes).
func (s *Service) sealNotes(plain *string, aad []byte) ([]byte, error) {
	if plain == nil || *plain == "" {
		return nil, nil
	}
	if s.Keys == nil {
		return nil, fmt.Errorf("record: no note keys configured")
	}
	out, err := s.Keys.Seal([]byte(*plain), aad)
	if err != nil {
		return nil, fmt.Errorf("record: seal: %w", err)
	}
	return out, nil
}

func emptyNil(s *string) *string {
	if s == nil || *s == "" {
		return nil
	}
	return s
}

// deny audits a refused access to a booking's record (in its own
// transaction, the action's having rolled back) and answers 404, so a
// record's existence is never revealed. The entry carries the actor's own
// company scope and the id as asked, never the target's owner: the entry
// of a refused foreign id and of an id that does not exist are alike, so
// the actor's own audit view is no existence oracle either. Operators find
// the owner from the id.
func (s *Service) deny(ctx context.Context, actor auth.Principal, action string, bookingID uuid.UUID) error {
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return audit.Write(ctx, tx, actor, audit.Event{Action: action, CompanyID: actor.CompanyID, TargetType: "booking",
			TargetID: bookingID.String(), Outcome: "denied"})
	})
	if err != nil {
		return fmt.Errorf("record: audit denied access: %w", err)
	}
	return apperr.NotFound("record")
}
