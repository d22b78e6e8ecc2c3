package matching

import (
	"context"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// Dismiss hides counsellorID from the employee's recommendations; the
// coded reason (DismissReasons, optional) weighs on later rankings (see
// dismissShift and dismissPenalty). An unknown reason is 400 reason; a
// counsellor who is not listed is 404. Dismissing again updates the reason.
func (s *Service) Dismiss(ctx context.Context, actor auth.Principal, counselorID uuid.UUID, reason string) error {
	if err := actor.Require(auth.RoleEmployee); err != nil {
		return err
	}
	if reason != "" && !slices.Contains(DismissReasons, reason) {
		return apperr.Field("reason", fmt.Sprintf("unknown reason %q", reason))
	}
	now := s.Clock.Now()
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var listed bool
		err := tx.GetContext(ctx, &listed, `
			SELECT EXISTS (SELECT 1 FROM counselor_search s JOIN counselors c ON c.id = s.counselor_id
			               WHERE s.counselor_id = $1 AND c.status = 'verified' AND s.listed_until >= $2::date)`,
			counselorID, counselor.Today(now))
		if err != nil {
			return err
		}
		if !listed {
			return apperr.NotFound("counselor")
		}
		_, err = tx.ExecContext(ctx, `
			INSERT INTO match_dismissals (company_id, employee_user_id, counselor_id, reason, created_at)
			VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (company_id, employee_user_id, counselor_id) DO UPDATE SET reason = excluded.reason`,
			actor.CompanyID, actor.UserID, counselorID, reason, now)
		return err
	})
	if err != nil {
		return fmt.Errorf("dismiss: %w", err)
	}
	return nil
}
