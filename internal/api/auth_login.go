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
