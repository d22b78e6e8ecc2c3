package payments_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76"

	"github.com/taiwa/taiwa/internal/platform/payments"
	"github.com/taiwa/taiwa/internal/platform/payments/paymentstest"
)

const (
	invID     = "0b6a3c52-9d55-4b7e-8f0e-2f4f3f1c0a01"
	companyID = "7d1e2f30-1111-4a4a-9b9b-000000000001"
)

func TestIdempotencyKeysDeriveFromOurIds(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ got, want string }{
		{payments.CustomerKey(companyID), "taiwa-company-" + companyID + "-customer"},
		{payments.InvoiceKey(invID, payments.StepCreate), "taiwa-inv-" + invID + "-create"},
		{payments.InvoiceKey(invID, payments.StepFinalize), "taiwa-inv-" + invID + "-finalize"},
		{payments.InvoiceKey(invID, payments.StepSend), "taiwa-inv-" + invID + "-send"},
		{payments.InvoiceKey(invID, payments.StepTax), "taiwa-inv-" + invID + "-tax"},
		{payments.ItemKey(invID, 0), "taiwa-inv-" + invID + "-item-0"},
		{payments.ItemKey(invID, 12), "taiwa-inv-" + invID + "-item-12"},
	} {
		if tc.got != tc.want {
			t.Errorf("key %q, want %q", tc.got, tc.want)
		}
	}
}

func TestDaysUntilDueCountsWholeDaysAtLeastOne(t *testing.T) {
	t.Parallel()
	day := func(s string) time.Time { d, _ := time.Parse(time.DateOnly, s); return d }
	for _, tc := range []struct {
		issued, due string
		want        int64
	}{
		{"2026-11-01", "2026-11-30", 29},
		{"2026-11-01", "2026-12-31", 60},
		{"2026-11-01", "2026-11-01", 1},
		{"2026-11-01", "2026-11-02", 1},
		{"2026-02-01", "2026-03-01", 28},
	} {
		if got := payments.DaysUntilDue(day(tc.issued), day(tc.due)); got != tc.want {
			t.Errorf("%s → %s: %d days, want %d", tc.issued, tc.due, got, tc.want)
		}
	}
}

func mockClient(t *testing.T, base string) *payments.Client {
	t.Helper()
	return payments.New(payments.Config{Key: paymentstest.Key, WebhookSecret: "whsec_test", APIBase: base, MaxNetworkRetries: stripe.Int64(0)})
}

func push() payments.InvoicePush {
	return payments.InvoicePush{
		InvoiceID: invID, CompanyID: companyID, CompanyName: "サンプル商事", CustomerEmail: "hr@sample-shoji.example",
		Number: "TW-2026-10-000001", IssuedOn: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), DueOn: time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC),
		Items: []payments.Item{
			{Description: "定額プラン 2026-10", AmountJPY: 300000},
			{Description: "無断キャンセル 0件", AmountJPY: 0},
			{Description: "超過セッション 2件", AmountJPY: 24000},
		},
		TaxJPY: 32400,
	}
}

func TestPushInvoiceSendsEveryCallWithItsKey(t *testing.T) {
	t.Parallel()
	rec := paymentstest.NewRecorder(t)
	c := mockClient(t, rec.URL)
	out, err := c.PushInvoice(context.Background(), push())
	if err != nil {
		t.Fatal(err)
	}
	if out.CustomerID == "" || out.InvoiceID == "" {
		t.Fatalf("pushed %+v: want customer and invoice ids", out)
	}
	reqs := rec.Requests()
	var keys, paths []string
	for _, r := range reqs {
		if r.Method != "POST" {
			t.Errorf("%s %s: only writes expected", r.Method, r.Path)
		}
		keys, paths = append(keys, r.IdempotencyKey), append(paths, r.Path)
	}
	wantKeys := []string{
		payments.CustomerKey(companyID),
		payments.InvoiceKey(invID, payments.StepCreate),
		payments.ItemKey(invID, 0),
		payments.ItemKey(invID, 2), // the zero line is skipped without shifting keys
		payments.InvoiceKey(invID, payments.StepTax),
		payments.InvoiceKey(invID, payments.StepFinalize),
		payments.InvoiceKey(invID, payments.StepSend),
	}
	if !slices.Equal(keys, wantKeys) {
		t.Fatalf("keys %q\nwant %q", keys, wantKeys)
	}
	wantPaths := []string{"/v1/customers", "/v1/invoices", "/v1/invoiceitems", "/v1/invoiceitems", "/v1/invoiceitems",
		"/v1/invoices/" + out.InvoiceID + "/finalize", "/v1/invoices/" + out.InvoiceID + "/send"}
	if !slices.Equal(paths, wantPaths) {
		t.Fatalf("paths %q\nwant %q", paths, wantPaths)
	}
	cust, inv, tax := reqs[0].Form, reqs[1].Form, reqs[4].Form
	for _, tc := range []struct{ got, want string }{
		{cust.Get("metadata[taiwa_company_id]"), companyID},
		{cust.Get("email"), "hr@sample-shoji.example"},
		{inv.Get("collection_method"), "send_invoice"},
		{inv.Get("currency"), "jpy"},
		{inv.Get("days_until_due"), "29"},
		{inv.Get("pending_invoice_items_behavior"), "exclude"},
		{inv.Get("metadata[taiwa_invoice_id]"), invID},
		{inv.Get("metadata[taiwa_company_id]"), companyID},
		{inv.Get("customer"), out.CustomerID},
		{reqs[2].Form.Get("amount"), "300000"},
		{reqs[2].Form.Get("invoice"), out.InvoiceID},
		{reqs[3].Form.Get("amount"), "24000"},
		{tax.Get("amount"), "32400"},
		{tax.Get("description"), payments.TaxDescription},
		{tax.Get("currency"), "jpy"},
	} {
		if tc.got != tc.want {
			t.Errorf("sent %q, want %q", tc.got, tc.want)
		}
	}
}

func TestPushRetriedAfterAFailureRepeatsTheSameKeys(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"/customers", "/invoiceitems", "/finalize", "/send"} {
		t.Run(step, func(t *testing.T) {
			rec := paymentstest.NewRecorder(t)
			c := mockClient(t, rec.URL)
			rec.FailNext(step, 1)
			if _, err := c.PushInvoice(context.Background(), push()); err == nil {
				t.Fatal("push succeeded through an injected failure")
			}
			first := rec.Requests()
			rec.Reset()
			if _, err := c.PushInvoice(context.Background(), push()); err != nil {
				t.Fatalf("retry: %v", err)
			}
			second := rec.Requests()
			if len(second) != 7 {
				t.Fatalf("retry made %d calls, want 7", len(second))
			}
			// stripe-mock answers each call with a fresh id (it keeps no
			// state), so compare keys and the kind of call, not ids.
			for i, r := range first {
				if r.IdempotencyKey != second[i].IdempotencyKey || pathShape(r.Path) != pathShape(second[i].Path) {
					t.Errorf("call %d: first %s %q, retry %s %q", i, r.Path, r.IdempotencyKey, second[i].Path, second[i].IdempotencyKey)
				}
			}
		})
	}
}

// pathShape drops the object id from /v1/invoices/in_…/finalize.
func pathShape(p string) string {
	parts := strings.Split(p, "/")
	if len(parts) == 5 {
		parts[3] = "{id}"
	}
	return strings.Join(parts, "/")
}

func TestPushWithAKnownCustomerCreatesNone(t *testing.T) {
	t.Parallel()
	rec := paymentstest.NewRecorder(t)
	in := push()
	in.CustomerID = "cus_known"
	out, err := mockClient(t, rec.URL).PushInvoice(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if out.CustomerID != "cus_known" {
		t.Errorf("customer %q, want cus_known", out.CustomerID)
	}
	for _, r := range rec.Requests() {
		if r.Path == "/v1/customers" {
			t.Error("created a customer although one was known")
		}
		if r.Path == "/v1/invoices" && r.Form.Get("customer") != "cus_known" {
			t.Errorf("invoice for customer %q", r.Form.Get("customer"))
		}
	}
}

func TestPushRefusesAnIncompleteInvoiceWithoutCallingStripe(t *testing.T) {
	t.Parallel()
	rec := paymentstest.NewRecorder(t)
	in := push()
	in.DueOn = time.Time{}
	if _, err := mockClient(t, rec.URL).PushInvoice(context.Background(), in); !errors.Is(err, payments.ErrInvalidPush) {
		t.Fatalf("err %v, want ErrInvalidPush", err)
	}
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("%d calls reached Stripe", n)
	}
}

func TestWithoutAKeyNothingIsCalled(t *testing.T) {
	t.Parallel()
	c := payments.New(payments.Config{})
	if c.Enabled() {
		t.Fatal("enabled without a key")
	}
	if _, err := c.PushInvoice(context.Background(), push()); !errors.Is(err, payments.ErrDisabled) {
		t.Errorf("push: %v, want ErrDisabled", err)
	}
	if err := c.Ping(context.Background()); !errors.Is(err, payments.ErrDisabled) {
		t.Errorf("ping: %v, want ErrDisabled", err)
	}
}

func TestPingAnswersFromStripeMock(t *testing.T) {
	t.Parallel()
	if err := mockClient(t, paymentstest.StripeMock(t)).Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := mockClient(t, "http://127.0.0.1:1").Ping(context.Background()); err == nil {
		t.Fatal("ping of a closed port succeeded")
	}
}

// BenchmarkPushInvoice measures a whole push (customer, invoice, three
// items, finalize, send: seven calls) against the local stripe-mock.
func BenchmarkPushInvoice(b *testing.B) {
	c := payments.New(payments.Config{Key: paymentstest.Key, APIBase: paymentstest.StripeMock(b), MaxNetworkRetries: stripe.Int64(0)})
	in := push()
	for b.Loop() {
		if _, err := c.PushInvoice(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}
