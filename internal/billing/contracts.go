package billing

import (
	"context"
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

const planColumns = `code, name_ja, name_en, kind, is_trial, monthly_fee_jpy, session_price_jpy, seat_price_jpy,
	included_sessions, overage_price_jpy, session_cap, late_cancel_notice_h, active`

const contractColumns = `id, company_id, plan_code, seats, starts_on::text AS starts_on, ends_on::text AS ends_on, status`

// Plans lists plans (operators see all; others the active ones).
func (s *Service) Plans(ctx context.Context, actor auth.Principal) ([]Plan, error) {
	q := `SELECT ` + planColumns + ` FROM plans`
	if actor.Role != auth.RoleOperator {
		q += ` WHERE active`
	}
	out := []Plan{}
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, q+` ORDER BY code`)
	})
	return out, err
}

var planCode = regexp.MustCompile(`^[a-z][a-z0-9_]{1,40}$`)

// validate names every bad field of a plan.
func (p Plan) validate() error {
	f := map[string]string{}
	if !planCode.MatchString(p.Code) {
		f["code"] = "must be 2–41 lower-case letters, digits or _ starting with a letter"
	}
	if p.NameJa == "" || utf8.RuneCountInString(p.NameJa) > 200 {
		f["name_ja"] = "is required (at most 200 characters)"
	}
	if p.NameEn == "" || utf8.RuneCountInString(p.NameEn) > 200 {
		f["name_en"] = "is required (at most 200 characters)"
	}
	if p.Kind != KindPerSession && p.Kind != KindSubscription && p.Kind != KindPerSeat {
		f["kind"] = "must be per_session, subscription or per_seat"
	}
	const maxYen = 100_000_000
	for name, v := range map[string]int64{"monthly_fee_jpy": p.MonthlyFeeJPY, "session_price_jpy": p.SessionPriceJPY,
		"seat_price_jpy": p.SeatPriceJPY, "overage_price_jpy": p.OveragePriceJPY} {
		if v < 0 || v > maxYen {
			f[name] = "must be between 0 and 100,000,000 yen"
		}
	}
	if p.IncludedSessions < 0 || p.IncludedSessions > 100000 {
		f["included_sessions"] = "must be between 0 and 100,000"
	}
	if p.SessionCap != nil && (*p.SessionCap < 1 || *p.SessionCap > 100000) {
		f["session_cap"] = "must be between 1 and 100,000, or empty"
	}
	if p.LateCancelNoticeH < 0 || p.LateCancelNoticeH > 168 {
		f["late_cancel_notice_hours"] = "must be between 0 and 168"
	}
	if len(f) > 0 {
		return apperr.Invalid("the plan has invalid fields", f)
	}
	return nil
}

// SavePlan creates or updates a plan (operators). Invoices already made
// keep their amounts: a price change applies to periods billed after it.
func (s *Service) SavePlan(ctx context.Context, actor auth.Principal, p Plan) (Plan, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Plan{}, err
	}
	if err := p.validate(); err != nil {
		return Plan{}, err
	}
	var out Plan
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &out, `
			INSERT INTO plans (code, name_ja, name_en, kind, is_trial, monthly_fee_jpy, session_price_jpy, seat_price_jpy,
			  included_sessions, overage_price_jpy, session_cap, late_cancel_notice_h, active)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
			ON CONFLICT (code) DO UPDATE SET name_ja = $2, name_en = $3, kind = $4, is_trial = $5, monthly_fee_jpy = $6,
			  session_price_jpy = $7, seat_price_jpy = $8, included_sessions = $9, overage_price_jpy = $10, session_cap = $11,
			  late_cancel_notice_h = $12, active = $13
			RETURNING `+planColumns,
			p.Code, p.NameJa, p.NameEn, p.Kind, p.IsTrial, p.MonthlyFeeJPY, p.SessionPriceJPY, p.SeatPriceJPY,
			p.IncludedSessions, p.OveragePriceJPY, p.SessionCap, p.LateCancelNoticeH, p.Active)
	})
	return out, err
}

// Contracts lists a company's contracts, newest first.
func (s *Service) Contracts(ctx context.Context, actor auth.Principal, companyID uuid.UUID) ([]Contract, error) {
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return nil, err
	}
	out := []Contract{}
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+contractColumns+` FROM contracts WHERE company_id = $1 ORDER BY starts_on DESC, created_at DESC`, companyID)
	})
	return out, err
}

// ChangeContract puts the company on a new contract from a month boundary,
// ending the current one the day before (operators). One period thus has
// one plan.
func (s *Service) ChangeContract(ctx context.Context, actor auth.Principal, companyID uuid.UUID, in ContractChange) (Contract, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Contract{}, err
	}
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return Contract{}, err
	}
	start, err := parseDate(in.StartsOn)
	if err != nil || start.Day() != 1 {
		return Contract{}, apperr.Field("starts_on", "must be the first day of a month, YYYY-MM-01")
	}
	if in.EndsOn != nil {
		end, err := parseDate(*in.EndsOn)
		if err != nil || end.AddDate(0, 0, 1).Day() != 1 || end.Before(start) {
			return Contract{}, apperr.Field("ends_on", "must be the last day of a month on or after starts_on")
		}
	}
	if in.Seats < 1 || in.Seats > 1000000 {
		return Contract{}, apperr.Field("seats", "must be between 1 and 1,000,000")
	}
	var out Contract
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		var p Plan
		if err := tx.GetContext(ctx, &p, `SELECT `+planColumns+` FROM plans WHERE code = $1`, in.PlanCode); err != nil {
			if db.IsNoRows(err) {
				return apperr.Field("plan_code", "no such plan")
			}
			return err
		}
		if err := s.refuseBilled(ctx, tx, companyID, PeriodOf(start)); err != nil {
			return err
		}
		// Contracts starting on or after the new one are replaced by it.
		if _, err := tx.ExecContext(ctx, `DELETE FROM contracts k WHERE company_id = $1 AND starts_on >= $2::date
			AND NOT EXISTS (SELECT 1 FROM bookings b WHERE b.company_id = k.company_id AND b.contract_id = k.id)
			AND NOT EXISTS (SELECT 1 FROM invoices i WHERE i.company_id = k.company_id AND i.contract_id = k.id)`, companyID, in.StartsOn); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE contracts SET ends_on = $2::date - 1, status = CASE WHEN $2::date - 1 < $3::date THEN 'ended' ELSE status END
			WHERE company_id = $1 AND starts_on < $2::date AND (ends_on IS NULL OR ends_on >= $2::date)`,
			companyID, in.StartsOn, Today(s.Clock.Now())); err != nil {
			return err
		}
		status := "active"
		if p.IsTrial {
			status = "trial"
		}
		return tx.GetContext(ctx, &out, `INSERT INTO contracts (company_id, plan_code, seats, starts_on, ends_on, status)
			VALUES ($1, $2, $3, $4::date, $5::date, $6) RETURNING `+contractColumns, companyID, in.PlanCode, in.Seats, in.StartsOn, in.EndsOn, status)
	})
	if err != nil {
		return Contract{}, fmt.Errorf("change contract: %w", err)
	}
	return out, nil
}

// refuseBilled refuses a contract change in a month already invoiced: a
// sent invoice is never rewritten.
func (s *Service) refuseBilled(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, p Period) error {
	var billed bool
	if err := tx.GetContext(ctx, &billed, `SELECT EXISTS (SELECT 1 FROM invoices WHERE company_id = $1 AND period >= $2)`, companyID, p.String()); err != nil {
		return err
	}
	if billed {
		return apperr.Unprocessable(ReasonPeriodBilled, fmt.Sprintf("%s is already invoiced; change the contract from a later month", p))
	}
	return nil
}

// EndContract ends the company's current contract on the last day of a month.
func (s *Service) EndContract(ctx context.Context, actor auth.Principal, companyID uuid.UUID, endsOn string) (Contract, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Contract{}, err
	}
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return Contract{}, err
	}
	end, err := parseDate(endsOn)
	if err != nil || end.AddDate(0, 0, 1).Day() != 1 {
		return Contract{}, apperr.Field("ends_on", "must be the last day of a month, YYYY-MM-DD")
	}
	var out Contract
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		if err := s.refuseBilled(ctx, tx, companyID, PeriodOf(end).Next()); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &out, `
			UPDATE contracts SET ends_on = $2::date, status = CASE WHEN $2::date < $3::date THEN 'ended' ELSE status END
			WHERE company_id = $1 AND id = (SELECT id FROM contracts WHERE company_id = $1 AND starts_on <= $2::date
			  AND (ends_on IS NULL OR ends_on >= $2::date) ORDER BY starts_on DESC LIMIT 1)
			RETURNING `+contractColumns, companyID, endsOn, Today(s.Clock.Now()))
		if db.IsNoRows(err) {
			return apperr.Unprocessable(ReasonNoContract, "the company has no contract running on that date")
		}
		return err
	})
	return out, err
}
