package web

import "github.com/labstack/echo/v4"

// auditPages are parsed with the others (render.go).
var auditPages = []string{}

// registerAudit adds the operators' audit log and everyone's own activity.
func (s *Server) registerAudit(e *echo.Echo) {}
