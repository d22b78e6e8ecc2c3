package web

import "github.com/labstack/echo/v4"

// registerBilling adds the plan, contract, invoice, usage, earnings and
// payout pages.
func (s *Server) registerBilling(e *echo.Echo) {}
