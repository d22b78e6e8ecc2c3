package web

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/record"
)

// operatorNext is what waits for the platform's operators, shown above
// the companies they land on: the review queue, urgent alerts (with those
// past the protocol's hour flagged), the last billing run and payouts due.
type operatorNext struct {
	Review  counselor.ReviewWaiting
	Urgent  record.UrgentSummary
	LastRun *billing.LastRun // nil before the first run
	Payouts billing.PayoutsDue
}

// loadOperatorNext reads the operator's summary in one transaction.
func (s *Server) loadOperatorNext(ctx context.Context, p auth.Principal) (operatorNext, error) {
	var n operatorNext
	err := s.DB.InTx(ctx, p.Scope(), func(tx *sqlx.Tx) error {
		var err error
		if n.Review, err = counselor.ReviewWaitingTx(ctx, tx, p); err != nil {
			return err
		}
		if n.Urgent, err = record.UrgentTx(ctx, tx, p, s.Clock.Now()); err != nil {
			return err
		}
		run, ok, err := billing.LastRunTx(ctx, tx, p)
		if err != nil {
			return err
		}
		if ok {
			n.LastRun = &run
		}
		n.Payouts, err = billing.PayoutsDueTx(ctx, tx, p)
		return err
	})
	return n, err
}
