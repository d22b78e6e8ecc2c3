package billing

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// Usage is the company's running month against its plan: counts only, read
// in the system scope (a company admin cannot read bookings) after the
// actor's right to the company was checked.
func (s *Service) Usage(ctx context.Context, actor auth.Principal, companyID uuid.UUID) (Usage, error) {
	if _, err := invoiceScope(actor, companyID); err != nil {
		return Usage{}, err
	}
	now := s.Clock.Now()
	p := PeriodOf(now)
	u := Usage{Period: p.String()}
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var t termRow
		err := tx.GetContext(ctx, &t, `SELECT `+termColumns+` FROM contracts k JOIN plans p ON p.code = k.plan_code
			WHERE k.company_id = $1 AND k.starts_on <= $2::date AND (k.ends_on IS NULL OR k.ends_on >= $2::date)
			ORDER BY k.starts_on DESC, k.created_at DESC LIMIT 1`, companyID, Today(now))
		if db.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &u.Seats, `SELECT seats FROM contracts WHERE company_id = $1 AND id = $2`, companyID, t.ContractID); err != nil {
			return err
		}
		u.PlanCode, u.PlanKind, u.IncludedSessions, u.SessionCap = t.Code, t.Kind, t.IncludedSessions, t.SessionCap
		var rows []sessionRow
		if err := tx.SelectContext(ctx, &rows, `
			SELECT b.id, b.status, b.starts_at, b.contract_id FROM bookings b
			WHERE b.company_id = $1 AND b.starts_at >= $2 AND b.starts_at < $3 AND b.status IN ('completed', 'late_cancelled', 'no_show')`,
			companyID, p.Start(), p.End()); err != nil {
			return err
		}
		var billable []Session
		for _, r := range rows {
			switch r.Status {
			case SessionHeld:
				u.HeldSessions++
			case SessionLateCancelled:
				u.LateCancelled++
			case SessionNoShow:
				u.NoShows++
			}
			if Billable(r.Status) {
				billable = append(billable, Session{BookingID: r.BookingID, Status: r.Status, StartsAt: r.StartsAt})
			}
		}
		term := t.term()
		if t.Kind == KindPerSeat {
			if err := tx.GetContext(ctx, &term.Employees, `
				SELECT count(*) FROM employees e JOIN users u ON u.id = e.user_id
				WHERE e.company_id = $1 AND u.disabled_at IS NULL`, companyID); err != nil {
				return err
			}
		}
		u.EstimatedJPY = Subtotal(PriceTerm(p, term, billable).Lines)
		return nil
	})
	if err != nil {
		return Usage{}, fmt.Errorf("usage: %w", err)
	}
	return u, nil
}
