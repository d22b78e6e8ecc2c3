package web

import "github.com/labstack/echo/v4"

// recordPages are parsed with the others (render.go).
var recordPages = []string{}

// registerRecords adds the counsellor's record pages and the operators'
// urgent-risk queue.
func (s *Server) registerRecords(e *echo.Echo) {}
