package account

import (
	"context"
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// waUser is a user as go-webauthn sees them: the user handle is the
// account's UUID, never the address.
type waUser struct {
	u     User
	creds []webauthn.Credential
}

func (w waUser) WebAuthnID() []byte                         { return w.u.ID[:] }
func (w waUser) WebAuthnName() string                       { return w.u.Email }
func (w waUser) WebAuthnDisplayName() string                { return w.u.Name }
func (w waUser) WebAuthnCredentials() []webauthn.Credential { return w.creds }

var passkeysOff = apperr.NotFound("passkeys")

func loadWAUser(ctx context.Context, tx *sqlx.Tx, u User) (waUser, error) {
	w := waUser{u: u}
	var raws [][]byte
	if err := tx.SelectContext(ctx, &raws, `SELECT credential FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`, u.ID); err != nil {
		return w, err
	}
	for _, r := range raws {
		var c webauthn.Credential
		if err := json.Unmarshal(r, &c); err != nil {
			return w, err
		}
		w.creds = append(w.creds, c)
	}
	return w, nil
}

// BeginPasskeyRegistration starts adding a passkey for the signed-in
// user: it answers the browser's creation options and the token of the
// ceremony to finish with.
func (s *Service) BeginPasskeyRegistration(ctx context.Context, p auth.Principal) (string, json.RawMessage, error) {
	if s.WebAuthn == nil {
		return "", nil, passkeysOff
	}
	now := s.Clock.Now()
	raw, hash := newToken()
	var options []byte
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		u, err := GetUser(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		w, err := loadWAUser(ctx, tx, u)
		if err != nil {
			return err
		}
		var exclude []protocol.CredentialDescriptor
		for _, c := range w.creds {
			exclude = append(exclude, c.Descriptor())
		}
		creation, session, err := s.WebAuthn.BeginRegistration(w,
			webauthn.WithExclusions(exclude),
			webauthn.WithResidentKeyRequirement(protocol.ResidentKeyRequirementPreferred))
		if err != nil {
			return err
		}
		if options, err = json.Marshal(creation); err != nil {
			return err
		}
		sess, err := json.Marshal(session)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO mfa_challenges (token_hash, user_id, created_at, expires_at, webauthn_session) VALUES ($1, $2, $3, $4, $5)`,
			hash, u.ID, now, now.Add(challengeTTL), sess)
		return err
	})
	return raw, options, err
}

// FinishPasskeyRegistration checks the browser's new credential against
// the ceremony and keeps its public key under name.
func (s *Service) FinishPasskeyRegistration(ctx context.Context, p auth.Principal, token, name string, body []byte) error {
	if s.WebAuthn == nil {
		return passkeysOff
	}
	name = strings.TrimSpace(name)
	if name == "" {
		name = "passkey"
	}
	if utf8.RuneCountInString(name) > 100 {
		return apperr.Field("name", "must be at most 100 characters")
	}
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return apperr.Field("credential", "is not a WebAuthn credential")
	}
	return s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		c, err := s.loadChallenge(ctx, tx, token)
		if err != nil {
			return err
		}
		if c.user.ID != p.UserID || c.webauthn == nil {
			return badChallenge
		}
		var session webauthn.SessionData
		if err := json.Unmarshal(c.webauthn, &session); err != nil {
			return err
		}
		w, err := loadWAUser(ctx, tx, c.user)
		if err != nil {
			return err
		}
		cred, err := s.WebAuthn.CreateCredential(w, session, parsed)
		if err != nil {
			return apperr.Unprocessable(ReasonPasskeyRefused, "the passkey could not be verified")
		}
		b, err := json.Marshal(cred)
		if err != nil {
			return err
		}
		var id uuid.UUID
		if err := tx.GetContext(ctx, &id, `INSERT INTO passkeys (user_id, credential_id, name, credential) VALUES ($1, $2, $3, $4) RETURNING id`,
			c.user.ID, cred.ID, name, b); err != nil {
			if db.ConstraintName(err) == "passkeys_credential_id_key" {
				return apperr.Conflict(ReasonPasskeyExists, "this passkey is already registered")
			}
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE mfa_challenges SET used_at = now() WHERE id = $1`, c.id); err != nil {
			return err
		}
		return audit.Write(ctx, tx, p, audit.Event{Action: "mfa.passkey_add", CompanyID: p.CompanyID, TargetType: "passkey", TargetID: id.String()})
	})
}

// RemovePasskey deletes one of the principal's passkeys; someone who must
// have a second factor keeps at least one.
func (s *Service) RemovePasskey(ctx context.Context, p auth.Principal, id uuid.UUID) error {
	return s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		u, err := GetUser(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		f, err := loadFactors(ctx, tx, u)
		if err != nil {
			return err
		}
		found := false
		for _, k := range f.Passkeys {
			found = found || k.ID == id
		}
		if !found {
			return apperr.NotFound("passkey")
		}
		if f.Required && !f.TOTP && len(f.Passkeys) == 1 {
			return apperr.Unprocessable(ReasonSecondFactorRequired, "your account must keep a second factor")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM passkeys WHERE id = $1 AND user_id = $2`, id, u.ID); err != nil {
			return err
		}
		return audit.Write(ctx, tx, p, audit.Event{Action: "mfa.passkey_remove", CompanyID: p.CompanyID, TargetType: "passkey", TargetID: id.String()})
	})
}

// BeginPasskeyLogin answers the browser's request options for a sign-in
// challenge whose user has passkeys.
func (s *Service) BeginPasskeyLogin(ctx context.Context, token string) (json.RawMessage, error) {
	if s.WebAuthn == nil {
		return nil, passkeysOff
	}
	var options []byte
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		c, err := s.loadChallenge(ctx, tx, token)
		if err != nil {
			return err
		}
		w, err := loadWAUser(ctx, tx, c.user)
		if err != nil {
			return err
		}
		if len(w.creds) == 0 {
			return apperr.Unprocessable(ReasonNoPasskey, "this account has no passkey")
		}
		assertion, session, err := s.WebAuthn.BeginLogin(w)
		if err != nil {
			return err
		}
		if options, err = json.Marshal(assertion); err != nil {
			return err
		}
		sess, err := json.Marshal(session)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE mfa_challenges SET webauthn_session = $2 WHERE id = $1`, c.id, sess)
		return err
	})
	return options, err
}

// FinishPasskeyLogin checks the browser's assertion and opens the session.
// A refused assertion counts like a wrong code.
func (s *Service) FinishPasskeyLogin(ctx context.Context, token string, body []byte, addr, previousToken string) (Session, error) {
	if s.WebAuthn == nil {
		return Session{}, passkeysOff
	}
	now := s.Clock.Now()
	parsed, perr := protocol.ParseCredentialRequestResponseBytes(body)
	var u User
	var failed bool
	var limited time.Duration
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		c, err := s.loadChallenge(ctx, tx, token)
		if err != nil {
			return err
		}
		u = c.user
		if limited, err = s.mfaLimited(ctx, tx, u, addr, now); err != nil || limited > 0 {
			return err
		}
		if perr != nil || c.webauthn == nil {
			failed = true
			return nil
		}
		var session webauthn.SessionData
		if err := json.Unmarshal(c.webauthn, &session); err != nil {
			return err
		}
		w, err := loadWAUser(ctx, tx, u)
		if err != nil {
			return err
		}
		cred, err := s.WebAuthn.ValidateLogin(w, session, parsed)
		if err != nil {
			failed = true
			return nil
		}
		b, err := json.Marshal(cred)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE passkeys SET credential = $3, last_used_at = $4 WHERE user_id = $1 AND credential_id = $2`, u.ID, cred.ID, b, now); err != nil {
			return err
		}
		return s.challengeUsed(ctx, tx, c.id, u, addr, now)
	})
	switch {
	case err != nil:
		return Session{}, err
	case limited > 0:
		return Session{}, apperr.RateLimitedFor("too many sign-in attempts; wait a few minutes and try again", limited)
	case failed:
		s.mfaFailed(ctx, u, MethodWebAuthn)
		return Session{}, badCode
	}
	return s.openSession(ctx, u, previousToken, map[string]any{"mfa": MethodWebAuthn})
}
