package account

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/ratelimit"
	"github.com/taiwa/taiwa/internal/platform/seal"
)

// Second-factor methods, as the API names them.
const (
	MethodTOTP     = "totp"
	MethodWebAuthn = "webauthn"
	MethodRecovery = "recovery"
)

// TOTP parameters (RFC 6238 defaults every authenticator app reads).
const (
	totpPeriod     = 30
	totpSkew       = 1 // steps either side of now that are accepted
	recoveryCount  = 10
	challengeTTL   = 10 * time.Minute
	totpIssuer     = "Taiwa"
	recoveryLetter = "abcdefghjkmnpqrstuvwxyz23456789"
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// Challenge is a sign-in waiting for its second factor. Token goes to the
// client once (the API's "challenge", the web's pending cookie).
type Challenge struct {
	Token     string
	ExpiresAt time.Time
	// Methods the user can answer with: totp, webauthn, recovery.
	Methods []string
	// Enrol is set when the user must have a second factor but has none:
	// the challenge can only be completed by enrolling TOTP.
	Enrol bool
}

// Factors is what a user has set up.
type Factors struct {
	TOTP         bool
	RecoveryLeft int
	Passkeys     []Passkey
	Required     bool // their role (or their company) requires a second factor
}

// Any reports whether the user has a second factor.
func (f Factors) Any() bool { return f.TOTP || len(f.Passkeys) > 0 }

// answers are how a challenge of a user with these factors can be met:
// by enrolling TOTP when they have none, else by what they have.
func (f Factors) answers() (enrol bool, methods []string) {
	if !f.Any() {
		return true, []string{MethodTOTP}
	}
	if f.TOTP {
		methods = append(methods, MethodTOTP)
	}
	if len(f.Passkeys) > 0 {
		methods = append(methods, MethodWebAuthn)
	}
	if f.RecoveryLeft > 0 {
		methods = append(methods, MethodRecovery)
	}
	return false, methods
}

// Passkey is a registered WebAuthn credential (public key only).
type Passkey struct {
	ID         uuid.UUID  `db:"id"`
	Name       string     `db:"name"`
	CreatedAt  time.Time  `db:"created_at"`
	LastUsedAt *time.Time `db:"last_used_at"`
}

// mfaRequired: operators and counsellors always; company admins when their
// company says so; employees never (they may opt in).
func mfaRequired(ctx context.Context, tx *sqlx.Tx, u User) (bool, error) {
	switch u.Role {
	case auth.RoleOperator, auth.RoleCounselor:
		return true, nil
	case auth.RoleCompanyAdmin:
		var req bool
		err := tx.GetContext(ctx, &req, `SELECT require_admin_mfa FROM companies WHERE id = $1`, u.CompanyID.UUID)
		if db.IsNoRows(err) {
			return false, nil
		}
		return req, err
	}
	return false, nil
}

func loadFactors(ctx context.Context, tx *sqlx.Tx, u User) (Factors, error) {
	var f Factors
	var err error
	if f.Required, err = mfaRequired(ctx, tx, u); err != nil {
		return f, err
	}
	if err := tx.GetContext(ctx, &f.TOTP, `SELECT EXISTS (SELECT 1 FROM user_totp WHERE user_id = $1)`, u.ID); err != nil {
		return f, err
	}
	if err := tx.GetContext(ctx, &f.RecoveryLeft, `SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL`, u.ID); err != nil {
		return f, err
	}
	err = tx.SelectContext(ctx, &f.Passkeys, `SELECT id, name, created_at, last_used_at FROM passkeys WHERE user_id = $1 ORDER BY created_at, id`, u.ID)
	return f, err
}

// challengeIfNeeded opens a challenge when u has or must have a second
// factor; nil when the password is enough.
func (s *Service) challengeIfNeeded(ctx context.Context, tx *sqlx.Tx, u User, now time.Time) (*Challenge, error) {
	f, err := loadFactors(ctx, tx, u)
	if err != nil {
		return nil, err
	}
	if !f.Required && !f.Any() {
		return nil, nil
	}
	ch := &Challenge{ExpiresAt: now.Add(challengeTTL)}
	ch.Enrol, ch.Methods = f.answers()
	raw, hash := newToken()
	ch.Token = raw
	if _, err := tx.ExecContext(ctx, `INSERT INTO mfa_challenges (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`,
		hash, u.ID, now, ch.ExpiresAt); err != nil {
		return nil, err
	}
	return ch, audit.Write(ctx, tx, u.Principal(), audit.Event{Action: "auth.login", Outcome: "mfa_required", CompanyID: u.CompanyID.UUID,
		Details: map[string]any{"enrol": ch.Enrol}})
}

var badChallenge = apperr.Unauthorized(ReasonInvalidChallenge, "the sign-in challenge is unknown, used or expired: sign in again")

// pending is a challenge row with its user.
type pending struct {
	id          uuid.UUID
	user        User
	enrolSealed []byte
	webauthn    []byte
}

func (s *Service) loadChallenge(ctx context.Context, tx *sqlx.Tx, raw string) (pending, error) {
	var p pending
	if raw == "" || len(raw) > 128 {
		return p, badChallenge
	}
	var userID uuid.UUID
	err := tx.QueryRowxContext(ctx, `
		SELECT c.id, c.user_id, c.enrol_secret, c.webauthn_session FROM mfa_challenges c JOIN users u ON u.id = c.user_id
		WHERE c.token_hash = $1 AND c.used_at IS NULL AND c.expires_at > $2 AND u.disabled_at IS NULL
		FOR UPDATE OF c`, hashToken(raw), s.Clock.Now()).Scan(&p.id, &userID, &p.enrolSealed, &p.webauthn)
	if db.IsNoRows(err) {
		return p, badChallenge
	}
	if err != nil {
		return p, err
	}
	p.user, err = GetUser(ctx, tx, userID)
	return p, err
}

// ChallengeInfo describes an open challenge (for the web's second step).
func (s *Service) ChallengeInfo(ctx context.Context, raw string) (Challenge, User, error) {
	var ch Challenge
	var u User
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		p, err := s.loadChallenge(ctx, tx, raw)
		if err != nil {
			return err
		}
		u = p.user
		f, err := loadFactors(ctx, tx, u)
		if err != nil {
			return err
		}
		ch.Token = raw
		ch.Enrol, ch.Methods = f.answers()
		return nil
	})
	return ch, u, err
}

// TOTPSetup is a secret being enrolled: shown once as text and QR code.
type TOTPSetup struct {
	Secret string
	URL    string // otpauth:// URL for the QR code
	Key    *otp.Key
}

func enrolAAD(challengeID uuid.UUID) []byte {
	return seal.AAD("mfa_challenges", "enrol_secret", challengeID.String())
}

func totpAAD(userID uuid.UUID) []byte {
	return seal.AAD("user_totp", "secret_sealed", userID.String())
}

// BeginTOTPEnrolment gives the challenge's user a new TOTP secret to
// confirm with a code. Asking again returns the same secret, so a reloaded
// page still matches the app the user already scanned into.
func (s *Service) BeginTOTPEnrolment(ctx context.Context, raw string) (TOTPSetup, error) {
	var setup TOTPSetup
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		p, err := s.loadChallenge(ctx, tx, raw)
		if err != nil {
			return err
		}
		var has bool
		if err := tx.GetContext(ctx, &has, `SELECT EXISTS (SELECT 1 FROM user_totp WHERE user_id = $1)`, p.user.ID); err != nil {
			return err
		}
		if has {
			return apperr.Conflict(ReasonTOTPEnrolled, "an authenticator app is already set up: answer with its code")
		}
		var secret string
		if p.enrolSealed != nil {
			plain, err := s.Keys.Open(p.enrolSealed, enrolAAD(p.id))
			if err != nil {
				return err
			}
			secret = string(plain)
		} else {
			key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: p.user.Email, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
			if err != nil {
				return err
			}
			secret = key.Secret()
			sealed, err := s.Keys.Seal([]byte(secret), enrolAAD(p.id))
			if err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, `UPDATE mfa_challenges SET enrol_secret = $2 WHERE id = $1`, p.id, sealed); err != nil {
				return err
			}
		}
		setup, err = totpSetup(p.user.Email, secret)
		return err
	})
	return setup, err
}

func totpSetup(email, secret string) (TOTPSetup, error) {
	key, err := otp.NewKeyFromURL("otpauth://totp/" + totpIssuer + ":" + urlPathEscape(email) +
		"?algorithm=SHA1&digits=6&issuer=" + totpIssuer + "&period=30&secret=" + secret)
	if err != nil {
		return TOTPSetup{}, err
	}
	return TOTPSetup{Secret: secret, URL: key.URL(), Key: key}, nil
}

func urlPathEscape(s string) string {
	return strings.NewReplacer("%", "%25", "/", "%2F", "?", "%3F", "#", "%23", " ", "%20", ":", "%3A").Replace(s)
}

// MFAResult is a completed second step.
type MFAResult struct {
	Session
	// RecoveryCodes are shown once, right after TOTP enrolment.
	RecoveryCodes []string
}

var badCode = apperr.Unauthorized(ReasonInvalidCode, "the code is not correct, or was already used")

// CompleteMFA answers a challenge with a TOTP code or a recovery code and
// opens the session. A challenge that is enrolling takes the first code of
// the new secret: the secret is kept and ten recovery codes are made.
// Failures count against the same per-account limit as passwords.
func (s *Service) CompleteMFA(ctx context.Context, raw, code, addr, previousToken string) (MFAResult, error) {
	now := s.Clock.Now()
	code = strings.TrimSpace(code)
	if code == "" {
		return MFAResult{}, apperr.Field("code", "is required")
	}
	if len(code) > 64 {
		return MFAResult{}, apperr.Field("code", "is too long")
	}
	var res MFAResult
	var u User
	var method string
	var failed bool
	var limited time.Duration
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		p, err := s.loadChallenge(ctx, tx, raw)
		if err != nil {
			return err
		}
		u = p.user
		if limited, err = s.mfaLimited(ctx, tx, u, addr, now); err != nil || limited > 0 {
			return err
		}
		var has bool
		if err := tx.GetContext(ctx, &has, `SELECT EXISTS (SELECT 1 FROM user_totp WHERE user_id = $1)`, u.ID); err != nil {
			return err
		}
		switch {
		case !has && p.enrolSealed != nil:
			method = "totp_enrol"
			plain, err := s.Keys.Open(p.enrolSealed, enrolAAD(p.id))
			if err != nil {
				return err
			}
			ok, err := s.checkTOTP(ctx, tx, u.ID, string(plain), code, now)
			if err != nil || !ok {
				failed = !ok
				return err
			}
			if res.RecoveryCodes, err = s.storeTOTP(ctx, tx, u, string(plain)); err != nil {
				return err
			}
		case has && isTOTPCode(code):
			method = MethodTOTP
			secret, err := s.userSecret(ctx, tx, u.ID)
			if err != nil {
				return err
			}
			ok, err := s.checkTOTP(ctx, tx, u.ID, secret, code, now)
			if err != nil || !ok {
				failed = !ok
				return err
			}
		default:
			method = MethodRecovery
			r, err := tx.ExecContext(ctx, `UPDATE recovery_codes SET used_at = $3 WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL`,
				u.ID, hashToken(normalizeRecovery(code)), now)
			if err != nil {
				return err
			}
			if n, _ := r.RowsAffected(); n != 1 {
				failed = true
				return nil
			}
			if err := audit.Write(ctx, tx, u.Principal(), audit.Event{Action: "mfa.recovery_used", CompanyID: u.CompanyID.UUID}); err != nil {
				return err
			}
		}
		return s.challengeUsed(ctx, tx, p.id, u, addr, now)
	})
	if err != nil {
		return MFAResult{}, err
	}
	if limited > 0 {
		_ = audit.WriteAlone(ctx, s.DB, u.Principal(), audit.Event{Action: "auth.mfa", Outcome: "rate_limited", CompanyID: u.CompanyID.UUID})
		return MFAResult{}, apperr.RateLimitedFor("too many sign-in attempts; wait a few minutes and try again", limited)
	}
	if failed {
		s.mfaFailed(ctx, u, method)
		return MFAResult{}, badCode
	}
	sess, err := s.openSession(ctx, u, previousToken, map[string]any{"mfa": method})
	res.Session = sess
	return res, err
}

// mfaLimited takes this attempt's places among its address's sign-in
// attempts and its account's failures from that address, as a password
// attempt does: one budget, so a stolen password buys no more guesses. It
// returns how long until an attempt is let through (zero: now); a right
// answer gives its failure place back (challengeUsed).
func (s *Service) mfaLimited(ctx context.Context, tx *sqlx.Tx, u User, addr string, now time.Time) (time.Duration, error) {
	return ratelimit.Take(ctx, tx, now,
		ratelimit.Limit{Key: failureKey(u.Email, addr), Max: s.MaxFailures, Window: s.Window},
		ratelimit.Limit{Key: "login:addr:" + ratelimit.AddressKey(addr), Max: s.MaxAttempts, Window: s.Window})
}

// challengeUsed spends a challenge answered rightly and gives back the
// failure place its attempt took.
func (s *Service) challengeUsed(ctx context.Context, tx *sqlx.Tx, id uuid.UUID, u User, addr string, now time.Time) error {
	if err := ratelimit.Release(ctx, tx, failureKey(u.Email, addr), now); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE mfa_challenges SET used_at = $2 WHERE id = $1`, id, now)
	return err
}

// mfaFailed audits a wrong second factor; its failure place is already
// taken (mfaLimited).
func (s *Service) mfaFailed(ctx context.Context, u User, method string) {
	_ = audit.WriteAlone(ctx, s.DB, u.Principal(), audit.Event{Action: "auth.mfa", Outcome: "failed", CompanyID: u.CompanyID.UUID,
		Details: map[string]any{"method": method}})
}

func isTOTPCode(code string) bool {
	if len(code) != 6 {
		return false
	}
	for _, r := range code {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func normalizeRecovery(code string) string {
	code = strings.ToLower(code)
	return strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, code)
}

// checkTOTP accepts a code of the step before, at or after now, once: the
// step is recorded, and a step already recorded for the user is refused
// (a code seen over a shoulder or in a log cannot be replayed).
func (s *Service) checkTOTP(ctx context.Context, tx *sqlx.Tx, userID uuid.UUID, secret, code string, now time.Time) (bool, error) {
	cur := now.Unix() / totpPeriod
	for step := cur - totpSkew; step <= cur+totpSkew; step++ {
		want, err := totp.GenerateCodeCustom(secret, time.Unix(step*totpPeriod, 0), totpOpts)
		if err != nil {
			return false, err
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) != 1 {
			continue
		}
		r, err := tx.ExecContext(ctx, `INSERT INTO totp_used_steps (user_id, step, used_at) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, userID, step, now)
		if err != nil {
			return false, err
		}
		n, _ := r.RowsAffected()
		return n == 1, nil
	}
	return false, nil
}

func (s *Service) userSecret(ctx context.Context, tx *sqlx.Tx, userID uuid.UUID) (string, error) {
	var sealed []byte
	if err := tx.GetContext(ctx, &sealed, `SELECT secret_sealed FROM user_totp WHERE user_id = $1`, userID); err != nil {
		return "", err
	}
	plain, err := s.Keys.Open(sealed, totpAAD(userID))
	return string(plain), err
}

// storeTOTP keeps a confirmed secret (sealed) and replaces the recovery
// codes with ten new ones, returned in the clear this once.
func (s *Service) storeTOTP(ctx context.Context, tx *sqlx.Tx, u User, secret string) ([]string, error) {
	if err := s.SealTOTP(ctx, tx, u.ID, secret); err != nil {
		return nil, err
	}
	codes, err := newRecoveryCodes(ctx, tx, u.ID)
	if err != nil {
		return nil, err
	}
	return codes, audit.Write(ctx, tx, u.Principal(), audit.Event{Action: "mfa.totp_enrol", CompanyID: u.CompanyID.UUID, TargetType: "user", TargetID: u.ID.String()})
}

// SealTOTP stores secret (base32) as userID's TOTP secret, sealed.
func (s *Service) SealTOTP(ctx context.Context, tx *sqlx.Tx, userID uuid.UUID, secret string) error {
	return SealTOTPSecret(ctx, tx, s.Keys, userID, secret)
}

// SealTOTPSecret stores secret (base32) as userID's TOTP secret, sealed
// with keys, replacing any earlier one (enrolment and the demo seed).
func SealTOTPSecret(ctx context.Context, tx *sqlx.Tx, keys *seal.Keyring, userID uuid.UUID, secret string) error {
	sealed, err := keys.Seal([]byte(secret), totpAAD(userID))
	if err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, `
		INSERT INTO user_totp (user_id, secret_sealed) VALUES ($1, $2)
		ON CONFLICT (user_id) DO UPDATE SET secret_sealed = EXCLUDED.secret_sealed, created_at = now()`, userID, sealed)
	return err
}

func newRecoveryCodes(ctx context.Context, tx *sqlx.Tx, userID uuid.UUID) ([]string, error) {
	if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, userID); err != nil {
		return nil, err
	}
	codes := make([]string, recoveryCount)
	for i := range codes {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			return nil, err
		}
		for j := range b {
			b[j] = recoveryLetter[int(b[j])%len(recoveryLetter)]
		}
		codes[i] = string(b[:5]) + "-" + string(b[5:])
		if _, err := tx.ExecContext(ctx, `INSERT INTO recovery_codes (user_id, code_hash) VALUES ($1, $2)`, userID, hashToken(normalizeRecovery(codes[i]))); err != nil {
			return nil, err
		}
	}
	return codes, nil
}

// MyFactors reports the principal's own second factors.
func (s *Service) MyFactors(ctx context.Context, p auth.Principal) (Factors, error) {
	var f Factors
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		u, err := GetUser(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		f, err = loadFactors(ctx, tx, u)
		return err
	})
	return f, err
}

// StartOwnTOTP begins TOTP enrolment for a signed-in user (an employee
// opting in, or anyone replacing their app): a challenge for themselves
// carries the secret until they confirm it with ConfirmOwnTOTP.
func (s *Service) StartOwnTOTP(ctx context.Context, p auth.Principal) (string, TOTPSetup, error) {
	now := s.Clock.Now()
	raw, hash := newToken()
	key, err := totp.Generate(totp.GenerateOpts{Issuer: totpIssuer, AccountName: p.Email, Period: totpPeriod, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return "", TOTPSetup{}, err
	}
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var id uuid.UUID
		if err := tx.GetContext(ctx, &id, `INSERT INTO mfa_challenges (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4) RETURNING id`,
			hash, p.UserID, now, now.Add(challengeTTL)); err != nil {
			return err
		}
		sealed, err := s.Keys.Seal([]byte(key.Secret()), enrolAAD(id))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE mfa_challenges SET enrol_secret = $2 WHERE id = $1`, id, sealed)
		return err
	})
	if err != nil {
		return "", TOTPSetup{}, err
	}
	setup, err := totpSetup(p.Email, key.Secret())
	return raw, setup, err
}

// OwnTOTPSetup shows again the secret of a pending own enrolment.
func (s *Service) OwnTOTPSetup(ctx context.Context, p auth.Principal, raw string) (TOTPSetup, error) {
	var setup TOTPSetup
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		c, err := s.loadChallenge(ctx, tx, raw)
		if err != nil {
			return err
		}
		if c.user.ID != p.UserID || c.enrolSealed == nil {
			return badChallenge
		}
		plain, err := s.Keys.Open(c.enrolSealed, enrolAAD(c.id))
		if err != nil {
			return err
		}
		setup, err = totpSetup(p.Email, string(plain))
		return err
	})
	return setup, err
}

// ConfirmOwnTOTP checks the first code of a signed-in user's new secret and
// keeps it, replacing any earlier one; new recovery codes come back once.
func (s *Service) ConfirmOwnTOTP(ctx context.Context, p auth.Principal, raw, code, addr string) ([]string, error) {
	now := s.Clock.Now()
	code = strings.TrimSpace(code)
	if !isTOTPCode(code) {
		return nil, apperr.Field("code", "must be the 6 digits the app shows")
	}
	var codes []string
	var u User
	var failed bool
	var limited time.Duration
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		c, err := s.loadChallenge(ctx, tx, raw)
		if err != nil {
			return err
		}
		if c.user.ID != p.UserID || c.enrolSealed == nil {
			return badChallenge
		}
		u = c.user
		if limited, err = s.mfaLimited(ctx, tx, u, addr, now); err != nil || limited > 0 {
			return err
		}
		plain, err := s.Keys.Open(c.enrolSealed, enrolAAD(c.id))
		if err != nil {
			return err
		}
		ok, err := s.checkTOTP(ctx, tx, u.ID, string(plain), code, now)
		if err != nil || !ok {
			failed = !ok
			return err
		}
		if codes, err = s.storeTOTP(ctx, tx, u, string(plain)); err != nil {
			return err
		}
		return s.challengeUsed(ctx, tx, c.id, u, addr, now)
	})
	switch {
	case err != nil:
		return nil, err
	case limited > 0:
		return nil, apperr.RateLimitedFor("too many attempts; wait a few minutes and try again", limited)
	case failed:
		s.mfaFailed(ctx, u, "totp_enrol")
		return nil, apperr.Field("code", "is not correct: enter the code the app shows now")
	}
	return codes, nil
}

// NewRecoveryCodes replaces the principal's recovery codes.
func (s *Service) NewRecoveryCodes(ctx context.Context, p auth.Principal) ([]string, error) {
	var codes []string
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		u, err := GetUser(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		f, err := loadFactors(ctx, tx, u)
		if err != nil {
			return err
		}
		if !f.Any() {
			return apperr.Unprocessable(ReasonNoSecondFactor, "set up an authenticator app or a passkey first")
		}
		if codes, err = newRecoveryCodes(ctx, tx, u.ID); err != nil {
			return err
		}
		return audit.Write(ctx, tx, p, audit.Event{Action: "mfa.recovery_codes", CompanyID: p.CompanyID, TargetType: "user", TargetID: p.UserID.String()})
	})
	return codes, err
}

// RemoveOwnTOTP removes the principal's authenticator app. Someone who
// must have a second factor keeps it unless a passkey remains.
func (s *Service) RemoveOwnTOTP(ctx context.Context, p auth.Principal) error {
	return s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		u, err := GetUser(ctx, tx, p.UserID)
		if err != nil {
			return err
		}
		f, err := loadFactors(ctx, tx, u)
		if err != nil {
			return err
		}
		if !f.TOTP {
			return apperr.NotFound("authenticator app")
		}
		if f.Required && len(f.Passkeys) == 0 {
			return apperr.Unprocessable(ReasonSecondFactorRequired, "your account must keep a second factor: add a passkey before removing the app")
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM user_totp WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		if len(f.Passkeys) == 0 {
			if _, err := tx.ExecContext(ctx, `DELETE FROM recovery_codes WHERE user_id = $1`, u.ID); err != nil {
				return err
			}
		}
		return audit.Write(ctx, tx, p, audit.Event{Action: "mfa.totp_remove", CompanyID: p.CompanyID, TargetType: "user", TargetID: u.ID.String()})
	})
}

// ResetMFA removes every second factor of userID and ends their sessions,
// so they enrol again at their next sign-in. Operators may reset anyone
// but themselves; company admins their own company's employees.
func (s *Service) ResetMFA(ctx context.Context, actor auth.Principal, userID uuid.UUID) error {
	if err := actor.Require(auth.RoleOperator, auth.RoleCompanyAdmin); err != nil {
		return err
	}
	if userID == actor.UserID {
		return apperr.Unprocessable(ReasonOwnAccount, "another operator must reset your own second factor")
	}
	return s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		u, err := GetUser(ctx, tx, userID)
		if err != nil {
			return err
		}
		if actor.Role == auth.RoleCompanyAdmin && (u.Role != auth.RoleEmployee || u.CompanyID.UUID != actor.CompanyID) {
			return apperr.NotFound("user")
		}
		for _, q := range []string{
			`DELETE FROM user_totp WHERE user_id = $1`,
			`DELETE FROM recovery_codes WHERE user_id = $1`,
			`DELETE FROM passkeys WHERE user_id = $1`,
			`DELETE FROM mfa_challenges WHERE user_id = $1`,
			`DELETE FROM auth_sessions WHERE user_id = $1`,
		} {
			if _, err := tx.ExecContext(ctx, q, u.ID); err != nil {
				return err
			}
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "mfa.reset", CompanyID: u.CompanyID.UUID, TargetType: "user", TargetID: u.ID.String()})
	})
}

// SetCompanyRequiresAdminMFA turns the company's "admins need a second
// factor" setting on or off (its own admin or an operator).
func (s *Service) SetCompanyRequiresAdminMFA(ctx context.Context, actor auth.Principal, companyID uuid.UUID, on bool) error {
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return err
	}
	if err := actor.Require(auth.RoleOperator, auth.RoleCompanyAdmin); err != nil {
		return err
	}
	return s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		r, err := tx.ExecContext(ctx, `UPDATE companies SET require_admin_mfa = $2 WHERE id = $1`, companyID, on)
		if err != nil {
			return err
		}
		if n, _ := r.RowsAffected(); n == 0 {
			return apperr.NotFound("company")
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "company.require_admin_mfa", CompanyID: companyID, TargetType: "company", TargetID: companyID.String(),
			Details: map[string]any{"on": on}})
	})
}

// CompanyRequiresAdminMFA reads the setting.
func (s *Service) CompanyRequiresAdminMFA(ctx context.Context, actor auth.Principal, companyID uuid.UUID) (bool, error) {
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return false, err
	}
	var on bool
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &on, `SELECT require_admin_mfa FROM companies WHERE id = $1`, companyID)
		if db.IsNoRows(err) {
			return apperr.NotFound("company")
		}
		return err
	})
	return on, err
}

// ResetMFAByEmail is ResetMFA for the user with that address (the web
// form asks for an address); an unknown address is not_found.
func (s *Service) ResetMFAByEmail(ctx context.Context, actor auth.Principal, email string) error {
	email, err := NormalizeEmail("email", email)
	if err != nil {
		return err
	}
	var id uuid.UUID
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		err := tx.GetContext(ctx, &id, `SELECT id FROM users WHERE email = $1`, email)
		if db.IsNoRows(err) {
			return apperr.NotFound("user")
		}
		return err
	})
	if err != nil {
		return err
	}
	return s.ResetMFA(ctx, actor, id)
}

// RotateTOTPKeys re-seals every TOTP secret not under keys' current key
// (part of `taiwa keys rotate`). Secrets that open with no configured key
// are counted in unreadable and left as they are. Enrolments in progress
// (ten minutes at most) are not re-sealed: they simply expire.
func RotateTOTPKeys(ctx context.Context, d *db.DB, keys *seal.Keyring) (resealed, unreadable int, err error) {
	current := seal.Prefix(keys.Current())
	err = d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var rows []struct {
			UserID uuid.UUID `db:"user_id"`
			Sealed []byte    `db:"secret_sealed"`
		}
		if err := tx.SelectContext(ctx, &rows, `SELECT user_id, secret_sealed FROM user_totp
			WHERE substring(secret_sealed FROM 1 FOR $1) <> $2 ORDER BY user_id FOR UPDATE`, len(current), current); err != nil {
			return err
		}
		for _, r := range rows {
			out, changed, err := keys.Reseal(r.Sealed, totpAAD(r.UserID))
			if err != nil {
				unreadable++
				continue
			}
			if !changed {
				continue
			}
			if _, err := tx.ExecContext(ctx, `UPDATE user_totp SET secret_sealed = $2 WHERE user_id = $1`, r.UserID, out); err != nil {
				return err
			}
			resealed++
		}
		return nil
	})
	return resealed, unreadable, err
}
