package billing

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/stripe/stripe-go/v76"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/outbox"
	"github.com/taiwa/taiwa/internal/platform/payments"
	"github.com/taiwa/taiwa/internal/platform/payments/paymentstest"
)

func TestNextStatusNeverMovesBackOrOutOfPaidAndVoid(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	before, same, after := t0.Add(-time.Minute), t0, t0.Add(time.Minute)
	for _, tc := range []struct {
		cur  string
		last *time.Time
		to   string
		at   time.Time
		want string
	}{
		{StatusNotSent, nil, StatusOpen, t0, StatusOpen},
		{StatusNotSent, nil, StatusPaid, t0, StatusPaid},
		{StatusOpen, &t0, StatusPaid, after, StatusPaid},
		{StatusOpen, &t0, StatusPaid, same, StatusPaid},
		{StatusOpen, &t0, StatusPaid, before, StatusOpen}, // older than the last applied
		{StatusPaid, &t0, StatusOpen, before, StatusPaid}, // a late finalized
		{StatusPaid, &t0, StatusOpen, after, StatusPaid},  // terminal
		{StatusPaid, &t0, StatusVoid, after, StatusPaid},  // voided after paid
		{StatusVoid, &t0, StatusPaid, after, StatusVoid},  // terminal
		{StatusOpen, &t0, StatusUncollectible, after, StatusUncollectible},
		{StatusUncollectible, &t0, StatusOpen, same, StatusUncollectible}, // no step back
		{StatusUncollectible, &t0, StatusPaid, after, StatusPaid},
		{StatusUncollectible, &t0, StatusVoid, after, StatusVoid},
		{StatusOpen, &t0, "", after, StatusOpen}, // an event we do not map
	} {
		got, changed := nextStatus(tc.cur, tc.last, tc.to, tc.at)
		if got != tc.want || changed != (tc.want != tc.cur) {
			t.Errorf("%s + %q at %s: %s (changed %v), want %s", tc.cur, tc.to, tc.at.Sub(t0), got, changed, tc.want)
		}
	}
}

// ledger is a database with one company and one invoice of three lines.
type ledger struct {
	DB        *db.DB
	CompanyID uuid.UUID
	InvoiceID uuid.UUID
}

func newLedger(t testing.TB) ledger {
	t.Helper()
	env := dbtest.New(t)
	l := ledger{DB: env.DB, CompanyID: uuid.New(), InvoiceID: uuid.New()}
	dbtest.Company(t, env, dbtest.ID(l.CompanyID), dbtest.Name("サンプル商事"))
	dbtest.CompanyAdmin(t, env, l.CompanyID, "hr@sample-shoji.example", dbtest.Name("人事 花子"))
	l.exec(t, `INSERT INTO invoices (company_id, id, number, period, plan_code, subtotal_jpy, tax_jpy, total_jpy, issued_on, due_on)
		VALUES ($1, $2, 'TW-2026-10-000001', '2026-10', 'subscription', 324000, 32400, 356400, '2026-11-01', '2026-11-30')`, l.CompanyID, l.InvoiceID)
	l.exec(t, `INSERT INTO invoice_lines (company_id, invoice_id, position, kind, description, quantity, unit_amount_jpy, amount_jpy) VALUES
		($1, $2, 1, 'plan_fee', '月額料金 / Monthly fee', 1, 300000, 300000),
		($1, $2, 2, 'no_shows', '無断キャンセル / No-shows', 0, 15000, 0),
		($1, $2, 3, 'overage', '超過セッション / Overage', 2, 12000, 24000)`, l.CompanyID, l.InvoiceID)
	return l
}

func (l ledger) exec(t testing.TB, q string, args ...any) {
	t.Helper()
	err := l.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (l ledger) get(t testing.TB, dest any, q string, args ...any) {
	t.Helper()
	err := l.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error { return tx.Get(dest, q, args...) })
	if err != nil {
		t.Fatal(err)
	}
}

// stored is our side of an invoice's push.
type stored struct {
	Status     string     `db:"status"`
	StripeID   *string    `db:"stripe_invoice_id"`
	HostedURL  *string    `db:"hosted_url"`
	SentAt     *time.Time `db:"sent_at"`
	PaidAt     *time.Time `db:"paid_at"`
	CustomerID *string    `db:"stripe_customer_id"`
}

func (l ledger) stored(t *testing.T) stored {
	t.Helper()
	var s stored
	l.get(t, &s, `SELECT i.status, i.stripe_invoice_id, i.hosted_url, i.sent_at, i.paid_at, c.stripe_customer_id
		FROM invoices i JOIN companies c ON c.id = i.company_id WHERE i.id = $1`, l.InvoiceID)
	return s
}

func (l ledger) enqueuePush(t *testing.T, dedupe string) {
	t.Helper()
	err := l.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return outbox.Enqueue(context.Background(), tx, PushKind, PushPayload{InvoiceID: l.InvoiceID, CompanyID: l.CompanyID}, dedupe)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func (l ledger) drain(t *testing.T, s *Service) {
	t.Helper()
	w := &outbox.Worker{DB: l.DB, Remotes: s.Remotes(), Log: slog.New(slog.DiscardHandler)}
	if _, err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func stripeService(l ledger, base string) *Service {
	return &Service{DB: l.DB, Payments: payments.New(payments.Config{
		Key: paymentstest.Key, WebhookSecret: "whsec_test", APIBase: base, MaxNetworkRetries: stripe.Int64(0)})}
}

func keys(reqs []paymentstest.Request) []string {
	var out []string
	for _, r := range reqs {
		out = append(out, r.IdempotencyKey)
	}
	return out
}

func TestPushSendsTheInvoiceAndStoresStripesIds(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	rec := paymentstest.NewRecorder(t)
	s := stripeService(l, rec.URL)
	l.enqueuePush(t, "push-1")
	l.drain(t, s)

	// stripe-mock's invoice fixture has no hosted URL, so that one is not
	// checked here.
	got := l.stored(t)
	if got.Status != StatusOpen || got.StripeID == nil || got.SentAt == nil || got.CustomerID == nil {
		t.Fatalf("after push: %+v", got)
	}
	id := l.InvoiceID.String()
	want := []string{payments.CustomerKey(l.CompanyID.String()), payments.InvoiceKey(id, payments.StepCreate),
		payments.ItemKey(id, 0), payments.ItemKey(id, 2), payments.InvoiceKey(id, payments.StepTax),
		payments.InvoiceKey(id, payments.StepFinalize), payments.InvoiceKey(id, payments.StepSend)}
	reqs := rec.Requests()
	if !slices.Equal(keys(reqs), want) {
		t.Fatalf("keys %q\nwant %q", keys(reqs), want)
	}
	if d := reqs[3].Form.Get("description"); d != "超過セッション / Overage (2 × ¥12000)" {
		t.Errorf("overage item described %q", d)
	}
	if e := reqs[0].Form.Get("email"); e != "hr@sample-shoji.example" {
		t.Errorf("customer email %q", e)
	}
	var audits int
	l.get(t, &audits, `SELECT count(*) FROM audit_log WHERE action = 'invoice.push' AND target_id = $1`, id)
	if audits != 1 {
		t.Errorf("%d push audit entries, want 1", audits)
	}

	// A second push of a sent invoice calls nothing.
	rec.Reset()
	l.enqueuePush(t, "push-2")
	l.drain(t, s)
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("re-push of a sent invoice made %d calls", n)
	}
	if again := l.stored(t); *again.StripeID != *got.StripeID {
		t.Errorf("stripe id changed from %s to %s", *got.StripeID, *again.StripeID)
	}
}

func TestPushFailingHalfWayLeavesNothingAndRetriesWithTheSameKeys(t *testing.T) {
	t.Parallel()
	for _, step := range []string{"/invoiceitems", "/finalize", "/send"} {
		t.Run(step, func(t *testing.T) {
			l := newLedger(t)
			rec := paymentstest.NewRecorder(t)
			s := stripeService(l, rec.URL)
			rec.FailNext(step, 1)
			l.enqueuePush(t, "push")
			l.drain(t, s)

			if got := l.stored(t); got.Status != StatusNotSent || got.StripeID != nil || got.SentAt != nil || got.CustomerID != nil {
				t.Fatalf("after a failed push: %+v", got)
			}
			var attempts int
			l.get(t, &attempts, `SELECT attempts FROM outbox WHERE kind = $1 AND status = 'pending'`, PushKind)
			if attempts != 1 {
				t.Fatalf("outbox attempts %d, want 1 and still pending", attempts)
			}
			first := keys(rec.Requests())
			rec.Reset()
			l.exec(t, `UPDATE outbox SET next_attempt_at = now() WHERE kind = $1`, PushKind)
			l.drain(t, s)

			if got := l.stored(t); got.Status != StatusOpen || got.StripeID == nil {
				t.Fatalf("after the retry: %+v", got)
			}
			second := keys(rec.Requests())
			if len(second) != 7 || !slices.Equal(first, second[:len(first)]) {
				t.Errorf("first attempt %q\nretry %q", first, second)
			}
			var invoices int
			l.get(t, &invoices, `SELECT count(*) FROM invoices WHERE company_id = $1`, l.CompanyID)
			if invoices != 1 {
				t.Errorf("%d invoices, want 1", invoices)
			}
		})
	}
}

func TestPushLeavesAnInvoiceSettledWithoutStripeAlone(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	rec := paymentstest.NewRecorder(t)
	l.exec(t, `UPDATE invoices SET status = 'void', voided_at = now() WHERE id = $1`, l.InvoiceID)
	l.enqueuePush(t, "push")
	l.drain(t, stripeService(l, rec.URL))
	if n := len(rec.Requests()); n != 0 {
		t.Errorf("a void invoice made %d Stripe calls", n)
	}
	if got := l.stored(t); got.Status != StatusVoid || got.StripeID != nil {
		t.Errorf("after push: %+v", got)
	}
}

func TestWithoutAStripeKeyTheInvoiceStaysNotSent(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	s := &Service{DB: l.DB, Payments: payments.New(payments.Config{})}
	l.enqueuePush(t, "push")
	l.drain(t, s)
	if got := l.stored(t); got.Status != StatusNotSent || got.StripeID != nil || got.SentAt != nil {
		t.Fatalf("without a key: %+v", got)
	}
}

func TestStripeEventsApplyOnceAndInAnyOrder(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	type step struct {
		typ string
		at  time.Duration
	}
	for _, tc := range []struct {
		name  string
		steps []step
		want  string
	}{
		{"finalized, sent, paid", []step{{"invoice.finalized", 0}, {"invoice.sent", 1}, {"invoice.paid", 60}}, StatusPaid},
		{"paid before a late finalized", []step{{"invoice.paid", 60}, {"invoice.finalized", 0}}, StatusPaid},
		{"paid and finalized in one second", []step{{"invoice.paid", 0}, {"invoice.finalized", 0}}, StatusPaid},
		{"voided after paid is ignored", []step{{"invoice.finalized", 0}, {"invoice.paid", 60}, {"invoice.voided", 120}}, StatusPaid},
		{"payment failed, then paid", []step{{"invoice.finalized", 0}, {"invoice.payment_failed", 30}, {"invoice.paid", 60}}, StatusPaid},
		{"payment failed late after paid", []step{{"invoice.paid", 60}, {"invoice.payment_failed", 30}}, StatusPaid},
		{"voided", []step{{"invoice.finalized", 0}, {"invoice.voided", 60}}, StatusVoid},
		{"paid after voided is ignored", []step{{"invoice.voided", 60}, {"invoice.paid", 120}}, StatusVoid},
		{"uncollectible", []step{{"invoice.finalized", 0}, {"invoice.marked_uncollectible", 60}}, StatusUncollectible},
		{"uncollectible, then paid", []step{{"invoice.marked_uncollectible", 60}, {"invoice.paid", 120}}, StatusPaid},
		{"an unmapped event changes nothing", []step{{"invoice.finalized", 0}, {"invoice.updated", 60}}, StatusOpen},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := newLedger(t)
			s := &Service{DB: l.DB}
			for i, st := range tc.steps {
				ev := payments.Event{ID: fmt.Sprintf("evt_%d", i), Type: st.typ, Created: t0.Add(st.at * time.Second),
					StripeInvoiceID: "in_test", OurInvoiceID: l.InvoiceID.String()}
				if err := s.ApplyEvent(context.Background(), ev); err != nil {
					t.Fatal(err)
				}
			}
			got := l.stored(t)
			if got.Status != tc.want {
				t.Errorf("status %s, want %s", got.Status, tc.want)
			}
			if got.StripeID == nil || *got.StripeID != "in_test" {
				t.Errorf("stripe id %v, want in_test from the event", got.StripeID)
			}
			if (got.Status == StatusPaid) != (got.PaidAt != nil) {
				t.Errorf("status %s with paid_at %v", got.Status, got.PaidAt)
			}
		})
	}
}

func TestADuplicateStripeEventIsAppliedOnce(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	s := &Service{DB: l.DB}
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	paid := payments.Event{ID: "evt_paid", Type: "invoice.paid", Created: t0, StripeInvoiceID: "in_test", OurInvoiceID: l.InvoiceID.String()}
	for range 3 {
		if err := s.ApplyEvent(context.Background(), paid); err != nil {
			t.Fatal(err)
		}
	}
	var events, audits int
	l.get(t, &events, `SELECT count(*) FROM stripe_events WHERE id = 'evt_paid' AND invoice_id = $1`, l.InvoiceID)
	l.get(t, &audits, `SELECT count(*) FROM audit_log WHERE action = 'invoice.stripe_event' AND target_id = $1`, l.InvoiceID.String())
	if events != 1 || audits != 1 {
		t.Errorf("%d events and %d audit entries, want 1 and 1", events, audits)
	}
	if got := l.stored(t); got.Status != StatusPaid || got.PaidAt == nil || !got.PaidAt.Equal(t0) {
		t.Errorf("after the paid event: %+v", got)
	}
}

func TestStripeEventsAboutOtherInvoicesAreRecordedAndIgnored(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	s := &Service{DB: l.DB}
	for _, ev := range []payments.Event{
		{ID: "evt_a", Type: "invoice.paid", Created: time.Now(), StripeInvoiceID: "in_someone_else"},
		{ID: "evt_b", Type: "invoice.paid", Created: time.Now(), StripeInvoiceID: "in_x", OurInvoiceID: "not-a-uuid"},
		{ID: "evt_c", Type: "customer.created", Created: time.Now()},
	} {
		if err := s.ApplyEvent(context.Background(), ev); err != nil {
			t.Fatalf("%s: %v", ev.ID, err)
		}
	}
	var events int
	l.get(t, &events, `SELECT count(*) FROM stripe_events WHERE invoice_id IS NULL`)
	if events != 3 {
		t.Errorf("%d events recorded, want 3", events)
	}
	if got := l.stored(t); got.Status != StatusNotSent {
		t.Errorf("our invoice moved to %s", got.Status)
	}
}

func TestStripeEventForAnInvoiceAlreadyLinkedToAnotherStripeIdIsIgnored(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	s := &Service{DB: l.DB}
	l.exec(t, `UPDATE invoices SET stripe_invoice_id = 'in_ours', status = 'open' WHERE id = $1`, l.InvoiceID)
	ev := payments.Event{ID: "evt_x", Type: "invoice.voided", Created: time.Now(), StripeInvoiceID: "in_stray", OurInvoiceID: l.InvoiceID.String()}
	if err := s.ApplyEvent(context.Background(), ev); err != nil {
		t.Fatal(err)
	}
	if got := l.stored(t); got.Status != StatusOpen || *got.StripeID != "in_ours" {
		t.Errorf("a stray invoice's event changed ours: %+v", got)
	}
}

func TestSendNowQueuesAPushOfANotSentInvoice(t *testing.T) {
	t.Parallel()
	l := newLedger(t)
	rec := paymentstest.NewRecorder(t)
	s := stripeService(l, rec.URL)
	op := auth.Principal{UserID: uuid.New(), Role: auth.RoleOperator}
	ctx := context.Background()
	for _, tc := range []struct {
		name  string
		svc   *Service
		actor auth.Principal
		id    uuid.UUID
		code  apperr.Code
	}{
		{"a company admin may not", s, auth.Principal{UserID: uuid.New(), Role: auth.RoleCompanyAdmin, CompanyID: l.CompanyID}, l.InvoiceID, apperr.CodeForbidden},
		{"without a key", &Service{DB: l.DB, Payments: payments.New(payments.Config{})}, op, l.InvoiceID, apperr.CodeUnprocessable},
		{"an unknown invoice", s, op, uuid.New(), apperr.CodeNotFound},
	} {
		if err := tc.svc.SendNow(ctx, tc.actor, tc.id); !apperr.Is(err, tc.code) {
			t.Errorf("%s: %v, want %s", tc.name, err, tc.code)
		}
	}
	if err := s.SendNow(ctx, op, l.InvoiceID); err != nil {
		t.Fatal(err)
	}
	l.drain(t, s)
	if got := l.stored(t); got.Status != StatusOpen || got.StripeID == nil {
		t.Fatalf("after send now: %+v", got)
	}
	if err := s.SendNow(ctx, op, l.InvoiceID); !apperr.Is(err, apperr.CodeConflict) {
		t.Errorf("second send now: %v, want conflict", err)
	}
}

// BenchmarkApplyStripeEvent measures one webhook event's transaction:
// dedupe insert, invoice lock and update, audit entry.
func BenchmarkApplyStripeEvent(b *testing.B) {
	l := newLedger(b)
	s := &Service{DB: l.DB}
	t0 := time.Now()
	ctx := context.Background()
	for i := 0; b.Loop(); i++ {
		ev := payments.Event{ID: fmt.Sprintf("evt_%d", i), Type: "invoice.sent", Created: t0.Add(time.Duration(i) * time.Second),
			StripeInvoiceID: "in_bench", OurInvoiceID: l.InvoiceID.String()}
		if err := s.ApplyEvent(ctx, ev); err != nil {
			b.Fatal(err)
		}
	}
}
