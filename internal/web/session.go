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
// full-page redirect instead of a swapped fragment.
func redirectToLogin(c echo.Context) error {
	target := "/login"
	if r := c.Request(); r.Method == http.MethodGet && r.URL.Path != "/" {
		target += "?next=" + url.QueryEscape(r.URL.RequestURI())
	}
	if c.Request().Header.Get("HX-Request") == "true" {
		c.Response().Header().Set("HX-Redirect", target)
		return c.NoContent(http.StatusUnauthorized)
	}
	return c.Redirect(http.StatusSeeOther, target)
}

// safeNext accepts only a local path as a place to go back to, so the
// sign-in form cannot be used as an open redirect.
func safeNext(next, fallback string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") ||
		strings.HasPrefix(next, "/\\") || strings.ContainsAny(next, "\r\n") {
		return fallback
	}
	return next
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
