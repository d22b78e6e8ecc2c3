// Package audit appends to the audit log: every sign-in, record read,
// report view and admin action. Entries never hold note text or other
// free-text content; the table is append-only in the database itself.
package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// Entry is one audited event.
type Entry struct {
	ID          int64          `db:"id" json:"id"`
	At          time.Time      `db:"at" json:"at"`
	ActorUserID uuid.NullUUID  `db:"actor_user_id" json:"actor_user_id"`
	ActorRole   string         `db:"actor_role" json:"actor_role"`
	CompanyID   uuid.NullUUID  `db:"company_id" json:"company_id"`
	Action      string         `db:"action" json:"action"`
	TargetType  string         `db:"target_type" json:"target_type"`
	TargetID    string         `db:"target_id" json:"target_id"`
	Outcome     string         `db:"outcome" json:"outcome"`
	Details     map[string]any `db:"-" json:"details,omitempty"`
	RawDetails  []byte         `db:"details" json:"-"`
}

// Event describes what to log; the actor comes separately.
type Event struct {
	Action     string // dotted verb, e.g. "auth.login", "employee.import"
	CompanyID  uuid.UUID
	TargetType string
	TargetID   string
	Outcome    string         // "ok" when empty; "denied", "failed", …
	Details    map[string]any // codes and counts only, never free text
}

func nullID(id uuid.UUID) uuid.NullUUID { return uuid.NullUUID{UUID: id, Valid: id != uuid.Nil} }

// Write appends an entry inside the caller's transaction, so the entry and
// the action it records commit or vanish together.
func Write(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, e Event) error {
	if e.Outcome == "" {
		e.Outcome = "ok"
	}
	details := []byte("{}")
	if len(e.Details) > 0 {
		var err error
		if details, err = json.Marshal(e.Details); err != nil {
			return fmt.Errorf("audit: %w", err)
		}
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO audit_log (actor_user_id, actor_role, company_id, action, target_type, target_id, outcome, details)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
		nullID(actor.UserID), string(actor.Role), nullID(e.CompanyID), e.Action, e.TargetType, e.TargetID, e.Outcome, details)
	if err != nil {
		return fmt.Errorf("audit: write %s: %w", e.Action, err)
	}
	return nil
}

// WriteAlone appends an entry in its own transaction: for events whose main
// action failed and rolled back (a refused sign-in, a denied read).
func WriteAlone(ctx context.Context, d *db.DB, actor auth.Principal, e Event) error {
	return d.InTx(ctx, db.System, func(tx *sqlx.Tx) error { return Write(ctx, tx, actor, e) })
}
