// Package payments is the only place that speaks to Stripe (stripe-go v76):
// customers, invoice items, invoices sent for bank-transfer style
// collection, and the verification of Stripe's webhook events. Every write
// carries an idempotency key derived from our own ids.
package payments

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/stripe/stripe-go/v76"
	"github.com/stripe/stripe-go/v76/client"
)

// Config says how to reach Stripe. An empty Key disables payments.
type Config struct {
	Key           string // sk_… ; empty = disabled
	WebhookSecret string // whsec_…
	APIBase       string // override of https://api.stripe.com (stripe-mock in tests)
	// HTTPClient carries the calls; nil means a client with a 30 s timeout.
	HTTPClient *http.Client
	// MaxNetworkRetries is how often stripe-go itself retries a failed call
	// (with the same idempotency key); nil means stripe-go's default. The
	// outbox retries on top of it.
	MaxNetworkRetries *int64
	// Tolerance is how old a webhook's signed timestamp may be; zero means
	// stripe-go's default (5 minutes).
	Tolerance time.Duration
}

// Client talks to Stripe through its own stripe-go API client: the
// package-global stripe.Key is never used.
type Client struct {
	cfg Config
	api *client.API
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	c := &Client{cfg: cfg}
	if cfg.Key == "" {
		return c
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	bc := &stripe.BackendConfig{
		HTTPClient:        hc,
		LeveledLogger:     &stripe.LeveledLogger{Level: stripe.LevelNull},
		MaxNetworkRetries: cfg.MaxNetworkRetries,
	}
	if cfg.APIBase != "" {
		bc.URL = stripe.String(cfg.APIBase)
	}
	c.api = client.New(cfg.Key, &stripe.Backends{
		API:     stripe.GetBackendWithConfig(stripe.APIBackend, bc),
		Connect: stripe.GetBackendWithConfig(stripe.ConnectBackend, &stripe.BackendConfig{HTTPClient: hc, LeveledLogger: bc.LeveledLogger}),
		Uploads: stripe.GetBackendWithConfig(stripe.UploadsBackend, &stripe.BackendConfig{HTTPClient: hc, LeveledLogger: bc.LeveledLogger}),
	})
	return c
}

// Enabled reports whether a Stripe key is configured.
func (c *Client) Enabled() bool { return c != nil && c.cfg.Key != "" }

// WebhooksEnabled reports whether webhook events can be verified (a
// signing secret is configured).
func (c *Client) WebhooksEnabled() bool { return c != nil && c.cfg.WebhookSecret != "" }

// ErrDisabled is returned by calls that need a key when none is configured.
var ErrDisabled = errors.New("payments: no Stripe key configured")

// Ping reports whether Stripe answers (for /readyz): it reads the balance,
// the cheapest authenticated call.
func (c *Client) Ping(ctx context.Context) error {
	if !c.Enabled() {
		return ErrDisabled
	}
	p := &stripe.BalanceParams{}
	p.Context = ctx
	_, err := c.api.Balance.Get(p)
	return err
}
