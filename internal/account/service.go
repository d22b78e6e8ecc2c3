package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/ratelimit"
	"github.com/taiwa/taiwa/internal/platform/seal"
)

// Service signs users in and out and runs the emailed-link flows.
type Service struct {
	DB          *db.DB
	Mail        *mail.Composer
	BaseURL     string
	SessionTTL  time.Duration
	MaxFailures int                // failed sign-ins per account per window
	MaxAttempts int                // sign-in attempts per address per window
	Window      time.Duration      // the rate-limit window
	InviteTTL   time.Duration      // how long an invitation link works
	Keys        *seal.Keyring      // seals TOTP secrets at rest
	WebAuthn    *webauthn.WebAuthn // passkeys; nil: passkeys are off
	ResetTTL    time.Duration      // how long a reset link works
	Clock       clock.Clock        // nil: the wall clock
}

// newToken returns a random token (256 bits) and the hash that is stored.
func newToken() (string, []byte) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("account: no randomness: " + err.Error())
	}
	raw := base64.RawURLEncoding.EncodeToString(b)
	h := sha256.Sum256([]byte(raw))
	return raw, h[:]
}

func hashToken(raw string) []byte {
	h := sha256.Sum256([]byte(raw))
	return h[:]
}

// Session is a signed-in session: the raw token goes to the client once.
// When MFA is set, the password was right but a second factor is owed:
// there is no token yet, only the challenge to complete.
type Session struct {
	Token     string
	ExpiresAt time.Time
	User      User
	MFA       *Challenge
}

// Login checks email and password under the rate limits and opens a new
// session. previousToken, when given, is ended: a sign-in always rotates the
// token. Every attempt is audited.
func (s *Service) Login(ctx context.Context, email, password, addr, previousToken string) (Session, error) {
	now := s.Clock.Now()
	email, emailErr := NormalizeEmail("email", email)
	wait, err := s.loginWait(ctx, email, addr, now)
	if err != nil {
		return Session{}, err
	}
	if wait > 0 {
		_ = audit.WriteAlone(ctx, s.DB, auth.Principal{}, audit.Event{Action: "auth.login", Outcome: "rate_limited"})
		return Session{}, apperr.RateLimitedFor("too many sign-in attempts; wait a few minutes and try again", wait)
	}

	var u User
	if emailErr == nil {
		err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			err := tx.QueryRowxContext(ctx, `SELECT `+userColumns+`, COALESCE(password_hash, '') FROM users WHERE email = $1`, email).
				Scan(&u.ID, &u.CompanyID, &u.Email, &u.Name, &u.Role, &u.Locale, &u.Timezone, &u.DisabledAt, &u.LastLoginAt, &u.CreatedAt, &u.hash)
			if db.IsNoRows(err) {
				return nil
			}
			return err
		})
		if err != nil {
			return Session{}, err
		}
	}
	if !verifyPassword(password, u.hash) || u.DisabledAt != nil {
		_ = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			return audit.Write(ctx, tx, auth.Principal{UserID: u.ID, Role: u.Role}, audit.Event{Action: "auth.login", Outcome: "failed", CompanyID: u.CompanyID.UUID})
		})
		return Session{}, apperr.Unauthorized(ReasonInvalidCredentials, "the email or password is not correct")
	}

	// A second factor, when the user has one or must have one, comes
	// before any session: the password alone opens nothing.
	// The right password gives back the place this attempt took among the
	// (account, address) failures; a second factor counts its own.
	var ch *Challenge
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := ratelimit.Release(ctx, tx, failureKey(email, addr), now); err != nil {
			return err
		}
		var err error
		ch, err = s.challengeIfNeeded(ctx, tx, u, now)
		return err
	})
	if err != nil {
		return Session{}, err
	}
	if ch != nil {
		return Session{User: u, MFA: ch}, nil
	}
	return s.openSession(ctx, u, previousToken, nil)
}

// openSession starts a session for u after every factor is checked,
// ending previousToken's session if any. details go to the audit entry.
func (s *Service) openSession(ctx context.Context, u User, previousToken string, details map[string]any) (Session, error) {
	now := s.Clock.Now()
	raw, hash := newToken()
	expires := now.Add(s.SessionTTL)
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if previousToken != "" {
			if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE token_hash = $1`, hashToken(previousToken)); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO auth_sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)`,
			hash, u.ID, now, expires); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET last_login_at = $2 WHERE id = $1`, u.ID, now); err != nil {
			return err
		}
		return audit.Write(ctx, tx, u.Principal(), audit.Event{Action: "auth.login", CompanyID: u.CompanyID.UUID, Details: details})
	})
	if err != nil {
		return Session{}, err
	}
	return Session{Token: raw, ExpiresAt: expires, User: u}, nil
}

// loginWait applies the sign-in limits before a password is checked and
// returns how long until an attempt is let through (zero: now). Attempts
// count per address, whatever the account. Each attempt also takes a place
// among its (account, address) failures, given back when the password is
// right: wrong passwords lock an account only for the address they come
// from, so ones from elsewhere do not stop the owner, and parallel guesses
// cannot overshoot. An attempt refused here counts nowhere.
func (s *Service) loginWait(ctx context.Context, email, addr string, now time.Time) (time.Duration, error) {
	var wait time.Duration
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var err error
		wait, err = ratelimit.Take(ctx, tx, now,
			ratelimit.Limit{Key: failureKey(email, addr), Max: s.MaxFailures, Window: s.Window},
			ratelimit.Limit{Key: "login:addr:" + ratelimit.AddressKey(addr), Max: s.MaxAttempts, Window: s.Window})
		return err
	})
	return wait, err
}

// failureKey counts failed sign-ins to one account from one address.
func failureKey(email, addr string) string {
	return failurePrefix(email) + ratelimit.AddressKey(addr)
}

// failurePrefix starts the failure keys of one account, from any address.
func failurePrefix(email string) string {
	return "login:fail:" + email + "|"
}

// sessionLookup finds a live session and its (not disabled) user. Every
// authenticated request runs it, so it is prepared once per connection.
const sessionLookup = `SELECT * FROM public.app_authenticate($1, $2, $3, $4, $5, $6)`

// Authenticate turns a session token into its principal. Expired sessions,
// unknown tokens and disabled users all answer 401. The lookup is one
// statement in one round trip (db.QueryRowInScope, app_authenticate); the
// session's last_seen_at is touched at most once a minute, in a
// transaction of its own.
func (s *Service) Authenticate(ctx context.Context, token string) (auth.Principal, error) {
	bad := apperr.Unauthorized(apperr.ReasonUnauthorized, "sign in first")
	if token == "" || len(token) > 128 {
		return auth.Principal{}, bad
	}
	var u User
	var sid uuid.UUID
	var lastSeen time.Time
	now := s.Clock.Now()
	err := s.DB.QueryRowInScope(ctx, db.System, sessionLookup, hashToken(token), now).
		Scan(&sid, &lastSeen, &u.ID, &u.CompanyID, &u.Email, &u.Name, &u.Role, &u.Locale, &u.Timezone)
	if db.IsNoRows(err) {
		return auth.Principal{}, bad
	}
	if err != nil {
		return auth.Principal{}, db.MapError(err)
	}
	if now.Sub(lastSeen) > time.Minute { // no write per request
		if err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE auth_sessions SET last_seen_at = $2 WHERE id = $1`, sid, now)
			return err
		}); err != nil {
			return auth.Principal{}, err
		}
	}
	p := u.Principal()
	p.SessionID = sid
	return p, nil
}

// Logout ends the session of token (unknown tokens are ignored).
func (s *Service) Logout(ctx context.Context, token string) error {
	return s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE token_hash = $1`, hashToken(token))
		return err
	})
}

// SetLocale remembers the user's language.
func (s *Service) SetLocale(ctx context.Context, p auth.Principal, locale string) error {
	if locale != "ja" && locale != "en" {
		return apperr.Field("locale", "must be ja or en")
	}
	return s.DB.InTx(ctx, p.Scope(), func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET locale = $2 WHERE id = $1`, p.UserID, locale)
		return err
	})
}
