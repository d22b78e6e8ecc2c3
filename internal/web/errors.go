package web

import (
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/httperr"
)

// errorPage is the data of the error page: message ids, never raw errors.
type errorPage struct {
	Format
	TitleKey   string
	MessageKey string
}

// RenderError renders an error page in the layout. A page that needs a
// signed-in user sends an anonymous one to /login instead of showing 401.
func (s *Server) RenderError(c echo.Context, status int, d httperr.Detail) error {
	s.attachPrincipal(c)
	if status == http.StatusUnauthorized {
		return redirectToLogin(c)
	}
	ep := errorPage{TitleKey: "error_title", MessageKey: "error_internal"}
	switch status {
	case http.StatusBadRequest:
		ep.TitleKey, ep.MessageKey = "error_bad_request_title", "error_bad_request"
	case http.StatusForbidden:
		ep.TitleKey, ep.MessageKey = "error_forbidden_title", "error_forbidden"
	case http.StatusNotFound:
		ep.TitleKey, ep.MessageKey = "error_not_found_title", "error_not_found"
	case http.StatusMethodNotAllowed:
		ep.TitleKey, ep.MessageKey = "error_not_found_title", "error_not_found"
	case http.StatusRequestEntityTooLarge:
		ep.TitleKey, ep.MessageKey = "error_bad_request_title", "error_too_large"
	case http.StatusConflict, http.StatusUnprocessableEntity:
		ep.TitleKey, ep.MessageKey = "error_bad_request_title", "error_refused"
	case http.StatusTooManyRequests:
		ep.TitleKey, ep.MessageKey = "error_rate_limited_title", "error_rate_limited"
	}
	if k, ok := errorPageKeys[apperr.Reason(d.Code)]; ok {
		ep.TitleKey, ep.MessageKey = k.Title, k.Message
	}
	if err := s.render(c, status, pageError, ep); err != nil {
		s.Log.Error("web: rendering the error page", "err", err)
		return c.String(status, http.StatusText(status))
	}
	return nil
}

// setRetryAfter puts a limiter's wait on a 429 that a handler renders
// itself, as httperr.Handler does for the rest.
func setRetryAfter(c echo.Context, err error) {
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeRateLimited && e.RetryAfter > 0 {
		httperr.SetRetryAfter(c, e.RetryAfter)
	}
}
