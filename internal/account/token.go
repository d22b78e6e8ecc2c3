package account

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/ratelimit"
)

// Link purposes.
const (
	PurposeInvite = "invite"
	PurposeReset  = "reset"
)

// SendInvitation queues an invitation mail with a single-use link, inside
// the caller's transaction (the user and their invitation commit together).
func (s *Service) SendInvitation(ctx context.Context, tx *sqlx.Tx, u User, companyName string) error {
	return s.sendLink(ctx, tx, u, PurposeInvite, s.InviteTTL, map[string]string{"CompanyName": companyName})
}

func (s *Service) sendLink(ctx context.Context, tx *sqlx.Tx, u User, purpose string, ttl time.Duration, extra map[string]string) error {
	raw, hash := newToken()
	expires := s.Clock.Now().Add(ttl)
	// A new link replaces earlier unused ones of the same purpose.
	if _, err := tx.ExecContext(ctx, `UPDATE auth_tokens SET used_at = now() WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL`, u.ID, purpose); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO auth_tokens (token_hash, user_id, purpose, expires_at) VALUES ($1, $2, $3, $4)`,
		hash, u.ID, purpose, expires); err != nil {
		return err
	}
	data := map[string]string{
		"Name":    u.Name,
		"Link":    s.BaseURL + "/password/set?token=" + raw,
		"Expires": expires.In(jst).Format("2006-01-02 15:04 (JST)"),
	}
	for k, v := range extra {
		data[k] = v
	}
	m, err := s.Mail.Compose(purpose, u.Locale, u.Email, data)
	if err != nil {
		return err
	}
	return mail.Enqueue(ctx, tx, m, "")
}

var jst = japan.Zone // the platform's calendar

// RequestReset mails a reset link when email belongs to an active user. It
// answers the same either way, so it does not reveal who has an account.
func (s *Service) RequestReset(ctx context.Context, email, addr string) error {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	now := s.Clock.Now()
	return s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var u User
		err := tx.GetContext(ctx, &u, `SELECT `+userColumns+` FROM users WHERE email = $1 AND disabled_at IS NULL`, email)
		if db.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		// At most 3 reset mails per account per window: no mail bombing.
		var recent int
		if err := tx.GetContext(ctx, &recent, `SELECT count(*) FROM auth_tokens WHERE user_id = $1 AND purpose = 'reset' AND created_at > $2`, u.ID, now.Add(-s.Window)); err != nil {
			return err
		}
		if recent >= 3 {
			return nil
		}
		return s.sendLink(ctx, tx, u, PurposeReset, s.ResetTTL, nil)
	})
}

// LinkInfo describes a valid link before it is used.
type LinkInfo struct {
	Purpose string
	Email   string
	Name    string
}

// CheckLink reports whether a link is usable, without using it.
func (s *Service) CheckLink(ctx context.Context, raw string) (LinkInfo, error) {
	var li LinkInfo
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		err := tx.QueryRowxContext(ctx, `
			SELECT t.purpose, u.email, u.name FROM auth_tokens t JOIN users u ON u.id = t.user_id
			WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > $2 AND u.disabled_at IS NULL`,
			hashToken(raw), s.Clock.Now()).Scan(&li.Purpose, &li.Email, &li.Name)
		if db.IsNoRows(err) {
			return invalidLink
		}
		return err
	})
	return li, err
}

var invalidLink = apperr.Unprocessable(ReasonInvalidLink, "this link is invalid, used or expired: ask for a new one")

// SetPasswordWithToken uses a link once: sets the password and ends every
// existing session of the user.
func (s *Service) SetPasswordWithToken(ctx context.Context, raw, password string) (User, error) {
	if err := CheckPassword(password); err != nil {
		return User{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return User{}, err
	}
	var u User
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var userID uuid.UUID
		var purpose string
		err := tx.QueryRowxContext(ctx, `
			UPDATE auth_tokens SET used_at = $2
			WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2
			RETURNING user_id, purpose`, hashToken(raw), s.Clock.Now()).Scan(&userID, &purpose)
		if db.IsNoRows(err) {
			return invalidLink
		}
		if err != nil {
			return err
		}
		if u, err = GetUser(ctx, tx, userID); err != nil {
			return err
		}
		if u.DisabledAt != nil {
			return invalidLink
		}
		if err := SetPasswordHash(ctx, tx, userID, hash); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE user_id = $1`, userID); err != nil {
			return err
		}
		// Whoever opened the mailed link owns the account: the failed
		// sign-ins that locked it, from any address, are forgotten.
		if err := ratelimit.Forget(ctx, tx, failurePrefix(u.Email)); err != nil {
			return err
		}
		return audit.Write(ctx, tx, u.Principal(), audit.Event{Action: "auth.password_set", CompanyID: u.CompanyID.UUID, Details: map[string]any{"via": purpose}})
	})
	return u, err
}
