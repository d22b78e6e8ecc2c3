package feedback

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// MaxRejectReason bounds an operator's reason for rejecting a review.
const MaxRejectReason = 500

// QueuedReview is one review awaiting moderation, as an operator sees it:
// the text and whom it is about, never who wrote it or when.
type QueuedReview struct {
	ID            uuid.UUID `json:"id" db:"id"`
	CounselorID   uuid.UUID `json:"counselor_id" db:"counselor_id"`
	CounselorName string    `json:"counselor_name" db:"display_name"`
	Text          string    `json:"text" db:"body"`
}

// ModerationResult is the state of a review after an operator's decision,
// and how many reviews of its counsellor that decision published.
type ModerationResult struct {
	ID        uuid.UUID `json:"id"`
	Status    string    `json:"status"`
	Published int       `json:"published"`
}

// ReviewQueue lists the reviews awaiting moderation, at most limit. Ids
// are random, so their order is no submission order.
func (s *Service) ReviewQueue(ctx context.Context, actor auth.Principal, limit int) ([]QueuedReview, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return nil, err
	}
	out := []QueuedReview{}
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `SELECT r.id, r.counselor_id, c.display_name, r.body
			FROM counselor_reviews r JOIN counselors c ON c.id = r.counselor_id
			WHERE r.status = 'pending' ORDER BY r.id LIMIT $1`, max(1, limit))
	})
	return out, err
}

// ApproveReview approves a pending review and publishes its counsellor's
// waiting reviews when enough wait (NextBatch), in one transaction.
func (s *Service) ApproveReview(ctx context.Context, actor auth.Principal, id uuid.UUID) (ModerationResult, error) {
	return s.moderate(ctx, actor, id, ReviewApproved, nil)
}

// RejectReview rejects a pending review with a reason the author sees.
func (s *Service) RejectReview(ctx context.Context, actor auth.Principal, id uuid.UUID, reason string) (ModerationResult, error) {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return ModerationResult{}, apperr.Field("reason", "is required")
	case !utf8.ValidString(reason) || utf8.RuneCountInString(reason) > MaxRejectReason:
		return ModerationResult{}, apperr.Field("reason", fmt.Sprintf("must be UTF-8 text of at most %d characters", MaxRejectReason))
	}
	return s.moderate(ctx, actor, id, ReviewRejected, &reason)
}

func (s *Service) moderate(ctx context.Context, actor auth.Principal, id uuid.UUID, status string, reason *string) (ModerationResult, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return ModerationResult{}, err
	}
	out := ModerationResult{ID: id, Status: status}
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var r struct {
			CounselorID uuid.UUID `db:"counselor_id"`
			Status      string    `db:"status"`
		}
		err := tx.GetContext(ctx, &r, `SELECT counselor_id, status FROM counselor_reviews WHERE id = $1 FOR UPDATE`, id)
		if db.IsNoRows(err) {
			return apperr.NotFound("review")
		}
		if err != nil {
			return fmt.Errorf("feedback: moderate: %w", err)
		}
		if r.Status != ReviewPending {
			return apperr.Conflict(ReasonAlreadyModerated, "this review has already been moderated")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE counselor_reviews SET status = $2, reject_reason = $3, moderated_at = $4
			WHERE id = $1`, id, status, reason, s.Clock.Now()); err != nil {
			return fmt.Errorf("feedback: moderate: %w", err)
		}
		if status == ReviewApproved {
			if out.Published, err = s.publishWaiting(ctx, tx, r.CounselorID); err != nil {
				return err
			}
			if out.Published > 0 {
				out.Status = ReviewPublished
			}
		}
		action := "review.approve"
		if status == ReviewRejected {
			action = "review.reject"
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: action,
			TargetType: "review", TargetID: id.String(), Details: map[string]any{"published": out.Published}})
	})
	return out, err
}

// publishWaiting applies NextBatch to a counsellor's waiting reviews and
// publishes the batch it returns; it returns how many were published.
// The counsellor's row is locked so two approvals cannot split a batch.
func (s *Service) publishWaiting(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID) (int, error) {
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM counselors WHERE id = $1 FOR UPDATE`, counselorID); err != nil {
		return 0, fmt.Errorf("feedback: publish: %w", err)
	}
	var waiting []uuid.UUID
	if err := tx.SelectContext(ctx, &waiting, `SELECT id FROM counselor_reviews
		WHERE counselor_id = $1 AND status = 'approved' ORDER BY id`, counselorID); err != nil {
		return 0, fmt.Errorf("feedback: publish: %w", err)
	}
	batch := NextBatch(waiting, s.reviewBatch(), nil)
	if len(batch) == 0 {
		return 0, nil
	}
	var next int
	if err := tx.GetContext(ctx, &next, `SELECT COALESCE(max(batch), 0) + 1 FROM counselor_reviews
		WHERE counselor_id = $1 AND status = 'published'`, counselorID); err != nil {
		return 0, fmt.Errorf("feedback: publish: %w", err)
	}
	for pos, id := range batch {
		if _, err := tx.ExecContext(ctx, `UPDATE counselor_reviews SET status = 'published', batch = $2, position = $3
			WHERE id = $1`, id, next, pos); err != nil {
			return 0, fmt.Errorf("feedback: publish: %w", err)
		}
	}
	return len(batch), nil
}
