package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/auth"
)

// pageTemplate is one page: the layout and partials with the page's own
// "title" and "content" definitions.
type pageTemplate struct {
	t *template.Template
}

// Page names, each a file templates/pages/<name>.html. New refuses to start
// when one is missing.
const (
	pageLogin          = "login"
	pagePasswordForgot = "password_forgot"
	pagePasswordSet    = "password_set"
	pageEmployeeHome   = "employee_home"
	pageCounselorHome  = "counselor_home"
	pageCompany        = "company"
	pageEmployees      = "employees"
	pageCompanies      = "operator_companies"
	pageMailList       = "operator_mail"
	pageMailShow       = "operator_mail_show"
	pageError          = "error"

	pageCounselorProfile     = "counselor_profile"
	pageCounselorCredentials = "counselor_credentials"
	pageCounselorQueue       = "operator_counselors"
	pageCounselorReview      = "operator_counselor"
	pageCounselorSearch      = "counselor_search"
	pageCounselorShow        = "counselor_show"

	pageCounselorAvailability = "counselor_availability"
	pageCounselorSessions     = "counselor_sessions"
	pageBookingNew            = "booking_new"
	pageSessions              = "sessions"
	pageSessionShow           = "session_show"
	pageSessionReschedule     = "session_reschedule"
	pageSessionCancel         = "session_cancel"
	pageMeeting               = "meeting"
	pageOperatorNoShows       = "noshows" // operators' list of counsellors' no-shows
)

var pageNames = slices.Concat([]string{
	pageLogin, pagePasswordForgot, pagePasswordSet, pageEmployeeHome, pageCounselorHome,
	pageCompany, pageEmployees, pageCompanies, pageMailList, pageMailShow, pageError,
	pageCounselorProfile, pageCounselorCredentials, pageCounselorQueue, pageCounselorReview,
	pageCounselorSearch, pageCounselorShow,
	pageCounselorAvailability, pageCounselorSessions, pageBookingNew, pageSessions,
	pageSessionShow, pageSessionReschedule, pageSessionCancel, pageMeeting, pageOperatorNoShows,
}, matchingPages, billingPages, recordPages, feedbackPages, reviewPages, auditPages, programmePages, reportPages, userPages, securityPages, slotsPages)

var templateFuncs = template.FuncMap{
	"add": func(a, b int) int { return a + b },
	"sub": func(a, b int) int { return a - b },
	"deref": func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	},
	"row":   row,
	"depth": func(p string) int { return strings.Count(p, "/") },
	"indent": func(p string) string {
		return strings.Repeat("\u3000", strings.Count(p, "/"))
	},
}

// parsePages parses the layout and partials once, then each page on a clone.
func parsePages(fsys fs.FS) (map[string]*pageTemplate, error) {
	base, err := template.New("").Funcs(templateFuncs).Funcs(formatFuncs).Option("missingkey=error").
		ParseFS(fsys, "templates/layout.html", "templates/partials/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*pageTemplate{}
	for _, name := range pageNames {
		t, err := base.Clone()
		if err != nil {
			return nil, err
		}
		if t, err = t.ParseFS(fsys, "templates/pages/"+name+".html"); err != nil {
			return nil, err
		}
		for _, need := range []string{"layout", "title", "content"} {
			if t.Lookup(need) == nil {
				return nil, fmt.Errorf("page %s: no template %q", name, need)
			}
		}
		pages[name] = &pageTemplate{t: t}
	}
	return pages, nil
}

// fingerprints hashes every static file so URLs change when content does
// and can be cached for a year.
func fingerprints(static fs.FS) (map[string]string, error) {
	out := map[string]string{}
	err := fs.WalkDir(static, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(static, p)
		if err != nil {
			return err
		}
		h := sha256.Sum256(b)
		out[p] = hex.EncodeToString(h[:6])
		return nil
	})
	return out, err
}

// Flash is a one-time message shown after a redirect.
type Flash struct {
	Kind string // "success" or "error"
	Key  string // message id
}

// View is the layout: what layout.html and the header need on every page
// (language, user and role, CSRF token, path, flash, assets). The page's
// own data is Page, a per-page struct that embeds Format and carries the
// page's methods; templates call them as .Page.Method. Keep View small:
// TestViewStaysALayout counts its methods.
type View struct {
	translator
	Lang    string
	User    *auth.Principal
	CSRF    string
	Path    string // current path with query, for the language switch
	Flash   *Flash
	Page    any // the page's own data, with its Format filled in
	DevMode bool
	assets  map[string]string
}

// Asset is a static file's fingerprinted URL.
func (v *View) Asset(name string) (string, error) {
	h, ok := v.assets[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return "/static/" + name + "?v=" + h, nil
}

// Is reports whether the signed-in user has role r.
func (v *View) Is(r string) bool { return v.User != nil && string(v.User.Role) == r }

// OtherLang is the language the switch offers.
func (v *View) OtherLang() string {
	if v.Lang == "ja" {
		return "en"
	}
	return "ja"
}

// view builds the common part of a page for the current request.
func (s *Server) view(c echo.Context, data any) *View {
	v := &View{Path: c.Request().URL.RequestURI(), DevMode: s.DevMode, assets: s.assetV}
	locale := ""
	if p, ok := principalOf(c); ok {
		v.User = &p
		locale = p.Locale
	}
	v.Lang = resolveLang(c, locale)
	v.translator = s.translator(v.Lang)
	v.Page = localize(data, Format{translator: v.translator, Lang: v.Lang, path: v.Path, rooms: s.Bookings})
	if tok, ok := c.Get(csrfKey).(string); ok {
		v.CSRF = tok
	}
	v.Flash = s.takeFlash(c)
	return v
}

// render writes a whole page.
func (s *Server) render(c echo.Context, status int, page string, data any) error {
	v := s.view(c, data)
	return s.execute(c, status, page, "layout", v)
}

// renderPartial writes one named template of a page (an htmx swap).
func (s *Server) renderPartial(c echo.Context, status int, page, name string, data any) error {
	return s.execute(c, status, page, name, s.view(c, data))
}

func (s *Server) execute(c echo.Context, status int, page, name string, v *View) error {
	pt, ok := s.pages[page]
	if !ok {
		return fmt.Errorf("web: no page %q", page)
	}
	var buf bytes.Buffer
	if err := pt.t.ExecuteTemplate(&buf, name, v); err != nil {
		return fmt.Errorf("web: render %s/%s: %w", page, name, err)
	}
	return c.HTMLBlob(status, buf.Bytes())
}

func mimeOf(name string) string {
	switch path.Ext(name) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	}
	return "text/plain; charset=utf-8"
}
