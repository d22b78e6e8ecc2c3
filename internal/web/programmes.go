package web

import "github.com/labstack/echo/v4"

// programmePages are parsed with the others (render.go).
var programmePages = []string{}

// registerProgrammes adds HR's programme pages and the employee's
// invitations.
func (s *Server) registerProgrammes(e *echo.Echo) {}
