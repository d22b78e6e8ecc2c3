package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

const invoiceColumns = `i.id, i.company_id, c.name AS company_name, i.number, i.period, i.status, i.subtotal_jpy, i.tax_jpy, i.total_jpy,
	i.issued_on::text AS issued_on, i.due_on::text AS due_on, i.stripe_invoice_id, i.hosted_url`

// invoiceScope is the scope to read companyID's invoices in: the company's
// admins and operators only (an employee of the company sees none).
func invoiceScope(actor auth.Principal, companyID uuid.UUID) (db.Scope, error) {
	if err := actor.Require(auth.RoleCompanyAdmin, auth.RoleOperator); err != nil {
		return db.Scope{}, err
	}
	return actor.CompanyScope(companyID)
}

// withOverdue turns an open invoice past its due date (JST) into overdue.
func withOverdue(inv *Invoice, now time.Time) {
	if inv.Status == StatusOpen && inv.DueOn < Today(now) {
		inv.Status = StatusOverdue
	}
}

// Invoices lists a company's invoices, newest first.
func (s *Service) Invoices(ctx context.Context, actor auth.Principal, companyID uuid.UUID) ([]Invoice, error) {
	scope, err := invoiceScope(actor, companyID)
	if err != nil {
		return nil, err
	}
	out := []Invoice{}
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT `+invoiceColumns+`
			FROM invoices i JOIN companies c ON c.id = i.company_id
			WHERE i.company_id = $1 ORDER BY i.period DESC`, companyID)
	})
	if err != nil {
		return nil, fmt.Errorf("invoices: %w", err)
	}
	now := s.Clock.Now()
	for i := range out {
		withOverdue(&out[i], now)
	}
	return out, nil
}

// Invoice returns one invoice with its lines (404 outside the actor's company).
func (s *Service) Invoice(ctx context.Context, actor auth.Principal, id uuid.UUID) (Invoice, error) {
	if err := actor.Require(auth.RoleCompanyAdmin, auth.RoleOperator); err != nil {
		return Invoice{}, err
	}
	var inv Invoice
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var err error
		inv, err = loadInvoice(ctx, tx, actor, id)
		return err
	})
	if err != nil {
		return Invoice{}, err
	}
	withOverdue(&inv, s.Clock.Now())
	return inv, nil
}

// loadInvoice reads an invoice and its lines in tx; row-level security and
// an explicit company filter hide other companies' invoices.
func loadInvoice(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, id uuid.UUID) (Invoice, error) {
	var inv Invoice
	q := `SELECT ` + invoiceColumns + ` FROM invoices i JOIN companies c ON c.id = i.company_id WHERE i.id = $1`
	args := []any{id}
	if actor.Role != auth.RoleOperator {
		q += ` AND i.company_id = $2`
		args = append(args, actor.CompanyID)
	}
	if err := tx.GetContext(ctx, &inv, q, args...); err != nil {
		if db.IsNoRows(err) {
			return inv, apperr.NotFound("invoice")
		}
		return inv, fmt.Errorf("invoice: %w", err)
	}
	inv.Lines = []Line{}
	if err := tx.SelectContext(ctx, &inv.Lines, `
		SELECT kind, description, quantity, unit_amount_jpy, amount_jpy FROM invoice_lines
		WHERE company_id = $1 AND invoice_id = $2 ORDER BY position`, inv.CompanyID, inv.ID); err != nil {
		return inv, fmt.Errorf("invoice lines: %w", err)
	}
	return inv, nil
}

// InvoiceForPush is an invoice with its lines for the Stripe push (the
// outbox handler's read, in the system scope), plus the company's Stripe
// customer when known.
func InvoiceForPush(ctx context.Context, tx *sqlx.Tx, id uuid.UUID) (Invoice, *string, error) {
	inv, err := loadInvoice(ctx, tx, auth.Principal{Role: auth.RoleOperator}, id)
	if err != nil {
		return inv, nil, err
	}
	var customer *string
	err = tx.GetContext(ctx, &customer, `SELECT stripe_customer_id FROM companies WHERE id = $1`, inv.CompanyID)
	return inv, customer, err
}

// RecordDownload audits that actor downloaded inv as format (pdf|csv).
func (s *Service) RecordDownload(ctx context.Context, actor auth.Principal, inv Invoice, format string) error {
	return audit.WriteAlone(ctx, s.DB, actor, audit.Event{
		Action: "invoice.download", CompanyID: inv.CompanyID, TargetType: "invoice", TargetID: inv.ID.String(),
		Details: map[string]any{"format": format, "period": inv.Period},
	})
}
