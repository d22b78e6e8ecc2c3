package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
)

// reviewTexts are invented short reviews the demo publishes.
var reviewTexts = []string{
	"話を最後まで遮らずに聞いてもらえて、気持ちが整理できました。",
	"キャリアの選択肢を一緒に書き出してくれて、次に何をするかがはっきりしました。",
	"社内の人には話しにくいことも、安心して話せました。",
	"押しつけがましくなく、自分で答えを見つけられるように問いかけてくれました。",
	"忙しい時期でしたが、オンラインで短時間でも相談できて助かりました。",
	"育児と仕事の両立について、具体的な工夫をいくつも教えてもらいました。",
	"落ち着いた話し方で、緊張せずに話せました。",
	"上司との関係について、相手の立場から考えるきっかけをもらいました。",
	"復職前の不安を丁寧に聞いてもらい、少し前向きになれました。",
	"次の面談までにやることが明確になり、行動に移せました。",
	"説明がわかりやすく、専門家に相談している安心感がありました。",
	"自分の強みを言葉にできたのが大きな収穫でした。",
}

// pendingReviewTexts wait in the demo operator's moderation queue; the
// last one is the kind an operator rejects (it names a person).
var pendingReviewTexts = []string{
	"とても話しやすかったです。またお願いしたいです。",
	"異動の悩みを具体的な一歩に分けてもらえました。",
	"人事部の田中さんの件で相談しました。とても助かりました。",
}

// ReviewedCounselors is how many demo counsellors have published reviews.
const ReviewedCounselors = 8

// seedPortraits gives every other verified demo counsellor (counselor001,
// 003, …) an invented portrait through the photo path; the others keep
// the initial placeholder, so the demo shows both.
func seedPortraits(ctx context.Context, tx *sqlx.Tx, now time.Time) (int, error) {
	var cs []struct {
		ID    uuid.UUID `db:"id"`
		Email string    `db:"email"`
	}
	if err := tx.SelectContext(ctx, &cs, `SELECT c.id, u.email FROM counselors c JOIN users u ON u.id = c.user_id
		WHERE c.status = 'verified' AND u.email LIKE 'counselor%' ORDER BY u.email`); err != nil {
		return 0, fmt.Errorf("portraits: %w", err)
	}
	n := 0
	for i := 0; i < len(cs); i += 2 {
		// Drawn from the e-mail address, not the random id: the same
		// counsellor has the same face in every seeding.
		img, err := Portrait(uuid.NewSHA1(uuid.NameSpaceURL, []byte("mailto:"+cs[i].Email)))
		if err != nil {
			return n, err
		}
		if err := counselor.SeedPhoto(ctx, tx, cs[i].ID, img, now); err != nil {
			return n, fmt.Errorf("portraits: %w", err)
		}
		n++
	}
	return n, nil
}

// rated is one rated demo session, a review's possible author.
type rated struct {
	CompanyID   uuid.UUID `db:"company_id"`
	BookingID   uuid.UUID `db:"booking_id"`
	EmployeeID  uuid.UUID `db:"employee_user_id"`
	CounselorID uuid.UUID `db:"counselor_id"`
}

// seedReviews publishes invented reviews, in batches of three in shuffled
// order as moderation would, for the first ReviewedCounselors demo
// counsellors with enough rated sessions, and leaves a few pending for
// the operator's queue. Each is linked to a rated session of its
// counsellor, as a real review is.
func seedReviews(ctx context.Context, tx *sqlx.Tx, r *rand.Rand, now time.Time) (int, error) {
	var rows []rated
	if err := tx.SelectContext(ctx, &rows, `SELECT f.company_id, f.booking_id, f.employee_user_id, f.counselor_id
		FROM session_feedback f JOIN counselors c ON c.id = f.counselor_id JOIN users u ON u.id = c.user_id
		WHERE c.status = 'verified' ORDER BY u.email, f.booking_id`); err != nil {
		return 0, fmt.Errorf("reviews: %w", err)
	}
	var order []uuid.UUID
	by := map[uuid.UUID][]rated{}
	for _, row := range rows {
		if by[row.CounselorID] == nil {
			order = append(order, row.CounselorID)
		}
		by[row.CounselorID] = append(by[row.CounselorID], row)
	}
	n, published, pending := 0, 0, 0
	for _, cid := range order {
		sessions := by[cid]
		switch {
		case published < ReviewedCounselors && len(sessions) >= 6:
			batches := 1 + r.IntN(2)
			texts := r.Perm(len(reviewTexts))[:3*batches]
			for b := range batches {
				for pos, k := range r.Perm(3) {
					if err := insertReview(ctx, tx, sessions[3*b+k], reviewTexts[texts[3*b+k]], "published", b+1, pos, now); err != nil {
						return n, err
					}
					n++
				}
			}
			published++
		case published == ReviewedCounselors && pending < len(pendingReviewTexts):
			// One pending review each for the next few counsellors.
			if err := insertReview(ctx, tx, sessions[0], pendingReviewTexts[pending], "pending", 0, 0, now); err != nil {
				return n, err
			}
			pending++
			n++
		}
	}
	return n, nil
}

// insertReview stores one demo review and its link to its session.
func insertReview(ctx context.Context, tx *sqlx.Tx, s rated, text, status string, batch, pos int, now time.Time) error {
	id := uuid.New()
	var b, p, moderated any
	if status == "published" {
		b, p, moderated = batch, pos, now
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO counselor_reviews (id, counselor_id, body, status, batch, position, moderated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, s.CounselorID, text, status, b, p, moderated); err != nil {
		return fmt.Errorf("reviews: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO review_authors (company_id, booking_id, employee_user_id, review_id)
		VALUES ($1, $2, $3, $4)`, s.CompanyID, s.BookingID, s.EmployeeID, id); err != nil {
		return fmt.Errorf("reviews: %w", err)
	}
	return nil
}
