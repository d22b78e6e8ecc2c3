package billing

import "github.com/taiwa/taiwa/internal/platform/apperr"

// The reasons billing refuses a run, a contract change or an invoice
// action, as the API answers them.
const (
	ReasonPeriodNotEnded   apperr.Reason = "period_not_ended"   // a billing run asked for a month not over yet
	ReasonPeriodBilled     apperr.Reason = "period_billed"      // the month is already invoiced
	ReasonNoContract       apperr.Reason = "no_contract"        // no contract runs on the date
	ReasonStripeDisabled   apperr.Reason = "stripe_disabled"    // no Stripe key is configured
	ReasonAlreadySent      apperr.Reason = "already_sent"       // the invoice has already been sent
	ReasonNothingToCollect apperr.Reason = "nothing_to_collect" // the invoice's total is not positive
)
