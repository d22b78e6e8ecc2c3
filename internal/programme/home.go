package programme

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
)

// InvitationsTx is the employee's programme invitations that wait for an
// answer (named: pending; open: invited), newest first, read inside the
// caller's transaction (actor's scope). Steps are not loaded.
func InvitationsTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal) ([]Enrolment, error) {
	if err := employeeOnly(actor); err != nil {
		return nil, err
	}
	out := []Enrolment{}
	err := tx.SelectContext(ctx, &out, `SELECT `+enrolmentColumns+` FROM programme_enrolments e
		JOIN programmes p ON p.company_id = e.company_id AND p.id = e.programme_id
		WHERE e.company_id = $1 AND e.employee_user_id = $2 AND e.status IN ('pending', 'invited')
		ORDER BY e.created_at DESC, e.id`, actor.CompanyID, actor.UserID)
	if err != nil {
		return nil, fmt.Errorf("programme: invitations: %w", err)
	}
	return out, nil
}

// ListTx is companyID's programmes, newest first, each named one with the
// count of its enrolments, inside the caller's transaction (which must
// carry a scope of that company).
func ListTx(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) ([]Programme, error) {
	out := []Programme{}
	err := tx.SelectContext(ctx, &out, `SELECT `+programmeColumns+`,
		(SELECT count(*) FROM programme_enrolments e WHERE e.company_id = p.company_id AND e.programme_id = p.id AND e.mode = 'named') AS enrolled
		FROM programmes p WHERE p.company_id = $1 ORDER BY p.created_at DESC, p.id`, companyID)
	if err != nil {
		return nil, fmt.Errorf("programme: list: %w", err)
	}
	return out, nil
}
