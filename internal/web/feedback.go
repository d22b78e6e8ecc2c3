package web

import "github.com/labstack/echo/v4"

// feedbackPages are parsed with the others (render.go).
var feedbackPages = []string{}

// registerFeedback adds the employee's rating, notes, summary and sharing
// pages, and what HR sees of what employees shared.
func (s *Server) registerFeedback(e *echo.Echo) {}
