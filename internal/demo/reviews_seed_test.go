package demo_test

import (
	"testing"

	"github.com/taiwa/taiwa/internal/demo"
)

func TestSeedDemoDrawsPortraitsAndPublishesReviewsInBatches(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	verified := count(t, d, `SELECT count(*) FROM counselors WHERE status = 'verified'`)
	photos := count(t, d, `SELECT count(*) FROM counselor_photos p JOIN counselors c ON c.id = p.counselor_id
		WHERE c.photo_updated_at = p.updated_at AND p.content_type = 'image/jpeg' AND p.width = $1`, demo.PortraitSide)
	if photos < verified/3 || photos >= verified {
		t.Errorf("%d of %d verified counsellors have a portrait; want about half (the rest show the placeholder)", photos, verified)
	}
	if n := count(t, d, `SELECT count(DISTINCT counselor_id) FROM counselor_reviews WHERE status = 'published'`); n != demo.ReviewedCounselors {
		t.Errorf("%d counsellors have published reviews, want %d", n, demo.ReviewedCounselors)
	}
	// Every batch is whole (three), positions a permutation, every review
	// linked to a rated session of its own counsellor.
	if n := count(t, d, `SELECT count(*) FROM (SELECT counselor_id, batch FROM counselor_reviews WHERE status = 'published'
		GROUP BY counselor_id, batch HAVING count(*) <> 3 OR array_agg(position ORDER BY position) <> '{0,1,2}') b`); n != 0 {
		t.Errorf("%d published batches are not three in a shuffled order", n)
	}
	if n := count(t, d, `SELECT count(*) FROM counselor_reviews r LEFT JOIN review_authors a ON a.review_id = r.id
		LEFT JOIN session_feedback f ON f.company_id = a.company_id AND f.booking_id = a.booking_id AND f.counselor_id = r.counselor_id
		WHERE f.booking_id IS NULL`); n != 0 {
		t.Errorf("%d reviews are not linked to a rated session of their counsellor", n)
	}
	if n := count(t, d, `SELECT count(*) FROM counselor_reviews WHERE status = 'pending'`); n < 2 {
		t.Errorf("%d reviews wait for moderation; the operator's queue should show some", n)
	}
}
