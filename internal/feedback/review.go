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

// MaxReview bounds a short review, in characters.
const MaxReview = 400

// Review states, in the order a review moves through them.
const (
	ReviewPending   = "pending"   // waiting for an operator
	ReviewApproved  = "approved"  // approved, waiting for its batch
	ReviewPublished = "published" // shown on the profile
	ReviewRejected  = "rejected"  // never shown; the author sees the reason
)

// OwnReview is what the author sees of their own review: its text and
// state, and the operator's reason when it was rejected.
type OwnReview struct {
	Text         string  `json:"text" db:"body"`
	Status       string  `json:"status" db:"status"`
	RejectReason *string `json:"reject_reason,omitempty" db:"reject_reason"`
}

// PublishedReview is one review as a profile shows it: the text only, no
// name, company, date or session.
type PublishedReview struct {
	Text string `json:"text" db:"body"`
}

// reviewProblem says what is wrong with a review's text, "" when nothing
// (an empty text means "no review").
func reviewProblem(text string) string {
	switch {
	case !utf8.ValidString(text):
		return "must be UTF-8 text"
	case utf8.RuneCountInString(strings.TrimSpace(text)) > MaxReview:
		return fmt.Sprintf("must be at most %d characters", MaxReview)
	}
	return ""
}

// submitReview stores the author's review of session b, pending
// moderation, and the one link from it to the session. The review row
// carries no company, booking, author or time; its id is made here because
// the author may not read back a row before the link exists.
func submitReview(ctx context.Context, tx *sqlx.Tx, b session, text string) error {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil
	}
	id := uuid.New()
	if _, err := tx.ExecContext(ctx, `INSERT INTO counselor_reviews (id, counselor_id, body) VALUES ($1, $2, $3)`,
		id, b.CounselorID, text); err != nil {
		return fmt.Errorf("feedback: review: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO review_authors (company_id, booking_id, employee_user_id, review_id)
		VALUES ($1, $2, $3, $4)`, b.CompanyID, b.ID, b.EmployeeID, id); err != nil {
		return fmt.Errorf("feedback: review author: %w", err)
	}
	return nil
}

// ownReviewTx is the actor's review of a booking, nil without one.
func ownReviewTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, bookingID uuid.UUID) (*OwnReview, error) {
	var r OwnReview
	err := tx.GetContext(ctx, &r, `SELECT r.body, r.status, r.reject_reason
		FROM review_authors a JOIN counselor_reviews r ON r.id = a.review_id
		WHERE a.company_id = $1 AND a.booking_id = $2 AND a.employee_user_id = $3`,
		actor.CompanyID, bookingID, actor.UserID)
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("feedback: own review: %w", err)
	}
	return &r, nil
}

// DeleteReview removes the employee's own review of a session in any
// state: it leaves the queue, its batch or the profile at once. 404 when
// there is none. The audit entry names the booking, never the review, so
// the log cannot tie the two.
func (s *Service) DeleteReview(ctx context.Context, actor auth.Principal, bookingID uuid.UUID) error {
	scope, err := asEmployee(actor)
	if err != nil {
		return err
	}
	return s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		b, err := ownSession(ctx, tx, actor, bookingID)
		if err != nil {
			return err
		}
		res, err := tx.ExecContext(ctx, `DELETE FROM counselor_reviews r USING review_authors a
			WHERE a.review_id = r.id AND a.company_id = $1 AND a.booking_id = $2 AND a.employee_user_id = $3`,
			actor.CompanyID, b.ID, actor.UserID)
		if err != nil {
			return fmt.Errorf("feedback: delete review: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.NotFound("review")
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "review.delete", CompanyID: b.CompanyID,
			TargetType: "booking", TargetID: b.ID.String()})
	})
}

// PublishedReviews lists a listed counsellor's published reviews to anyone
// signed in: newest batch first, each batch in its shuffled order. 404
// for a counsellor who is not listed (unless the actor is an operator or
// the counsellor themself).
func (s *Service) PublishedReviews(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) ([]PublishedReview, error) {
	if !actor.Role.Valid() {
		return nil, apperr.NotFound("counselor")
	}
	out := []PublishedReview{}
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var c struct {
			Status string    `db:"status"`
			UserID uuid.UUID `db:"user_id"`
		}
		err := tx.GetContext(ctx, &c, `SELECT status, user_id FROM counselors WHERE id = $1`, counselorID)
		if db.IsNoRows(err) {
			return apperr.NotFound("counselor")
		}
		if err != nil {
			return fmt.Errorf("feedback: reviews: %w", err)
		}
		visible := c.Status == "verified" || actor.Role == auth.RoleOperator ||
			(actor.Role == auth.RoleCounselor && actor.UserID == c.UserID)
		if !visible {
			return apperr.NotFound("counselor")
		}
		return tx.SelectContext(ctx, &out, `SELECT body FROM counselor_reviews
			WHERE counselor_id = $1 AND status = 'published' ORDER BY batch DESC, position`, counselorID)
	})
	return out, err
}
