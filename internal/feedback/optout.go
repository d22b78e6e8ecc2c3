package feedback

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/consent"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// OptOut is whether an employee is left out of aggregate reports.
type OptOut struct {
	OptOut bool       `db:"report_opt_out" json:"opt_out"`
	At     *time.Time `db:"opt_out_at" json:"opt_out_at"`
	// Text is the explanation shown for changing it now (not stored here).
	Text string `db:"-" json:"text"`
}

func employeeScope(actor auth.Principal) (auth.Principal, error) {
	if actor.Role != auth.RoleEmployee {
		return actor, apperr.Forbidden("only employees have reports to opt out of")
	}
	return actor, nil
}

// ReportOptOut reads the employee's current choice with the wording the
// toggle shows (for the change it would make).
func (s *Service) ReportOptOut(ctx context.Context, actor auth.Principal, language string) (OptOut, error) {
	if _, err := employeeScope(actor); err != nil {
		return OptOut{}, err
	}
	var o OptOut
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &o, `SELECT report_opt_out, opt_out_at FROM employees WHERE company_id = $1 AND user_id = $2`,
			actor.CompanyID, actor.UserID)
	})
	if err != nil {
		return o, fmt.Errorf("feedback: opt-out: %w", err)
	}
	o.Text = OptOutText(language, !o.OptOut)
	return o, nil
}

// SetReportOptOut records the employee's choice and the wording they saw,
// as a consent row. An unchanged choice appends nothing.
func (s *Service) SetReportOptOut(ctx context.Context, actor auth.Principal, optOut *bool, language string) (OptOut, error) {
	if _, err := employeeScope(actor); err != nil {
		return OptOut{}, err
	}
	if optOut == nil {
		return OptOut{}, apperr.Field("opt_out", "is required (true or false)")
	}
	var o OptOut
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var was bool
		if err := tx.GetContext(ctx, &was, `SELECT report_opt_out FROM employees WHERE company_id = $1 AND user_id = $2 FOR UPDATE`,
			actor.CompanyID, actor.UserID); err != nil {
			return fmt.Errorf("feedback: opt-out: %w", err)
		}
		if was != *optOut {
			if _, err := tx.ExecContext(ctx, `UPDATE employees SET report_opt_out = $3,
				opt_out_at = CASE WHEN $3 THEN now() END, updated_at = now() WHERE company_id = $1 AND user_id = $2`,
				actor.CompanyID, actor.UserID, *optOut); err != nil {
				return fmt.Errorf("feedback: opt-out: %w", err)
			}
			if _, err := consent.Append(ctx, tx, actor, consent.Consent{CompanyID: actor.CompanyID, EmployeeUserID: actor.UserID,
				Item: consent.ItemReportOptOut, Granted: *optOut, Text: OptOutText(language, *optOut)}); err != nil {
				return err
			}
		}
		return tx.GetContext(ctx, &o, `SELECT report_opt_out, opt_out_at FROM employees WHERE company_id = $1 AND user_id = $2`,
			actor.CompanyID, actor.UserID)
	})
	if err != nil {
		return o, err
	}
	o.Text = OptOutText(language, !o.OptOut)
	return o, nil
}

// Consents is the employee's whole consent history, newest first.
func (s *Service) Consents(ctx context.Context, actor auth.Principal) ([]consent.Consent, error) {
	if _, err := employeeScope(actor); err != nil {
		return nil, err
	}
	var out []consent.Consent
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var err error
		out, err = consent.History(ctx, tx, actor.CompanyID, actor.UserID)
		return err
	})
	return out, err
}
