package payments_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/taiwa/taiwa/internal/platform/payments"
)

const secret = "whsec_test"

func invoiceEvent(id, typ, status string, created int64) []byte {
	return fmt.Appendf(nil, `{"id":%q,"object":"event","api_version":"2023-10-16","created":%d,"type":%q,
		"data":{"object":{"id":"in_123","object":"invoice","status":%q,"metadata":{"taiwa_invoice_id":%q}}}}`,
		id, created, typ, status, invID)
}

func sign(payload []byte, key string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: key, Timestamp: at}).Header
}

func TestParseEventVerifiesTheSignatureAndDecodes(t *testing.T) {
	t.Parallel()
	c := payments.New(payments.Config{WebhookSecret: secret})
	now := time.Now()
	good := invoiceEvent("evt_1", "invoice.paid", "paid", 1767225600)
	for _, tc := range []struct {
		name      string
		payload   []byte
		signature string
		wantErr   error
	}{
		{"good signature", good, sign(good, secret, now), nil},
		{"signed by another secret", good, sign(good, "whsec_other", now), payments.ErrSignature},
		{"stale timestamp", good, sign(good, secret, now.Add(-10*time.Minute)), payments.ErrSignature},
		{"no header", good, "", payments.ErrSignature},
		{"garbled header", good, "t=abc,v1=zz", payments.ErrSignature},
		{"body changed after signing", invoiceEvent("evt_1", "invoice.paid", "paid", 1767225601), sign(good, secret, now), payments.ErrSignature},
		{"signed garbage", []byte("not json"), sign([]byte("not json"), secret, now), payments.ErrPayload},
		{"signed event without id", []byte(`{"type":"invoice.paid","created":1}`), sign([]byte(`{"type":"invoice.paid","created":1}`), secret, now), payments.ErrPayload},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ev, err := c.ParseEvent(tc.payload, tc.signature)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr != nil {
				return
			}
			want := payments.Event{ID: "evt_1", Type: "invoice.paid", Created: time.Unix(1767225600, 0).UTC(),
				StripeInvoiceID: "in_123", InvoiceStatus: "paid", OurInvoiceID: invID}
			if ev != want {
				t.Errorf("event %+v\nwant %+v", ev, want)
			}
		})
	}
}

func TestParseEventOfAnotherKindCarriesNoInvoice(t *testing.T) {
	t.Parallel()
	c := payments.New(payments.Config{WebhookSecret: secret})
	p := []byte(`{"id":"evt_2","object":"event","created":1767225600,"type":"customer.created","data":{"object":{"id":"cus_1","object":"customer"}}}`)
	ev, err := c.ParseEvent(p, sign(p, secret, time.Now()))
	if err != nil {
		t.Fatal(err)
	}
	if ev.ID != "evt_2" || ev.Type != "customer.created" || ev.StripeInvoiceID != "" || ev.OurInvoiceID != "" {
		t.Errorf("event %+v", ev)
	}
}

func TestParseEventWithoutASecretIsRefused(t *testing.T) {
	t.Parallel()
	c := payments.New(payments.Config{Key: "sk_test_x"})
	p := invoiceEvent("evt_1", "invoice.paid", "paid", 1)
	if _, err := c.ParseEvent(p, sign(p, "", time.Now())); !errors.Is(err, payments.ErrWebhooksDisabled) {
		t.Fatalf("err %v, want ErrWebhooksDisabled", err)
	}
}
