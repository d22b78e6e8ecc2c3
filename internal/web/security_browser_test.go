package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// TestBrowserTOTPEnrolmentAndSignIn: in Chromium, an operator's first
// sign-in shows the QR code and key, takes a computed code, shows the
// recovery codes and lands on the operator's home; after signing out, the
// next sign-in asks for a code and takes a fresh one.
func TestBrowserTOTPEnrolmentAndSignIn(t *testing.T) {
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
