package feedback

import (
	"context"
	"fmt"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// MaxComment bounds the platform-only comment, in characters.
const MaxComment = 2000

// RatingInput is POST /bookings/{id}/feedback's body (API.md); pointers
// tell a missing number from a zero.
type RatingInput struct {
	Satisfaction *int    `json:"satisfaction"`
	Fit          *int    `json:"fit"`
	WHO5         []int   `json:"who5"`
	Comment      *string `json:"comment"`
	// Review is the optional short review shown anonymously on the
	// counsellor's profile after moderation (docs/reviews.md).
	Review *string `json:"review"`
}

// Validate checks every field and names each bad one.
func (in RatingInput) Validate() error {
	fields := map[string]string{}
	scale := func(name string, v *int) {
		switch {
		case v == nil:
			fields[name] = "is required (1 to 5)"
		case *v < 1 || *v > 5:
			fields[name] = "must be from 1 to 5"
		}
	}
	scale("satisfaction", in.Satisfaction)
	scale("fit", in.Fit)
	if len(in.WHO5) != 5 {
		fields["who5"] = "must hold the five WHO-5 answers, each 0 to 5"
	} else {
		for i, v := range in.WHO5 {
			if v < 0 || v > 5 {
				fields[fmt.Sprintf("who5[%d]", i)] = "must be from 0 to 5"
			}
		}
	}
	if in.Comment != nil {
		switch {
		case !utf8.ValidString(*in.Comment):
			fields["comment"] = "must be UTF-8 text"
		case utf8.RuneCountInString(*in.Comment) > MaxComment:
			fields["comment"] = fmt.Sprintf("must be at most %d characters", MaxComment)
		}
	}
	if in.Review != nil {
		if problem := reviewProblem(*in.Review); problem != "" {
			fields["review"] = problem
		}
	}
	if len(fields) > 0 {
		return apperr.Invalid("the rating has problems", fields)
	}
	return nil
}

// Rating is an employee's rating of one session as they read it back.
type Rating struct {
	BookingID    uuid.UUID `json:"booking_id"`
	Satisfaction int       `json:"satisfaction"`
	Fit          int       `json:"fit"`
	WHO5         []int     `json:"who5"`
	// WellbeingIndex is the WHO-5 percentage score: the raw sum × 4.
	WellbeingIndex int       `json:"wellbeing_index"`
	Comment        *string   `json:"comment,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
	// Review is the author's own view of their review, nil without one.
	Review *OwnReview `json:"review,omitempty"`
}

// WellbeingIndex turns five raw WHO-5 answers (0–5) into 0–100.
func WellbeingIndex(who5 []int) int {
	sum := 0
	for _, v := range who5 {
		sum += v
	}
	return sum * 4
}

// Rate stores the employee's one rating of a held session and updates the
// counsellor's published rating in the same transaction.
func (s *Service) Rate(ctx context.Context, actor auth.Principal, bookingID uuid.UUID, in RatingInput) (Rating, error) {
	scope, err := asEmployee(actor)
	if err != nil {
		return Rating{}, err
	}
	if err := in.Validate(); err != nil {
		return Rating{}, err
	}
	var out Rating
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		b, err := ownSession(ctx, tx, actor, bookingID)
		if err != nil {
			return err
		}
		if err := heldCheck(b, s.Clock.Now()); err != nil {
			return err
		}
		var comment *string
		if in.Comment != nil && *in.Comment != "" {
			comment = in.Comment
		}
		// The primary key decides a race: the loser inserts nothing.
		res, err := tx.ExecContext(ctx, `
			INSERT INTO session_feedback (company_id, booking_id, employee_user_id, counselor_id, satisfaction, fit, who5, comment)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (company_id, booking_id) DO NOTHING`,
			b.CompanyID, b.ID, b.EmployeeID, b.CounselorID, *in.Satisfaction, *in.Fit, pq.Array(in.WHO5), comment)
		if err != nil {
			return fmt.Errorf("feedback: rate: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return apperr.Conflict(ReasonAlreadyRated, "this session has already been rated")
		}
		if in.Review != nil {
			if err := submitReview(ctx, tx, b, *in.Review); err != nil {
				return err
			}
		}
		if _, err := tx.ExecContext(ctx, `SELECT counselor_rating_refresh($1)`, b.CounselorID); err != nil {
			return fmt.Errorf("feedback: counsellor rating: %w", err)
		}
		if err := counselor.EnqueueIndex(ctx, tx, b.CounselorID); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, actor, audit.Event{Action: "feedback.create", CompanyID: b.CompanyID,
			TargetType: "booking", TargetID: b.ID.String()}); err != nil {
			return err
		}
		out, err = ratingTx(ctx, tx, actor, b.ID)
		return err
	})
	return out, err
}

// RatingOf is the employee's own rating of a session; 404 until rated.
func (s *Service) RatingOf(ctx context.Context, actor auth.Principal, bookingID uuid.UUID) (Rating, error) {
	scope, err := asEmployee(actor)
	if err != nil {
		return Rating{}, err
	}
	var out Rating
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		if _, err := ownSession(ctx, tx, actor, bookingID); err != nil {
			return err
		}
		out, err = ratingTx(ctx, tx, actor, bookingID)
		return err
	})
	return out, err
}

type ratingRow struct {
	BookingID    uuid.UUID     `db:"booking_id"`
	Satisfaction int           `db:"satisfaction"`
	Fit          int           `db:"fit"`
	WHO5         pq.Int64Array `db:"who5"`
	Comment      *string       `db:"comment"`
	CreatedAt    time.Time     `db:"created_at"`
}

func (r ratingRow) rating() Rating {
	who5 := make([]int, len(r.WHO5))
	for i, v := range r.WHO5 {
		who5[i] = int(v)
	}
	return Rating{BookingID: r.BookingID, Satisfaction: r.Satisfaction, Fit: r.Fit, WHO5: who5,
		WellbeingIndex: WellbeingIndex(who5), Comment: r.Comment, CreatedAt: r.CreatedAt}
}

func ratingTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, bookingID uuid.UUID) (Rating, error) {
	var r ratingRow
	err := tx.GetContext(ctx, &r, `SELECT booking_id, satisfaction, fit, who5, comment, created_at
		FROM session_feedback WHERE company_id = $1 AND booking_id = $2 AND employee_user_id = $3`,
		actor.CompanyID, bookingID, actor.UserID)
	if db.IsNoRows(err) {
		return Rating{}, apperr.NotFound("feedback")
	}
	if err != nil {
		return Rating{}, fmt.Errorf("feedback: read: %w", err)
	}
	out := r.rating()
	out.Review, err = ownReviewTx(ctx, tx, actor, bookingID)
	return out, err
}

// WellbeingPoint is the WHO-5 index after one rated session.
type WellbeingPoint struct {
	BookingID uuid.UUID `json:"booking_id"`
	Start     time.Time `json:"start"`
	Index     int       `json:"wellbeing_index"`
}

// Wellbeing is the employee's WHO-5 index over their rated sessions,
// oldest first.
func (s *Service) Wellbeing(ctx context.Context, actor auth.Principal) ([]WellbeingPoint, error) {
	scope, err := asEmployee(actor)
	if err != nil {
		return nil, err
	}
	var rows []struct {
		BookingID uuid.UUID     `db:"booking_id"`
		Start     time.Time     `db:"starts_at"`
		WHO5      pq.Int64Array `db:"who5"`
	}
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, `
			SELECT f.booking_id, b.starts_at, f.who5 FROM session_feedback f
			JOIN bookings b ON b.company_id = f.company_id AND b.id = f.booking_id
			WHERE f.company_id = $1 AND f.employee_user_id = $2 ORDER BY b.starts_at`, actor.CompanyID, actor.UserID)
	})
	if err != nil {
		return nil, fmt.Errorf("feedback: wellbeing: %w", err)
	}
	out := make([]WellbeingPoint, len(rows))
	for i, r := range rows {
		sum := 0
		for _, v := range r.WHO5 {
			sum += int(v)
		}
		out[i] = WellbeingPoint{BookingID: r.BookingID, Start: r.Start, Index: sum * 4}
	}
	return out, nil
}
