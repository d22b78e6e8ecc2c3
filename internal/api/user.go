package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
)

// userRoutes disable and enable accounts: operators any user, company
// admins their own company's employees and admins (anyone else is 404).
func (s *Server) userRoutes() []Route {
	return []Route{
		{http.MethodGet, "/api/v1/users", s.userList, operator},
		{http.MethodPost, "/api/v1/users/:id/disable", s.userDisable, companyStaff},
		{http.MethodPost, "/api/v1/users/:id/enable", s.userEnable, companyStaff},
	}
}

func (s *Server) userList(c echo.Context) error {
	page, perPage, err := pageParams(c)
	if err != nil {
		return err
	}
	items, total, err := s.Accounts.ListUsers(c.Request().Context(), principal(c), c.QueryParam("q"), page, perPage)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[account.UserState]{Items: items, Total: total, Page: page, PerPage: perPage})
}

func (s *Server) userDisable(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.Accounts.Disable(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}

func (s *Server) userEnable(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	u, err := s.Accounts.Enable(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, u)
}
