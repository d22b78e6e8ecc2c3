package record

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// EscalateKind is the outbox job queued with every urgent alert, due when
// its acknowledgement deadline passes: it escalates the alert if it is
// still open (HandleEscalate).
const EscalateKind = "risk_alert.escalate"

const mailRiskAlertEscalation = "risk_alert_escalation"

// escalation is EscalateKind's payload.
type escalation struct {
	AlertID uuid.UUID `json:"alert_id"`
}

// system is the actor of the platform's own escalations in the audit log.
var system = auth.Principal{Role: auth.Role(db.RoleSystem)}

// HandleEscalate is the outbox handler of EscalateKind: the alert is
// escalated if it is still an open, unescalated urgent alert past its
// deadline; otherwise nothing happens.
func (s *Service) HandleEscalate(ctx context.Context, tx *sqlx.Tx, m outbox.Message) error {
	var e escalation
	if err := json.Unmarshal(m.Payload, &e); err != nil {
		return fmt.Errorf("record: decode escalation: %w", err)
	}
	_, err := s.escalate(ctx, tx, s.Clock.Now(), &e.AlertID)
	return err
}

// EscalateOverdue escalates every urgent alert still open (not
// acknowledged) AcknowledgeWithin after it was raised, and not escalated
// yet: the clinical leads (as for the alert itself) get a mail saying the
// protocol's hour has passed. Housekeeping runs it as the backstop of the
// outbox job. Each alert is escalated once: escalated_at is set in the
// transaction that queues the mails, rows another run holds are skipped,
// and the mails' dedupe keys hold even so. It answers how many it escalated.
func (s *Service) EscalateOverdue(ctx context.Context, now time.Time) (int, error) {
	var n int
	err := s.DB.System().InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var err error
		n, err = s.escalate(ctx, tx, now, nil)
		return err
	})
	return n, err
}

// escalate escalates the due alerts (only the one, when id is set).
func (s *Service) escalate(ctx context.Context, tx *sqlx.Tx, now time.Time, id *uuid.UUID) (int, error) {
	var due []struct {
		ID        uuid.UUID `db:"id"`
		CompanyID uuid.UUID `db:"company_id"`
		RaisedAt  time.Time `db:"raised_at"`
	}
	if err := tx.SelectContext(ctx, &due, `
		SELECT id, company_id, raised_at FROM risk_alerts
		WHERE status = 'open' AND risk_level = 'urgent' AND escalated_at IS NULL AND raised_at <= $1
		  AND ($2::uuid IS NULL OR id = $2)
		ORDER BY raised_at, id
		LIMIT 500
		FOR UPDATE SKIP LOCKED`, now.Add(-AcknowledgeWithin), id); err != nil {
		return 0, fmt.Errorf("record: due escalations: %w", err)
	}
	n := 0
	for _, a := range due {
		res, err := tx.ExecContext(ctx, `UPDATE risk_alerts SET escalated_at = $2 WHERE id = $1 AND escalated_at IS NULL`, a.ID, now)
		if err != nil {
			return n, fmt.Errorf("record: escalate: %w", err)
		}
		if k, _ := res.RowsAffected(); k == 0 {
			continue
		}
		if err := s.mailAlert(ctx, tx, a.ID, mailRiskAlertEscalation); err != nil {
			return n, err
		}
		if err := audit.Write(ctx, tx, system, audit.Event{Action: "risk_alert.escalate", CompanyID: a.CompanyID,
			TargetType: "risk_alert", TargetID: a.ID.String(),
			Details: map[string]any{"minutes_unacknowledged": int(now.Sub(a.RaisedAt) / time.Minute)}}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
