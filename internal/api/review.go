package api

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// reviewRoutes lists the anonymous short reviews (docs/reviews.md): the
// author deletes their own, anyone signed in reads a counsellor's
// published ones, operators moderate. A review is written with the rating
// (POST /bookings/{id}/feedback, field "review").
func (s *Server) reviewRoutes() []Route {
	return []Route{
		{http.MethodDelete, "/api/v1/bookings/:id/review", s.reviewDelete, signedIn},
		{http.MethodGet, "/api/v1/counselors/:id/reviews", s.counselorReviews, signedIn},
		{http.MethodGet, "/api/v1/reviews/queue", s.reviewQueue, operator},
		{http.MethodPost, "/api/v1/reviews/:id/approve", s.reviewApprove, operator},
		{http.MethodPost, "/api/v1/reviews/:id/reject", s.reviewReject, operator},
	}
}

func (s *Server) reviewDelete(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	if err := s.Feedback.DeleteReview(c.Request().Context(), principal(c), id); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}

func (s *Server) counselorReviews(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	items, err := s.Feedback.PublishedReviews(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (s *Server) reviewQueue(c echo.Context) error {
	items, err := s.Feedback.ReviewQueue(c.Request().Context(), principal(c), 200)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]any{"items": items})
}

func (s *Server) reviewApprove(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	r, err := s.Feedback.ApproveReview(c.Request().Context(), principal(c), id)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}

func (s *Server) reviewReject(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	var in struct {
		Reason *string `json:"reason"`
	}
	if err := decodeStrictJSON(c, &in); err != nil {
		return err
	}
	if in.Reason == nil {
		return apperr.Field("reason", "is required")
	}
	r, err := s.Feedback.RejectReview(c.Request().Context(), principal(c), id, *in.Reason)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, r)
}
