package web_test

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/apptest"
)

// newChrome gives one test a tab of its own in a headless Chromium, or
// skips (fails on CI) when the machine has none. Tests without flags of
// their own share one browser per test binary, each in a browser context
// of its own (its own cookies and storage, like a fresh profile), which
// spares a browser start per test; extra flags (the video room's fake
// camera) start a browser for the test alone. The returned context ends
// with the test, a little before go test's own -timeout, so every wait in
// the journey is bounded by the test and not by a window of its own: a
// busy machine makes a journey slower, never wrong.
func newChrome(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	var tab context.Context
	if len(extra) == 0 {
		browser := sharedChrome(t)
		var cancel context.CancelFunc
		tab, cancel = chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
	} else {
		tab = startChrome(t, extra...)
	}
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	ctx, cancel := untilTestDeadline(t, tab)
	t.Cleanup(cancel)
	t.Cleanup(func() {
		if t.Failed() {
			lastShot(t, ctx)
		}
	})
	return ctx
}

// chromeOptions are the flags every test browser starts with.
func chromeOptions(t testing.TB) []chromedp.ExecAllocatorOption {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		const install = "no chromium: install chromium-headless-shell (apt-get install chromium-headless-shell)"
		if os.Getenv("CI") == "true" {
			t.Fatal(install)
		}
		t.Skip(install + " to run the browser tests")
	}
	return []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.Flag("lang", "ja-JP"),
		chromedp.WindowSize(1280, 900),
	}
}

// chromiumPath is the browser the tests drive, best first: Chromium's
// headless shell (the same Blink and V8 without the desktop browser around
// them: about a third less CPU for the same journeys), else Chromium, else
// "".
func chromiumPath() string {
	for _, name := range []string{"chromium-headless-shell", "chromium"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// startChrome starts a browser of the test's own, with a fresh profile,
// that ends with the test, and returns its first tab.
func startChrome(t testing.TB, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	opts := append(chromeOptions(t), chromedp.UserDataDir(t.TempDir()))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, extra...)...)
	bctx, cancelBrowser := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	return bctx
}

// sharedBrowser is the test binary's shared Chromium, started by the first test
// that asks and stopped by TestMain.
var sharedBrowser struct {
	once   sync.Once
	ctx    context.Context
	err    error
	dir    string
	cancel func()
}

// sharedChrome returns the shared browser's context, starting it first.
func sharedChrome(t testing.TB) context.Context {
	t.Helper()
	opts := chromeOptions(t) // skips or fails here without a browser
	sharedBrowser.once.Do(func() {
		if sharedBrowser.dir, sharedBrowser.err = os.MkdirTemp("", "taiwa-chromium-"); sharedBrowser.err != nil {
			return
		}
		actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append(opts, chromedp.UserDataDir(sharedBrowser.dir))...)
		bctx, cancelBrowser := chromedp.NewContext(actx)
		sharedBrowser.ctx, sharedBrowser.cancel = bctx, func() { cancelBrowser(); cancelAlloc() }
		sharedBrowser.err = chromedp.Do(bctx)
	})
	if sharedBrowser.err != nil {
		t.Fatalf("start the shared chromium: %v", sharedBrowser.err)
	}
	return sharedBrowser.ctx
}

// stopSharedChrome ends the shared browser, if one started.
func stopSharedChrome() {
	if sharedBrowser.cancel != nil {
		sharedBrowser.cancel()
	}
	if sharedBrowser.dir != "" {
		_ = os.RemoveAll(sharedBrowser.dir)
	}
}

// untilTestDeadline is parent bounded by t's deadline (go test -timeout),
// less a minute so that a stuck wait fails the test with its own message
// instead of the whole binary panicking.
func untilTestDeadline(t testing.TB, parent context.Context) (context.Context, context.CancelFunc) {
	if d, ok := t.(interface{ Deadline() (time.Time, bool) }); ok {
		if dl, ok := d.Deadline(); ok {
			return context.WithDeadline(parent, dl.Add(-time.Minute))
		}
	}
	return context.WithCancel(parent)
}

// artifactDir is test-artifacts/ at the repository root (gitignored).
func artifactDir(t testing.TB) string {
	t.Helper()
	dir, err := filepath.Abs("../../test-artifacts")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

// screenshot saves a full-page PNG for a person to look at, when
// TAIWA_SCREENSHOTS is set (`make screenshots`): encoding hundreds of
// full pages is a good part of the browser's work in a run, and a failing
// test saves its last page anyway (lastShot).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	if os.Getenv("TAIWA_SCREENSHOTS") == "" {
		return
	}
	saveShot(t, ctx, name, chromedp.FullScreenshot(100))
}

// lastShot saves the page a failed test ended on, as
// test-artifacts/failed-<test>.png, when the browser still answers.
func lastShot(t testing.TB, ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("no screenshot of the last page: %v", err)
		return
	}
	path := filepath.Join(artifactDir(t), "failed-"+strings.ReplaceAll(t.Name(), "/", "_")+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Logf("no screenshot of the last page: %v", err)
		return
	}
	t.Logf("the last page: %s", path)
}

// saveShot takes a screenshot with shot and saves it under name.
func saveShot(t testing.TB, ctx context.Context, name string, shot chromedp.Action[[]byte]) {
	t.Helper()
	png, err := chromedp.Run(ctx, shot)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(artifactDir(t), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// do runs steps one by one. A step whose node went stale between the
// query and the action (the page or a fragment was replaced in between:
// "Could not find node with given id") did not act, and runs again,
// querying afresh.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	for _, step := range steps {
		err := chromedp.Do(ctx, step)
		for range 3 {
			if err == nil || !staleNode(err) {
				break
			}
			err = chromedp.Do(ctx, step)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// staleNode reports whether Chromium refused an action because the node it
// was given no longer exists.
func staleNode(err error) bool {
	m := err.Error()
	return strings.Contains(m, "Could not find node with given id") || strings.Contains(m, "No node with given id found")
}

func text(t *testing.T, ctx context.Context, css string) string {
	t.Helper()
	// Read it in one script, waiting until it exists: a node handle from a
	// query can go stale when the page is replaced between two protocol
	// calls ("No node with given id found").
	var s string
	waitFor(t, ctx, func() bool {
		v, err := chromedp.Run(ctx, chromedp.Evaluate[*string](fmt.Sprintf(`(() => { const e = document.querySelector(%q); return e ? e.innerText : null })()`, css)))
		if err != nil || v == nil {
			return false
		}
		s = *v
		return true
	})
	return s
}

func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// browserLogin signs in through the form; when the account owes a second
// factor it goes on like a person with an authenticator app: enrolling on
// the enrolment page (the harness keeps the secret it shows) and leaving
// the recovery codes page, or typing a fresh code.
func browserLogin(h *apptest.Harness, email, password string) chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Navigate(h.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), password),
		chromedp.Submit(chromedp.CSS(`#password`)),
		chromedp.WaitReady(chromedp.CSS(`body`)),
		chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			return browserSecondFactor(ctx, h, email)
		}),
	)
}

// browserSecondFactor answers the second step if the browser is on it.
func browserSecondFactor(ctx context.Context, h *apptest.Harness, email string) error {
	// The password's answer may still be loading: wait for a page that is
	// not the sign-in form being submitted.
	loc, err := waitPastLogin(ctx)
	if err != nil {
		return err
	}
	switch {
	case strings.Contains(loc, "/login/mfa/enrol"):
		secret, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#totp-secret`)))
		if err != nil {
			return err
		}
		h.RememberTOTP(email, strings.ReplaceAll(strings.TrimSpace(secret), " ", ""))
		if err := chromedp.Do(ctx,
			chromedp.SendKeys(chromedp.CSS(`#code`), h.TOTPCode(email)),
			chromedp.Submit(chromedp.CSS(`#code`)),
			chromedp.WaitVisible(chromedp.CSS(`#recovery-continue`)),
		); err != nil {
			return err
		}
		codes, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(`#recovery-codes`)))
		if err != nil {
			return err
		}
		h.RememberRecoveryCodes(email, strings.Fields(codes))
		return chromedp.Do(ctx,
			chromedp.Click(chromedp.CSS(`#recovery-continue`)),
			waitPastSecondFactor(),
		)
	case strings.Contains(loc, "/login/mfa"):
		return chromedp.Do(ctx,
			chromedp.WaitVisible(chromedp.CSS(`#code`)),
			chromedp.SendKeys(chromedp.CSS(`#code`), h.SecondFactorCode(email)),
			chromedp.Submit(chromedp.CSS(`#code`)),
			waitPastSecondFactor(),
		)
	}
	return nil
}

// waitPastSecondFactor waits until the page the second step leads to has
// loaded (or the step's form shows an error): until then the submitted
// form's navigation is in flight, and a navigation of the test's own would
// abort it or be aborted by it (net::ERR_ABORTED).
func waitPastSecondFactor() chromedp.Action[chromedp.Void] {
	return waitScript(`(!location.pathname.startsWith("/login") && `+settledScript+`) || `+formErrorScript,
		"the page after the second step")
}

// waitPastLogin waits until the browser has left /login (or shows the
// form again with an error) and returns where it is.
func waitPastLogin(ctx context.Context) (string, error) {
	if err := chromedp.Do(ctx, waitScript(`location.pathname !== "/login" || `+formErrorScript, "the page after the password")); err != nil {
		return "", err
	}
	return chromedp.Run(ctx, chromedp.Location())
}

// formErrorScript is true when the page shows a form again with an error.
const formErrorScript = `!!document.querySelector(".form-error, [aria-invalid]")`

// TestBrowserAdminImportsRoster is the company admin's journey: sign in,
// land on the company page, open the roster, upload a CSV with three good
// lines and one bad one, and see both the line error and the new people.
func TestBrowserAdminImportsRoster(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	f := newCompany(t, h)
	csvPath := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(csvPath, []byte(rosterCSV), 0o600); err != nil {
		t.Fatal(err)
	}

	do(t, ctx, browserLogin(h, f.AdminEmail, f.AdminPass), chromedp.WaitVisible(chromedp.CSS(`.stat-grid`)))
	if u, h1 := location(t, ctx), text(t, ctx, "h1"); !strings.HasSuffix(u, "/company") || h1 != "テスト商事" {
		t.Fatalf("after sign-in: %s, heading %q", u, h1)
	}
	screenshot(t, ctx, "company.png")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/company/employees"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{csvPath}),
		chromedp.Click(chromedp.CSS(`.import-card button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#import-result .result`)),
		chromedp.WaitVisible(chromedp.CSS(`#roster table`)),
	)
	result, roster := text(t, ctx, "#import-result"), text(t, ctx, "#roster")
	for _, want := range []string{"新規 3 名", "2 行目：", "メールアドレスの形式が正しくありません"} {
		if !strings.Contains(result, want) {
			t.Errorf("import result lacks %q:\n%s", want, result)
		}
	}
	for _, want := range []string{"佐藤 健", "鈴木 美咲", "田中 一郎", "営業部 / 東京支店", "3 名"} {
		if !strings.Contains(roster, want) {
			t.Errorf("roster lacks %q:\n%s", want, roster)
		}
	}
	if strings.Contains(roster, "不正 太郎") {
		t.Error("the bad line was saved")
	}
	if u := location(t, ctx); !strings.HasSuffix(u, "/company/employees") {
		t.Errorf("htmx upload navigated to %s", u)
	}
	screenshot(t, ctx, "roster-import.png")

	// Search through htmx narrows the table and updates the address.
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`input[name="q"]`), "鈴木"),
		chromedp.Submit(chromedp.CSS(`input[name="q"]`)),
		chromedp.WaitNotPresent(chromedp.Search(`//td[text()="佐藤 健"]`)),
	)
	roster = text(t, ctx, "#roster")
	if u := location(t, ctx); !strings.Contains(roster, "鈴木 美咲") || strings.Contains(roster, "田中 一郎") || !strings.Contains(u, "q=") {
		t.Errorf("search: %s\n%s", u, roster)
	}
}

// TestBrowserLanguageSwitch switches to English and back in the browser.
func TestBrowserLanguageSwitch(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	f := newCompany(t, h)
	do(t, ctx,
		browserLogin(h, f.AdminEmail, f.AdminPass),
		chromedp.WaitVisible(chromedp.CSS(`.stat-grid`)),
		chromedp.Click(chromedp.CSS(`form[action="/lang"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] .stat-grid`)),
	)
	if nav := text(t, ctx, ".nav-links"); !strings.Contains(nav, "Employees") || strings.Contains(nav, "従業員名簿") {
		t.Errorf("English navigation: %q", nav)
	}
	screenshot(t, ctx, "company-en.png")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/lang"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="ja"] .stat-grid`)),
	)
	if nav := text(t, ctx, ".nav-links"); !strings.Contains(nav, "従業員名簿") {
		t.Errorf("Japanese navigation: %q", nav)
	}
}

// TestBrowserAccessControl: anonymous users are sent to sign in; an
// employee opening an operator page sees the 403 page.
func TestBrowserAccessControl(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	f := newCompany(t, h)
	f.employee("emp1@test-shoji.example")
	do(t, ctx, chromedp.Navigate(h.URL+"/company/employees"), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	if u := location(t, ctx); !strings.Contains(u, "/login?next=") {
		t.Errorf("anonymous roster went to %s", u)
	}
	screenshot(t, ctx, "login.png")
	do(t, ctx, browserLogin(h, "emp1@test-shoji.example", "employee-pass-2026"), chromedp.WaitVisible(chromedp.CSS(`.hero`)))
	screenshot(t, ctx, "employee-home.png")
	do(t, ctx, chromedp.Navigate(h.URL+"/operator/companies"), chromedp.WaitVisible(chromedp.CSS(`.error-card`)))
	if title := text(t, ctx, ".error-card h1"); title != "アクセス権限がありません" {
		t.Errorf("403 page title %q", title)
	}
}

// TestBrowserOperatorPages takes screenshots of the operator's pages.
func TestBrowserOperatorPages(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	newCompany(t, h)
	do(t, ctx, browserLogin(h, "operator@taiwa.example", "operator-pass-2026"), chromedp.WaitVisible(chromedp.CSS(`.companies-table`)))
	if s := text(t, ctx, ".companies-table"); !strings.Contains(s, "テスト商事") {
		t.Errorf("companies table: %q", s)
	}
	screenshot(t, ctx, "operator-companies.png")
}

// noSideScroll fails when the page is wider than the window, or than
// width (a phone's layout viewport grows to fit a page too wide for it).
func noSideScroll[W int | int64](t *testing.T, ctx context.Context, page string, width W) {
	t.Helper()
	w := evaluate[int](t, ctx, `document.documentElement.scrollWidth`)
	if over := evaluate[bool](t, ctx, `document.documentElement.scrollWidth > window.innerWidth`); over || int64(w) > int64(width) {
		t.Errorf("%s scrolls sideways: %d px wide", page, w)
	}
}
