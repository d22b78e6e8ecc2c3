package payments

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/stripe/stripe-go/v76"
)

// InvoicePush is one of our invoices as Stripe should see it.
type InvoicePush struct {
	InvoiceID     string // our id: the base of every idempotency key
	CompanyID     string
	CompanyName   string
	CustomerEmail string // where Stripe sends the invoice; optional
	CustomerID    string // Stripe customer id when known; else one is created
	Number        string
	IssuedOn      time.Time // with DueOn, gives days_until_due
	DueOn         time.Time
	Items         []Item
	TaxJPY        int64 // added as its own item: tax is computed once by us
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
	Status     string // Stripe's invoice status after sending: open, paid, …
}

// TaxDescription names the tax item on Stripe's invoice.
const TaxDescription = "消費税 10%"

const currency = "jpy"

// Idempotency key steps of one invoice's push.
const (
	StepCreate   = "create"
	StepTax      = "tax"
	StepFinalize = "finalize"
	StepSend     = "send"
)

// CustomerKey is the idempotency key that creates a company's customer: one
// customer per company, however often the push is retried.
func CustomerKey(companyID string) string { return "taiwa-company-" + companyID + "-customer" }

// InvoiceKey is the idempotency key of one step of an invoice's push.
func InvoiceKey(invoiceID, step string) string { return "taiwa-inv-" + invoiceID + "-" + step }

// ItemKey is the idempotency key of an invoice's n-th line (from 0).
func ItemKey(invoiceID string, n int) string {
	return "taiwa-inv-" + invoiceID + "-item-" + strconv.Itoa(n)
}

// DaysUntilDue is the number of whole days from issue to due date (at least
// one). It depends only on our ledger's dates, so a retried create sends
// the same parameters under the same idempotency key.
func DaysUntilDue(issuedOn, dueOn time.Time) int64 {
	d := math.Round(dueOn.Sub(issuedOn).Hours() / 24)
	return int64(max(d, 1))
}

// ErrInvalidPush reports an InvoicePush that cannot be sent.
var ErrInvalidPush = errors.New("payments: invalid invoice push")

func (in InvoicePush) validate() error {
	switch {
	case in.InvoiceID == "":
		return fmt.Errorf("%w: no invoice id", ErrInvalidPush)
	case in.CompanyID == "":
		return fmt.Errorf("%w: no company id", ErrInvalidPush)
	case in.IssuedOn.IsZero() || in.DueOn.IsZero():
		return fmt.Errorf("%w: no issue or due date", ErrInvalidPush)
	case in.TaxJPY < 0:
		return fmt.Errorf("%w: negative tax", ErrInvalidPush)
	}
	return nil
}

// PushInvoice creates (or reuses) the customer, creates a draft invoice
// that collects only its own items, adds the items and the tax, finalises
// and sends it. Every call carries an idempotency key from our ids, so a
// retry after a failure between any two calls repeats nothing at Stripe
// (within Stripe's 24 h key lifetime, longer than the outbox's retries).
func (c *Client) PushInvoice(ctx context.Context, in InvoicePush) (Pushed, error) {
	if !c.Enabled() {
		return Pushed{}, ErrDisabled
	}
	if err := in.validate(); err != nil {
		return Pushed{}, err
	}
	out := Pushed{CustomerID: in.CustomerID}
	if out.CustomerID == "" {
		id, err := c.createCustomer(ctx, in)
		if err != nil {
			return Pushed{}, err
		}
		out.CustomerID = id
	}
	inv, err := c.createInvoice(ctx, in, out.CustomerID)
	if err != nil {
		return Pushed{}, err
	}
	if err := c.addItems(ctx, in, out.CustomerID, inv.ID); err != nil {
		return Pushed{}, err
	}
	fp := &stripe.InvoiceFinalizeInvoiceParams{AutoAdvance: stripe.Bool(false)}
	c.params(ctx, &fp.Params, InvoiceKey(in.InvoiceID, StepFinalize))
	if inv, err = c.api.Invoices.FinalizeInvoice(inv.ID, fp); err != nil {
		return Pushed{}, fmt.Errorf("payments: finalize invoice %s: %w", in.InvoiceID, err)
	}
	sp := &stripe.InvoiceSendInvoiceParams{}
	c.params(ctx, &sp.Params, InvoiceKey(in.InvoiceID, StepSend))
	if inv, err = c.api.Invoices.SendInvoice(inv.ID, sp); err != nil {
		return Pushed{}, fmt.Errorf("payments: send invoice %s: %w", in.InvoiceID, err)
	}
	out.InvoiceID, out.HostedURL, out.Status = inv.ID, inv.HostedInvoiceURL, string(inv.Status)
	return out, nil
}

func (c *Client) params(ctx context.Context, p *stripe.Params, key string) {
	p.Context = ctx
	p.IdempotencyKey = stripe.String(key)
}

func (c *Client) createCustomer(ctx context.Context, in InvoicePush) (string, error) {
	p := &stripe.CustomerParams{
		Name:             stripe.String(in.CompanyName),
		PreferredLocales: []*string{stripe.String("ja")},
		Metadata:         map[string]string{"taiwa_company_id": in.CompanyID},
	}
	if in.CustomerEmail != "" {
		p.Email = stripe.String(in.CustomerEmail)
	}
	c.params(ctx, &p.Params, CustomerKey(in.CompanyID))
	cu, err := c.api.Customers.New(p)
	if err != nil {
		return "", fmt.Errorf("payments: create customer for company %s: %w", in.CompanyID, err)
	}
	return cu.ID, nil
}

func (c *Client) createInvoice(ctx context.Context, in InvoicePush, customerID string) (*stripe.Invoice, error) {
	p := &stripe.InvoiceParams{
		Customer:                    stripe.String(customerID),
		Currency:                    stripe.String(currency),
		CollectionMethod:            stripe.String(string(stripe.InvoiceCollectionMethodSendInvoice)),
		DaysUntilDue:                stripe.Int64(DaysUntilDue(in.IssuedOn, in.DueOn)),
		AutoAdvance:                 stripe.Bool(false),
		PendingInvoiceItemsBehavior: stripe.String("exclude"),
		Metadata:                    map[string]string{"taiwa_invoice_id": in.InvoiceID, "taiwa_company_id": in.CompanyID},
	}
	if in.Number != "" {
		p.Metadata["taiwa_invoice_number"] = in.Number
		p.CustomFields = []*stripe.InvoiceCustomFieldParams{{Name: stripe.String("請求書番号"), Value: stripe.String(in.Number)}}
	}
	c.params(ctx, &p.Params, InvoiceKey(in.InvoiceID, StepCreate))
	inv, err := c.api.Invoices.New(p)
	if err != nil {
		return nil, fmt.Errorf("payments: create invoice %s: %w", in.InvoiceID, err)
	}
	return inv, nil
}

// addItems attaches every non-zero line, then the tax, to the draft. Keys
// number lines by their position among all lines, so skipping a zero line
// never shifts another line's key.
func (c *Client) addItems(ctx context.Context, in InvoicePush, customerID, stripeInvoiceID string) error {
	add := func(key, description string, amount int64) error {
		p := &stripe.InvoiceItemParams{
			Customer:    stripe.String(customerID),
			Invoice:     stripe.String(stripeInvoiceID),
			Currency:    stripe.String(currency),
			Amount:      stripe.Int64(amount),
			Description: stripe.String(description),
			Metadata:    map[string]string{"taiwa_invoice_id": in.InvoiceID},
		}
		c.params(ctx, &p.Params, key)
		if _, err := c.api.InvoiceItems.New(p); err != nil {
			return fmt.Errorf("payments: add item %s: %w", key, err)
		}
		return nil
	}
	for n, it := range in.Items {
		if it.AmountJPY == 0 {
			continue
		}
		if err := add(ItemKey(in.InvoiceID, n), it.Description, it.AmountJPY); err != nil {
			return err
		}
	}
	if in.TaxJPY > 0 {
		return add(InvoiceKey(in.InvoiceID, StepTax), TaxDescription, in.TaxJPY)
	}
	return nil
}
