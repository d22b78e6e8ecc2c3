package demo

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
)

// Pointers name the demo accounts that show a story. Which accounts these
// are follows the calendar (the sessions are placed around the day of
// seeding), so the README does not name them: `taiwa dev` logs them.
type Pointers struct {
	AwaitingRecord    []string // counsellors with a session held in the last days still waiting for its record
	ProgrammePending  []string // employees who have not yet answered their named return-to-work programme
	ProgrammeAccepted []string // employees who accepted it
	SharedWithHR      []string // employees who shared a session summary with HR
	OptedOut          []string // employees left out of the reports
}

// FindPointers reads the Pointers of a seeded database (logins without
// their domain: counselor011, emp0219).
func FindPointers(ctx context.Context, d *db.DB) (Pointers, error) {
	var p Pointers
	err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		for _, q := range []struct {
			into *[]string
			sql  string
		}{
			{&p.AwaitingRecord, `SELECT DISTINCT split_part(u.email, '@', 1) FROM bookings b JOIN users u ON u.id = b.counselor_user_id
				WHERE b.status = 'confirmed' AND b.ends_at < now() ORDER BY 1`},
			{&p.ProgrammePending, `SELECT split_part(u.email, '@', 1) FROM programme_enrolments e JOIN users u ON u.id = e.employee_user_id
				WHERE e.mode = 'named' AND e.status = 'pending' ORDER BY 1`},
			{&p.ProgrammeAccepted, `SELECT split_part(u.email, '@', 1) FROM programme_enrolments e JOIN users u ON u.id = e.employee_user_id
				WHERE e.mode = 'named' AND e.status = 'accepted' ORDER BY 1`},
			{&p.SharedWithHR, `SELECT DISTINCT split_part(u.email, '@', 1) FROM consents c JOIN users u ON u.id = c.employee_user_id
				WHERE c.item IN ('summary', 'themes', 'follow_up') AND c.granted ORDER BY 1`},
			{&p.OptedOut, `SELECT split_part(u.email, '@', 1) FROM employees e JOIN users u ON u.id = e.user_id
				WHERE e.report_opt_out ORDER BY 1`},
		} {
			if err := tx.SelectContext(ctx, q.into, q.sql); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return p, fmt.Errorf("demo pointers: %w", err)
	}
	return p, nil
}
