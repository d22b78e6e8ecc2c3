package billing

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// PushKind is the outbox kind of an invoice's push to Stripe; its payload
// is PushPayload.
const PushKind = "billing.invoice.push"

// PushPayload names the invoice to push.
type PushPayload struct {
	InvoiceID uuid.UUID `json:"invoice_id"`
	CompanyID uuid.UUID `json:"company_id"`
}

// termRow is a contract with its plan, as the run reads it.
type termRow struct {
	ContractID uuid.UUID `db:"contract_id"`
	Status     string    `db:"status"`
	StartsOn   string    `db:"starts_on"`
	EndsOn     *string   `db:"ends_on"`
	Plan
}

const termColumns = `k.id AS contract_id, k.status, k.starts_on::text AS starts_on, k.ends_on::text AS ends_on,
	p.code, p.name_ja, p.name_en, p.kind, p.is_trial, p.monthly_fee_jpy, p.session_price_jpy, p.seat_price_jpy,
	p.included_sessions, p.overage_price_jpy, p.session_cap, p.late_cancel_notice_h, p.active`

// sessionRow is a billable booking as the run reads it.
type sessionRow struct {
	BookingID  uuid.UUID  `db:"id"`
	Status     string     `db:"status"`
	StartsAt   time.Time  `db:"starts_at"`
	ContractID *uuid.UUID `db:"contract_id"`
}

// billedRow is one session billed on the invoice being built.
type billedRow struct {
	bookingID uuid.UUID
	period    string
	status    string
	line      int // index into the invoice's lines
	amount    int64
}

// draft is an invoice being built.
type draft struct {
	lines     []Line
	billed    []billedRow
	reversals []reversal
	manual    []manualAdjustment
	contract  *uuid.UUID
	planCode  string
	hasTerm   bool // a contract covers part of the period
}

type reversal struct {
	BookingID uuid.UUID `db:"booking_id"`
	InvoiceID uuid.UUID `db:"invoice_id"`
	AmountJPY int64     `db:"amount_jpy"`
	line      int
}

type manualAdjustment struct {
	ID          uuid.UUID `db:"id"`
	AmountJPY   int64     `db:"amount_jpy"`
	Description string    `db:"description"`
	line        int
}

// billCompany makes the company's invoice for p in tx, or finds it made.
func billCompany(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, p Period, runID uuid.UUID, push bool) (billOutcome, error) {
	// Serialise with anything else billing this company (the unique
	// (company_id, period) constraint is the last line).
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM companies WHERE id = $1 FOR UPDATE`, companyID); err != nil {
		return 0, err
	}
	var exists bool
	if err := tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM invoices WHERE company_id = $1 AND period = $2)`, companyID, p.String()); err != nil {
		return 0, err
	}
	if exists {
		return outcomeUnchanged, nil
	}
	d, err := buildDraft(ctx, tx, companyID, p)
	if err != nil {
		return 0, err
	}
	if !d.hasTerm && len(d.lines) == 0 {
		return outcomeSkipped, nil
	}
	id, total, err := insertInvoice(ctx, tx, companyID, p, runID, d)
	if err != nil {
		return 0, err
	}
	if push && total > 0 {
		if err := outbox.Enqueue(ctx, tx, PushKind, PushPayload{InvoiceID: id, CompanyID: companyID}, PushKind+":"+id.String()); err != nil {
			return 0, err
		}
	}
	return outcomeCreated, nil
}

// buildDraft prices the period's contracts and sessions, then adds the
// corrections of earlier periods and pending manual adjustments.
func buildDraft(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, p Period) (draft, error) {
	var d draft
	var terms []termRow
	if err := tx.SelectContext(ctx, &terms, `
		SELECT `+termColumns+`
		FROM contracts k JOIN plans p ON p.code = k.plan_code
		WHERE k.company_id = $1 AND k.starts_on <= $3::date AND (k.ends_on IS NULL OR k.ends_on >= $2::date)
		ORDER BY k.starts_on, k.created_at, k.id`, companyID, p.FirstDay(), p.LastDay()); err != nil {
		return d, fmt.Errorf("contracts: %w", err)
	}
	d.hasTerm = len(terms) > 0
	var sessions []sessionRow
	if err := tx.SelectContext(ctx, &sessions, `
		SELECT b.id, b.status, b.starts_at, b.contract_id FROM bookings b
		WHERE b.company_id = $1 AND b.starts_at >= $2 AND b.starts_at < $3
		  AND b.status IN ('completed', 'late_cancelled', 'no_show') AND b.contract_id IS NOT NULL
		  AND NOT EXISTS (SELECT 1 FROM billed_sessions s WHERE s.booking_id = b.id AND s.reversed_invoice_id IS NULL)
		ORDER BY b.starts_at, b.id`, companyID, p.Start(), p.End()); err != nil {
		return d, fmt.Errorf("sessions: %w", err)
	}
	// A session booked under a contract that does not cover the period
	// still bills under that contract (no fee, only the session).
	for _, s := range sessions {
		if s.ContractID != nil && indexOfTerm(terms, *s.ContractID) < 0 && sessionTerm(terms, s) < 0 {
			var t termRow
			if err := tx.GetContext(ctx, &t, `SELECT `+termColumns+` FROM contracts k JOIN plans p ON p.code = k.plan_code
				WHERE k.company_id = $1 AND k.id = $2`, companyID, *s.ContractID); err != nil {
				return d, fmt.Errorf("contract of a session: %w", err)
			}
			terms = append(terms, t)
		}
	}
	employees := 0
	for _, t := range terms {
		if t.Kind == KindPerSeat {
			if err := tx.GetContext(ctx, &employees, `
				SELECT count(*) FROM employees e JOIN users u ON u.id = e.user_id
				WHERE e.company_id = $1 AND e.created_at < $2 AND (u.disabled_at IS NULL OR u.disabled_at >= $2)`,
				companyID, p.End()); err != nil {
				return d, fmt.Errorf("employees: %w", err)
			}
			break
		}
	}
	byTerm := make([][]Session, len(terms))
	for _, s := range sessions {
		i := sessionTerm(terms, s)
		byTerm[i] = append(byTerm[i], Session{BookingID: s.BookingID, Status: s.Status, StartsAt: s.StartsAt})
	}
	for i, t := range terms {
		id := t.ContractID
		if d.contract == nil || (t.term().coveredDays(p) > 0) {
			d.contract, d.planCode = &id, t.Code
		}
		term := t.term()
		term.Employees = employees
		priced := PriceTerm(p, term, byTerm[i])
		base := len(d.lines)
		d.lines = append(d.lines, priced.Lines...)
		for j, s := range byTerm[i] {
			d.billed = append(d.billed, billedRow{bookingID: s.BookingID, period: p.String(), status: s.Status, line: base + priced.LineOf[j], amount: priced.Amounts[j]})
		}
	}
	if err := addCorrections(ctx, tx, companyID, p, &d); err != nil {
		return d, err
	}
	if d.planCode == "" {
		// Only corrections: the invoice names the company's latest contract.
		var t termRow
		if err := tx.GetContext(ctx, &t, `SELECT `+termColumns+` FROM contracts k JOIN plans p ON p.code = k.plan_code
			WHERE k.company_id = $1 AND k.starts_on <= $2::date ORDER BY k.starts_on DESC, k.created_at DESC LIMIT 1`, companyID, p.LastDay()); err != nil {
			return d, fmt.Errorf("latest contract: %w", err)
		}
		d.contract, d.planCode = &t.ContractID, t.Code
	}
	return d, nil
}

func (t termRow) term() Term {
	return Term{ContractID: t.ContractID, Plan: t.Plan, Status: t.Status, StartsOn: t.StartsOn, EndsOn: t.EndsOn}
}

func indexOfTerm(terms []termRow, id uuid.UUID) int {
	for i, t := range terms {
		if t.ContractID == id {
			return i
		}
	}
	return -1
}

// sessionTerm picks the contract that bills a session: the one covering
// its day in Japan, else the one it was booked under, else the last one.
func sessionTerm(terms []termRow, s sessionRow) int {
	day := Today(s.StartsAt)
	for i, t := range terms {
		if t.StartsOn <= day && (t.EndsOn == nil || *t.EndsOn >= day) {
			return i
		}
	}
	if s.ContractID != nil {
		if i := indexOfTerm(terms, *s.ContractID); i >= 0 {
			return i
		}
	}
	return len(terms) - 1
}

// insertInvoice writes the invoice, its lines, the billed sessions, the
// reversals and the manual adjustments it carries.
func insertInvoice(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, p Period, runID uuid.UUID, d draft) (uuid.UUID, int64, error) {
	subtotal := Subtotal(d.lines)
	tax := Tax(subtotal)
	var id uuid.UUID
	err := tx.GetContext(ctx, &id, `
		INSERT INTO invoices (company_id, number, period, contract_id, plan_code, subtotal_jpy, tax_jpy, total_jpy, issued_on, due_on, run_id)
		VALUES ($1, 'TW-' || $2 || '-' || lpad(nextval('invoice_number_seq')::text, 6, '0'), $3, $4, $5, $6, $7, $8, $9::date, $10::date, $11)
		RETURNING id`,
		companyID, fmt.Sprintf("%04d%02d", p.Year, int(p.Month)), p.String(), d.contract, d.planCode, subtotal, tax, subtotal+tax, p.IssuedOn(), p.DueOn(), runID)
	if err != nil {
		return id, 0, fmt.Errorf("insert invoice: %w", err)
	}
	if len(d.lines) > 0 {
		n := len(d.lines)
		pos, qty, unit, amt := make([]int64, n), make([]int64, n), make([]int64, n), make([]int64, n)
		kinds, descs := make([]string, n), make([]string, n)
		for i, l := range d.lines {
			pos[i], kinds[i], descs[i], qty[i], unit[i], amt[i] = int64(i+1), l.Kind, l.Description, l.Quantity, l.UnitAmountJPY, l.AmountJPY
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO invoice_lines (company_id, invoice_id, position, kind, description, quantity, unit_amount_jpy, amount_jpy)
			SELECT $1, $2, * FROM unnest($3::int[], $4::text[], $5::text[], $6::bigint[], $7::bigint[], $8::bigint[])`,
			companyID, id, pq.Array(pos), pq.Array(kinds), pq.Array(descs), pq.Array(qty), pq.Array(unit), pq.Array(amt)); err != nil {
			return id, 0, fmt.Errorf("insert lines: %w", err)
		}
	}
	if len(d.billed) > 0 {
		n := len(d.billed)
		ids, periods, statuses, lines, amounts := make([]string, n), make([]string, n), make([]string, n), make([]int64, n), make([]int64, n)
		for i, b := range d.billed {
			ids[i], periods[i], statuses[i], lines[i], amounts[i] = b.bookingID.String(), b.period, b.status, int64(b.line+1), b.amount
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO billed_sessions (company_id, booking_id, invoice_id, line_position, period, booking_status, amount_jpy)
			SELECT $1, b::uuid, $2, l, p, s, a FROM unnest($3::text[], $4::int[], $5::text[], $6::text[], $7::bigint[]) AS t(b, l, p, s, a)`,
			companyID, id, pq.Array(ids), pq.Array(lines), pq.Array(periods), pq.Array(statuses), pq.Array(amounts)); err != nil {
			return id, 0, fmt.Errorf("insert billed sessions: %w", err)
		}
	}
	for _, r := range d.reversals {
		if _, err := tx.ExecContext(ctx, `
			UPDATE billed_sessions SET reversed_invoice_id = $4, reversed_line_position = $5
			WHERE company_id = $1 AND booking_id = $2 AND invoice_id = $3 AND reversed_invoice_id IS NULL`,
			companyID, r.BookingID, r.InvoiceID, id, r.line+1); err != nil {
			return id, 0, fmt.Errorf("reverse: %w", err)
		}
	}
	for _, m := range d.manual {
		if _, err := tx.ExecContext(ctx, `UPDATE billing_adjustments SET invoice_id = $3, line_position = $4 WHERE company_id = $1 AND id = $2`,
			companyID, m.ID, id, m.line+1); err != nil {
			return id, 0, fmt.Errorf("adjustment: %w", err)
		}
	}
	return id, subtotal + tax, nil
}
