// Package payments is the only place that speaks to Stripe (stripe-go v76):
// customers, invoice items, invoices sent for bank-transfer style
// collection, and the verification of Stripe's webhook events. Every write
// carries an idempotency key derived from our own ids.
package payments

import (
	"context"
	"errors"
	"time"
)

// Config says how to reach Stripe. An empty Key disables payments.
type Config struct {
	Key           string // sk_… ; empty = disabled
	WebhookSecret string // whsec_…
	APIBase       string // override of https://api.stripe.com (stripe-mock in tests)
}

// Client talks to Stripe.
type Client struct {
	cfg Config
}

// New returns a client for cfg.
func New(cfg Config) *Client { return &Client{cfg: cfg} }

// Enabled reports whether a Stripe key is configured.
func (c *Client) Enabled() bool { return c != nil && c.cfg.Key != "" }

// InvoicePush is one of our invoices as Stripe should see it.
type InvoicePush struct {
	InvoiceID   string // our id: the base of every idempotency key
	CompanyID   string
	CompanyName string
	CustomerID  string // Stripe customer id when known; else one is created
	Number      string
	DueOn       time.Time
	Items       []Item
	TaxJPY      int64 // added as its own item: tax is computed once by us
}

// Item is one invoice line.
type Item struct {
	Description string
	AmountJPY   int64
}

// Pushed is what Stripe answered.
type Pushed struct {
	CustomerID string
	InvoiceID  string
	HostedURL  string
	Status     string
}

// Event is a verified webhook event reduced to what billing applies.
type Event struct {
	ID              string
	Type            string
	Created         time.Time
	StripeInvoiceID string
	InvoiceStatus   string
	OurInvoiceID    string // metadata taiwa_invoice_id
}

var errNotBuilt = errors.New("payments: not built")

// PushInvoice creates (or finds) the customer, adds the items, creates,
// finalises and sends the invoice.
func (c *Client) PushInvoice(ctx context.Context, in InvoicePush) (Pushed, error) {
	return Pushed{}, errNotBuilt
}

// ParseEvent verifies a webhook's Stripe-Signature and decodes it.
func (c *Client) ParseEvent(payload []byte, signature string) (Event, error) {
	return Event{}, errNotBuilt
}

// Ping reports whether Stripe answers (for /readyz).
func (c *Client) Ping(ctx context.Context) error { return errNotBuilt }
