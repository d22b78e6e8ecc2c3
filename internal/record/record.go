// Package record keeps the counsellor's structured record of a held
// session: theme codes, risk level, follow-up advised, coded organisational
// observations, an optional summary the employee may choose to share, and
// private notes sealed with AES-256-GCM (internal/platform/seal). A record
// is editable for 7 days, then locked: later changes are appended as
// amendments. Urgent risk alerts the platform's clinical lead, never the
// company. Every read is audited.
//
// Sealing: private notes are sealed with s.Keys and bound to their row by
// associated data, exactly (see NotesAAD, AmendmentNotesAAD,
// EmployeeNotesAAD):
//
//	session_records:           seal.AAD("session_records", "private_notes", company_id, booking_id)
//	session_record_amendments: seal.AAD("session_record_amendments", "private_notes", company_id, booking_id, seq)
//	employee_notes:            seal.AAD("employee_notes", "notes", company_id, booking_id)
//
// Ids are lower-case hyphenated UUIDs, seq a decimal integer. RotateKeys
// re-seals with the same parts.
package record

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/seal"
)

// Codes (API.md and the issue).
var (
	RiskLevels = []string{"none", "low", "moderate", "high", "urgent"}
	// Observations are the coded organisational observations that may
	// feed the company's aggregate report under DEID-2 (monthly releases).
	Observations = []string{"workload", "management_style", "communication", "harassment_climate",
		"career_path", "pay_evaluation", "work_life"}
)

// EditWindow is how long a record may be edited in place after it is
// first saved; afterwards changes are appended as amendments.
const EditWindow = 7 * 24 * time.Hour

// Input is a counsellor's PUT body (API.md).
type Input struct {
	Themes        []string `json:"themes"`
	RiskLevel     string   `json:"risk_level"`
	FollowUp      bool     `json:"follow_up"`
	Observations  []string `json:"observations"`
	SharedSummary *string  `json:"shared_summary"`
	PrivateNotes  *string  `json:"private_notes"`
}

// Record is a record as its counsellor reads it (private notes opened).
type Record struct {
	BookingID     uuid.UUID   `json:"booking_id"`
	Themes        []string    `json:"themes"`
	RiskLevel     string      `json:"risk_level"`
	FollowUp      bool        `json:"follow_up"`
	Observations  []string    `json:"observations"`
	SharedSummary *string     `json:"shared_summary"`
	PrivateNotes  *string     `json:"private_notes"`
	CreatedAt     time.Time   `json:"created_at"`
	UpdatedAt     time.Time   `json:"updated_at"`
	LocksAt       time.Time   `json:"locks_at"`
	Locked        bool        `json:"locked"`
	Amendments    []Amendment `json:"amendments"`
	// NotesUnreadable is true when sealed notes exist but do not open
	// (moved, tampered with, or under a key no longer configured).
	NotesUnreadable bool `json:"notes_unreadable"`
}

// Amendment is one appended change after the lock.
type Amendment struct {
	Seq       int       `json:"seq"`
	CreatedAt time.Time `json:"created_at"`
}

// Service keeps session records.
type Service struct {
	DB   *db.DB
	Keys *seal.Keyring
	Mail *mail.Composer
	// ClinicalLeadEmail, when set, also receives urgent-risk alerts and
	// their escalations: one address or several, comma-separated.
	ClinicalLeadEmail string
	BaseURL           string
	// Clock is the services' one clock (tests fix or move it); nil is
	// the wall clock.
	Clock clock.Clock
}

// Summary is what the employee may read of their session's record: the
// coded themes, whether follow-up is advised and the summary the
// counsellor prepared for them. Never the risk level, observations or
// private notes.
type Summary struct {
	BookingID     uuid.UUID `db:"booking_id" json:"booking_id"`
	Themes        []string  `db:"-" json:"themes"`
	FollowUp      bool      `db:"follow_up" json:"follow_up"`
	SharedSummary *string   `db:"shared_summary" json:"shared_summary"`
	UpdatedAt     time.Time `db:"updated_at" json:"updated_at"`
}

// SummaryFor is the employee's view of their own session's record, with
// amendments applied; 404 when the session is not theirs or has no record
// yet.
func (s *Service) SummaryFor(ctx context.Context, actor auth.Principal, bookingID uuid.UUID) (Summary, error) {
	if err := actor.Require(auth.RoleEmployee); err != nil {
		return Summary{}, err
	}
	var sum Summary
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var err error
		sum, err = SummaryTx(ctx, tx, actor.CompanyID, actor.UserID, bookingID)
		return err
	})
	return sum, err
}

// SummaryTx reads the employee's view inside the caller's transaction.
func SummaryTx(ctx context.Context, tx *sqlx.Tx, companyID, employee, bookingID uuid.UUID) (Summary, error) {
	var row struct {
		Summary
		Themes pq.StringArray `db:"themes"`
	}
	err := tx.GetContext(ctx, &row, `
		SELECT r.booking_id,
		       COALESCE(a.themes, r.themes) AS themes,
		       COALESCE(a.follow_up, r.follow_up) AS follow_up,
		       CASE WHEN a.seq IS NULL THEN r.shared_summary ELSE a.shared_summary END AS shared_summary,
		       COALESCE(a.created_at, r.updated_at) AS updated_at
		FROM session_records r
		LEFT JOIN LATERAL (
		  SELECT seq, themes, follow_up, shared_summary, created_at FROM session_record_amendments m
		  WHERE m.company_id = r.company_id AND m.booking_id = r.booking_id ORDER BY seq DESC LIMIT 1) a ON true
		WHERE r.company_id = $1 AND r.employee_user_id = $2 AND r.booking_id = $3`, companyID, employee, bookingID)
	if db.IsNoRows(err) {
		return Summary{}, apperr.NotFound("record")
	}
	if err != nil {
		return Summary{}, fmt.Errorf("record: summary: %w", err)
	}
	row.Summary.Themes = row.Themes
	return row.Summary, nil
}

// RotateOptions tune a key rotation.
type RotateOptions struct {
	Batch    int       // rows per transaction (default 500)
	Progress io.Writer // optional progress lines
}

// RotateResult counts what a rotation re-sealed.
type RotateResult struct {
	Resealed int            `json:"resealed"`
	ByTable  map[string]int `json:"by_table"`
	// Unreadable counts values that open with no configured key (left as
	// they are; rotation never destroys a value).
	Unreadable int `json:"unreadable"`
}
