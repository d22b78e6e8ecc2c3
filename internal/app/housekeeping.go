package app

import (
	"context"
	"errors"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/ratelimit"
)

// Housekeep deletes what has no further use: ended rate-limit windows,
// expired sessions, and sign-in links that are used or expired for a day.
// Nothing here is a record anyone may need (the audit log keeps the events).
func (a *App) Housekeep(ctx context.Context, now time.Time) error {
	// Credential expiry: reminders and search updates, once per expiry
	// date; its failure does not stop the pruning below.
	_, _, sweepErr := a.Counselors.SweepCredentials(ctx)
	// Time passing moves each counsellor's first free slot.
	if _, err := a.Bookings.RefreshStaleNextAvailable(ctx); err != nil {
		sweepErr = errors.Join(sweepErr, err)
	}
	// Billing: last month (JST) is billed once it has ended, if not yet.
	if _, _, err := a.Billing.RunDue(ctx, now); err != nil {
		sweepErr = errors.Join(sweepErr, err)
	}
	// Reports: a month's releases are published once it has closed (the
	// 8th of the next month, Japan time), and missed ones caught up.
	if _, err := a.Reports.ReleaseDue(ctx); err != nil {
		sweepErr = errors.Join(sweepErr, err)
	}
	// Video sessions whose room closed without the counsellor: the
	// counsellor's no-show, not billed, the employee told.
	if _, err := a.Bookings.SettleAbsentCounselors(ctx); err != nil {
		sweepErr = errors.Join(sweepErr, err)
	}
	// Phone sessions' numbers are erased once the session is over.
	if _, err := a.Bookings.ErasePhones(ctx); err != nil {
		sweepErr = errors.Join(sweepErr, err)
	}
	// Programmes: steps whose (re-)invitation date has come are invited.
	if _, err := a.Programmes.SendDue(ctx, now); err != nil {
		sweepErr = errors.Join(sweepErr, err)
	}
	// Urgent alerts not acknowledged within the protocol's hour are
	// escalated to the clinical leads (the outbox job's backstop).
	if _, err := a.Records.EscalateOverdue(ctx, now); err != nil {
		sweepErr = errors.Join(sweepErr, err)
	}
	pruneErr := a.DB.System().InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if _, err := ratelimit.Prune(ctx, tx, now.Add(-24*time.Hour)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE expires_at < $1`, now); err != nil {
			return err
		}
		// Second-factor challenges end within minutes; a used TOTP step
		// only matters while its code could still be accepted.
		if _, err := tx.ExecContext(ctx, `DELETE FROM mfa_challenges WHERE expires_at < $1`, now.Add(-time.Hour)); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM totp_used_steps WHERE used_at < $1`, now.Add(-time.Hour)); err != nil {
			return err
		}
		// Idempotency keys are kept at least 24 hours (API.md).
		if _, err := booking.PruneIdempotencyKeys(ctx, tx, now.Add(-48*time.Hour)); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM auth_tokens WHERE COALESCE(used_at, expires_at) < $1`, now.Add(-24*time.Hour))
		return err
	})
	return errors.Join(pruneErr, sweepErr)
}

// housekeepLoop runs Housekeep hourly until ctx ends.
func (a *App) housekeepLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := a.Housekeep(ctx, a.Clock.Now()); err != nil && ctx.Err() == nil {
			a.Log.Warn("housekeeping", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
