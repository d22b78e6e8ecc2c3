package billing

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/outbox"
	"github.com/taiwa/taiwa/internal/platform/payments"
)

// Remotes are billing's outbox handlers by kind (the Stripe push).
func (s *Service) Remotes() map[string]outbox.Remote {
	return map[string]outbox.Remote{PushKind: s.handlePush}
}

// system is the actor of what Stripe and the worker do.
var system = auth.Principal{Role: auth.Role(db.RoleSystem)}

// pushRow is an invoice with what its push needs.
type pushRow struct {
	ID            uuid.UUID  `db:"id"`
	CompanyID     uuid.UUID  `db:"company_id"`
	CompanyName   string     `db:"company_name"`
	CustomerID    *string    `db:"stripe_customer_id"`
	CustomerEmail *string    `db:"customer_email"`
	Number        string     `db:"number"`
	TaxJPY        int64      `db:"tax_jpy"`
	IssuedOn      time.Time  `db:"issued_on"`
	DueOn         time.Time  `db:"due_on"`
	Status        string     `db:"status"`
	SentAt        *time.Time `db:"sent_at"`
}

// handlePush sends one invoice to Stripe: it reads the invoice in the
// worker's claiming transaction, calls Stripe with no transaction open, and
// records Stripe's ids in the transaction that marks the row done. An
// invoice already sent is left alone; without a Stripe key the invoice
// stays not_sent (the run enqueues nothing then). A failure records nothing
// on our side and the outbox retries: every Stripe call carries a key
// derived from our ids, so nothing is billed twice.
func (s *Service) handlePush(ctx context.Context, tx *sqlx.Tx, m outbox.Message) (outbox.Call, error) {
	if !s.Payments.Enabled() {
		return nil, nil
	}
	var p PushPayload
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return nil, fmt.Errorf("billing: push payload: %w", err)
	}
	var r pushRow
	err := tx.GetContext(ctx, &r, `
		SELECT i.id, i.company_id, c.name AS company_name, c.stripe_customer_id,
		       (SELECT u.email FROM users u WHERE u.company_id = i.company_id AND u.role = 'company_admin'
		         AND u.disabled_at IS NULL ORDER BY u.created_at, u.id LIMIT 1) AS customer_email,
		       i.number, i.tax_jpy, i.issued_on, i.due_on, i.status, i.sent_at
		FROM invoices i JOIN companies c ON c.id = i.company_id
		WHERE i.company_id = $1 AND i.id = $2`, p.CompanyID, p.InvoiceID)
	if db.IsNoRows(err) {
		return nil, nil // nothing to push
	}
	if err != nil {
		return nil, fmt.Errorf("billing: push %s: %w", p.InvoiceID, err)
	}
	if r.SentAt != nil || r.Status == StatusPaid || r.Status == StatusVoid {
		return nil, nil // already pushed, or settled without Stripe
	}
	in, err := pushOf(ctx, tx, r)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (outbox.Record, error) {
		out, err := s.Payments.PushInvoice(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("billing: push %s: %w", r.ID, err)
		}
		return func(ctx context.Context, tx *sqlx.Tx) error { return recordPush(ctx, tx, r, out) }, nil
	}, nil
}

// pushOf is the invoice and its lines as Stripe should see them.
func pushOf(ctx context.Context, tx *sqlx.Tx, r pushRow) (payments.InvoicePush, error) {
	var lines []Line
	err := tx.SelectContext(ctx, &lines, `
		SELECT kind, description, quantity, unit_amount_jpy, amount_jpy FROM invoice_lines
		WHERE company_id = $1 AND invoice_id = $2 ORDER BY position`, r.CompanyID, r.ID)
	if err != nil {
		return payments.InvoicePush{}, fmt.Errorf("billing: push %s: lines: %w", r.ID, err)
	}
	in := payments.InvoicePush{
		InvoiceID: r.ID.String(), CompanyID: r.CompanyID.String(), CompanyName: r.CompanyName,
		Number: r.Number, IssuedOn: r.IssuedOn, DueOn: r.DueOn, TaxJPY: r.TaxJPY,
	}
	if r.CustomerID != nil {
		in.CustomerID = *r.CustomerID
	}
	if r.CustomerEmail != nil {
		in.CustomerEmail = *r.CustomerEmail
	}
	for _, l := range lines {
		d := l.Description
		if l.Quantity != 1 {
			d = fmt.Sprintf("%s (%d × ¥%d)", d, l.Quantity, l.UnitAmountJPY)
		}
		in.Items = append(in.Items, payments.Item{Description: d, AmountJPY: l.AmountJPY})
	}
	return in, nil
}

// recordPush stores Stripe's ids. A webhook may already have moved the
// invoice on (paid before our commit): the status only leaves not_sent.
func recordPush(ctx context.Context, tx *sqlx.Tx, r pushRow, out payments.Pushed) error {
	status := StatusOpen
	if out.Status == StatusPaid {
		status = StatusPaid
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE companies SET stripe_customer_id = $2 WHERE id = $1 AND stripe_customer_id IS NULL`,
		r.CompanyID, out.CustomerID); err != nil {
		return fmt.Errorf("billing: push %s: customer: %w", r.ID, err)
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE invoices SET stripe_invoice_id = $3, hosted_url = NULLIF($4, ''), sent_at = now(), updated_at = now(),
		       status = CASE WHEN status = 'not_sent' THEN $5 ELSE status END,
		       paid_at = CASE WHEN status = 'not_sent' AND $5 = 'paid' THEN now() ELSE paid_at END
		WHERE company_id = $1 AND id = $2`,
		r.CompanyID, r.ID, out.InvoiceID, out.HostedURL, status); err != nil {
		return fmt.Errorf("billing: push %s: record: %w", r.ID, err)
	}
	return audit.Write(ctx, tx, system, audit.Event{
		Action: "invoice.push", CompanyID: r.CompanyID, TargetType: "invoice", TargetID: r.ID.String(),
		Details: map[string]any{"stripe_invoice_id": out.InvoiceID, "status": status},
	})
}

// eventStatus is the status each of Stripe's invoice events moves an
// invoice to. Other events are recorded and otherwise ignored.
var eventStatus = map[string]string{
	"invoice.finalized":               StatusOpen,
	"invoice.sent":                    StatusOpen,
	"invoice.payment_failed":          StatusOpen,
	"invoice.payment_action_required": StatusOpen,
	"invoice.overdue":                 StatusOpen,
	"invoice.paid":                    StatusPaid,
	"invoice.payment_succeeded":       StatusPaid,
	"invoice.voided":                  StatusVoid,
	"invoice.marked_uncollectible":    StatusUncollectible,
}

// statusRank orders statuses along an invoice's life: an event never moves
// an invoice back, and paid and void are terminal.
var statusRank = map[string]int{StatusNotSent: 0, StatusOpen: 1, StatusUncollectible: 2, StatusPaid: 3, StatusVoid: 3}

// nextStatus decides what an event created at "at" does to an invoice in
// status cur whose newest applied event was created at last (nil: none).
// Out-of-order delivery is harmless: an older event, a step back, or
// anything after paid or void changes nothing.
func nextStatus(cur string, last *time.Time, to string, at time.Time) (string, bool) {
	switch {
	case to == "", cur == StatusPaid, cur == StatusVoid:
		return cur, false
	case last != nil && at.Before(*last):
		return cur, false
	case statusRank[to] < statusRank[cur]:
		return cur, false
	}
	return to, to != cur
}

// eventInvoice is the invoice an event is about, locked for the update.
type eventInvoice struct {
	CompanyID uuid.UUID  `db:"company_id"`
	ID        uuid.UUID  `db:"id"`
	Status    string     `db:"status"`
	LastEvent *time.Time `db:"stripe_event_at"`
}

// ApplyEvent applies one verified Stripe event, once: a second delivery
// of the same event id does nothing. Events about invoices we do not know,
// and events of other kinds, are recorded and ignored.
func (s *Service) ApplyEvent(ctx context.Context, ev payments.Event) error {
	if ev.ID == "" || ev.Type == "" {
		return apperr.Invalid("the event has no id or type", map[string]string{"id": "required", "type": "required"})
	}
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		inv, err := lockEventInvoice(ctx, tx, ev)
		if err != nil {
			return err
		}
		var invoiceID *uuid.UUID
		if inv != nil {
			invoiceID = &inv.ID
		}
		res, err := tx.ExecContext(ctx, `
			INSERT INTO stripe_events (id, type, created, invoice_id) VALUES ($1, $2, $3, $4)
			ON CONFLICT (id) DO NOTHING`, ev.ID, ev.Type, ev.Created, invoiceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 || inv == nil {
			return nil // a duplicate, or not about one of our invoices
		}
		return applyToInvoice(ctx, tx, *inv, ev)
	})
	if err != nil {
		return fmt.Errorf("billing: stripe event %s: %w", ev.ID, err)
	}
	return nil
}

// lockEventInvoice finds the event's invoice by Stripe's id, else by our
// id in its metadata (an event may outrun the push's own commit).
func lockEventInvoice(ctx context.Context, tx *sqlx.Tx, ev payments.Event) (*eventInvoice, error) {
	if ev.StripeInvoiceID == "" {
		return nil, nil
	}
	ours, perr := uuid.Parse(ev.OurInvoiceID)
	if perr != nil {
		ours = uuid.Nil
	}
	var inv eventInvoice
	err := tx.GetContext(ctx, &inv, `
		SELECT company_id, id, status, stripe_event_at FROM invoices
		WHERE stripe_invoice_id = $1 OR (id = $2 AND stripe_invoice_id IS NULL)
		ORDER BY stripe_invoice_id NULLS LAST LIMIT 1 FOR UPDATE`, ev.StripeInvoiceID, ours)
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

func applyToInvoice(ctx context.Context, tx *sqlx.Tx, inv eventInvoice, ev payments.Event) error {
	to, changed := nextStatus(inv.Status, inv.LastEvent, eventStatus[ev.Type], ev.Created)
	if _, err := tx.ExecContext(ctx, `
		UPDATE invoices SET status = $3,
		       stripe_invoice_id = COALESCE(stripe_invoice_id, $4),
		       stripe_event_at = GREATEST(stripe_event_at, $5),
		       paid_at = CASE WHEN $3 = 'paid' AND paid_at IS NULL THEN $5 ELSE paid_at END,
		       voided_at = CASE WHEN $3 = 'void' AND voided_at IS NULL THEN $5 ELSE voided_at END,
		       updated_at = now()
		WHERE company_id = $1 AND id = $2`,
		inv.CompanyID, inv.ID, to, ev.StripeInvoiceID, ev.Created); err != nil {
		return err
	}
	outcome := "ok"
	if !changed {
		outcome = "ignored"
	}
	return audit.Write(ctx, tx, system, audit.Event{
		Action: "invoice.stripe_event", CompanyID: inv.CompanyID, TargetType: "invoice", TargetID: inv.ID.String(), Outcome: outcome,
		Details: map[string]any{"event_id": ev.ID, "event_type": ev.Type, "from": inv.Status, "to": to},
	})
}

// SendNow queues a not_sent invoice's push to Stripe (operators): for an
// invoice billed while no key was configured, or whose push gave up. The
// push itself is idempotent, so queueing it twice sends nothing twice.
func (s *Service) SendNow(ctx context.Context, actor auth.Principal, id uuid.UUID) error {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return err
	}
	if !s.Payments.Enabled() {
		return apperr.Unprocessable(ReasonStripeDisabled, "no Stripe key is configured: invoices stay local")
	}
	return s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var inv struct {
			CompanyID uuid.UUID  `db:"company_id"`
			Status    string     `db:"status"`
			TotalJPY  int64      `db:"total_jpy"`
			SentAt    *time.Time `db:"sent_at"`
		}
		err := tx.GetContext(ctx, &inv, `SELECT company_id, status, total_jpy, sent_at FROM invoices WHERE id = $1 FOR UPDATE`, id)
		if db.IsNoRows(err) {
			return apperr.NotFound("invoice")
		}
		if err != nil {
			return err
		}
		switch {
		case inv.SentAt != nil || inv.Status != StatusNotSent:
			return apperr.Conflict(ReasonAlreadySent, "the invoice has already been sent")
		case inv.TotalJPY <= 0:
			return apperr.Unprocessable(ReasonNothingToCollect, "the invoice's total is not positive")
		}
		p := PushPayload{InvoiceID: id, CompanyID: inv.CompanyID}
		if err := outbox.Enqueue(ctx, tx, PushKind, p, PushKind+":"+id.String()+":send-now:"+uuid.NewString()); err != nil {
			return err
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "invoice.send_now", CompanyID: inv.CompanyID, TargetType: "invoice", TargetID: id.String()})
	})
}
