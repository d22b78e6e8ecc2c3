package account

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// A user's life: disabling blocks sign-in and ends every session and every
// unused emailed link at once; enabling lets the user sign in again, with
// no old session or link coming back.

// Why a user was disabled or enabled, kept in the audit entry (a code,
// never free text).
const (
	ViaAdmin      = "admin"      // an operator or company admin (API, web, CLI)
	ViaImport     = "import"     // the roster CSV marked the employee as left
	ViaSuspension = "suspension" // the counsellor was suspended or reinstated
)

// Reasons a disable or enable is refused.
const (
	ReasonLastOperator       apperr.Reason = "last_operator"
	ReasonSelf               apperr.Reason = "cannot_disable_self"
	ReasonCounselorSuspended apperr.Reason = "counselor_suspended"
	ReasonCounselorListed    apperr.Reason = "counselor_listed"
)

// UserState is a user with whether they may sign in: the answer of the
// disable and enable actions and a row of the operator's user list.
type UserState struct {
	ID         uuid.UUID     `db:"id" json:"id"`
	CompanyID  uuid.NullUUID `db:"company_id" json:"company_id"`
	Email      string        `db:"email" json:"email"`
	Name       string        `db:"name" json:"name"`
	Role       auth.Role     `db:"role" json:"role"`
	Disabled   bool          `db:"disabled" json:"disabled"`
	DisabledAt *time.Time    `db:"disabled_at" json:"disabled_at"`
}

const stateColumns = `id, company_id, email, name, role, disabled_at IS NOT NULL AS disabled, disabled_at`

// Disable blocks a user and ends all their sessions at once. Operators may
// disable anyone, company admins their own company's employees and admins
// (anyone else answers 404). The last active operator cannot be disabled
// (422 last_operator), nor oneself (422 cannot_disable_self), nor a listed
// counsellor (422 counselor_listed: suspend them). Disabling a disabled
// user changes nothing and answers its state.
func (s *Service) Disable(ctx context.Context, actor auth.Principal, userID uuid.UUID) (UserState, error) {
	return s.lifecycle(ctx, actor, userID, func(tx *sqlx.Tx, u UserState) error {
		if u.ID == actor.UserID {
			return apperr.Unprocessable(ReasonSelf, "you cannot disable your own account")
		}
		return DisableTx(ctx, tx, actor, u.ID, ViaAdmin)
	})
}

// Enable lets a disabled user sign in again; their old sessions stay
// ended. A suspended counsellor is reinstated instead (422
// counselor_suspended): enabling the account alone would hand back their
// clients' records.
func (s *Service) Enable(ctx context.Context, actor auth.Principal, userID uuid.UUID) (UserState, error) {
	return s.lifecycle(ctx, actor, userID, func(tx *sqlx.Tx, u UserState) error {
		return EnableTx(ctx, tx, actor, u.ID, ViaAdmin)
	})
}

// lifecycle loads the target the actor may manage, runs fn and answers the
// new state.
func (s *Service) lifecycle(ctx context.Context, actor auth.Principal, userID uuid.UUID, fn func(tx *sqlx.Tx, u UserState) error) (UserState, error) {
	if err := actor.Require(auth.RoleOperator, auth.RoleCompanyAdmin); err != nil {
		return UserState{}, err
	}
	var out UserState
	var err error
	// Two operators disabling each other at once can deadlock (the
	// operators' lock against a session or audit row the other holds);
	// PostgreSQL ends one, which runs again and now sees the other's
	// change (422 last_operator, or the user already disabled).
	for range 3 {
		err = s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
			u, err := manageable(ctx, tx, actor, userID)
			if err != nil {
				return err
			}
			if err := fn(tx, u); err != nil {
				return err
			}
			return tx.GetContext(ctx, &out, `SELECT `+stateColumns+` FROM users WHERE id = $1`, userID)
		})
		if !db.Retryable(err) {
			break
		}
	}
	return out, err
}

// manageable loads userID when actor may disable or enable them: 404 for
// anyone outside a company admin's own employees and admins. The users
// policy lets every role see counsellors' rows, so the rule is spelled out
// here rather than left to row-level security.
func manageable(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, userID uuid.UUID) (UserState, error) {
	var u UserState
	err := tx.GetContext(ctx, &u, `SELECT `+stateColumns+` FROM users WHERE id = $1`, userID)
	if db.IsNoRows(err) {
		return u, apperr.NotFound("user")
	}
	if err != nil {
		return u, err
	}
	if actor.Role == auth.RoleOperator {
		return u, nil
	}
	if actor.CompanyID == uuid.Nil || u.CompanyID.UUID != actor.CompanyID ||
		(u.Role != auth.RoleEmployee && u.Role != auth.RoleCompanyAdmin) {
		return UserState{}, apperr.NotFound("user")
	}
	return u, nil
}

// DisableTx disables userID inside the caller's transaction, whoever asked
// (an admin, a roster import, a counsellor's suspension): it ends every
// session and unused emailed link and writes the audit entry. An operator
// is disabled only while another active one remains: the active operators'
// rows are locked first, so two operators disabling each other at once
// cannot both succeed. A user already disabled is left as is.
func DisableTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, userID uuid.UUID, via string) error {
	var role auth.Role
	var companyID uuid.NullUUID
	var disabled bool
	err := tx.QueryRowxContext(ctx, `SELECT role, company_id, disabled_at IS NOT NULL FROM users WHERE id = $1`, userID).Scan(&role, &companyID, &disabled)
	if db.IsNoRows(err) {
		return apperr.NotFound("user")
	}
	if err != nil {
		return fmt.Errorf("account: disable: %w", err)
	}
	if disabled {
		return nil
	}
	if role == auth.RoleCounselor {
		// A listed counsellor is suspended, not disabled: suspension also
		// takes them out of search and cancels their upcoming sessions.
		var listed bool
		if err := tx.GetContext(ctx, &listed, `SELECT EXISTS (SELECT 1 FROM counselors WHERE user_id = $1 AND status = 'verified')`, userID); err != nil {
			return fmt.Errorf("account: disable: %w", err)
		}
		if listed {
			return apperr.Unprocessable(ReasonCounselorListed, "the counsellor is listed; suspend them instead, which also cancels their upcoming sessions")
		}
	}
	if role == auth.RoleOperator {
		var others int
		if err := tx.GetContext(ctx, &others, `
			SELECT count(*) FROM (
				SELECT id FROM users WHERE role = 'operator' AND disabled_at IS NULL ORDER BY id FOR UPDATE
			) active WHERE id <> $1`, userID); err != nil {
			return fmt.Errorf("account: lock operators: %w", err)
		}
		if others == 0 {
			return apperr.Unprocessable(ReasonLastOperator, "this is the last active operator; enable or create another operator first")
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL`, userID)
	if err != nil {
		return fmt.Errorf("account: disable: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return nil // disabled meanwhile by someone else
	}
	if err := EndSessions(ctx, tx, userID); err != nil {
		return err
	}
	return audit.Write(ctx, tx, actor, audit.Event{Action: "user.disable", CompanyID: companyID.UUID, TargetType: "user", TargetID: userID.String(),
		Details: map[string]any{"role": string(role), "via": via}})
}

// EnableTx lets userID sign in again, inside the caller's transaction, and
// writes the audit entry. A user not disabled is left as is; a suspended
// counsellor is refused (422 counselor_suspended: reinstate them, which
// enables the account once their status allows it).
func EnableTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, userID uuid.UUID, via string) error {
	var suspended bool
	if err := tx.GetContext(ctx, &suspended, `SELECT EXISTS (SELECT 1 FROM counselors WHERE user_id = $1 AND status = 'suspended')`, userID); err != nil {
		return fmt.Errorf("account: enable: %w", err)
	}
	if suspended {
		return apperr.Unprocessable(ReasonCounselorSuspended, "the counsellor is suspended; reinstate them instead")
	}
	var role auth.Role
	var companyID uuid.NullUUID
	err := tx.QueryRowxContext(ctx, `UPDATE users SET disabled_at = NULL WHERE id = $1 AND disabled_at IS NOT NULL RETURNING role, company_id`, userID).
		Scan(&role, &companyID)
	if db.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("account: enable: %w", err)
	}
	return audit.Write(ctx, tx, actor, audit.Event{Action: "user.enable", CompanyID: companyID.UUID, TargetType: "user", TargetID: userID.String(),
		Details: map[string]any{"role": string(role), "via": via}})
}

// EndSessions ends every web session and API token of userID and voids
// their unused invitation and reset links.
func EndSessions(ctx context.Context, tx *sqlx.Tx, userID uuid.UUID) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE user_id = $1`, userID); err != nil {
		return fmt.Errorf("account: end sessions: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `UPDATE auth_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL`, userID); err != nil {
		return fmt.Errorf("account: void links: %w", err)
	}
	return nil
}

// FindUser resolves an email address or a user id to the user's id, for
// the command line (system scope).
func FindUser(ctx context.Context, tx *sqlx.Tx, emailOrID string) (UserState, error) {
	var u UserState
	var err error
	if id, perr := uuid.Parse(emailOrID); perr == nil {
		err = tx.GetContext(ctx, &u, `SELECT `+stateColumns+` FROM users WHERE id = $1`, id)
	} else {
		email, nerr := NormalizeEmail("user", emailOrID)
		if nerr != nil {
			return u, nerr
		}
		err = tx.GetContext(ctx, &u, `SELECT `+stateColumns+` FROM users WHERE email = $1`, email)
	}
	if db.IsNoRows(err) {
		return u, apperr.NotFound("user")
	}
	return u, err
}

// Manageable answers the user actor may disable or enable (404 for anyone
// else): what a confirmation page shows before the action.
func (s *Service) Manageable(ctx context.Context, actor auth.Principal, userID uuid.UUID) (UserState, error) {
	if err := actor.Require(auth.RoleOperator, auth.RoleCompanyAdmin); err != nil {
		return UserState{}, err
	}
	var u UserState
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var err error
		u, err = manageable(ctx, tx, actor, userID)
		return err
	})
	return u, err
}
