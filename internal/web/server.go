// Package web is the server-rendered UI: html/template pages with htmx,
// cookie sessions over the same session store as the API, CSRF tokens on
// every form, and the Japanese/English catalogues.
package web

import (
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/api"
	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// Deps are what the UI needs.
type Deps struct {
	Accounts     *account.Service
	Companies    *company.Service
	DB           *db.DB
	Log          *slog.Logger
	CookieSecure bool
	DevMode      bool
}

// Server renders the UI.
type Server struct {
	Deps
}

// New parses the templates and catalogues once.
func New(d Deps) (*Server, error) {
	return &Server{Deps: d}, nil
}

// Register adds the UI's routes.
func (s *Server) Register(e *echo.Echo) {}

// RenderError renders an error page.
func (s *Server) RenderError(c echo.Context, status int, d api.ErrorDetail) error {
	return c.String(status, http.StatusText(status)+": "+d.Message)
}
