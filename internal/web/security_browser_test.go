package web_test

import (
	"context"
	"strings"
	"testing"

	cdpwebauthn "github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// TestBrowserTOTPEnrolmentAndSignIn: in Chromium, an operator's first
// sign-in shows the QR code and key, takes a computed code, shows the
// recovery codes and lands on the operator's home; after signing out, the
// next sign-in asks for a code and takes a fresh one.
func TestBrowserTOTPEnrolmentAndSignIn(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	h.CreateUser(account.NewUser{Email: "op@taiwa.example", Name: "運営 太郎", Role: auth.RoleOperator, Password: "operator-pass-2026"})
	do(t, ctx,
		chromedp.Navigate(h.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "op@taiwa.example"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "operator-pass-2026"),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`#totp-qr`)),
	)
	// The QR code is an image the browser decoded (not a broken one).
	w, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelector('#totp-qr').naturalWidth`))
	if err != nil || w < 100 {
		t.Fatalf("QR image width %d: %v", w, err)
	}
	screenshot(t, ctx, "totp-enrol.png")
	secret := strings.ReplaceAll(strings.TrimSpace(text(t, ctx, "#totp-secret")), " ", "")
	h.RememberTOTP("op@taiwa.example", secret)
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#code`), h.TOTPCode("op@taiwa.example")),
		chromedp.Submit(chromedp.CSS(`#code`)),
		chromedp.WaitVisible(chromedp.CSS(`#recovery-codes`)),
	)
	if codes := text(t, ctx, "#recovery-codes"); strings.Count(codes, "-") != 10 {
		t.Fatalf("recovery codes: %q", codes)
	}
	screenshot(t, ctx, "totp-recovery-codes.png")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#recovery-continue`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
	)
	if u := location(t, ctx); !strings.HasSuffix(u, "/operator/companies") {
		t.Fatalf("after enrolment: %s", u)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "op@taiwa.example"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "operator-pass-2026"),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login/mfa"] #code`)),
	)
	screenshot(t, ctx, "totp-code.png")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#code`), h.TOTPCode("op@taiwa.example")),
		chromedp.Submit(chromedp.CSS(`#code`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
	)
	if u := location(t, ctx); !strings.HasSuffix(u, "/operator/companies") {
		t.Fatalf("after the code: %s", u)
	}
}

// virtualAuthenticator gives the page's browser a platform authenticator
// (CTAP2, internal transport, resident keys, user verification that
// succeeds) through DevTools' WebAuthn domain.
func virtualAuthenticator(t *testing.T, ctx context.Context) {
	t.Helper()
	do(t, ctx, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		if _, err := chromedp.Call(ctx, cdpwebauthn.Enable, cdpwebauthn.EnableParams{}); err != nil {
			return err
		}
		_, err := chromedp.Call(ctx, cdpwebauthn.AddVirtualAuthenticator, cdpwebauthn.AddVirtualAuthenticatorParams{
			Options: &cdpwebauthn.VirtualAuthenticatorOptions{
				Protocol: cdpwebauthn.AuthenticatorProtocolCtap2, Ctap2version: cdpwebauthn.Ctap2versionCtap21,
				Transport: cdpwebauthn.AuthenticatorTransportInternal, HasResidentKey: true,
				HasUserVerification: true, IsUserVerified: true, AutomaticPresenceSimulation: true,
			},
		})
		return err
	}))
}

// TestBrowserPasskeyRegistrationAndSignIn: in Chromium with a virtual
// authenticator, an operator registers a passkey on the security page and
// then answers the second step of sign-in with it. WebAuthn needs a domain
// name, so this server's base URL is http://localhost:port.
func TestBrowserPasskeyRegistrationAndSignIn(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) {
		c.BaseURL = strings.Replace(c.BaseURL, "127.0.0.1", "localhost", 1)
	}})
	h.CreateUser(account.NewUser{Email: "op@taiwa.example", Name: "運営 太郎", Role: auth.RoleOperator, Password: "operator-pass-2026"})
	do(t, ctx, browserLogin(h, "op@taiwa.example", "operator-pass-2026")) // enrols TOTP first
	virtualAuthenticator(t, ctx)
	do(t, ctx,
		chromedp.Navigate(h.URL+"/account/security"),
		chromedp.WaitVisible(chromedp.CSS(`#passkey-add`)),
		chromedp.SetValue(chromedp.CSS(`#passkey-name`), "テスト端末"),
		chromedp.Click(chromedp.CSS(`#passkey-add`)),
		chromedp.WaitVisible(chromedp.CSS(`#passkeys`)),
	)
	if names := text(t, ctx, "#passkeys"); !strings.Contains(names, "テスト端末") {
		t.Fatalf("passkeys: %q", names)
	}
	screenshot(t, ctx, "passkey-registered.png")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), "op@taiwa.example"),
		chromedp.SendKeys(chromedp.CSS(`#password`), "operator-pass-2026"),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitVisible(chromedp.CSS(`#passkey-signin`)),
	)
	screenshot(t, ctx, "passkey-signin.png")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#passkey-signin`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
	)
	if u := location(t, ctx); !strings.HasSuffix(u, "/operator/companies") {
		t.Fatalf("after the passkey: %s", u)
	}
	var used int
	if err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(context.Background(), &used, `SELECT count(*) FROM audit_log WHERE action = 'auth.login' AND details->>'mfa' = 'webauthn'`)
	}); err != nil || used != 1 {
		t.Fatalf("passkey sign-ins audited: %d %v", used, err)
	}
}
