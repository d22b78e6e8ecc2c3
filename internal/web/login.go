package web

import (
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// loginForm is the sign-in page's form, kept on error (never the password).
type loginForm struct {
	Format
	Email  string
	Next   string
	Errors formErrors
}

func (s *Server) home(c echo.Context) error {
	p, ok := principalOf(c)
	if !ok {
		return c.Redirect(http.StatusSeeOther, "/login")
	}
	return c.Redirect(http.StatusSeeOther, homeOf(p.Role))
}

func (s *Server) loginShow(c echo.Context) error {
	if p, ok := principalOf(c); ok {
		return c.Redirect(http.StatusSeeOther, safeNext(c.QueryParam("next"), homeOf(p.Role)))
	}
	return s.render(c, http.StatusOK, pageLogin, loginForm{Next: safeNext(c.QueryParam("next"), ""), Errors: formErrors{}})
}

func (s *Server) loginSubmit(c echo.Context) error {
	f := loginForm{
		Email:  strings.TrimSpace(c.FormValue("email")),
		Next:   safeNext(c.FormValue("next"), ""),
		Errors: formErrors{},
	}
	password := c.FormValue("password")
	f.Errors.required("email", f.Email)
	f.Errors.required("password", password)
	if f.Errors.Any() {
		return s.render(c, http.StatusBadRequest, pageLogin, f)
	}
	sess, err := s.Accounts.Login(c.Request().Context(), f.Email, password, c.RealIP(), s.sessionToken(c))
	switch {
	case apperr.Is(err, apperr.CodeRateLimited):
		setRetryAfter(c, err)
		f.Errors.add("", "login_rate_limited")
		return s.render(c, http.StatusTooManyRequests, pageLogin, f)
	case apperr.Is(err, apperr.CodeUnauthorized):
		f.Errors.add("", "login_invalid")
		f.Errors.add("password", "login_invalid_short")
		return s.render(c, http.StatusUnauthorized, pageLogin, f)
	case err != nil:
		return err
	}
	if sess.MFA != nil {
		s.setMFACookie(c, sess.MFA.Token)
		return c.Redirect(http.StatusSeeOther, mfaRedirect(sess.MFA, f.Next))
	}
	s.setSessionCookie(c, sess.Token, sess.ExpiresAt)
	return c.Redirect(http.StatusSeeOther, safeNext(f.Next, homeOf(sess.User.Role)))
}

func (s *Server) logout(c echo.Context) error {
	if tok := s.sessionToken(c); tok != "" {
		if err := s.Accounts.Logout(c.Request().Context(), tok); err != nil {
			return err
		}
	}
	s.clearSessionCookie(c)
	s.setFlash(c, "success", "flash_signed_out")
	return c.Redirect(http.StatusSeeOther, "/login")
}
