package web

import "github.com/labstack/echo/v4"

// registerMatching adds the questionnaire and recommendation pages.
func (s *Server) registerMatching(e *echo.Echo) {}
