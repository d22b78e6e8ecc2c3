package booking

import (
	"context"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
)

// RefreshStaleNextAvailable recomputes next_available_at for verified
// counsellors whose first free slot has begun (or who have none recorded
// while they keep a schedule): time passing, not only bookings, moves it.
// It returns how many counsellors it refreshed.
func (s *Service) RefreshStaleNextAvailable(ctx context.Context) (int, error) {
	var ids []uuid.UUID
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &ids, `
			SELECT c.id FROM counselors c
			WHERE c.status = 'verified'
			  AND (c.next_available_at < $1
			       OR (c.next_available_at IS NULL AND EXISTS (SELECT 1 FROM availability_weekly w WHERE w.counselor_id = c.id)))
			ORDER BY c.id`, s.Clock.Now())
	})
	if err != nil {
		return 0, err
	}
	// One short transaction per counsellor: a long sweep never holds locks
	// that bookings wait on.
	for _, id := range ids {
		if err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			return s.refreshNextAvailable(ctx, tx, id)
		}); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
