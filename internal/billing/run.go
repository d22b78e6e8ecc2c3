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

// runLockKey is the advisory lock that makes billing runs one at a time
// across every process ("taiwa" bill run).
const runLockKey int64 = 0x7461697761_0b11

// RunOptions says who started a run and lets tests and the kill test pace
// it.
type RunOptions struct {
	Trigger string    // api|cli|schedule|demo|test
	ActorID uuid.UUID // the operator, when there is one
	// AfterCompany, when set, is called after each company's transaction
	// committed (the kill test slows the run down with it).
	AfterCompany func()
}

// Run bills every company with a contract for period (YYYY-MM, ended):
// idempotent, one run at a time, safe to kill and rerun.
func (s *Service) Run(ctx context.Context, actor auth.Principal, period string) (RunResult, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return RunResult{}, err
	}
	return s.RunPeriod(ctx, period, RunOptions{Trigger: "api", ActorID: actor.UserID})
}

// RunPeriod is Run for the platform's own callers (the CLI, the monthly
// job). A second run while one is under way waits for it, then finds every
// invoice made and reports them unchanged.
func (s *Service) RunPeriod(ctx context.Context, period string, opt RunOptions) (RunResult, error) {
	p, err := ParsePeriod(period)
	if err != nil {
		return RunResult{}, err
	}
	now := s.Clock.Now()
	if !p.Ended(now) {
		return RunResult{}, apperr.Unprocessable(ReasonPeriodNotEnded,
			fmt.Sprintf("%s has not ended in Japan time yet; it can be billed from %s", p, p.IssuedOn()))
	}
	if opt.Trigger == "" {
		opt.Trigger = "api"
	}
	conn, err := s.DB.Connx(ctx)
	if err != nil {
		return RunResult{}, fmt.Errorf("billing run: connect: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, runLockKey); err != nil {
		return RunResult{}, fmt.Errorf("billing run: lock: %w", err)
	}
	defer func() { _, _ = conn.ExecContext(context.Background(), `SELECT pg_advisory_unlock($1)`, runLockKey) }()

	res := RunResult{Period: p.String()}
	var runID uuid.UUID
	var companies []uuid.UUID
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var actor any
		if opt.ActorID != uuid.Nil {
			actor = opt.ActorID
		}
		if err := tx.GetContext(ctx, &runID, `INSERT INTO billing_runs (period, trigger, actor_user_id) VALUES ($1, $2, $3) RETURNING id`,
			p.String(), opt.Trigger, actor); err != nil {
			return err
		}
		var err error
		companies, err = candidates(ctx, tx, p)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("billing run %s: %w", p, err)
	}
	push := s.Payments.Enabled()
	for _, cid := range companies {
		var outcome billOutcome
		err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			var err error
			outcome, err = billCompany(ctx, tx, cid, p, runID, push)
			return err
		})
		if err != nil {
			return res, fmt.Errorf("billing run %s: company %s: %w", p, cid, err)
		}
		res.count(outcome)
		if opt.AfterCompany != nil {
			opt.AfterCompany()
		}
	}
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := materialisePayouts(ctx, tx, p); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE billing_runs SET finished_at = now(), invoices_created = $2, invoices_unchanged = $3 WHERE id = $1`,
			runID, res.InvoicesCreated, res.InvoicesUnchanged)
		return err
	})
	if err != nil {
		return res, fmt.Errorf("billing run %s: finish: %w", p, err)
	}
	return res, nil
}

// BillPeriodTx bills period inside the caller's transaction (which must be
// in the system scope), without pushing to Stripe: the demo seeds its past
// months with it. It takes the run lock for the transaction's life.
func BillPeriodTx(ctx context.Context, tx *sqlx.Tx, period Period) (RunResult, error) {
	res := RunResult{Period: period.String()}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, runLockKey); err != nil {
		return res, err
	}
	var runID uuid.UUID
	if err := tx.GetContext(ctx, &runID, `INSERT INTO billing_runs (period, trigger) VALUES ($1, 'demo') RETURNING id`, period.String()); err != nil {
		return res, err
	}
	companies, err := candidates(ctx, tx, period)
	if err != nil {
		return res, err
	}
	for _, cid := range companies {
		outcome, err := billCompany(ctx, tx, cid, period, runID, false)
		if err != nil {
			return res, fmt.Errorf("company %s: %w", cid, err)
		}
		res.count(outcome)
	}
	if err := materialisePayouts(ctx, tx, period); err != nil {
		return res, err
	}
	_, err = tx.ExecContext(ctx, `UPDATE billing_runs SET finished_at = now(), invoices_created = $2, invoices_unchanged = $3 WHERE id = $1`,
		runID, res.InvoicesCreated, res.InvoicesUnchanged)
	return res, err
}

type billOutcome int

const (
	outcomeSkipped billOutcome = iota // nothing to bill and no contract in the period
	outcomeCreated
	outcomeUnchanged
)

func (r *RunResult) count(o billOutcome) {
	switch o {
	case outcomeCreated:
		r.InvoicesCreated++
	case outcomeUnchanged:
		r.InvoicesUnchanged++
	}
}

// candidates are the companies that had a contract by the period's end, in
// a stable order.
func candidates(ctx context.Context, tx *sqlx.Tx, p Period) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := tx.SelectContext(ctx, &ids, `
		SELECT c.id FROM companies c
		WHERE EXISTS (SELECT 1 FROM contracts k WHERE k.company_id = c.id AND k.starts_on <= $1::date)
		ORDER BY c.id`, p.LastDay())
	return ids, err
}

// RunDue bills last month (JST) unless a run of it already finished: the
// hourly housekeeping calls it, so a missed 1st is caught up and retries
// are harmless (the run itself is idempotent too).
func (s *Service) RunDue(ctx context.Context, now time.Time) (RunResult, bool, error) {
	p := PeriodOf(now).Prev()
	var done bool
	if err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &done, `SELECT EXISTS (SELECT 1 FROM billing_runs WHERE period = $1 AND finished_at IS NOT NULL)`, p.String())
	}); err != nil {
		return RunResult{}, false, err
	}
	if done {
		return RunResult{Period: p.String()}, false, nil
	}
	res, err := s.RunPeriod(ctx, p.String(), RunOptions{Trigger: "schedule"})
	return res, err == nil, err
}
