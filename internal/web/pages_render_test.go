package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/demo"
)

// linkHref is the address of the first link on a page that the CSS
// selector of an everyPage row stands for ("" when there is none). Only
// the selector shapes the table uses are understood.
func linkHref(t *testing.T, body, selector string) string {
	t.Helper()
	var re *regexp.Regexp
	switch {
	case selector == `.counselor-card .card-name a`:
		re = regexp.MustCompile(`class="card-name"[^>]*>\s*<a[^>]*href="([^"]+)"`)
	case selector == `a.session-when`:
		re = regexp.MustCompile(`<a[^>]*class="session-when"[^>]*href="([^"]+)"|<a[^>]*href="([^"]+)"[^>]*class="session-when"`)
	case strings.HasPrefix(selector, `a[href^="`):
		re = regexp.MustCompile(`<a[^>]*href="(` + regexp.QuoteMeta(strings.TrimSuffix(strings.TrimPrefix(selector, `a[href^="`), `"]`)) + `[^"]*)"`)
	case strings.HasPrefix(selector, `a[href$="`):
		re = regexp.MustCompile(`<a[^>]*href="([^"]*` + regexp.QuoteMeta(strings.TrimSuffix(strings.TrimPrefix(selector, `a[href$="`), `"]`)) + `)"`)
	default:
		t.Fatalf("linkHref: selector %q not understood", selector)
	}
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	for _, g := range m[1:] {
		if g != "" {
			return strings.ReplaceAll(g, "&amp;", "&")
		}
	}
	return ""
}

// TestEveryPageRendersForItsRoleInBothLanguages fetches every page of
// everyPage over plain HTTP, as its role and in Japanese and English, and
// fails on a server error (or a 404 but for the missing page): a template
// that calls a method its page data does not have fails to execute and
// answers 500. (The booking form without a slot is a 400 page.) It is the quick companion of TestBrowserEveryPage (which also
// checks layout and accessibility in Chromium) and honours -pages too.
func TestEveryPageRendersForItsRoleInBothLanguages(t *testing.T) {
	t.Parallel()
	h := newDemoHarness(t)
	site, _ := url.Parse(h.URL)
	for _, role := range []string{"", "employee", "counselor", "hr", "operator"} {
		b := newBrowser(t, h)
		if role != "" {
			b.login(pageRoles[role], demo.Password)
		}
		who := role
		if who == "" {
			who = "visitor"
		}
		for _, lang := range []string{"ja", "en"} {
			b.c.Jar.SetCookies(site, []*http.Cookie{{Name: "lang", Value: lang, Path: "/"}})
			for _, p := range everyPage {
				if p.Role != role || !pageChosen(who+"-"+p.Name) {
					continue
				}
				path := p.Path
				if p.Link != "" {
					href := linkHref(t, b.get(p.Path).Body, p.Link)
					if href == "" {
						t.Errorf("%s %s (%s): no link %s on %s", who, p.Name, lang, p.Link, p.Path)
						continue
					}
					path = strings.TrimPrefix(href, h.URL) + p.Then
				}
				got := b.get(path)
				if got.Status >= http.StatusInternalServerError || (p.Name == "not-found") != (got.Status == http.StatusNotFound) {
					t.Errorf("%s %s (%s) %s: status %d", who, p.Name, lang, path, got.Status)
				}
			}
		}
	}
}
