package web_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
)

// axeSource is axe-core (testdata/axe/README.md says which version), put
// into each page the all-pages test checks; the application never serves it.
//
//go:embed testdata/axe/axe.min.js
var axeSource string

// pageCheck is one page of the all-pages check: who looks at it and where.
// A page whose address holds an id the demo made (an invoice, a session)
// is reached by following the first link matching Link on the page Path.
type pageCheck struct {
	Role string // a key of pageRoles; "" is a visitor who is not signed in
	Name string // the screenshot's name: test-artifacts/<role>-<name>-<width>.png
	Path string // the page to check, or the page holding Link
	Link string // CSS selector of a link on Path to follow, if any
	Then string // added to the followed link's address (its page's sub-page)
}

// pagesOnly narrows TestBrowserEveryPage to the pages whose "<role>-<name>"
// contains one of its comma-separated words (e.g. -pages=hr-,operator-audit),
// to recheck a fix.
var pagesOnly = flag.String("pages", "", "TestBrowserEveryPage checks only pages whose <role>-<name> contains one of these comma-separated words")

// pageChosen reports whether -pages lets the page be checked.
func pageChosen(id string) bool {
	if *pagesOnly == "" {
		return true
	}
	for w := range strings.SplitSeq(*pagesOnly, ",") {
		if w != "" && strings.Contains(id, w) {
			return true
		}
	}
	return false
}

// pageRoles are the demo logins the check signs in as (README's demo
// logins).
var pageRoles = map[string]string{
	"employee":  "emp0002@sample-shoji.example",
	"counselor": "counselor001@taiwa.example",
	"hr":        "hr@sample-shoji.example",
	"operator":  "operator@taiwa.example",
}

// everyPage is the table of main pages; a slice that builds a page adds
// its row here, and the page is then checked for overflow and axe-core
// violations at both widths.
var everyPage = []pageCheck{
	{Role: "", Name: "login", Path: "/login"},
	{Role: "", Name: "password-forgot", Path: "/password/forgot"},
	{Role: "", Name: "not-found", Path: "/no-such-page"},

	{Role: "employee", Name: "home", Path: "/employee"},
	{Role: "employee", Name: "recommendations", Path: "/recommendations"},
	{Role: "employee", Name: "fit", Path: "/fit-profile"},
	{Role: "employee", Name: "search", Path: "/counselors"},
	{Role: "employee", Name: "counselor", Path: "/counselors", Link: `.counselor-card .card-name a`},
	{Role: "employee", Name: "book", Path: "/counselors", Link: `.counselor-card .card-name a`, Then: "/book"},
	{Role: "employee", Name: "sessions", Path: "/sessions"},
	{Role: "employee", Name: "session", Path: "/sessions", Link: `a[href^="/sessions/"]`},
	{Role: "employee", Name: "session-cancel", Path: "/sessions", Link: `a.session-when`, Then: "/cancel"},
	{Role: "employee", Name: "session-reschedule", Path: "/sessions", Link: `a.session-when`, Then: "/reschedule"},
	{Role: "employee", Name: "feedback", Path: "/sessions", Link: `a.session-when`, Then: "/feedback"},
	{Role: "employee", Name: "programmes", Path: "/programmes"},
	{Role: "employee", Name: "privacy", Path: "/me/privacy"},
	{Role: "employee", Name: "activity", Path: "/me/activity"},
	{Role: "employee", Name: "security", Path: "/account/security"},
	{Role: "employee", Name: "settings", Path: "/account/settings"},
	{Role: "employee", Name: "search-understood", Path: "/counselors?q=%E5%A5%B3%E6%80%A7%20%E8%BB%A2%E8%81%B7"},
	{Role: "employee", Name: "search-nobody", Path: "/counselors?q=%E5%A5%B3%E6%80%A7%20%E7%94%B7%E6%80%A7"},

	{Role: "counselor", Name: "home", Path: "/counselor"},
	{Role: "counselor", Name: "profile", Path: "/counselor/profile"},
	{Role: "counselor", Name: "credentials", Path: "/counselor/credentials"},
	{Role: "counselor", Name: "availability", Path: "/counselor/availability"},
	{Role: "counselor", Name: "sessions", Path: "/counselor/sessions"},
	{Role: "counselor", Name: "record", Path: "/counselor/sessions", Link: `a[href$="/record"]`},
	{Role: "counselor", Name: "earnings", Path: "/counselor/earnings"},
	{Role: "counselor", Name: "fit", Path: "/counselor/fit-profile"},

	{Role: "hr", Name: "company", Path: "/company"},
	{Role: "hr", Name: "employees", Path: "/company/employees"},
	{Role: "hr", Name: "invoices", Path: "/company/invoices"},
	{Role: "hr", Name: "invoice", Path: "/company/invoices", Link: `a[href^="/company/invoices/"]`},
	{Role: "hr", Name: "usage", Path: "/company/usage"},
	{Role: "hr", Name: "programmes", Path: "/company/programmes"},
	{Role: "hr", Name: "programme", Path: "/company/programmes", Link: `a[href^="/company/programmes/"]`},
	{Role: "hr", Name: "reports", Path: "/company/reports"},
	{Role: "hr", Name: "shared", Path: "/company/shared"},

	{Role: "operator", Name: "companies", Path: "/operator/companies"},
	{Role: "operator", Name: "contract", Path: "/operator/companies", Link: `a[href$="/contract"]`},
	{Role: "operator", Name: "counselors", Path: "/operator/counselors"},
	{Role: "operator", Name: "counselor", Path: "/operator/counselors", Link: `a[href^="/operator/counselors/"]`},
	{Role: "operator", Name: "users", Path: "/operator/users"},
	{Role: "operator", Name: "billing", Path: "/operator/billing"},
	{Role: "operator", Name: "invoice", Path: "/operator/billing", Link: `a[href^="/operator/invoices/"]`},
	{Role: "operator", Name: "plans", Path: "/operator/plans"},
	{Role: "operator", Name: "alerts", Path: "/operator/alerts"},
	{Role: "operator", Name: "alert", Path: "/operator/alerts", Link: `a[href^="/operator/alerts/"]`},
	{Role: "operator", Name: "noshows", Path: "/operator/no-shows"},
	{Role: "operator", Name: "audit", Path: "/operator/audit"},
	{Role: "operator", Name: "mail", Path: "/operator/mail"},
	{Role: "operator", Name: "user-confirm", Path: "/operator/users", Link: `a[href$="/disable"]`},
	{Role: "operator", Name: "security", Path: "/account/security"},
	{Role: "operator", Name: "reviews", Path: "/operator/reviews"},
}

// pageWidths are the two screens every page is checked on.
var pageWidths = []struct{ W, H int64 }{{1366, 900}, {390, 844}}

// TestBrowserEveryPage signs in as each role of the demo and checks every
// page of everyPage at 1366×900 and 390×844: the page is no wider than the
// window, axe-core finds no violation, and a screenshot is saved.
func TestBrowserEveryPage(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := newDemoHarness(t)
	var failures []string
	for _, role := range []string{"", "employee", "counselor", "hr", "operator"} {
		do(t, ctx, clearCookies())
		if role != "" {
			do(t, ctx, browserLogin(h, pageRoles[role], demo.Password))
		}
		who := role
		if who == "" {
			who = "visitor"
		}
		for _, p := range everyPage {
			if p.Role != role || !pageChosen(who+"-"+p.Name) {
				continue
			}
			for _, w := range pageWidths {
				if msg := checkPage(t, ctx, h, p, who, w.W, w.H); msg != "" {
					failures = append(failures, msg)
				}
			}
		}
	}
	if len(failures) > 0 {
		t.Fatalf("%d page checks failed:\n\n%s", len(failures), strings.Join(failures, "\n\n"))
	}
}

// checkPage visits one page at one width and returns what is wrong with it
// ("" if nothing).
func checkPage(t *testing.T, ctx context.Context, h *apptest.Harness, p pageCheck, who string, w, ht int64) string {
	t.Helper()
	where := fmt.Sprintf("%s %s (%s) at %d px", who, p.Name, p.Path, w)
	do(t, ctx, chromedp.EmulateViewport(w, ht))
	target := h.URL + p.Path
	if p.Link != "" {
		do(t, ctx, chromedp.Navigate(target), waitSettled())
		href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`(document.querySelector(`+jsString(p.Link)+`) || {}).href || ""`))
		if err != nil {
			t.Fatal(err)
		}
		if href == "" {
			return where + ": no link " + p.Link + " on " + p.Path
		}
		target = href + p.Then
	}
	do(t, ctx, chromedp.Navigate(target), waitSettled())
	if loc := location(t, ctx); pathOf(loc) == "/login" && p.Role != "" {
		return where + ": sent to sign in (" + loc + ")"
	}
	var msgs []string
	over, err := chromedp.Run(ctx, chromedp.Evaluate[string](overflowScript))
	if err != nil {
		t.Fatal(err)
	}
	if over != "" {
		msgs = append(msgs, "wider than the window: "+over)
	}
	if v := axeViolations(t, ctx); v != "" {
		msgs = append(msgs, "axe-core:\n"+v)
	}
	screenshot(t, ctx, fmt.Sprintf("%s-%s-%d.png", who, p.Name, w))
	if len(msgs) == 0 {
		return ""
	}
	return where + ": " + strings.Join(msgs, "\n")
}

// waitSettled waits until the page has loaded and htmx has no request in
// flight (parts loaded after the page, such as a card, are in).
func waitSettled() chromedp.Action[chromedp.Void] {
	return waitScript(settledScript, "the page to settle")
}

// settledScript is true once the page has loaded and htmx has no request
// in flight.
const settledScript = `document.readyState === "complete" && !document.querySelector(".htmx-request")`

// overflowScript answers "" when the page is no wider than the window,
// else the widths and the elements that stick out.
const overflowScript = `(() => {
  const de = document.documentElement, w = window.innerWidth;
  if (de.scrollWidth <= w) return "";
  const out = [];
  for (const el of document.body.querySelectorAll("*")) {
    const r = el.getBoundingClientRect();
    if (r.right > w + 0.5 && r.width > 0) {
      let inner = false;
      for (const c of el.children) { if (c.getBoundingClientRect().right > w + 0.5) { inner = true; break; } }
      if (!inner) out.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "") + " right=" + Math.round(r.right));
    }
    if (out.length >= 8) break;
  }
  return "scrollWidth " + de.scrollWidth + " > innerWidth " + w + "; " + out.join(", ");
})()`

// axeViolations runs axe-core on the page and returns its violations, one
// rule a paragraph with the offending elements, or "".
func axeViolations(t *testing.T, ctx context.Context) string {
	t.Helper()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`window.axe ? 0 : (0, eval)(`+jsString(axeSource)+`)`)); err != nil {
		t.Fatalf("inject axe-core: %v", err)
	}
	out, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`axe.run(document, {resultTypes: ["violations"]}).then(r => r.violations.map(v =>
  "  [" + v.impact + "] " + v.id + ": " + v.help + " (" + v.helpUrl + ")\n" +
  v.nodes.slice(0, 6).map(n => "    " + JSON.stringify(n.target) + " " + n.html.slice(0, 160) + "\n      " + (n.failureSummary || "").replace(/\n/g, " ")).join("\n")))`,
		chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe-core: %v", err)
	}
	return strings.Join(out, "\n")
}

// jsString quotes s as a JavaScript string literal.
func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

func pathOf(loc string) string {
	u, err := url.Parse(loc)
	if err != nil {
		return loc
	}
	return u.Path
}

// newDemoHarness is a harness with the demo data seeded, its counsellors
// in the search index, and the second factor of every role in pageRoles
// remembered: the whole product as `make run` shows it.
func newDemoHarness(t *testing.T) *apptest.Harness {
	t.Helper()
	h := apptest.New(t, apptest.Options{Seed: &apptest.Demo})
	bg := context.Background()
	if _, err := h.App.Counselors.Reindex(bg); err != nil {
		t.Fatal(err)
	}
	for _, email := range pageRoles {
		h.RememberTOTP(email, demo.TOTPSecret)
	}
	return h
}
