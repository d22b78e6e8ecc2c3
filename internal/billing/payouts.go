package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// earns is the SQL condition of a booking b that earns its counsellor the
// rate: held, a no-show of the employee, or a late cancellation the
// counsellor did not make.
const earns = `(b.status IN ('completed', 'no_show') OR (b.status = 'late_cancelled' AND b.cancelled_by IS DISTINCT FROM 'counselor'))`

// Payout statuses: open while the month runs or before its billing run,
// due once the run materialised it, paid when an operator settled it.
const (
	PayoutOpen = "open"
	PayoutDue  = "due"
	PayoutPaid = "paid"
)

// materialisePayouts writes each counsellor's earnings for p as a due
// payout, once (a rerun leaves existing payouts alone).
func materialisePayouts(ctx context.Context, tx *sqlx.Tx, p Period) error {
	_, err := tx.ExecContext(ctx, `
		INSERT INTO payouts (counselor_id, period, sessions, amount_jpy)
		SELECT b.counselor_id, $1, count(*), sum(c.rate_jpy)
		FROM bookings b JOIN counselors c ON c.id = b.counselor_id
		WHERE b.starts_at >= $2 AND b.starts_at < $3 AND `+earns+`
		GROUP BY b.counselor_id
		ON CONFLICT (counselor_id, period) DO NOTHING`, p.String(), p.Start(), p.End())
	if err != nil {
		return fmt.Errorf("payouts: %w", err)
	}
	return nil
}

// Statement is the counsellor's own month (period YYYY-MM).
func (s *Service) Statement(ctx context.Context, actor auth.Principal, period string) (Statement, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return Statement{}, err
	}
	p, err := ParsePeriod(period)
	if err != nil {
		return Statement{}, err
	}
	st := Statement{Period: p.String(), Status: PayoutOpen, Earnings: []Earning{}}
	err = s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var counselorID uuid.UUID
		if err := tx.GetContext(ctx, &counselorID, `SELECT id FROM counselors WHERE user_id = $1`, actor.UserID); err != nil {
			if db.IsNoRows(err) {
				return apperr.NotFound("counselor")
			}
			return err
		}
		if err := tx.SelectContext(ctx, &st.Earnings, `
			SELECT b.id AS booking_id, b.starts_at, b.status, c.rate_jpy AS amount_jpy
			FROM bookings b JOIN counselors c ON c.id = b.counselor_id
			WHERE b.counselor_id = $1 AND b.starts_at >= $2 AND b.starts_at < $3 AND `+earns+`
			ORDER BY b.starts_at`, counselorID, p.Start(), p.End()); err != nil {
			return err
		}
		for _, e := range st.Earnings {
			st.Sessions++
			st.TotalJPY += e.AmountJPY
		}
		var po Payout
		err := tx.GetContext(ctx, &po, `SELECT sessions, amount_jpy, status FROM payouts WHERE counselor_id = $1 AND period = $2`, counselorID, p.String())
		switch {
		case err == nil:
			// The materialised payout is what will be paid.
			st.Status, st.Sessions, st.TotalJPY = po.Status, po.Sessions, po.AmountJPY
		case !db.IsNoRows(err):
			return err
		}
		return nil
	})
	if err != nil {
		return Statement{}, fmt.Errorf("statement: %w", err)
	}
	return st, nil
}

// Payouts lists what is owed to counsellors for a period (operators): the
// payouts the run materialised, or before the run the earnings so far
// (status open).
func (s *Service) Payouts(ctx context.Context, actor auth.Principal, period string) ([]Payout, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return nil, err
	}
	p, err := ParsePeriod(period)
	if err != nil {
		return nil, err
	}
	out := []Payout{}
	err = s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.SelectContext(ctx, &out, `
			SELECT po.id, po.counselor_id, c.display_name, po.period, po.sessions, po.amount_jpy, po.status, po.paid_at
			FROM payouts po JOIN counselors c ON c.id = po.counselor_id
			WHERE po.period = $1 ORDER BY c.display_name, po.counselor_id`, p.String()); err != nil {
			return err
		}
		if len(out) > 0 {
			return nil
		}
		return tx.SelectContext(ctx, &out, `
			SELECT '00000000-0000-0000-0000-000000000000'::uuid AS id, b.counselor_id, c.display_name, $1 AS period,
			  count(*) AS sessions, sum(c.rate_jpy) AS amount_jpy, 'open' AS status, NULL::timestamptz AS paid_at
			FROM bookings b JOIN counselors c ON c.id = b.counselor_id
			WHERE b.starts_at >= $2 AND b.starts_at < $3 AND `+earns+`
			GROUP BY b.counselor_id, c.display_name ORDER BY c.display_name, b.counselor_id`, p.String(), p.Start(), p.End())
	})
	if err != nil {
		return nil, fmt.Errorf("payouts: %w", err)
	}
	return out, nil
}

// MarkPayoutPaid records that the platform paid a due payout (operators);
// marking a paid one again changes nothing.
func (s *Service) MarkPayoutPaid(ctx context.Context, actor auth.Principal, id uuid.UUID) (Payout, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Payout{}, err
	}
	var po Payout
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE payouts SET status = 'paid', paid_at = $2, paid_by = $3 WHERE id = $1 AND status = 'due'`,
			id, s.now().UTC().Truncate(time.Microsecond), actor.UserID); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &po, `
			SELECT po.id, po.counselor_id, c.display_name, po.period, po.sessions, po.amount_jpy, po.status, po.paid_at
			FROM payouts po JOIN counselors c ON c.id = po.counselor_id WHERE po.id = $1`, id)
		if db.IsNoRows(err) {
			return apperr.NotFound("payout")
		}
		return err
	})
	return po, err
}
