package apptest

import (
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/taiwa/taiwa/internal/platform/wait"
)

// authenticator is the harness's authenticator app: the TOTP secrets of
// the users it enrolled, and the time steps it already answered with (the
// server refuses a code twice, so the next sign-in takes another step).
type authenticator struct {
	mu       sync.Mutex
	secrets  map[string]string
	used     map[string]map[int64]bool
	recovery map[string][]string
}

func (a *authenticator) init() {
	if a.secrets == nil {
		a.secrets, a.used, a.recovery = map[string]string{}, map[string]map[int64]bool{}, map[string][]string{}
	}
}

// RememberTOTP records email's TOTP secret (base32), e.g. one a test read
// from the enrolment page, so later sign-ins can answer with codes.
func (h *Harness) RememberTOTP(email, secret string) {
	h.totp.mu.Lock()
	defer h.totp.mu.Unlock()
	h.totp.init()
	email = strings.ToLower(email)
	h.totp.secrets[email] = secret
	h.totp.used[email] = map[int64]bool{}
}

// TOTPSecret is the secret the harness holds for email ("" if none).
func (h *Harness) TOTPSecret(email string) string {
	h.totp.mu.Lock()
	defer h.totp.mu.Unlock()
	h.totp.init()
	return h.totp.secrets[strings.ToLower(email)]
}

// RecoveryCodes are the codes the harness got when it enrolled email.
func (h *Harness) RecoveryCodes(email string) []string {
	h.totp.mu.Lock()
	defer h.totp.mu.Unlock()
	h.totp.init()
	return append([]string(nil), h.totp.recovery[strings.ToLower(email)]...)
}

// TOTPCode is a code for email's remembered secret that the harness has
// not used yet: the current step, else the next one (the server accepts
// one step either side, and never the same step twice). When both are
// spent it waits for the clock to reach a new step.
func (h *Harness) TOTPCode(email string) string {
	h.T.Helper()
	var code string
	wait.Until(wait.Context(h.T, 0), h.T, "an unused TOTP step for "+email, func() bool {
		var ok bool
		code, ok = h.tryTOTPCode(email)
		return ok
	})
	return code
}

// SecondFactorCode is what a person would type at the second step: a
// fresh TOTP code, or, when this time window's codes are spent (a test
// signing the same user in again and again), one of the recovery codes
// the harness holds, so tests never wait for the clock.
func (h *Harness) SecondFactorCode(email string) string {
	h.T.Helper()
	if code, ok := h.tryTOTPCode(email); ok {
		return code
	}
	if rc := h.popRecovery(email); rc != "" {
		return rc
	}
	return h.TOTPCode(email)
}

// RememberRecoveryCodes records the recovery codes shown to email.
func (h *Harness) RememberRecoveryCodes(email string, codes []string) {
	h.totp.mu.Lock()
	defer h.totp.mu.Unlock()
	h.totp.init()
	h.totp.recovery[strings.ToLower(email)] = append([]string(nil), codes...)
}

func (h *Harness) popRecovery(email string) string {
	h.totp.mu.Lock()
	defer h.totp.mu.Unlock()
	h.totp.init()
	email = strings.ToLower(email)
	codes := h.totp.recovery[email]
	if len(codes) == 0 {
		return ""
	}
	h.totp.recovery[email] = codes[1:]
	return codes[0]
}

func (h *Harness) tryTOTPCode(email string) (string, bool) {
	h.T.Helper()
	email = strings.ToLower(email)
	h.totp.mu.Lock()
	h.totp.init()
	secret, used := h.totp.secrets[email], h.totp.used[email]
	if secret == "" {
		h.totp.mu.Unlock()
		h.T.Fatalf("no TOTP secret known for %s", email)
	}
	cur := h.App.Clock.Now().Unix() / 30 // the server's clock, which checks the code
	for _, step := range []int64{cur, cur + 1} {
		if used[step] {
			continue
		}
		used[step] = true
		h.totp.mu.Unlock()
		code, err := totp.GenerateCodeCustom(secret, time.Unix(step*30, 0), totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			h.T.Fatal(err)
		}
		return code, true
	}
	h.totp.mu.Unlock()
	return "", false
}

// mfaAnswer is the API's answer to a right password.
type mfaAnswer struct {
	Token             string `json:"token"`
	MFARequired       bool   `json:"mfa_required"`
	Challenge         string `json:"challenge"`
	EnrolmentRequired bool   `json:"enrolment_required"`
}

// completeMFA finishes a sign-in that owes a second factor, the way a
// person with an authenticator app would: enrolling first when the
// account has none yet, then answering with a fresh code.
func (h *Harness) completeMFA(email string, a mfaAnswer) string {
	h.T.Helper()
	if a.EnrolmentRequired {
		var secret struct {
			Secret string `json:"secret"`
		}
		if st := h.Anonymous().Do("POST", "/api/v1/auth/mfa/totp", map[string]string{"challenge": a.Challenge}, &secret); st != http.StatusOK {
			h.T.Fatalf("TOTP enrolment of %s: status %d", email, st)
		}
		h.RememberTOTP(email, secret.Secret)
	}
	var out struct {
		Token         string   `json:"token"`
		RecoveryCodes []string `json:"recovery_codes"`
	}
	code := h.SecondFactorCode(email)
	if st := h.Anonymous().Do("POST", "/api/v1/auth/mfa", map[string]string{"challenge": a.Challenge, "code": code}, &out); st != http.StatusOK {
		h.T.Fatalf("second factor of %s: status %d", email, st)
	}
	if out.RecoveryCodes != nil {
		h.RememberRecoveryCodes(email, out.RecoveryCodes)
	}
	// Running low on recovery codes: get new ones, as a person would.
	if len(h.RecoveryCodes(email)) < 3 {
		var fresh struct {
			Codes []string `json:"recovery_codes"`
		}
		if st := h.As(out.Token).Do("POST", "/api/v1/me/recovery-codes", nil, &fresh); st == http.StatusCreated {
			h.RememberRecoveryCodes(email, fresh.Codes)
		}
	}
	return out.Token
}
