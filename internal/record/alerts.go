package record

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// Alert statuses and the outcomes a resolution records.
var (
	AlertStatuses = []string{"open", "acknowledged", "resolved"}
	Outcomes      = []string{"contacted_counselor", "emergency_services", "employee_safe", "referred", "other"}
)

const mailRiskAlert = "risk_alert"

// Alert is one risk alert as operators see it: who raised it and for which
// company, never anything the record says beyond its risk level.
type Alert struct {
	ID             uuid.UUID  `db:"id" json:"id"`
	BookingID      uuid.UUID  `db:"booking_id" json:"booking_id"`
	CompanyID      uuid.UUID  `db:"company_id" json:"company_id"`
	CompanyName    string     `db:"company_name" json:"company_name"`
	CounselorID    uuid.UUID  `db:"counselor_id" json:"counselor_id"`
	CounselorName  string     `db:"counselor_name" json:"counselor_name"`
	CounselorEmail string     `db:"counselor_email" json:"counselor_email"`
	RiskLevel      string     `db:"risk_level" json:"risk_level"`
	Status         string     `db:"status" json:"status"`
	RaisedAt       time.Time  `db:"raised_at" json:"raised_at"`
	AcknowledgedAt *time.Time `db:"acknowledged_at" json:"acknowledged_at"`
	ResolvedAt     *time.Time `db:"resolved_at" json:"resolved_at"`
	Outcome        *string    `db:"outcome" json:"outcome"`
	// AcknowledgedByName is the operator who acknowledged it.
	AcknowledgedByName *string `db:"acknowledged_by_name" json:"acknowledged_by_name"`
	// EscalatedAt is when the clinical leads were mailed because an
	// urgent alert was not acknowledged in time.
	EscalatedAt *time.Time `db:"escalated_at" json:"escalated_at"`
	// AcknowledgeDueAt and ResolveDueAt are the protocol's deadlines;
	// Overdue and OverdueSeconds say whether the next one has passed (see
	// AlertOverdue), as of the read.
	AcknowledgeDueAt time.Time `db:"-" json:"acknowledge_due_at"`
	ResolveDueAt     time.Time `db:"-" json:"resolve_due_at"`
	Overdue          bool      `db:"-" json:"overdue"`
	OverdueSeconds   int64     `db:"-" json:"overdue_seconds"`
}

// The protocol's deadlines (docs/records.md, "Urgent risk"): an alert is
// acknowledged — the counsellor contacted — within AcknowledgeWithin of
// being raised, and resolved with its outcome within ResolveWithin. An
// urgent alert still open after AcknowledgeWithin is escalated by mail.
const (
	AcknowledgeWithin = time.Hour
	ResolveWithin     = 24 * time.Hour
)

// AlertDeadline is the next deadline the protocol sets for a: "acknowledge"
// for an open alert, "resolve" for an acknowledged one; ok is false once
// it is resolved.
func AlertDeadline(a Alert) (step string, due time.Time, ok bool) {
	switch a.Status {
	case "open":
		return "acknowledge", a.RaisedAt.Add(AcknowledgeWithin), true
	case "acknowledged":
		return "resolve", a.RaisedAt.Add(ResolveWithin), true
	}
	return "", time.Time{}, false
}

// AlertOverdue is THE overdue rule of risk alerts: whether a's next
// deadline (AlertDeadline) has passed at now, and by how much (zero when
// not overdue). A resolved alert is never overdue. The operator's queue,
// the alert page, the API and the homes' counts all use it.
func AlertOverdue(a Alert, now time.Time) (bool, time.Duration) {
	_, due, ok := AlertDeadline(a)
	if !ok || !now.After(due) {
		return false, 0
	}
	return true, now.Sub(due)
}

// stamp fills a's deadlines and overdue state as of now.
func (a *Alert) stamp(now time.Time) {
	a.AcknowledgeDueAt = a.RaisedAt.Add(AcknowledgeWithin).UTC()
	a.ResolveDueAt = a.RaisedAt.Add(ResolveWithin).UTC()
	over, by := AlertOverdue(*a, now)
	a.Overdue, a.OverdueSeconds = over, int64(by/time.Second)
}

// raise opens an alert when a record is saved at high or urgent risk and
// no unresolved alert of that level (or urgent) is open for the session.
// Urgent mails the clinical lead(s); high only queues (the clinical lead
// reviews it in the queue). The company is never told.
func (s *Service) raise(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, b session, level string, now time.Time) error {
	if level != "high" && level != "urgent" {
		return nil
	}
	var open bool
	if err := tx.GetContext(ctx, &open, `
		SELECT EXISTS (SELECT 1 FROM risk_alerts WHERE booking_id = $1 AND status <> 'resolved'
		               AND (risk_level = 'urgent' OR risk_level = $2))`, b.ID, level); err != nil {
		return fmt.Errorf("record: alerts: %w", err)
	}
	if open {
		return nil
	}
	var id uuid.UUID
	if err := tx.GetContext(ctx, &id, `
		INSERT INTO risk_alerts (company_id, booking_id, counselor_id, risk_level, raised_at)
		VALUES ($1, $2, $3, $4, $5) RETURNING id`, b.CompanyID, b.ID, b.CounselorID, level, now); err != nil {
		return fmt.Errorf("record: raise alert: %w", err)
	}
	if err := audit.Write(ctx, tx, actor, audit.Event{Action: "risk_alert.raise", CompanyID: b.CompanyID,
		TargetType: "risk_alert", TargetID: id.String(), Details: map[string]any{"risk_level": level}}); err != nil {
		return err
	}
	if level == "urgent" {
		if err := outbox.EnqueueAt(ctx, tx, EscalateKind, escalation{AlertID: id}, "risk_alert_escalate:"+id.String(),
			now.Add(AcknowledgeWithin)); err != nil {
			return err
		}
		return s.mailAlert(ctx, tx, id, mailRiskAlert)
	}
	return nil
}

// mailAlert queues the alert mail to every active clinical lead (or every
// active operator when none is marked) and the ClinicalLeadEmail
// addresses; kind is the mail template (the alert, or its escalation).
// The mail names nothing but the need and the link.
func (s *Service) mailAlert(ctx context.Context, tx *sqlx.Tx, id uuid.UUID, kind string) error {
	if s.Mail == nil {
		return nil
	}
	type to struct {
		Email  string `db:"email"`
		Name   string `db:"name"`
		Locale string `db:"locale"`
	}
	var rcpts []to
	if err := tx.SelectContext(ctx, &rcpts, `
		SELECT email, name, locale FROM users
		WHERE role = 'operator' AND disabled_at IS NULL
		  AND (clinical_lead OR NOT EXISTS (SELECT 1 FROM users l WHERE l.role = 'operator' AND l.clinical_lead AND l.disabled_at IS NULL))
		ORDER BY email`); err != nil {
		return fmt.Errorf("record: alert recipients: %w", err)
	}
	for _, e := range strings.Split(s.ClinicalLeadEmail, ",") {
		if e = strings.TrimSpace(e); e != "" && !slices.ContainsFunc(rcpts, func(r to) bool { return strings.EqualFold(r.Email, e) }) {
			rcpts = append(rcpts, to{Email: e, Name: "Clinical lead", Locale: "ja"})
		}
	}
	link := strings.TrimRight(s.BaseURL, "/") + "/operator/alerts/" + id.String()
	for _, r := range rcpts {
		msg, err := s.Mail.Compose(kind, r.Locale, r.Email, map[string]string{"Name": r.Name, "Link": link})
		if err != nil {
			return err
		}
		if err := mail.Enqueue(ctx, tx, msg, kind+":"+id.String()+":"+strings.ToLower(r.Email)); err != nil {
			return err
		}
	}
	return nil
}

const alertSelect = `
	SELECT a.id, a.booking_id, a.company_id, co.name AS company_name, a.counselor_id,
	       COALESCE(NULLIF(c.display_name, ''), u.name) AS counselor_name, u.email AS counselor_email,
	       a.risk_level, a.status, a.raised_at, a.acknowledged_at, a.resolved_at, a.outcome,
	       ack.name AS acknowledged_by_name, a.escalated_at
	FROM risk_alerts a
	JOIN companies co ON co.id = a.company_id
	JOIN counselors c ON c.id = a.counselor_id
	JOIN users u ON u.id = c.user_id
	LEFT JOIN users ack ON ack.id = a.acknowledged_by`

// Alerts lists risk alerts for operators: unresolved first (urgent before
// high, oldest first), then resolved, newest first. status filters ("" all).
func (s *Service) Alerts(ctx context.Context, actor auth.Principal, status string, page, perPage int) ([]Alert, int, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return nil, 0, err
	}
	if status != "" && !slices.Contains(AlertStatuses, status) {
		return nil, 0, apperr.Field("status", "must be one of "+strings.Join(AlertStatuses, ", "))
	}
	out := []Alert{}
	var total int
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &total, `SELECT count(*) FROM risk_alerts WHERE $1 = '' OR status = $1`, status); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &out, alertSelect+`
			WHERE $1 = '' OR a.status = $1
			ORDER BY a.status = 'resolved', CASE WHEN a.status = 'resolved' THEN NULL ELSE a.risk_level = 'high' END,
			         CASE WHEN a.status = 'resolved' THEN a.resolved_at END DESC, a.raised_at, a.id
			LIMIT $2 OFFSET $3`, status, perPage, (page-1)*perPage)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("record: alerts: %w", err)
	}
	now := s.Clock.Now()
	for i := range out {
		out[i].stamp(now)
	}
	return out, total, nil
}

// Alert is one alert for an operator; reading it is audited.
func (s *Service) Alert(ctx context.Context, actor auth.Principal, id uuid.UUID) (Alert, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Alert{}, err
	}
	var a Alert
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var err error
		if a, err = getAlert(ctx, tx, id); err != nil {
			return err
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "risk_alert.read", CompanyID: a.CompanyID,
			TargetType: "risk_alert", TargetID: id.String()})
	})
	a.stamp(s.Clock.Now())
	return a, err
}

func getAlert(ctx context.Context, tx *sqlx.Tx, id uuid.UUID) (Alert, error) {
	var a Alert
	err := tx.GetContext(ctx, &a, alertSelect+` WHERE a.id = $1`, id)
	if db.IsNoRows(err) {
		return a, apperr.NotFound("risk_alert")
	}
	return a, err
}

// Acknowledge marks an open alert as being handled (409 alert_resolved
// once resolved; acknowledging twice keeps the first time).
func (s *Service) Acknowledge(ctx context.Context, actor auth.Principal, id uuid.UUID) (Alert, error) {
	return s.changeAlert(ctx, actor, id, "risk_alert.acknowledge", nil, func(tx *sqlx.Tx, now time.Time) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE risk_alerts SET status = 'acknowledged', acknowledged_at = $2, acknowledged_by = $3
			WHERE id = $1 AND status = 'open'`, id, now, actor.UserID)
		return err
	})
}

// Resolve closes an alert with the outcome of the protocol: it must be
// chosen (422 outcome_required naming outcome; there is no default), 400
// outcome for an unknown one, 409 alert_resolved when already resolved.
func (s *Service) Resolve(ctx context.Context, actor auth.Principal, id uuid.UUID, outcome string) (Alert, error) {
	outcome = strings.TrimSpace(outcome)
	if outcome == "" {
		return Alert{}, &apperr.Error{Code: apperr.CodeUnprocessable, Reason: ReasonOutcomeRequired,
			Message: "outcome: choose the outcome of the protocol before resolving", Fields: map[string]string{"outcome": "required"}}
	}
	if !slices.Contains(Outcomes, outcome) {
		return Alert{}, apperr.Field("outcome", "must be one of "+strings.Join(Outcomes, ", "))
	}
	return s.changeAlert(ctx, actor, id, "risk_alert.resolve", map[string]any{"outcome": outcome}, func(tx *sqlx.Tx, now time.Time) error {
		_, err := tx.ExecContext(ctx, `
			UPDATE risk_alerts SET status = 'resolved', resolved_at = $2, resolved_by = $3, outcome = $4,
			       acknowledged_at = COALESCE(acknowledged_at, $2), acknowledged_by = COALESCE(acknowledged_by, $3)
			WHERE id = $1`, id, now, actor.UserID, outcome)
		return err
	})
}

func (s *Service) changeAlert(ctx context.Context, actor auth.Principal, id uuid.UUID, action string, details map[string]any, fn func(*sqlx.Tx, time.Time) error) (Alert, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Alert{}, err
	}
	now := s.Clock.Now().UTC()
	var a Alert
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var status string
		if err := tx.GetContext(ctx, &status, `SELECT status FROM risk_alerts WHERE id = $1 FOR UPDATE`, id); err != nil {
			if db.IsNoRows(err) {
				return apperr.NotFound("risk_alert")
			}
			return err
		}
		if status == "resolved" {
			return apperr.Conflict(ReasonAlertResolved, "the alert is already resolved")
		}
		if err := fn(tx, now); err != nil {
			return err
		}
		var err error
		if a, err = getAlert(ctx, tx, id); err != nil {
			return err
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: action, CompanyID: a.CompanyID, TargetType: "risk_alert",
			TargetID: id.String(), Details: details})
	})
	a.stamp(now)
	return a, err
}
