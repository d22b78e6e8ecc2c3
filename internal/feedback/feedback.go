// Package feedback is the employee's side of a held session: one rating
// (satisfaction, fit, the five WHO-5 items, an optional comment only the
// platform sees), their own sealed notes, reading the summary the
// counsellor prepared and sharing items of it with HR by explicit,
// revocable consent, and opting out of aggregate reports.
//
// Employees' notes are sealed (internal/platform/seal) with the associated
// data exactly
//
//	seal.AAD("employee_notes", "notes", company_id.String(), booking_id.String())
//
// so a ciphertext copied onto another row does not open; `taiwa keys
// rotate` re-seals the table with the same parts (see NotesAAD).
//
// Only the booking's employee acts on a session here: anyone else, of any
// role, gets 404, so not even a session's existence leaks.
package feedback

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal"
	"github.com/taiwa/taiwa/internal/record"
)

// Service keeps feedback, employees' notes and their sharing consents.
type Service struct {
	DB      *db.DB
	Keys    *seal.Keyring
	Records *record.Service
	// Clock is the services' one clock (tests fix or move it); nil is
	// the wall clock.
	Clock clock.Clock
	// ReviewBatch is how many approved reviews of a counsellor are
	// published together; 0 means DefaultReviewBatch.
	ReviewBatch int
}

// session is what this package needs to know of one of the employee's
// bookings.
type session struct {
	CompanyID   uuid.UUID `db:"company_id"`
	ID          uuid.UUID `db:"id"`
	EmployeeID  uuid.UUID `db:"employee_user_id"`
	CounselorID uuid.UUID `db:"counselor_id"`
	Start       time.Time `db:"starts_at"`
	End         time.Time `db:"ends_at"`
	Status      string    `db:"status"`
}

// asEmployee is the actor's scope when they are an employee; any other
// role answers 404 (the session is not theirs to see).
func asEmployee(actor auth.Principal) (db.Scope, error) {
	if actor.Role != auth.RoleEmployee || actor.CompanyID == uuid.Nil {
		return db.Scope{}, apperr.NotFound("booking")
	}
	return actor.Scope(), nil
}

// ownSession reads one of the actor's own bookings (RLS agrees); another's
// answers 404.
func ownSession(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, bookingID uuid.UUID) (session, error) {
	var b session
	err := tx.GetContext(ctx, &b, `
		SELECT company_id, id, employee_user_id, counselor_id, starts_at, ends_at, status
		FROM bookings WHERE company_id = $1 AND id = $2 AND employee_user_id = $3`,
		actor.CompanyID, bookingID, actor.UserID)
	if db.IsNoRows(err) {
		return b, apperr.NotFound("booking")
	}
	if err != nil {
		return b, fmt.Errorf("feedback: session: %w", err)
	}
	return b, nil
}

// heldCheck says whether a session may be rated at now: completed, or
// confirmed and over (the counsellor has not marked it yet).
func heldCheck(b session, now time.Time) error {
	switch b.Status {
	case "completed":
		return nil
	case "confirmed":
		switch {
		case now.Before(b.Start):
			return apperr.Conflict(ReasonNotStarted, "the session has not started yet")
		case now.Before(b.End):
			return apperr.Conflict(ReasonNotEnded, "the session is not over yet")
		}
		return nil
	}
	return apperr.Conflict(ReasonNotHeld, "the session was not held")
}

// NotesAAD is the associated data an employee's notes are sealed with.
func NotesAAD(companyID, bookingID uuid.UUID) []byte {
	return seal.AAD("employee_notes", "notes", companyID.String(), bookingID.String())
}
