package api_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/payments/paymentstest"
)

const whsec = "whsec_taiwa_test"

// stripeWorld is a server that takes Stripe's webhooks (and, with a key,
// pushes to stripe-mock) and one company's invoice.
type stripeWorld struct {
	h         *apptest.Harness
	db        *sqlx.DB
	companyID uuid.UUID
	invoiceID uuid.UUID
}

func newStripeWorld(t *testing.T, apiBase string) *stripeWorld {
	t.Helper()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) {
		c.StripeWebhookSecret = whsec
		if apiBase != "" {
			c.StripeKey, c.StripeAPIBase = paymentstest.Key, apiBase
		}
	}})
	w := &stripeWorld{h: h, db: ownerDB(t, h), companyID: uuid.New(), invoiceID: uuid.New()}
	dbtest.Company(t, w.db, dbtest.ID(w.companyID), dbtest.Name("サンプル商事"))
	w.exec(t, `INSERT INTO invoices (company_id, id, number, period, plan_code, subtotal_jpy, tax_jpy, total_jpy, issued_on, due_on)
		VALUES ($1, $2, 'TW-2026-10-000001', '2026-10', 'per_session', 30000, 3000, 33000, '2026-11-01', '2026-11-30')`, w.companyID, w.invoiceID)
	w.exec(t, `INSERT INTO invoice_lines (company_id, invoice_id, position, kind, description, quantity, unit_amount_jpy, amount_jpy)
		VALUES ($1, $2, 1, 'sessions', 'セッション / Sessions', 2, 15000, 30000)`, w.companyID, w.invoiceID)
	return w
}

func (w *stripeWorld) exec(t *testing.T, q string, args ...any) {
	t.Helper()
	if _, err := w.db.Exec(q, args...); err != nil {
		t.Fatal(err)
	}
}

func (w *stripeWorld) status(t *testing.T) string {
	t.Helper()
	var s string
	if err := w.db.Get(&s, `SELECT status FROM invoices WHERE id = $1`, w.invoiceID); err != nil {
		t.Fatal(err)
	}
	return s
}

func (w *stripeWorld) event(id, typ string, created time.Time) []byte {
	return fmt.Appendf(nil, `{"id":%q,"object":"event","api_version":"2023-10-16","created":%d,"type":%q,
		"data":{"object":{"id":"in_webhook","object":"invoice","status":"open","metadata":{"taiwa_invoice_id":%q}}}}`,
		id, created.Unix(), typ, w.invoiceID)
}

func (w *stripeWorld) deliver(payload []byte, signature string) apptest.Response {
	return w.h.Anonymous().Raw("POST", "/api/v1/webhooks/stripe", "application/json", bytes.NewReader(payload), "Stripe-Signature", signature)
}

func signed(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

func TestStripeWebhookVerifiesTheSignature(t *testing.T) {
	t.Parallel()
	w := newStripeWorld(t, "")
	now := time.Now()
	paid := w.event("evt_paid", "invoice.paid", now)
	garbage := []byte(`{"not":"an event"`)
	for _, tc := range []struct {
		name      string
		payload   []byte
		signature string
		status    int
		code      string
	}{
		{"signed by another secret", paid, signed(paid, "whsec_other", now), 400, "invalid_signature"},
		{"stale timestamp", paid, signed(paid, whsec, now.Add(-10*time.Minute)), 400, "invalid_signature"},
		{"no signature", paid, "", 400, "invalid_signature"},
		{"garbled signature", paid, "t=1,v1=nothex", 400, "invalid_signature"},
		{"signed garbage", garbage, signed(garbage, whsec, now), 400, "invalid_input"},
		{"good signature", paid, signed(paid, whsec, now), 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := w.deliver(tc.payload, tc.signature)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if tc.code != "" {
				var e apptest.APIError
				decode(t, r.Body, &e)
				if e.Error.Code != tc.code || len(e.Error.Fields) == 0 {
					t.Errorf("error %+v, want code %s with a field", e.Error, tc.code)
				}
				if s := w.status(t); s != billing.StatusNotSent {
					t.Errorf("a refused event moved the invoice to %s", s)
				}
				return
			}
			if !strings.Contains(string(r.Body), `"received":true`) {
				t.Errorf("body %s", r.Body)
			}
			if s := w.status(t); s != billing.StatusPaid {
				t.Errorf("status %s, want paid", s)
			}
		})
	}
}

func TestStripeWebhookDuplicateIsAcknowledgedAndAppliedOnce(t *testing.T) {
	t.Parallel()
	w := newStripeWorld(t, "")
	now := time.Now()
	fin := w.event("evt_fin", "invoice.finalized", now.Add(-time.Minute))
	for range 3 {
		if r := w.deliver(fin, signed(fin, whsec, now)); r.Status != 200 {
			t.Fatalf("status %d: %s", r.Status, r.Body)
		}
	}
	var events, audits int
	if err := w.db.Get(&events, `SELECT count(*) FROM stripe_events WHERE id = 'evt_fin'`); err != nil {
		t.Fatal(err)
	}
	if err := w.db.Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'invoice.stripe_event' AND target_id = $1`, w.invoiceID.String()); err != nil {
		t.Fatal(err)
	}
	if events != 1 || audits != 1 || w.status(t) != billing.StatusOpen {
		t.Errorf("%d events, %d audit entries, status %s; want 1, 1, open", events, audits, w.status(t))
	}
}

func TestStripeWebhooksOutOfOrderEndInTheRightStatus(t *testing.T) {
	t.Parallel()
	t0 := time.Now().Add(-time.Hour)
	type ev struct {
		typ string
		at  time.Duration
	}
	for _, tc := range []struct {
		name   string
		events []ev
		want   string
	}{
		{"paid before finalized", []ev{{"invoice.paid", time.Minute}, {"invoice.finalized", 0}}, billing.StatusPaid},
		{"voided after paid is ignored", []ev{{"invoice.paid", time.Minute}, {"invoice.voided", 2 * time.Minute}}, billing.StatusPaid},
		{"payment failed, then paid", []ev{{"invoice.payment_failed", time.Minute}, {"invoice.paid", 2 * time.Minute}}, billing.StatusPaid},
		{"sent, then marked uncollectible", []ev{{"invoice.sent", 0}, {"invoice.marked_uncollectible", time.Minute}}, billing.StatusUncollectible},
		{"an ignored event type", []ev{{"invoice.upcoming", 0}}, billing.StatusNotSent},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := newStripeWorld(t, "")
			for i, e := range tc.events {
				p := w.event(fmt.Sprintf("evt_%d", i), e.typ, t0.Add(e.at))
				if r := w.deliver(p, signed(p, whsec, time.Now())); r.Status != 200 {
					t.Fatalf("%s: status %d: %s", e.typ, r.Status, r.Body)
				}
			}
			if s := w.status(t); s != tc.want {
				t.Errorf("status %s, want %s", s, tc.want)
			}
		})
	}
}

func TestStripeWebhookWithoutASecretAnswers503(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	p := []byte(`{"id":"evt_1","type":"invoice.paid","created":1}`)
	r := h.Anonymous().Raw("POST", "/api/v1/webhooks/stripe", "application/json", bytes.NewReader(p), "Stripe-Signature", signed(p, whsec, time.Now()))
	if r.Status != 503 {
		t.Fatalf("status %d, want 503: %s", r.Status, r.Body)
	}
}

func TestStripeWebhookRefusesAnOversizedBody(t *testing.T) {
	t.Parallel()
	w := newStripeWorld(t, "")
	p := bytes.Repeat([]byte("x"), 1<<20+1)
	if r := w.deliver(p, signed(p, whsec, time.Now())); r.Status != 413 {
		t.Fatalf("status %d, want 413", r.Status)
	}
}

func TestInvoicePushedThroughTheOutboxThenPaidByWebhook(t *testing.T) {
	t.Parallel()
	w := newStripeWorld(t, paymentstest.StripeMock(t))
	w.exec(t, `INSERT INTO outbox (kind, payload) VALUES ($1, $2)`, billing.PushKind,
		fmt.Sprintf(`{"invoice_id":%q,"company_id":%q}`, w.invoiceID, w.companyID))
	w.h.DrainOutbox()
	var stripeID string
	if err := w.db.Get(&stripeID, `SELECT stripe_invoice_id FROM invoices WHERE id = $1 AND status = 'open' AND sent_at IS NOT NULL`, w.invoiceID); err != nil {
		t.Fatalf("the invoice was not pushed: %v", err)
	}
	p := fmt.Appendf(nil, `{"id":"evt_paid","object":"event","created":%d,"type":"invoice.paid",
		"data":{"object":{"id":%q,"object":"invoice","status":"paid","metadata":{}}}}`, time.Now().Unix(), stripeID)
	if r := w.deliver(p, signed(p, whsec, time.Now())); r.Status != 200 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if s := w.status(t); s != billing.StatusPaid {
		t.Errorf("status %s, want paid", s)
	}
}

func TestReadyzReportsStripe(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, apiBase, want string
	}{
		{"disabled without a key", "", "disabled"},
		{"ok with stripe-mock", paymentstest.StripeMock(t), "ok"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newStripeWorld(t, tc.apiBase).h
			var deps map[string]string
			if st := h.Anonymous().Do("GET", "/readyz", nil, &deps); st != 200 || deps["stripe"] != tc.want {
				t.Errorf("readyz %d %v, want stripe %s", st, deps, tc.want)
			}
		})
	}
}
