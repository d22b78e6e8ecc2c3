package api_test

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/config"
)

// signIn posts the API's sign-in with extra headers (name, value pairs).
func signIn(h *apptest.Harness, email, password string, headers ...string) apptest.Response {
	h.T.Helper()
	body := fmt.Sprintf(`{"email":%q,"password":%q}`, email, password)
	return h.Anonymous().Raw("POST", "/api/v1/auth/login", "application/json", strings.NewReader(body), headers...)
}

// retryAfter checks a 429 and returns its Retry-After, which must be
// whole seconds within (window - elapsed since the first counted attempt,
// window]: the exact wait, rounded up. The bounds are logic, not speed:
// they hold however slow the machine is.
func retryAfter(t *testing.T, r apptest.Response, window time.Duration, firstAttempt time.Time) int {
	t.Helper()
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("status %d, want 429: %s", r.Status, r.Body)
	}
	var e apptest.APIError
	decode(t, r.Body, &e)
	if e.Error.Code != "rate_limited" {
		t.Fatalf("code %q, want rate_limited", e.Error.Code)
	}
	ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
	elapsed := time.Since(firstAttempt)
	low := int(math.Ceil((window - elapsed).Seconds()))
	if err != nil || ra > int(window/time.Second) || ra < max(low, 1) {
		t.Fatalf("Retry-After %q, want whole seconds in [%d, %d]", r.Header.Get("Retry-After"), max(low, 1), int(window/time.Second))
	}
	return ra
}

// TestForgedForwardedHeadersDoNotEscapeTheAddressLimit is the attack: a
// new X-Forwarded-For and X-Real-IP on every attempt. With no trusted
// proxy no header is believed, so every attempt counts on the TCP peer.
func TestForgedForwardedHeadersDoNotEscapeTheAddressLimit(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) { c.LoginMaxPerAddr = 5 }})
	h.CreateUser(account.NewUser{Email: "a@taiwa.example", Name: "A", Role: auth.RoleOperator, Password: "correct-horse-2026"})
	forged := func(i int) []string {
		return []string{
			"X-Forwarded-For", fmt.Sprintf("203.0.113.%d, 198.51.100.%d", i, i),
			"X-Real-IP", fmt.Sprintf("192.0.2.%d", i),
		}
	}
	start := time.Now()
	for i := range 5 {
		if r := signIn(h, fmt.Sprintf("guess%d@taiwa.example", i), "guess-guess-1", forged(i)...); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d: status %d, want 401", i+1, r.Status)
		}
	}
	var limited int
	for i := 5; i < 40; i++ {
		r := signIn(h, fmt.Sprintf("guess%d@taiwa.example", i), "guess-guess-1", forged(i)...)
		if r.Status == http.StatusUnauthorized {
			t.Fatalf("attempt %d with forged headers let through: the headers were believed", i+1)
		}
		retryAfter(t, r, 15*time.Minute, start)
		limited++
	}
	// The right password from the same peer is refused too: the limit is
	// on the address, whatever the account.
	retryAfter(t, signIn(h, "a@taiwa.example", "correct-horse-2026", forged(99)...), 15*time.Minute, start)
	if limited != 35 {
		t.Fatalf("%d of 35 attempts over the limit got 429", limited)
	}
}

// TestATrustedProxysForwardedAddressIsBelieved: behind a proxy listed in
// TAIWA_TRUSTED_PROXIES the client is the address the proxy appended, so
// one client's attempts do not use up another's. What a client writes in
// front of the proxy's entry, and X-Real-IP, are not believed.
func TestATrustedProxysForwardedAddressIsBelieved(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) {
		c.LoginMaxPerAddr = 3
		c.TrustedProxies = "10.9.9.9, 127.0.0.0/8"
	}})
	h.CreateUser(account.NewUser{Email: "a@taiwa.example", Name: "A", Role: auth.RoleOperator, Password: "correct-horse-2026"})
	start := time.Now()
	for i := range 3 {
		if r := signIn(h, "nobody@taiwa.example", "guess-guess-1", "X-Forwarded-For", "203.0.113.5"); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d from 203.0.113.5: %d, want 401", i+1, r.Status)
		}
	}
	retryAfter(t, signIn(h, "a@taiwa.example", "correct-horse-2026", "X-Forwarded-For", "203.0.113.5"), 15*time.Minute, start)
	// Forging an entry in front of the proxy's does not help: the
	// address is read from the right, past the trusted proxies only.
	retryAfter(t, signIn(h, "a@taiwa.example", "correct-horse-2026", "X-Forwarded-For", "198.51.100.1, 203.0.113.5, 10.9.9.9"), 15*time.Minute, start)
	// Another client through the same proxy is its own address.
	if r := signIn(h, "a@taiwa.example", "correct-horse-2026", "X-Forwarded-For", "203.0.113.6"); r.Status != http.StatusOK {
		t.Fatalf("another client behind the proxy: %d, want 200", r.Status)
	}
	// X-Real-IP is not read even from a trusted proxy: without
	// X-Forwarded-For the client is the proxy itself, 127.0.0.1.
	for i := range 3 {
		if r := signIn(h, "nobody@taiwa.example", "guess-guess-1", "X-Real-IP", fmt.Sprintf("192.0.2.%d", i)); r.Status != http.StatusUnauthorized {
			t.Fatalf("attempt %d from the proxy itself: %d, want 401", i+1, r.Status)
		}
	}
	retryAfter(t, signIn(h, "nobody@taiwa.example", "guess-guess-1", "X-Real-IP", "192.0.2.200"), 15*time.Minute, start)
}

// TestFailuresFromOneAddressDoNotLockTheOwnerOut: wrong passwords lock an
// account only for the address they came from. An attacker who types the
// operator's address wrong ten times from A is refused there, even with
// the right password; the operator signs in from B.
func TestFailuresFromOneAddressDoNotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) {
		c.LoginMaxPerUser = 10
		c.TrustedProxies = "127.0.0.1"
	}})
	h.CreateUser(account.NewUser{Email: "operator@taiwa.example", Name: "運営", Role: auth.RoleOperator, Password: "operator-pass-2026"})
	attacker := []string{"X-Forwarded-For", "203.0.113.66"}
	start := time.Now()
	for i := range 10 {
		if r := signIn(h, "operator@taiwa.example", fmt.Sprintf("wrong-%d-password", i), attacker...); r.Status != http.StatusUnauthorized {
			t.Fatalf("wrong password %d: %d, want 401", i+1, r.Status)
		}
	}
	retryAfter(t, signIn(h, "operator@taiwa.example", "operator-pass-2026", attacker...), 15*time.Minute, start)
	if r := signIn(h, "OPERATOR@taiwa.example", "operator-pass-2026", attacker...); r.Status != http.StatusTooManyRequests {
		t.Fatalf("the same account spelt in capitals from the attacker: %d, want 429", r.Status)
	}
	for _, owner := range [][]string{{"X-Forwarded-For", "198.51.100.7"}, {}} {
		if r := signIn(h, "operator@taiwa.example", "operator-pass-2026", owner...); r.Status != http.StatusOK {
			t.Fatalf("the owner from another address (%v): %d, want 200: %s", owner, r.Status, r.Body)
		}
	}
	// A right password gives back the place its attempt took: the owner's
	// own sign-ins never add up to a lock.
	for i := range 12 {
		if r := signIn(h, "operator@taiwa.example", "operator-pass-2026", "X-Forwarded-For", "198.51.100.7"); r.Status != http.StatusOK {
			t.Fatalf("owner's sign-in %d: %d, want 200", i+1, r.Status)
		}
	}
}

// TestTheMailedResetLinkLiftsTheLock: an owner who shares the attacker's
// address (one office NAT) and is locked there asks for the reset mail;
// the link from the SMTP sink sets a new password and lifts the lock on
// the account from every address, once.
func TestTheMailedResetLinkLiftsTheLock(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) { c.TrustedProxies = "127.0.0.1" }})
	h.CreateUser(account.NewUser{Email: "a@taiwa.example", Name: "A", Role: auth.RoleOperator, Password: "correct-horse-2026"})
	for _, addr := range []string{"203.0.113.1", "203.0.113.2"} {
		for i := range 5 {
			if r := signIn(h, "a@taiwa.example", fmt.Sprintf("wrong-%d-password", i), "X-Forwarded-For", addr); r.Status != http.StatusUnauthorized {
				t.Fatalf("wrong password %d from %s: %d", i+1, addr, r.Status)
			}
		}
		if r := signIn(h, "a@taiwa.example", "correct-horse-2026", "X-Forwarded-For", addr); r.Status != http.StatusTooManyRequests {
			t.Fatalf("right password from the locked %s: %d, want 429", addr, r.Status)
		}
	}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/password-reset", map[string]string{"email": "a@taiwa.example"}, nil); st != http.StatusAccepted {
		t.Fatalf("reset request: %d", st)
	}
	h.DrainOutbox()
	link := invitationLink(t, h, "a@taiwa.example")
	token := link[strings.Index(link, "token=")+6:]
	if st := h.Anonymous().Do("POST", "/api/v1/auth/password", map[string]string{"token": token, "password": "new-horse-2026"}, nil); st != http.StatusOK {
		t.Fatalf("set password with the mailed link: %d", st)
	}
	for _, addr := range []string{"203.0.113.1", "203.0.113.2"} {
		if r := signIn(h, "a@taiwa.example", "new-horse-2026", "X-Forwarded-For", addr); r.Status != http.StatusOK {
			t.Fatalf("after the reset, from %s: %d, want 200", addr, r.Status)
		}
	}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/password", map[string]string{"token": token, "password": "third-horse-2026"}, nil); st != http.StatusUnprocessableEntity {
		t.Fatalf("the link used twice: %d, want 422", st)
	}
}
