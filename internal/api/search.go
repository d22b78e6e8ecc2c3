package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/counselor"
)

// counselorSearch is GET /api/v1/counselors: API.md's list of listed
// counsellors with facets, and which engine answered.
func (s *Server) counselorSearch(c echo.Context) error {
	q, err := counselor.ParseSearchQuery(c.QueryParams())
	if err != nil {
		return err
	}
	res, err := s.Counselors.Search(c.Request().Context(), principal(c), q)
	if err != nil {
		return err
	}
	return writeJSON(c, http.StatusOK, res)
}

// counselorListing is GET /api/v1/counselors/:id: one listed counsellor.
func (s *Server) counselorListing(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	l, err := s.Counselors.GetListing(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, l)
}
