// Package consent keeps every consent an employee gives or withdraws:
// sharing a record's item with HR, opting out of aggregate reports,
// accepting a named programme enrolment. Each is a new row with its time,
// the exact text the employee saw and, for a shared item, exactly what was
// shared; rows are never changed (the database refuses). The state of a
// consent is its newest row.
package consent

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// Items an employee consents to.
const (
	// ItemSummary, ItemThemes and ItemFollowUp share one record's item with
	// HR; the subject is the booking id.
	ItemSummary  = "summary"
	ItemThemes   = "themes"
	ItemFollowUp = "follow_up"
	// ItemReportOptOut: granted = the employee is left out of every
	// aggregate report; the subject is empty.
	ItemReportOptOut = "report_opt_out"
	// ItemProgrammeEnrolment: granted = the employee accepted a named
	// enrolment (HR then sees each step's state); the subject is the
	// enrolment id.
	ItemProgrammeEnrolment = "programme_enrolment"
)

// SharingItems are the items of a record an employee may share with HR.
var SharingItems = []string{ItemSummary, ItemThemes, ItemFollowUp}

// Consent is one row of the consent history.
type Consent struct {
	ID             int64     `db:"id" json:"id"`
	CompanyID      uuid.UUID `db:"company_id" json:"-"`
	EmployeeUserID uuid.UUID `db:"employee_user_id" json:"-"`
	Item           string    `db:"item" json:"item"`
	Subject        string    `db:"subject" json:"subject"`
	Granted        bool      `db:"granted" json:"granted"`
	Text           string    `db:"consent_text" json:"text"`
	SharedContent  *string   `db:"shared_content" json:"shared_content,omitempty"`
	At             time.Time `db:"at" json:"at"`
}

const columns = `id, company_id, employee_user_id, item, subject, granted, consent_text, shared_content, at`

// Append stores a consent (granted or withdrawn) in the caller's
// transaction and audits it (item and subject only, never the content).
// The caller has checked that the employee may consent to this subject.
func Append(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, c Consent) (Consent, error) {
	if c.Text == "" {
		return c, fmt.Errorf("consent: the text shown is required")
	}
	err := tx.GetContext(ctx, &c, `
		INSERT INTO consents (company_id, employee_user_id, item, subject, granted, consent_text, shared_content)
		VALUES ($1, $2, $3, $4, $5, $6, $7)
		RETURNING `+columns, c.CompanyID, c.EmployeeUserID, c.Item, c.Subject, c.Granted, c.Text, c.SharedContent)
	if err != nil {
		return c, fmt.Errorf("consent: append: %w", err)
	}
	action := "consent.grant"
	if !c.Granted {
		action = "consent.withdraw"
	}
	return c, audit.Write(ctx, tx, actor, audit.Event{Action: action, CompanyID: c.CompanyID,
		TargetType: "consent", TargetID: fmt.Sprint(c.ID), Details: map[string]any{"item": c.Item, "subject": c.Subject}})
}

// Current is the newest consent row for one item and subject; ok is false
// when the employee never answered.
func Current(ctx context.Context, tx *sqlx.Tx, companyID, employee uuid.UUID, item, subject string) (c Consent, ok bool, err error) {
	err = tx.GetContext(ctx, &c, `SELECT `+columns+` FROM consents
		WHERE company_id = $1 AND employee_user_id = $2 AND item = $3 AND subject = $4
		ORDER BY id DESC LIMIT 1`, companyID, employee, item, subject)
	if db.IsNoRows(err) {
		return Consent{}, false, nil
	}
	if err != nil {
		return Consent{}, false, fmt.Errorf("consent: current: %w", err)
	}
	return c, true, nil
}

// History is every consent row of one employee, newest first.
func History(ctx context.Context, tx *sqlx.Tx, companyID, employee uuid.UUID) ([]Consent, error) {
	var out []Consent
	err := tx.SelectContext(ctx, &out, `SELECT `+columns+` FROM consents
		WHERE company_id = $1 AND employee_user_id = $2 ORDER BY id DESC`, companyID, employee)
	if err != nil {
		return nil, fmt.Errorf("consent: history: %w", err)
	}
	return out, nil
}
