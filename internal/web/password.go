package web

import (
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// forgotForm asks for a reset link.
type forgotForm struct {
	Format
	Email  string
	Sent   bool
	Errors formErrors
}

func (s *Server) passwordForgotShow(c echo.Context) error {
	return s.render(c, http.StatusOK, pagePasswordForgot, forgotForm{Errors: formErrors{}})
}

// passwordForgotSubmit answers the same whether or not the address has an
// account, so the page cannot be used to find out who is a user.
func (s *Server) passwordForgotSubmit(c echo.Context) error {
	f := forgotForm{Email: strings.TrimSpace(c.FormValue("email")), Errors: formErrors{}}
	f.Errors.required("email", f.Email)
	if !f.Errors.Any() {
		err := s.Accounts.RequestReset(c.Request().Context(), f.Email, c.RealIP())
		switch {
		case apperr.Is(err, apperr.CodeInvalid):
			f.Errors.add("email", "field_email_invalid")
		case err != nil:
			return err
		}
	}
	if f.Errors.Any() {
		return s.render(c, http.StatusBadRequest, pagePasswordForgot, f)
	}
	f.Sent = true
	return s.render(c, http.StatusOK, pagePasswordForgot, f)
}

// setForm sets a password from an invitation or reset link.
type setForm struct {
	Format
	Token  string
	Link   account.LinkInfo
	Valid  bool
	Errors formErrors
}

func (s *Server) passwordSetShow(c echo.Context) error {
	f := setForm{Token: c.QueryParam("token"), Errors: formErrors{}}
	return s.renderSetForm(c, f, http.StatusOK)
}

// renderSetForm checks the link first: a used or expired link shows why and
// where to get a new one, not a form that cannot work.
func (s *Server) renderSetForm(c echo.Context, f setForm, status int) error {
	li, err := s.Accounts.CheckLink(c.Request().Context(), f.Token)
	switch {
	case err == nil:
		f.Link, f.Valid = li, true
	case apperr.Is(err, apperr.CodeUnprocessable):
		status = http.StatusUnprocessableEntity
	default:
		return err
	}
	return s.render(c, status, pagePasswordSet, f)
}

func (s *Server) passwordSetSubmit(c echo.Context) error {
	f := setForm{Token: c.FormValue("token"), Errors: formErrors{}}
	pw, confirm := c.FormValue("password"), c.FormValue("password_confirm")
	switch n := utf8.RuneCountInString(pw); {
	case n == 0:
		f.Errors.add("password", "field_required")
	case n < account.MinPasswordLen:
		f.Errors.add("password", "password_too_short")
	case len(pw) > account.MaxPasswordLen:
		f.Errors.add("password", "password_too_long")
	}
	if confirm != pw {
		f.Errors.add("password_confirm", "password_mismatch")
	}
	if f.Errors.Any() {
		return s.renderSetForm(c, f, http.StatusBadRequest)
	}
	_, err := s.Accounts.SetPasswordWithToken(c.Request().Context(), f.Token, pw)
	switch {
	case apperr.Is(err, apperr.CodeInvalid):
		f.Errors.add("password", "password_too_short")
		return s.renderSetForm(c, f, http.StatusBadRequest)
	case apperr.Is(err, apperr.CodeUnprocessable):
		return s.renderSetForm(c, f, http.StatusUnprocessableEntity)
	case err != nil:
		return err
	}
	s.setFlash(c, "success", "flash_password_set")
	return c.Redirect(http.StatusSeeOther, "/login")
}
