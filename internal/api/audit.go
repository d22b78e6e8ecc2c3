package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/audit"
)

// auditRoutes lists the operators' audit log and everyone's own entries.
func (s *Server) auditRoutes() []Route {
	return []Route{
		{http.MethodGet, "/api/v1/audit", s.auditList, operator},
		{http.MethodGet, "/api/v1/me/audit", s.myAudit, signedIn},
	}
}

func (s *Server) auditList(c echo.Context) error {
	f, err := audit.ParseFilter(c.QueryParams())
	if err != nil {
		return err
	}
	rows, total, err := audit.List(c.Request().Context(), s.Accounts.DB, principal(c), f)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []audit.Row{}
	}
	return c.JSON(http.StatusOK, Page[audit.Row]{Items: rows, Total: total, Page: f.Page, PerPage: f.PerPage})
}

func (s *Server) myAudit(c echo.Context) error {
	page, perPage, err := pageParams(c)
	if err != nil {
		return err
	}
	rows, total, err := audit.Mine(c.Request().Context(), s.Accounts.DB, principal(c), page, perPage)
	if err != nil {
		return err
	}
	if rows == nil {
		rows = []audit.Row{}
	}
	return c.JSON(http.StatusOK, Page[audit.Row]{Items: rows, Total: total, Page: page, PerPage: perPage})
}
