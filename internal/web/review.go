package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// reviewPages are parsed with the others (render.go).
var reviewPages = []string{pageOperatorReviews}

const pageOperatorReviews = "operator_reviews"

// registerReviews adds the author's deletion of their review and the
// operators' moderation queue (docs/reviews.md).
func (s *Server) registerReviews(e *echo.Echo) {
	operator := requireRoles(auth.RoleOperator)
	e.POST("/sessions/:id/review/delete", s.reviewDelete, requireRoles(auth.RoleEmployee))
	e.GET("/operator/reviews", s.reviewQueue, operator)
	e.POST("/operator/reviews/:id/approve", s.reviewApprove, operator)
	e.POST("/operator/reviews/:id/reject", s.reviewReject, operator)
}

// reviewQueuePage lists the reviews awaiting moderation: text and
// counsellor only. RejectID and Reason keep a refused rejection's entry.
type reviewQueuePage struct {
	Format
	Items    []feedback.QueuedReview
	RejectID string
	Reason   string
	Error    string // message id of the reason's problem
}

func (s *Server) reviewQueuePage(c echo.Context, status int, pg reviewQueuePage) error {
	p, _ := principalOf(c)
	items, err := s.Feedback.ReviewQueue(c.Request().Context(), p, 100)
	if err != nil {
		return err
	}
	pg.Items = items
	return s.render(c, status, pageOperatorReviews, pg)
}

func (s *Server) reviewQueue(c echo.Context) error {
	return s.reviewQueuePage(c, http.StatusOK, reviewQueuePage{})
}

func (s *Server) reviewApprove(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	res, err := s.Feedback.ApproveReview(c.Request().Context(), p, id)
	switch {
	case apperr.Is(err, apperr.CodeConflict):
		s.setFlash(c, "error", "review_flash_already")
	case err != nil:
		return err
	case res.Published > 0:
		s.setFlash(c, "success", "review_flash_published")
	default:
		s.setFlash(c, "success", "review_flash_approved")
	}
	return c.Redirect(http.StatusSeeOther, "/operator/reviews")
}

func (s *Server) reviewReject(c echo.Context) error {
	id, err := pathID(c, "id")
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	reason := c.FormValue("reason")
	_, err = s.Feedback.RejectReview(c.Request().Context(), p, id, reason)
	switch {
	case apperr.Is(err, apperr.CodeInvalid):
		return s.reviewQueuePage(c, http.StatusBadRequest, reviewQueuePage{RejectID: id.String(), Reason: reason, Error: "review_err_reason"})
	case apperr.Is(err, apperr.CodeConflict):
		s.setFlash(c, "error", "review_flash_already")
	case err != nil:
		return err
	default:
		s.setFlash(c, "success", "review_flash_rejected")
	}
	return c.Redirect(http.StatusSeeOther, "/operator/reviews")
}

func (s *Server) reviewDelete(c echo.Context) error {
	b, err := s.loadSession(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	switch err := s.Feedback.DeleteReview(c.Request().Context(), p, b.ID); {
	case apperr.Is(err, apperr.CodeNotFound):
		s.setFlash(c, "error", "review_flash_none")
	case err != nil:
		return err
	default:
		s.setFlash(c, "success", "review_flash_deleted")
	}
	return c.Redirect(http.StatusSeeOther, "/sessions/"+b.ID.String()+"/feedback#review")
}
