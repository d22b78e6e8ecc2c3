package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// timezoneJSON is GET and PUT /me/timezone's body.
type timezoneJSON struct {
	Timezone string `json:"timezone"`
}

// timezoneRoutes are the employee's own time zone.
func (s *Server) timezoneRoutes() []Route {
	return []Route{
		{http.MethodGet, "/api/v1/me/timezone", s.myTimezone, employeeOnly},
		{http.MethodPut, "/api/v1/me/timezone", s.myTimezoneSet, employeeOnly},
	}
}

func (s *Server) myTimezone(c echo.Context) error {
	return c.JSON(http.StatusOK, timezoneJSON{Timezone: account.ZoneOf(principal(c)).String()})
}

// myTimezoneSet stores the zone; a missing or unknown one is 400 naming
// "timezone".
func (s *Server) myTimezoneSet(c echo.Context) error {
	var in struct {
		Timezone *string `json:"timezone"`
	}
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	if in.Timezone == nil {
		return apperr.Field("timezone", "is required")
	}
	zone, err := s.Accounts.SetTimezone(c.Request().Context(), principal(c), *in.Timezone)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, timezoneJSON{Timezone: zone})
}
