package payments

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// Event is a verified webhook event reduced to what billing applies.
type Event struct {
	ID              string
	Type            string
	Created         time.Time
	StripeInvoiceID string
	InvoiceStatus   string
	OurInvoiceID    string // metadata taiwa_invoice_id
}

// The API codes of webhook refusals.
const (
	ReasonWebhooksDisabled apperr.Reason = "webhooks_disabled" // no webhook secret is configured (503)
	ReasonInvalidSignature apperr.Reason = "invalid_signature" // ErrSignature (400)
)

// Errors of ParseEvent, for the HTTP layer to tell apart.
var (
	// ErrWebhooksDisabled: no signing secret is configured.
	ErrWebhooksDisabled = errors.New("payments: no webhook signing secret configured")
	// ErrSignature: the Stripe-Signature header is missing, malformed,
	// does not match, or its timestamp is outside the tolerance.
	ErrSignature = errors.New("payments: invalid webhook signature")
	// ErrPayload: the signed body is not a Stripe event.
	ErrPayload = errors.New("payments: malformed webhook payload")
)

// ParseEvent verifies a webhook's Stripe-Signature (HMAC and timestamp
// tolerance) and decodes it. Events of other API versions are accepted: we
// read only ids, type, time, and an invoice's status and metadata.
func (c *Client) ParseEvent(payload []byte, signature string) (Event, error) {
	if !c.WebhooksEnabled() {
		return Event{}, ErrWebhooksDisabled
	}
	tol := c.cfg.Tolerance
	if tol <= 0 {
		tol = webhook.DefaultTolerance
	}
	if err := webhook.ValidatePayloadWithTolerance(payload, signature, c.cfg.WebhookSecret, tol); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrSignature, err)
	}
	return decodeEvent(payload)
}

func decodeEvent(payload []byte) (Event, error) {
	var se stripe.Event
	if err := json.Unmarshal(payload, &se); err != nil {
		return Event{}, fmt.Errorf("%w: %w", ErrPayload, err)
	}
	if se.ID == "" || se.Type == "" || se.Created <= 0 {
		return Event{}, fmt.Errorf("%w: no id, type or created", ErrPayload)
	}
	ev := Event{ID: se.ID, Type: string(se.Type), Created: time.Unix(se.Created, 0).UTC()}
	if !strings.HasPrefix(ev.Type, "invoice.") {
		return ev, nil
	}
	if se.Data == nil || len(se.Data.Raw) == 0 {
		return Event{}, fmt.Errorf("%w: invoice event without an object", ErrPayload)
	}
	var inv struct {
		ID       string            `json:"id"`
		Status   string            `json:"status"`
		Metadata map[string]string `json:"metadata"`
	}
	if err := json.Unmarshal(se.Data.Raw, &inv); err != nil {
		return Event{}, fmt.Errorf("%w: invoice object: %w", ErrPayload, err)
	}
	ev.StripeInvoiceID, ev.InvoiceStatus, ev.OurInvoiceID = inv.ID, inv.Status, inv.Metadata["taiwa_invoice_id"]
	return ev, nil
}
