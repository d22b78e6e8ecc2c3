// Package billing is the money ledger: plans, contracts, the monthly
// invoice run, invoices with their lines, adjustments, usage and
// counsellors' earnings and payouts. PostgreSQL is the truth; Stripe (via
// internal/platform/payments, through the outbox) only collects.
package billing

import (
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/payments"
)

// Plan kinds (API.md).
const (
	KindPerSession   = "per_session"
	KindSubscription = "subscription"
	KindPerSeat      = "per_seat"
)

// TaxRatePercent is the consumption tax rate; tax is computed once per
// invoice and rounded down.
const TaxRatePercent = 10

// Invoice statuses. not_sent: held locally (no Stripe key, or not pushed
// yet); open: finalised and sent, awaiting payment; overdue: open past its
// due date; paid, void, uncollectible: settled by Stripe's events.
const (
	StatusNotSent       = "not_sent"
	StatusOpen          = "open"
	StatusOverdue       = "overdue"
	StatusPaid          = "paid"
	StatusVoid          = "void"
	StatusUncollectible = "uncollectible"
)

// Line kinds.
const (
	LinePlanFee       = "plan_fee"
	LineSeats         = "seats"
	LineSessions      = "sessions"
	LineLateCancelled = "late_cancellations"
	LineNoShows       = "no_shows"
	LineOverage       = "overage"
	LineAdjustment    = "adjustment"
)

// Plan is what a company buys; prices in JPY.
type Plan struct {
	Code              string `db:"code" json:"code"`
	NameJa            string `db:"name_ja" json:"name_ja"`
	NameEn            string `db:"name_en" json:"name_en"`
	Kind              string `db:"kind" json:"kind"`
	IsTrial           bool   `db:"is_trial" json:"is_trial"`
	MonthlyFeeJPY     int64  `db:"monthly_fee_jpy" json:"monthly_fee_jpy"`
	SessionPriceJPY   int64  `db:"session_price_jpy" json:"session_price_jpy"`
	SeatPriceJPY      int64  `db:"seat_price_jpy" json:"seat_price_jpy"`
	IncludedSessions  int    `db:"included_sessions" json:"included_sessions"`
	OveragePriceJPY   int64  `db:"overage_price_jpy" json:"overage_price_jpy"`
	SessionCap        *int   `db:"session_cap" json:"session_cap"`
	LateCancelNoticeH int    `db:"late_cancel_notice_h" json:"late_cancel_notice_hours"`
	Active            bool   `db:"active" json:"active"`
}

// Contract is company × plan × period × seats.
type Contract struct {
	ID        uuid.UUID `db:"id" json:"id"`
	CompanyID uuid.UUID `db:"company_id" json:"company_id"`
	PlanCode  string    `db:"plan_code" json:"plan_code"`
	Seats     int       `db:"seats" json:"seats"`
	StartsOn  string    `db:"starts_on" json:"starts_on"` // YYYY-MM-DD
	EndsOn    *string   `db:"ends_on" json:"ends_on"`
	Status    string    `db:"status" json:"status"` // trial|active|ended
}

// ContractChange puts a company on a plan from a month boundary.
type ContractChange struct {
	PlanCode string  `json:"plan_code"`
	Seats    int     `json:"seats"`
	StartsOn string  `json:"starts_on"` // first day of a month
	EndsOn   *string `json:"ends_on"`   // last day of a month, optional
}

// Line is one kind of charge on an invoice: quantity × unit price. What a
// company sees of it names no employee, department or day.
type Line struct {
	Kind          string `db:"kind" json:"kind"`
	Description   string `db:"description" json:"description"`
	Quantity      int64  `db:"quantity" json:"quantity"`
	UnitAmountJPY int64  `db:"unit_amount_jpy" json:"unit_amount_jpy"`
	AmountJPY     int64  `db:"amount_jpy" json:"amount_jpy"`
}

// Invoice is a company's bill for one month.
type Invoice struct {
	ID              uuid.UUID `db:"id" json:"id"`
	CompanyID       uuid.UUID `db:"company_id" json:"company_id"`
	CompanyName     string    `db:"company_name" json:"company_name"`
	Number          string    `db:"number" json:"number"` // e.g. TW-2026-10-000123
	Period          string    `db:"period" json:"period"` // YYYY-MM
	Status          string    `db:"status" json:"status"`
	SubtotalJPY     int64     `db:"subtotal_jpy" json:"subtotal_jpy"`
	TaxJPY          int64     `db:"tax_jpy" json:"tax_jpy"`
	TotalJPY        int64     `db:"total_jpy" json:"total_jpy"`
	IssuedOn        string    `db:"issued_on" json:"issued_on"`
	DueOn           string    `db:"due_on" json:"due_on"`
	StripeInvoiceID *string   `db:"stripe_invoice_id" json:"stripe_invoice_id"`
	HostedURL       *string   `db:"hosted_url" json:"hosted_url,omitempty"`
	Lines           []Line    `db:"-" json:"lines,omitempty"`
}

// Filename is the invoice's download name in both HTTP layers, e.g.
// invoice-TW-2026-10-000123.pdf: the number (the period before one is
// issued) with anything but ASCII letters, digits and '-' made '_', so it
// is safe inside a quoted Content-Disposition.
func (inv Invoice) Filename(ext string) string {
	name := inv.Number
	if name == "" {
		name = inv.Period
	}
	return "invoice-" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, name) + "." + ext
}

// RunResult is the answer of a billing run (API.md).
type RunResult struct {
	Period            string `json:"period"`
	InvoicesCreated   int    `json:"invoices_created"`
	InvoicesUnchanged int    `json:"invoices_unchanged"`
}

// Usage is a company's current month against its plan: only what the
// invoice will bill (DEID-2 allows no live counter of anyone's bookings,
// so no upcoming sessions, no day and no department).
type Usage struct {
	Period           string `json:"period"`
	PlanCode         string `json:"plan_code"`
	PlanKind         string `json:"plan_kind"`
	Seats            int    `json:"seats"`
	HeldSessions     int    `json:"held_sessions"`
	LateCancelled    int    `json:"late_cancellations"`
	NoShows          int    `json:"no_shows"`
	IncludedSessions int    `json:"included_sessions"`
	SessionCap       *int   `json:"session_cap"`
	EstimatedJPY     int64  `json:"estimated_subtotal_jpy"`
}

// Earning is what a counsellor earns for one held (or billable) session.
type Earning struct {
	BookingID uuid.UUID `db:"booking_id" json:"booking_id"`
	StartsAt  time.Time `db:"starts_at" json:"start"`
	Status    string    `db:"status" json:"status"`
	AmountJPY int64     `db:"amount_jpy" json:"amount_jpy"`
}

// Statement is a counsellor's month.
type Statement struct {
	Period   string    `json:"period"`
	Sessions int       `json:"sessions"`
	TotalJPY int64     `json:"total_jpy"`
	Status   string    `json:"status"` // open|due|paid
	Earnings []Earning `json:"earnings"`
}

// Payout is what the platform owes one counsellor for one month. An open
// payout's ID is PayoutID(CounselorID, Period), and the run materialises
// it under that same ID, so the ID a list gives stays valid.
type Payout struct {
	ID          uuid.UUID  `db:"id" json:"id"`
	CounselorID uuid.UUID  `db:"counselor_id" json:"counselor_id"`
	DisplayName string     `db:"display_name" json:"display_name"`
	Period      string     `db:"period" json:"period"`
	Sessions    int        `db:"sessions" json:"sessions"`
	AmountJPY   int64      `db:"amount_jpy" json:"amount_jpy"`
	Status      string     `db:"status" json:"status"` // open|due|paid
	PaidAt      *time.Time `db:"paid_at" json:"paid_at"`
}

// Service is the ledger.
type Service struct {
	DB *db.DB
	// Payments collects through Stripe; nil or disabled keeps invoices
	// local with status not_sent.
	Payments *payments.Client
	// Issuer is the seller printed on invoices (qualified invoice fields).
	Issuer Issuer
	// Clock is the services' one clock (tests fix or move it); nil is
	// the wall clock.
	Clock clock.Clock
}

// Issuer is the platform as the seller on a qualified invoice (適格請求書).
type Issuer struct {
	Name               string // e.g. 株式会社Taiwa
	RegistrationNumber string // T + 13 digits
	Address            string
}
