package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// earns is the SQL condition of a booking b that earns its counsellor the
// rate: held, a no-show of the employee, or a late cancellation the
// counsellor did not make.
const earns = `(b.status IN ('completed', 'no_show') OR (b.status = 'late_cancelled' AND b.cancelled_by IS DISTINCT FROM 'counselor'))`

// Payout statuses: open while the month runs or before its billing run
// (the amount may still change and nothing can be paid), due once the run
// materialised it, paid when an operator settled it.
const (
	PayoutOpen = "open"
	PayoutDue  = "due"
	PayoutPaid = "paid"
)

// ReasonPayoutNotDue refuses to mark an open payout paid: it becomes due at
// its month's billing run.
const ReasonPayoutNotDue apperr.Reason = "payout_not_due"

// payoutNamespace is the namespace of payout ids (name-based UUIDs).
var payoutNamespace = uuid.MustParse("a657ca89-54fc-43de-9770-78b242a6fb5f")

// PayoutID is the id of a counsellor's payout for a month. It is derived
// from the two, so an open payout listed before the run has the id its row
// gets when the run materialises it, and every listed payout has its own.
func PayoutID(counselorID uuid.UUID, p Period) uuid.UUID {
	return uuid.NewSHA1(payoutNamespace, []byte(counselorID.String()+"/"+p.String()))
}

// openPayouts are the counsellors' earnings in p so far, as open payouts
// with their derived ids, one per counsellor who earned anything.
func openPayouts(ctx context.Context, tx *sqlx.Tx, p Period) ([]Payout, error) {
	out := []Payout{}
	if err := tx.SelectContext(ctx, &out, `
		SELECT b.counselor_id, c.display_name, count(*) AS sessions, sum(c.rate_jpy) AS amount_jpy
		FROM bookings b JOIN counselors c ON c.id = b.counselor_id
		WHERE b.starts_at >= $1 AND b.starts_at < $2 AND `+earns+`
		GROUP BY b.counselor_id, c.display_name ORDER BY c.display_name, b.counselor_id`, p.Start(), p.End()); err != nil {
		return nil, err
	}
	for i := range out {
		out[i].ID, out[i].Period, out[i].Status = PayoutID(out[i].CounselorID, p), p.String(), PayoutOpen
	}
	return out, nil
}

// materialisePayouts writes each counsellor's earnings for p as a due
// payout under its derived id, once (a rerun leaves existing payouts
// alone).
func materialisePayouts(ctx context.Context, tx *sqlx.Tx, p Period) error {
	open, err := openPayouts(ctx, tx, p)
	if err != nil || len(open) == 0 {
		return err
	}
	ids, counselors := make([]string, len(open)), make([]string, len(open))
	sessions, amounts := make([]int64, len(open)), make([]int64, len(open))
	for i, po := range open {
		ids[i], counselors[i], sessions[i], amounts[i] = po.ID.String(), po.CounselorID.String(), int64(po.Sessions), po.AmountJPY
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO payouts (id, counselor_id, period, sessions, amount_jpy)
		SELECT u.id, u.counselor_id, $5, u.sessions, u.amount_jpy
		FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::bigint[]) AS u (id, counselor_id, sessions, amount_jpy)
		ON CONFLICT (counselor_id, period) DO NOTHING`,
		pq.Array(ids), pq.Array(counselors), pq.Array(sessions), pq.Array(amounts), p.String()); err != nil {
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
// (status open, under the ids the run will give them).
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
		var err error
		out, err = openPayouts(ctx, tx, p)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("payouts: %w", err)
	}
	return out, nil
}

// MarkPayoutPaid records that the platform paid a due payout (operators);
// marking a paid one again changes nothing. An open payout (its month not
// billed yet) is refused with a conflict that says when it becomes due.
func (s *Service) MarkPayoutPaid(ctx context.Context, actor auth.Principal, id uuid.UUID) (Payout, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Payout{}, err
	}
	now := s.Clock.Now()
	var po Payout
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE payouts SET status = 'paid', paid_at = $2, paid_by = $3 WHERE id = $1 AND status = 'due'`,
			id, now.UTC().Truncate(time.Microsecond), actor.UserID); err != nil {
			return err
		}
		err := tx.GetContext(ctx, &po, `
			SELECT po.id, po.counselor_id, c.display_name, po.period, po.sessions, po.amount_jpy, po.status, po.paid_at
			FROM payouts po JOIN counselors c ON c.id = po.counselor_id WHERE po.id = $1`, id)
		if db.IsNoRows(err) {
			return notDue(ctx, tx, id, now)
		}
		return err
	})
	return po, err
}

// notDue explains why id has no payout row: when it is the derived id of
// an open payout (a counsellor's earnings in a month not materialised yet),
// a conflict saying when it becomes due; otherwise not found.
func notDue(ctx context.Context, tx *sqlx.Tx, id uuid.UUID, now time.Time) error {
	var open []struct {
		CounselorID uuid.UUID `db:"counselor_id"`
		Period      string    `db:"period"`
	}
	if err := tx.SelectContext(ctx, &open, `
		SELECT DISTINCT b.counselor_id, to_char(b.starts_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM') AS period
		FROM bookings b
		WHERE `+earns+` AND NOT EXISTS (SELECT 1 FROM payouts po WHERE po.counselor_id = b.counselor_id
		  AND po.period = to_char(b.starts_at AT TIME ZONE 'Asia/Tokyo', 'YYYY-MM'))`); err != nil {
		return err
	}
	for _, o := range open {
		p, err := ParsePeriod(o.Period)
		if err != nil || PayoutID(o.CounselorID, p) != id {
			continue
		}
		if !p.Ended(now) {
			return apperr.Conflict(ReasonPayoutNotDue, fmt.Sprintf(
				"this payout is still open: %s has not ended in Japan time; it becomes due when the month is billed (from %s)", p, p.IssuedOn()))
		}
		return apperr.Conflict(ReasonPayoutNotDue, fmt.Sprintf(
			"this payout is still open: it becomes due when %s is billed; run the billing of %s first", p, p))
	}
	return apperr.NotFound("payout")
}
