package api

import (
	"net/http"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
)

// UserJSON is API.md's user object.
type UserJSON struct {
	ID        string  `json:"id"`
	Email     string  `json:"email"`
	Name      string  `json:"name"`
	Role      string  `json:"role"`
	CompanyID *string `json:"company_id"`
}

func userJSON(u account.User) UserJSON {
	j := UserJSON{ID: u.ID.String(), Email: u.Email, Name: u.Name, Role: string(u.Role)}
	if u.CompanyID.Valid {
		s := u.CompanyID.UUID.String()
		j.CompanyID = &s
	}
	return j
}

func (s *Server) login(c echo.Context) error {
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	fields := map[string]string{}
	if in.Email == "" {
		fields["email"] = "is required"
	}
	if in.Password == "" {
		fields["password"] = "is required"
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	sess, err := s.Accounts.Login(c.Request().Context(), in.Email, in.Password, c.RealIP(), "")
	if err != nil {
		return err
	}
	if sess.MFA != nil {
		return c.JSON(http.StatusOK, mfaJSON(sess.MFA))
	}
	return c.JSON(http.StatusOK, map[string]any{"token": sess.Token, "expires_at": sess.ExpiresAt, "user": userJSON(sess.User)})
}

func (s *Server) logout(c echo.Context) error {
	if err := s.Accounts.Logout(c.Request().Context(), bearerToken(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

// me answers from the principal: authentication has just read the user's
// row (live session, not disabled) in this request's one transaction, so
// a second transaction would only read it again.
func (s *Server) me(c echo.Context) error {
	p := principal(c)
	u := account.User{ID: p.UserID, CompanyID: uuid.NullUUID{UUID: p.CompanyID, Valid: p.CompanyID != uuid.Nil}, Email: p.Email, Name: p.Name, Role: p.Role}
	return c.JSON(http.StatusOK, userJSON(u))
}

func (s *Server) requestReset(c echo.Context) error {
	var in struct {
		Email string `json:"email"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if err := s.Accounts.RequestReset(c.Request().Context(), in.Email, c.RealIP()); err != nil {
		return err
	}
	return c.JSON(http.StatusAccepted, map[string]string{"status": "if the address has an account, a link is on its way"})
}

func (s *Server) setPassword(c echo.Context) error {
	var in struct {
		Token    string `json:"token"`
		Password string `json:"password"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Token == "" {
		return invalid(map[string]string{"token": "is required"})
	}
	u, err := s.Accounts.SetPasswordWithToken(c.Request().Context(), in.Token, in.Password)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, userJSON(u))
}

// mfaJSON is the answer to a right password when a second factor is owed:
// no token yet, only the challenge to complete at /api/v1/auth/mfa.
func mfaJSON(ch *account.Challenge) map[string]any {
	return map[string]any{"mfa_required": true, "challenge": ch.Token, "methods": ch.Methods,
		"enrolment_required": ch.Enrol, "expires_at": ch.ExpiresAt}
}

// mfaComplete answers a challenge with a TOTP or recovery code.
func (s *Server) mfaComplete(c echo.Context) error {
	var in struct {
		Challenge string `json:"challenge"`
		Code      string `json:"code"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	fields := map[string]string{}
	if in.Challenge == "" {
		fields["challenge"] = "is required"
	}
	if in.Code == "" {
		fields["code"] = "is required"
	}
	if len(fields) > 0 {
		return invalid(fields)
	}
	res, err := s.Accounts.CompleteMFA(c.Request().Context(), in.Challenge, in.Code, c.RealIP(), "")
	if err != nil {
		return err
	}
	out := map[string]any{"token": res.Token, "expires_at": res.ExpiresAt, "user": userJSON(res.User)}
	if res.RecoveryCodes != nil {
		out["recovery_codes"] = res.RecoveryCodes
	}
	return c.JSON(http.StatusOK, out)
}

// mfaTOTPEnrol gives a challenge that must enrol its TOTP secret.
func (s *Server) mfaTOTPEnrol(c echo.Context) error {
	var in struct {
		Challenge string `json:"challenge"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Challenge == "" {
		return invalid(map[string]string{"challenge": "is required"})
	}
	setup, err := s.Accounts.BeginTOTPEnrolment(c.Request().Context(), in.Challenge)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]string{"secret": setup.Secret, "otpauth_url": setup.URL})
}

// userMFAReset removes a user's second factors (operator: anyone; company
// admin: their own employees).
func (s *Server) userMFAReset(c echo.Context) error {
	var in struct {
		UserID string `json:"user_id"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	id, err := uuid.Parse(in.UserID)
	if err != nil {
		return invalid(map[string]string{"user_id": "must be a user id (UUID)"})
	}
	if err := s.Accounts.ResetMFA(c.Request().Context(), principal(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) companySecurityGet(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	on, err := s.Accounts.CompanyRequiresAdminMFA(c.Request().Context(), principal(c), cid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"require_admin_mfa": on})
}

func (s *Server) companySecurityPut(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	var in struct {
		RequireAdminMFA *bool `json:"require_admin_mfa"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.RequireAdminMFA == nil {
		return invalid(map[string]string{"require_admin_mfa": "is required"})
	}
	if err := s.Accounts.SetCompanyRequiresAdminMFA(c.Request().Context(), principal(c), cid, *in.RequireAdminMFA); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"require_admin_mfa": *in.RequireAdminMFA})
}

// myRecoveryCodes replaces the caller's recovery codes (422 without a
// second factor).
func (s *Server) myRecoveryCodes(c echo.Context) error {
	codes, err := s.Accounts.NewRecoveryCodes(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, map[string][]string{"recovery_codes": codes})
}
