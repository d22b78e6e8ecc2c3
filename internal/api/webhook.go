package api

import (
	"errors"
	"io"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/payments"
)

// maxWebhookBody bounds a webhook's body; Stripe's events are far smaller.
const maxWebhookBody = 1 << 20

// webhookRoutes are the payment provider's callbacks (Stripe).
func (s *Server) webhookRoutes() []Route {
	return []Route{
		// Public: the signature, not a session, authenticates Stripe.
		{http.MethodPost, "/api/v1/webhooks/stripe", s.stripeWebhook, anyone},
	}
}

// stripeWebhook verifies Stripe-Signature on the raw body and applies the
// event once. Stripe retries anything but a 2xx, so an ignored or
// duplicate event still answers 200, and a failure of ours answers 500 to
// have it delivered again.
func (s *Server) stripeWebhook(c echo.Context) error {
	if !s.Billing.Payments.WebhooksEnabled() {
		return apperr.Unavailable(payments.ReasonWebhooksDisabled, "no Stripe webhook secret is configured")
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxWebhookBody+1))
	if err != nil {
		return apperr.Invalid("the body could not be read", nil).Wrap(err)
	}
	if len(body) > maxWebhookBody {
		return echo.NewHTTPError(http.StatusRequestEntityTooLarge)
	}
	ev, err := s.Billing.Payments.ParseEvent(body, c.Request().Header.Get("Stripe-Signature"))
	switch {
	case errors.Is(err, payments.ErrSignature):
		return &apperr.Error{Code: apperr.CodeInvalid, Reason: payments.ReasonInvalidSignature,
			Message: "the Stripe-Signature header does not match this body or is too old",
			Fields:  map[string]string{"Stripe-Signature": "invalid or stale"}, Err: err}
	case errors.Is(err, payments.ErrPayload):
		return apperr.Invalid("the body is not a Stripe event", map[string]string{"body": "not a Stripe event"}).Wrap(err)
	case err != nil:
		return err
	}
	if err := s.Billing.ApplyEvent(c.Request().Context(), ev); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, map[string]bool{"received": true})
}
