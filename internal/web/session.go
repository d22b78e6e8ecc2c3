package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

const (
	principalKey = "web.principal"
	flashCookie  = "taiwa_flash"
)

// principalOf is the signed-in user of a web request, if any.
func principalOf(c echo.Context) (auth.Principal, bool) {
	p, ok := c.Get(principalKey).(auth.Principal)
	return p, ok
}

func (s *Server) sessionToken(c echo.Context) string {
	if ck, err := c.Cookie(s.session); err == nil {
		return ck.Value
	}
	return ""
}

func (s *Server) setSessionCookie(c echo.Context, token string, expires time.Time) {
	c.SetCookie(&http.Cookie{
		Name: s.session, Value: token, Path: "/", Expires: expires,
		HttpOnly: true, Secure: s.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) clearSessionCookie(c echo.Context) {
	c.SetCookie(&http.Cookie{
		Name: s.session, Value: "", Path: "/", MaxAge: -1,
		HttpOnly: true, Secure: s.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
}

// loadPrincipal turns the session cookie into the request's principal. A
// cookie that no longer names a live session is removed; the request goes
// on anonymously and the page decides whether that is enough.
func (s *Server) loadPrincipal(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		s.attachPrincipal(c)
		return next(c)
	}
}

func (s *Server) attachPrincipal(c echo.Context) {
	if _, ok := principalOf(c); ok {
		return
	}
	tok := s.sessionToken(c)
	if tok == "" {
		return
	}
	p, err := s.Accounts.Authenticate(c.Request().Context(), tok)
	switch {
	case err == nil:
		c.Set(principalKey, p)
	case apperr.Is(err, apperr.CodeUnauthorized):
		s.clearSessionCookie(c)
	default:
		s.Log.Error("web: authenticate", "err", err)
	}
}

// requireRoles lets through only the given roles: anonymous users go to
// the sign-in page (and come back afterwards), other roles get 403.
func requireRoles(roles ...auth.Role) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p, ok := principalOf(c)
			if !ok {
				return redirectToLogin(c)
			}
			if err := p.Require(roles...); err != nil {
				return err
			}
			return next(c)
		}
	}
}

// redirectToLogin sends an anonymous user to /login; htmx requests get a
// full-page redirect instead of a swapped fragment. The way back after
// signing in is the page asked for; for an htmx request it is the page the
// person was on (HX-Current-URL), never the fragment's own address, which
// would show a bare piece of page.
func redirectToLogin(c echo.Context) error {
	target := "/login"
	r := c.Request()
	htmx := r.Header.Get("HX-Request") == "true"
	next := ""
	if r.Method == http.MethodGet {
		next = r.URL.RequestURI()
	}
	if htmx {
		if cur := currentPage(r); cur != "" {
			next = cur
		}
	}
	if next = safeNext(next, ""); next != "" && next != "/" {
		target += "?next=" + url.QueryEscape(next)
	}
	if htmx {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// currentPage is the path and query of the page an htmx request came from
// (its HX-Current-URL header) when that page is on this site, else "".
func currentPage(r *http.Request) string {
	u, err := url.Parse(r.Header.Get("HX-Current-URL"))
	if err != nil || u.Host != r.Host || u.Path == "" {
		return ""
	}
	return safeNext(u.RequestURI(), "")
}

// fragmentPages maps the addresses that only ever answer a piece of a page
// (loaded by htmx into it) to the page they belong to.
var fragmentPages = map[string]string{
	"/programmes/card": "/employee",
}

// fullPage is next, or the page of the fragment next names.
func fullPage(next string) string {
	path, _, _ := strings.Cut(next, "?")
	if page, ok := fragmentPages[path]; ok {
		return page
	}
	return next
}

// safeNext is the one check of every place to go back to (a sign-in's
// next, the language switch's next): it returns next when it is a path on
// this site, else fallback, so no form or link can be used as an open
// redirect. next must be printable ASCII (what a browser sends for an
// address: no space, and no tab, CR or LF, which browsers drop, turning
// "/\t/evil" into "//evil"), start with one "/" not followed by "/" or
// "\" (browsers read "//", "/\" and "\\" as another host), hold no
// backslash, and parse as a bare path: no scheme, host or userinfo. Undoing
// percent-encoding (up to three times), for a proxy or browser that decodes
// "%2F", "%5C" or "%09", must still give such a path: no control character,
// no backslash before the query, no "//" or "/\" at the start. An accepted
// next is returned exactly as given, query included, except that a
// fragment's address (fragmentPages) becomes its page's: going back there
// must show a whole page.
func safeNext(next, fallback string) string {
	if !localPath(next) {
		return fallback
	}
	next = fullPage(next)
	s := next
	for range 3 {
		d, err := url.PathUnescape(s)
		if err != nil || !decodedLocal(d) {
			return fallback
		}
		if d == s {
			return next
		}
		s = d
	}
	return fallback // still encoded after three rounds: nobody sends that
}

// maxNext bounds a place to go back to.
const maxNext = 2048

// localPath is safeNext's test of next as given.
func localPath(p string) bool {
	if p == "" || len(p) > maxNext || p[0] != '/' || len(p) > 1 && (p[1] == '/' || p[1] == '\\') {
		return false
	}
	for i := 0; i < len(p); i++ {
		if p[i] <= ' ' || p[i] >= 0x7f || p[i] == '\\' {
			return false
		}
	}
	u, err := url.Parse(p)
	return err == nil && u.Scheme == "" && u.Opaque == "" && u.User == nil && u.Host == "" && strings.HasPrefix(u.Path, "/")
}

// decodedLocal is safeNext's test of a percent-decoded spelling, which may
// hold any UTF-8 (a search for 日本語) but must still start as a path here.
func decodedLocal(d string) bool {
	for _, r := range d {
		if r < ' ' || r == 0x7f {
			return false
		}
	}
	path, _, _ := strings.Cut(d, "?")
	return strings.HasPrefix(d, "/") && !strings.HasPrefix(d, "//") && !strings.ContainsRune(path, '\\')
}

// setFlash remembers a message id for the next page.
func (s *Server) setFlash(c echo.Context, kind, key string) {
	c.SetCookie(&http.Cookie{
		Name: flashCookie, Value: kind + ":" + key, Path: "/", MaxAge: 60,
		HttpOnly: true, Secure: s.CookieSecure, SameSite: http.SameSiteLaxMode,
	})
}

// takeFlash reads and clears the flash. Only catalogue ids are shown, so a
// forged cookie can at most show one of our own messages.
func (s *Server) takeFlash(c echo.Context) *Flash {
	if f, ok := c.Get(flashCookie).(*Flash); ok {
		return f
	}
	ck, err := c.Cookie(flashCookie)
	if err != nil || ck.Value == "" {
		return nil
	}
	c.SetCookie(&http.Cookie{Name: flashCookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.CookieSecure, SameSite: http.SameSiteLaxMode})
	kind, key, _ := strings.Cut(ck.Value, ":")
	if (kind != "success" && kind != "error") || !s.keys[key] {
		return nil
	}
	f := &Flash{Kind: kind, Key: key}
	c.Set(flashCookie, f)
	return f
}

// homeOf is where each role starts.
func homeOf(r auth.Role) string {
	switch r {
	case auth.RoleEmployee:
		return "/employee"
	case auth.RoleCounselor:
		return "/counselor"
	case auth.RoleCompanyAdmin:
		return "/company"
	case auth.RoleOperator:
		return "/operator/companies"
	}
	return "/login"
}
