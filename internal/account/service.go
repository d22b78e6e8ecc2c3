package account

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/ratelimit"
)

// Service signs users in and out and runs the emailed-link flows.
type Service struct {
	DB          *db.DB
	Mail        *mail.Composer
	BaseURL     string
	SessionTTL  time.Duration
	MaxFailures int           // failed sign-ins per account per window
	MaxAttempts int           // sign-in attempts per address per window
	Window      time.Duration // the rate-limit window
	InviteTTL   time.Duration // how long an invitation link works
	ResetTTL    time.Duration // how long a reset link works
	Now         func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
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
type Session struct {
	Token     string
	ExpiresAt time.Time
	User      User
}

// Login checks email and password under the rate limits and opens a new
// session. previousToken, when given, is ended: a sign-in always rotates the
// token. Every attempt is audited.
func (s *Service) Login(ctx context.Context, email, password, addr, previousToken string) (Session, error) {
	now := s.now()
	email, emailErr := NormalizeEmail("email", email)
	var limited bool
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		hits, err := ratelimit.Hit(ctx, tx, "login:addr:"+addr, s.Window, now)
		if err != nil {
			return err
		}
		failures, err := ratelimit.Count(ctx, tx, "login:acct:"+email, s.Window, now)
		if err != nil {
			return err
		}
		limited = hits > s.MaxAttempts || failures >= s.MaxFailures
		return nil
	})
	if err != nil {
		return Session{}, err
	}
	if limited {
		_ = audit.WriteAlone(ctx, s.DB, auth.Principal{}, audit.Event{Action: "auth.login", Outcome: "rate_limited"})
		return Session{}, apperr.RateLimited("too many sign-in attempts; wait a few minutes and try again")
	}

	var u User
	if emailErr == nil {
		err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			err := tx.QueryRowxContext(ctx, `SELECT `+userColumns+`, COALESCE(password_hash, '') FROM users WHERE email = $1`, email).
				Scan(&u.ID, &u.CompanyID, &u.Email, &u.Name, &u.Role, &u.Locale, &u.DisabledAt, &u.LastLoginAt, &u.CreatedAt, &u.hash)
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
			if _, err := ratelimit.Hit(ctx, tx, "login:acct:"+email, s.Window, now); err != nil {
				return err
			}
			return audit.Write(ctx, tx, auth.Principal{UserID: u.ID, Role: u.Role}, audit.Event{Action: "auth.login", Outcome: "failed", CompanyID: u.CompanyID.UUID})
		})
		return Session{}, apperr.Unauthorized("invalid_credentials", "the email or password is not correct")
	}

	raw, hash := newToken()
	expires := now.Add(s.SessionTTL)
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
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
		return audit.Write(ctx, tx, u.Principal(), audit.Event{Action: "auth.login", CompanyID: u.CompanyID.UUID})
	})
	if err != nil {
		return Session{}, err
	}
	return Session{Token: raw, ExpiresAt: expires, User: u}, nil
}

// sessionLookup finds a live session and its (not disabled) user. Every
// authenticated request runs it, so it is prepared once per connection.
const sessionLookup = `
	SELECT s.id, s.last_seen_at, u.id, u.company_id, u.email, u.name, u.role, u.locale
	FROM auth_sessions s JOIN users u ON u.id = s.user_id
	WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled_at IS NULL`

// Authenticate turns a session token into its principal. Expired sessions,
// unknown tokens and disabled users all answer 401.
func (s *Service) Authenticate(ctx context.Context, token string) (auth.Principal, error) {
	bad := apperr.Unauthorized("unauthorized", "sign in first")
	if token == "" || len(token) > 128 {
		return auth.Principal{}, bad
	}
	var p auth.Principal
	var u User
	var sid uuid.UUID
	var lastSeen time.Time
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		err := s.DB.Stmt(ctx, tx, sessionLookup).QueryRowxContext(ctx, hashToken(token), s.now()).
			Scan(&sid, &lastSeen, &u.ID, &u.CompanyID, &u.Email, &u.Name, &u.Role, &u.Locale)
		if db.IsNoRows(err) {
			return bad
		}
		if err != nil {
			return err
		}
		// Touch at most once a minute: no write per request.
		if s.now().Sub(lastSeen) > time.Minute {
			_, err = tx.ExecContext(ctx, `UPDATE auth_sessions SET last_seen_at = $2 WHERE id = $1`, sid, s.now())
		}
		return err
	})
	if err != nil {
		return auth.Principal{}, err
	}
	p = u.Principal()
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

// Disable blocks a user and ends all their sessions at once.
func (s *Service) Disable(ctx context.Context, actor auth.Principal, userID uuid.UUID) error {
	return s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE users SET disabled_at = now() WHERE id = $1 AND disabled_at IS NULL`, userID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("user")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_sessions WHERE user_id = $1`, userID); err != nil {
			return err
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "user.disable", TargetType: "user", TargetID: userID.String()})
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
