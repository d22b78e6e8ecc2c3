package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
)

// evalString runs a script answering a string.
func evalString(t *testing.T, ctx context.Context, js string) string {
	t.Helper()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return s
}

// waitTrue waits until the script answers true, across page loads (an
// answer lost to a navigation is asked again); the test's context bounds
// the wait.
func waitTrue(js string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		for {
			ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](js))
			if err == nil && ok {
				return nil
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("waiting for %s: %w (last error %v)", js, ctx.Err(), err)
			case <-time.After(100 * time.Millisecond):
			}
		}
	})
}

func clearCookies() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, network.ClearBrowserCookies, cdp.Empty{})
		return err
	})
}

// TestBrowserSkipLinkMenuAndFavicon: the first Tab reaches 本文へスキップ,
// which moves focus to the main content; on a phone the navigation is
// behind a menu button that opens from the keyboard; the favicon answers.
func TestBrowserSkipLinkMenuAndFavicon(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	f := newCompany(t, h)

	do(t, ctx, chromedp.EmulateViewport(1366, 900), browserLogin(h, f.AdminEmail, f.AdminPass), chromedp.WaitVisible(chromedp.CSS(`.stat-grid`)))
	do(t, ctx, chromedp.KeyEvent(kb.Tab))
	if got := evalString(t, ctx, `document.activeElement.className + "|" + document.activeElement.textContent`); got != "skip-link|本文へスキップ" {
		t.Fatalf("first Tab reached %q, want the skip link", got)
	}
	if top := evalString(t, ctx, `String(document.activeElement.getBoundingClientRect().top >= 0)`); top != "true" {
		t.Error("the focused skip link is off screen")
	}
	do(t, ctx, chromedp.KeyEvent(kb.Enter), waitTrue(`document.activeElement.id === "main"`))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/company#main") {
		t.Errorf("after the skip link: %s", loc)
	}
	// Wide: the links are in the bar, the menu button is not.
	if got := evalString(t, ctx, `[getComputedStyle(document.querySelector(".nav-toggle")).display, String(document.querySelector('nav a[href="/company/employees"]').checkVisibility())].join()`); got != "none,true" {
		t.Errorf("at 1366 px (menu button display, link shown) = %s", got)
	}

	// A phone: the links wait behind the menu button, which Enter opens.
	do(t, ctx, chromedp.EmulateViewport(390, 844), chromedp.Navigate(h.URL+"/company"), chromedp.WaitVisible(chromedp.CSS(`.nav-toggle`)))
	if vis := evalString(t, ctx, `String(document.querySelector('nav a[href="/company/employees"]').checkVisibility())`); vis != "false" {
		t.Error("at 390 px the navigation shows before the menu is opened")
	}
	screenshot(t, ctx, "menu-closed-390.png")
	do(t, ctx,
		chromedp.Focus(chromedp.CSS(`.nav-toggle`)),
		chromedp.KeyEvent(kb.Enter),
		chromedp.WaitVisible(chromedp.CSS(`nav a[href="/company/employees"]`)),
	)
	if over := evalString(t, ctx, overflowScript); over != "" {
		t.Errorf("the open menu is wider than the phone: %s", over)
	}
	screenshot(t, ctx, "menu-open-390.png")
	do(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/company/employees"]`)), chromedp.WaitVisible(chromedp.CSS(`#file`)))

	// The favicon the layout links answers 200 with an icon.
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('link[rel="icon"]').href).then(r => r.status + " " + r.headers.get("Content-Type"))
		.then(a => fetch("/favicon.ico").then(r => a + "|" + r.status + " " + r.headers.get("Content-Type")))`, chromedp.EvalAwaitPromise))
	if err != nil || s != "200 image/x-icon|200 image/x-icon" {
		t.Errorf("favicon (linked | /favicon.ico): %q, %v", s, err)
	}
}

// TestBrowserSignInAgainFromAFragmentGoesToItsPage: when a session ends
// while a page loads a piece of itself with htmx, signing in again goes
// back to the whole page, not to the bare piece; an old sign-in link whose
// next is a fragment does the same.
func TestBrowserSignInAgainFromAFragmentGoesToItsPage(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	f := newCompany(t, h)
	const email, pass = "shain@test-shoji.example", "employee-pass-2026"
	f.employee(email)
	signIn := chromedp.Steps(
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		chromedp.SendKeys(chromedp.CSS(`#email`), email),
		chromedp.SendKeys(chromedp.CSS(`#password`), pass),
		chromedp.Submit(chromedp.CSS(`#password`)),
	)
	wholeHome := chromedp.Steps(
		waitTrue(`location.pathname === "/employee" && document.readyState === "complete"`),
		chromedp.WaitVisible(chromedp.CSS(`header.site-header`)),
		chromedp.WaitVisible(chromedp.CSS(`main h1`)),
	)

	do(t, ctx, browserLogin(h, email, pass), wholeHome)
	// The session ends; the page then asks for its programme card.
	do(t, ctx, clearCookies(),
		chromedp.Evaluate[chromedp.Void](`htmx.ajax("GET", "/programmes/card", {target: "main", swap: "beforeend"})`),
		waitTrue(`location.pathname === "/login"`),
	)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/login?next=%2Femployee") {
		t.Errorf("the fragment's sign-in: %s, want next=/employee", loc)
	}
	do(t, ctx, signIn, wholeHome)

	// A sign-in link made before this fix still names the fragment.
	do(t, ctx, clearCookies(), chromedp.Navigate(h.URL+"/login?next=%2Fprogrammes%2Fcard"), signIn, wholeHome)
	screenshot(t, ctx, "fragment-sign-in.png")
}

// TestBrowserSearchNextMovesFocusToTheResults: on a phone, "next" under
// the search results swaps them with htmx; focus goes to the results'
// heading, which is scrolled into view, so a keyboard or screen-reader
// user starts reading page 2 at its top.
func TestBrowserSearchNextMovesFocusToTheResults(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := newDemoHarness(t)
	do(t, ctx, chromedp.EmulateViewport(390, 844),
		browserLogin(h, "emp0002@sample-shoji.example", demo.Password),
		chromedp.Navigate(h.URL+"/counselors"),
		chromedp.WaitVisible(chromedp.CSS(`#results-heading`)),
	)
	// The filters wait in a closed drawer: the results come first.
	if open := evalString(t, ctx, `String(document.querySelector(".filters-drawer").open)`); open != "false" {
		t.Error("the filter drawer is open on a phone")
	}
	if y := evalString(t, ctx, `String(document.querySelector("#results-heading").getBoundingClientRect().top < window.innerHeight)`); y != "true" {
		t.Error("the results do not start on the first screen")
	}
	next := `.pager a[href="/counselors?page=2"]`
	do(t, ctx,
		chromedp.Focus(chromedp.CSS(next)),
		chromedp.KeyEvent(kb.Enter),
		waitTrue(`location.search === "?page=2" && !document.querySelector(".htmx-request") && document.activeElement && document.activeElement.id === "results-heading"`),
	)
	if got := evalString(t, ctx, `(() => { const r = document.activeElement.getBoundingClientRect(); return String(r.top >= 0 && r.bottom <= window.innerHeight); })()`); got != "true" {
		t.Error("the focused results heading is not in view")
	}
	if p := text(t, ctx, ".pager"); !strings.Contains(p, "2 / 17") {
		t.Errorf("pager after next: %q", p)
	}
	screenshot(t, ctx, "search-next-390.png")
	// Typing in the search box refreshes the results but leaves focus there.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#q`)),
		chromedp.SendKeys(chromedp.CSS(`#q`), "キャリア"),
		waitTrue(`location.search.includes("q=") && !document.querySelector(".htmx-request")`),
	)
	if id := evalString(t, ctx, `document.activeElement.id`); id != "q" {
		t.Errorf("after typing, focus is on %q, want the search box", id)
	}
}
