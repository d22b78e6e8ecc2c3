package web

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"image/png"
	"net/http"
	"net/url"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// securityPages are parsed with the others (render.go).
var securityPages = []string{pageLoginMFA, pageTOTPEnrol, pageRecoveryCodes, pageSecurity}

const (
	pageLoginMFA      = "login_mfa"
	pageTOTPEnrol     = "totp_enrol"
	pageRecoveryCodes = "recovery_codes"
	pageSecurity      = "account_security"

	// mfaCookie carries the half-finished sign-in between the password
	// and the second factor; it is no session and opens no page but these.
	mfaCookie = "taiwa_mfa"
)

// registerSecurity adds the second step of sign-in and each user's own
// second-factor page.
func (s *Server) registerSecurity(e *echo.Echo) {
	e.GET("/login/mfa", s.mfaShow)
	e.POST("/login/mfa", s.mfaSubmit)
	e.GET("/login/mfa/enrol", s.mfaEnrolShow)
	e.POST("/login/mfa/enrol", s.mfaEnrolSubmit)
	e.POST("/login/mfa/webauthn/begin", s.mfaPasskeyBegin)
	e.POST("/login/mfa/webauthn/finish", s.mfaPasskeyFinish)

	signedIn := requireRoles(auth.RoleEmployee, auth.RoleCounselor, auth.RoleCompanyAdmin, auth.RoleOperator)
	e.GET("/account/security", s.securityShow, signedIn)
	e.GET("/account/security/totp", s.ownTOTPShow, signedIn)
	e.POST("/account/security/totp", s.ownTOTPSubmit, signedIn)
	e.POST("/account/security/totp/remove", s.ownTOTPRemove, signedIn)
	e.POST("/account/security/recovery", s.ownRecoveryCodes, signedIn)
	e.POST("/account/security/passkeys/begin", s.passkeyBegin, signedIn)
	e.POST("/account/security/passkeys/finish", s.passkeyFinish, signedIn)
	e.POST("/account/security/passkeys/:id/remove", s.passkeyRemove, signedIn)
	e.POST("/account/security/reset", s.resetOther, requireRoles(auth.RoleCompanyAdmin, auth.RoleOperator))
	e.POST("/account/security/company", s.companyMFASetting, requireRoles(auth.RoleCompanyAdmin))
}

func (s *Server) setMFACookie(c echo.Context, token string) {
	c.SetCookie(&http.Cookie{Name: mfaCookie, Value: token, Path: "/login", MaxAge: 600,
		HttpOnly: true, Secure: s.CookieSecure, SameSite: http.SameSiteLaxMode})
}

func (s *Server) clearMFACookie(c echo.Context) {
	c.SetCookie(&http.Cookie{Name: mfaCookie, Value: "", Path: "/login", MaxAge: -1,
		HttpOnly: true, Secure: s.CookieSecure, SameSite: http.SameSiteLaxMode})
}

func mfaToken(c echo.Context) string {
	if ck, err := c.Cookie(mfaCookie); err == nil {
		return ck.Value
	}
	return ""
}

// mfaRedirect is where the password step sends a user who owes a second
// factor: the code page, or enrolment when they have none yet.
func mfaRedirect(ch *account.Challenge, next string) string {
	target := "/login/mfa"
	if ch.Enrol {
		target += "/enrol"
	}
	if next != "" {
		target += "?next=" + url.QueryEscape(next)
	}
	return target
}

// mfaForm is the second step's form.
type mfaForm struct {
	Format
	Next    string
	Methods []string
	Errors  formErrors
}

// Has reports whether the user can answer with method.
func (f mfaForm) Has(method string) bool {
	for _, m := range f.Methods {
		if m == method {
			return true
		}
	}
	return false
}

// challengeGone sends a user whose half sign-in expired back to /login.
func (s *Server) challengeGone(c echo.Context) error {
	s.clearMFACookie(c)
	s.setFlash(c, "error", "mfa_expired")
	return c.Redirect(http.StatusSeeOther, "/login")
}

func (s *Server) mfaShow(c echo.Context) error {
	next := safeNext(c.QueryParam("next"), "")
	ch, _, err := s.Accounts.ChallengeInfo(c.Request().Context(), mfaToken(c))
	switch {
	case apperr.Is(err, apperr.CodeUnauthorized):
		return s.challengeGone(c)
	case err != nil:
		return err
	case ch.Enrol:
		return c.Redirect(http.StatusSeeOther, mfaRedirect(&ch, next))
	}
	return s.render(c, http.StatusOK, pageLoginMFA, mfaForm{Next: next, Methods: ch.Methods, Errors: formErrors{}})
}

func (s *Server) mfaSubmit(c echo.Context) error {
	f := mfaForm{Next: safeNext(c.FormValue("next"), ""), Errors: formErrors{}}
	code := strings.TrimSpace(c.FormValue("code"))
	ch, _, err := s.Accounts.ChallengeInfo(c.Request().Context(), mfaToken(c))
	if apperr.Is(err, apperr.CodeUnauthorized) {
		return s.challengeGone(c)
	}
	if err != nil {
		return err
	}
	f.Methods = ch.Methods
	f.Errors.required("code", code)
	if f.Errors.Any() {
		return s.render(c, http.StatusBadRequest, pageLoginMFA, f)
	}
	res, err := s.Accounts.CompleteMFA(c.Request().Context(), mfaToken(c), code, c.RealIP(), s.sessionToken(c))
	if done, err := s.mfaOutcome(c, err, pageLoginMFA, &f.Errors, f); done {
		return err
	}
	s.clearMFACookie(c)
	s.setSessionCookie(c, res.Token, res.ExpiresAt)
	return c.Redirect(http.StatusSeeOther, safeNext(f.Next, homeOf(res.User.Role)))
}

// mfaOutcome renders the refusals of a second-factor answer; done is false
// when err is nil and the caller goes on.
func (s *Server) mfaOutcome(c echo.Context, err error, page string, errs *formErrors, data any) (bool, error) {
	switch {
	case err == nil:
		return false, nil
	case apperr.Is(err, apperr.CodeRateLimited):
		errs.add("", "login_rate_limited")
		return true, s.render(c, http.StatusTooManyRequests, page, data)
	case apperr.Is(err, apperr.CodeUnauthorized):
		if apperr.HasReason(err, account.ReasonInvalidChallenge) {
			return true, s.challengeGone(c)
		}
		errs.add("", "mfa_invalid")
		errs.add("code", "mfa_invalid_short")
		return true, s.render(c, http.StatusUnauthorized, page, data)
	case apperr.Is(err, apperr.CodeInvalid):
		errs.add("code", "mfa_invalid_short")
		return true, s.render(c, http.StatusBadRequest, page, data)
	}
	return true, err
}

// totpForm is the TOTP enrolment page: the QR code, the secret in text
// for typing into the app, and the first code to confirm it.
type totpForm struct {
	Format
	Action    string // where the form posts
	Challenge string // own enrolment only: the pending secret's token
	Next      string
	QR        template.URL // data: URL of a PNG
	Secret    string
	Forced    bool // the sign-in cannot go on without it
	Errors    formErrors
}

func enrolView(setup account.TOTPSetup) (template.URL, string, error) {
	img, err := setup.Key.Image(240, 240)
	if err != nil {
		return "", "", err
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		return "", "", err
	}
	// Grouped by four for reading aloud and typing.
	var sb strings.Builder
	for i, r := range setup.Secret {
		if i > 0 && i%4 == 0 {
			sb.WriteByte(' ')
		}
		sb.WriteRune(r)
	}
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(b.Bytes())), sb.String(), nil
}

func (s *Server) loginEnrolForm(c echo.Context, next string) (totpForm, error) {
	f := totpForm{Action: "/login/mfa/enrol", Next: next, Forced: true, Errors: formErrors{}}
	setup, err := s.Accounts.BeginTOTPEnrolment(c.Request().Context(), mfaToken(c))
	if err != nil {
		return f, err
	}
	f.QR, f.Secret, err = enrolView(setup)
	return f, err
}

func (s *Server) mfaEnrolShow(c echo.Context) error {
	f, err := s.loginEnrolForm(c, safeNext(c.QueryParam("next"), ""))
	switch {
	case apperr.Is(err, apperr.CodeUnauthorized):
		return s.challengeGone(c)
	case apperr.Is(err, apperr.CodeConflict):
		return c.Redirect(http.StatusSeeOther, "/login/mfa")
	case err != nil:
		return err
	}
	return s.render(c, http.StatusOK, pageTOTPEnrol, f)
}

func (s *Server) mfaEnrolSubmit(c echo.Context) error {
	f, err := s.loginEnrolForm(c, safeNext(c.FormValue("next"), ""))
	switch {
	case apperr.Is(err, apperr.CodeUnauthorized):
		return s.challengeGone(c)
	case apperr.Is(err, apperr.CodeConflict):
		return c.Redirect(http.StatusSeeOther, "/login/mfa")
	case err != nil:
		return err
	}
	code := strings.TrimSpace(c.FormValue("code"))
	f.Errors.required("code", code)
	if f.Errors.Any() {
		return s.render(c, http.StatusBadRequest, pageTOTPEnrol, f)
	}
	res, err := s.Accounts.CompleteMFA(c.Request().Context(), mfaToken(c), code, c.RealIP(), s.sessionToken(c))
	if done, err := s.mfaOutcome(c, err, pageTOTPEnrol, &f.Errors, f); done {
		return err
	}
	s.clearMFACookie(c)
	s.setSessionCookie(c, res.Token, res.ExpiresAt)
	p := res.User.Principal()
	c.Set(principalKey, p)
	return s.render(c, http.StatusOK, pageRecoveryCodes, recoveryView{Codes: res.RecoveryCodes, Continue: safeNext(f.Next, homeOf(res.User.Role))})
}

// recoveryView shows new recovery codes, once.
type recoveryView struct {
	Format
	Codes    []string
	Continue string
}

// securityView is the account's security page.
type securityView struct {
	Format
	Factors        account.Factors
	Role           auth.Role
	CompanyRequire bool
	Errors         formErrors
	ResetEmail     string
	PasskeysOn     bool // the server has a WebAuthn relying party
}

func (s *Server) securityData(c echo.Context) (securityView, error) {
	p, _ := principalOf(c)
	v := securityView{Role: p.Role, Errors: formErrors{}, PasskeysOn: s.Accounts.WebAuthn != nil}
	var err error
	if v.Factors, err = s.Accounts.MyFactors(c.Request().Context(), p); err != nil {
		return v, err
	}
	if p.Role == auth.RoleCompanyAdmin {
		v.CompanyRequire, err = s.Accounts.CompanyRequiresAdminMFA(c.Request().Context(), p, p.CompanyID)
	}
	return v, err
}

func (s *Server) securityShow(c echo.Context) error {
	v, err := s.securityData(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageSecurity, v)
}

func (s *Server) ownTOTPShow(c echo.Context) error {
	p, _ := principalOf(c)
	tok, setup, err := s.Accounts.StartOwnTOTP(c.Request().Context(), p)
	if err != nil {
		return err
	}
	f := totpForm{Action: "/account/security/totp", Challenge: tok, Errors: formErrors{}}
	if f.QR, f.Secret, err = enrolView(setup); err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageTOTPEnrol, f)
}

func (s *Server) ownTOTPSubmit(c echo.Context) error {
	p, _ := principalOf(c)
	tok := c.FormValue("challenge")
	f := totpForm{Action: "/account/security/totp", Challenge: tok, Errors: formErrors{}}
	setup, err := s.Accounts.OwnTOTPSetup(c.Request().Context(), p, tok)
	if apperr.Is(err, apperr.CodeUnauthorized) {
		s.setFlash(c, "error", "mfa_expired")
		return c.Redirect(http.StatusSeeOther, "/account/security")
	}
	if err != nil {
		return err
	}
	if f.QR, f.Secret, err = enrolView(setup); err != nil {
		return err
	}
	code := strings.TrimSpace(c.FormValue("code"))
	f.Errors.required("code", code)
	if f.Errors.Any() {
		return s.render(c, http.StatusBadRequest, pageTOTPEnrol, f)
	}
	codes, err := s.Accounts.ConfirmOwnTOTP(c.Request().Context(), p, tok, code, c.RealIP())
	switch {
	case apperr.Is(err, apperr.CodeRateLimited):
		f.Errors.add("", "login_rate_limited")
		return s.render(c, http.StatusTooManyRequests, pageTOTPEnrol, f)
	case apperr.Is(err, apperr.CodeInvalid):
		f.Errors.add("code", "mfa_invalid_short")
		return s.render(c, http.StatusBadRequest, pageTOTPEnrol, f)
	case err != nil:
		return err
	}
	return s.render(c, http.StatusOK, pageRecoveryCodes, recoveryView{Codes: codes, Continue: "/account/security"})
}

func (s *Server) ownTOTPRemove(c echo.Context) error {
	p, _ := principalOf(c)
	err := s.Accounts.RemoveOwnTOTP(c.Request().Context(), p)
	switch {
	case apperr.Is(err, apperr.CodeUnprocessable):
		v, verr := s.securityData(c)
		if verr != nil {
			return verr
		}
		v.Errors.add("", "mfa_must_keep")
		return s.render(c, http.StatusUnprocessableEntity, pageSecurity, v)
	case err != nil:
		return err
	}
	s.setFlash(c, "success", "mfa_removed")
	return c.Redirect(http.StatusSeeOther, "/account/security")
}

func (s *Server) ownRecoveryCodes(c echo.Context) error {
	p, _ := principalOf(c)
	codes, err := s.Accounts.NewRecoveryCodes(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageRecoveryCodes, recoveryView{Codes: codes, Continue: "/account/security"})
}

// resetOther resets another user's second factor by their address: an
// operator anyone's, a company admin their own employees'.
func (s *Server) resetOther(c echo.Context) error {
	p, _ := principalOf(c)
	email := strings.TrimSpace(c.FormValue("email"))
	err := s.Accounts.ResetMFAByEmail(c.Request().Context(), p, email)
	if err == nil {
		s.setFlash(c, "success", "mfa_reset_done")
		return c.Redirect(http.StatusSeeOther, "/account/security")
	}
	v, verr := s.securityData(c)
	if verr != nil {
		return verr
	}
	v.ResetEmail = email
	switch {
	case apperr.Is(err, apperr.CodeInvalid):
		v.Errors.add("email", "field_invalid")
		return s.render(c, http.StatusBadRequest, pageSecurity, v)
	case apperr.Is(err, apperr.CodeNotFound):
		v.Errors.add("email", "mfa_reset_unknown")
		return s.render(c, http.StatusNotFound, pageSecurity, v)
	case apperr.Is(err, apperr.CodeUnprocessable):
		v.Errors.add("email", "mfa_reset_self")
		return s.render(c, http.StatusUnprocessableEntity, pageSecurity, v)
	}
	return err
}

func (s *Server) companyMFASetting(c echo.Context) error {
	p, _ := principalOf(c)
	on := c.FormValue("require_admin_mfa") == "on"
	if err := s.Accounts.SetCompanyRequiresAdminMFA(c.Request().Context(), p, p.CompanyID, on); err != nil {
		return err
	}
	s.setFlash(c, "success", "mfa_company_saved")
	return c.Redirect(http.StatusSeeOther, "/account/security")
}

func (s *Server) passkeyBegin(c echo.Context) error {
	p, _ := principalOf(c)
	tok, options, err := s.Accounts.BeginPasskeyRegistration(c.Request().Context(), p)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"token": tok, "options": options})
}

func (s *Server) passkeyFinish(c echo.Context) error {
	p, _ := principalOf(c)
	var in struct {
		Token      string          `json:"token"`
		Name       string          `json:"name"`
		Credential json.RawMessage `json:"credential"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&in); err != nil {
		return apperr.Field("body", "is not JSON")
	}
	if err := s.Accounts.FinishPasskeyRegistration(c.Request().Context(), p, in.Token, in.Name, in.Credential); err != nil {
		return err
	}
	s.setFlash(c, "success", "passkey_added")
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) passkeyRemove(c echo.Context) error {
	p, _ := principalOf(c)
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return apperr.NotFound("passkey")
	}
	err = s.Accounts.RemovePasskey(c.Request().Context(), p, id)
	if apperr.Is(err, apperr.CodeUnprocessable) {
		v, verr := s.securityData(c)
		if verr != nil {
			return verr
		}
		v.Errors.add("", "mfa_must_keep")
		return s.render(c, http.StatusUnprocessableEntity, pageSecurity, v)
	}
	if err != nil {
		return err
	}
	s.setFlash(c, "success", "passkey_removed")
	return c.Redirect(http.StatusSeeOther, "/account/security")
}

func (s *Server) mfaPasskeyBegin(c echo.Context) error {
	options, err := s.Accounts.BeginPasskeyLogin(c.Request().Context(), mfaToken(c))
	if err != nil {
		return err
	}
	return c.JSONBlob(http.StatusOK, options)
}

func (s *Server) mfaPasskeyFinish(c echo.Context) error {
	var in struct {
		Next       string          `json:"next"`
		Credential json.RawMessage `json:"credential"`
	}
	if err := json.NewDecoder(c.Request().Body).Decode(&in); err != nil {
		return apperr.Field("body", "is not JSON")
	}
	sess, err := s.Accounts.FinishPasskeyLogin(c.Request().Context(), mfaToken(c), in.Credential, c.RealIP(), s.sessionToken(c))
	if err != nil {
		return err
	}
	s.clearMFACookie(c)
	s.setSessionCookie(c, sess.Token, sess.ExpiresAt)
	return c.JSON(http.StatusOK, map[string]string{"redirect": safeNext(in.Next, homeOf(sess.User.Role))})
}
