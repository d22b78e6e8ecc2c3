package feedback

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// MaxNotes bounds an employee's own notes, in characters.
const MaxNotes = 20000

// Notes are the employee's own notes on a session, opened; only they read
// them.
type Notes struct {
	BookingID uuid.UUID  `json:"booking_id"`
	Notes     string     `json:"notes"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// SetNotes seals and stores the employee's notes on one of their sessions
// (any status once booked); "" deletes them.
func (s *Service) SetNotes(ctx context.Context, actor auth.Principal, bookingID uuid.UUID, text string) (Notes, error) {
	scope, err := asEmployee(actor)
	if err != nil {
		return Notes{}, err
	}
	switch {
	case !utf8.ValidString(text):
		return Notes{}, apperr.Field("notes", "must be UTF-8 text")
	case utf8.RuneCountInString(text) > MaxNotes:
		return Notes{}, apperr.Field("notes", fmt.Sprintf("must be at most %d characters", MaxNotes))
	}
	out := Notes{BookingID: bookingID}
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		b, err := ownSession(ctx, tx, actor, bookingID)
		if err != nil {
			return err
		}
		if text == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM employee_notes WHERE company_id = $1 AND booking_id = $2 AND employee_user_id = $3`,
				b.CompanyID, b.ID, b.EmployeeID)
			return err
		}
		sealed, err := s.Keys.Seal([]byte(text), NotesAAD(b.CompanyID, b.ID))
		if err != nil {
			return fmt.Errorf("feedback: seal notes: %w", err)
		}
		var at time.Time
		err = tx.GetContext(ctx, &at, `
			INSERT INTO employee_notes (company_id, booking_id, employee_user_id, notes) VALUES ($1, $2, $3, $4)
			ON CONFLICT (company_id, booking_id) DO UPDATE SET notes = excluded.notes, updated_at = now()
			RETURNING updated_at`, b.CompanyID, b.ID, b.EmployeeID, sealed)
		if err != nil {
			return fmt.Errorf("feedback: store notes: %w", err)
		}
		out.Notes, out.UpdatedAt = text, &at
		return nil
	})
	return out, err
}

// NotesOf opens the employee's notes on one of their sessions; no notes
// read as "".
func (s *Service) NotesOf(ctx context.Context, actor auth.Principal, bookingID uuid.UUID) (Notes, error) {
	scope, err := asEmployee(actor)
	if err != nil {
		return Notes{}, err
	}
	out := Notes{BookingID: bookingID}
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		b, err := ownSession(ctx, tx, actor, bookingID)
		if err != nil {
			return err
		}
		var row struct {
			Notes     []byte    `db:"notes"`
			UpdatedAt time.Time `db:"updated_at"`
		}
		err = tx.GetContext(ctx, &row, `SELECT notes, updated_at FROM employee_notes
			WHERE company_id = $1 AND booking_id = $2 AND employee_user_id = $3`, b.CompanyID, b.ID, b.EmployeeID)
		if db.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("feedback: read notes: %w", err)
		}
		plain, err := s.Keys.Open(row.Notes, NotesAAD(b.CompanyID, b.ID))
		if err != nil {
			return fmt.Errorf("feedback: open notes of booking %s: %w", b.ID, err)
		}
		out.Notes, out.UpdatedAt = string(plain), &row.UpdatedAt
		return nil
	})
	return out, err
}
