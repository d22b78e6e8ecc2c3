package api_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// reviewed rates a session with a short review.
func reviewed(review string) map[string]any {
	r := rating(4, 4)
	r["review"] = review
	return r
}

type publishedList struct {
	Items []map[string]any `json:"items"`
}

// texts are the published reviews' texts in the order shown.
func (l publishedList) texts() []string {
	var out []string
	for _, it := range l.Items {
		out = append(out, fmt.Sprint(it["text"]))
	}
	return out
}

type queueList struct {
	Items []struct {
		ID            uuid.UUID `json:"id"`
		CounselorName string    `json:"counselor_name"`
		Text          string    `json:"text"`
	} `json:"items"`
}

// queued finds a text's id in the moderation queue.
func queued(t *testing.T, op *apptest.Client, text string) uuid.UUID {
	t.Helper()
	var q queueList
	if st := op.Do("GET", "/api/v1/reviews/queue", nil, &q); st != http.StatusOK {
		t.Fatalf("queue: %d", st)
	}
	for _, it := range q.Items {
		if it.Text == text {
			return it.ID
		}
	}
	t.Fatalf("%q is not in the queue %+v", text, q.Items)
	return uuid.Nil
}

func TestReviewIsModeratedPublishedInABatchAndDeletedByItsAuthor(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	e1, e2, op, c1 := w.login("e1@a.example"), w.login("e2@a.example"), w.login("op@x.example"), w.login("c1@x.example")
	fb := func(id uuid.UUID) string { return "/api/v1/bookings/" + id.String() + "/feedback" }
	reviews := "/api/v1/counselors/" + w.counselor1.String() + "/reviews"

	var mine struct {
		Review struct {
			Text   string `json:"text"`
			Status string `json:"status"`
		} `json:"review"`
	}
	if st := e1.Do("POST", fb(w.held), reviewed("  話しやすかったです  "), &mine); st != http.StatusCreated ||
		mine.Review.Text != "話しやすかったです" || mine.Review.Status != "pending" {
		t.Fatalf("rate with review: %d %+v", st, mine)
	}
	if st := e1.Do("POST", fb(w.ended), reviewed("次の一歩が見えました"), nil); st != http.StatusCreated {
		t.Fatalf("rate: %d", st)
	}
	if st := e2.Do("POST", fb(w.e2Held), reviewed("安心して話せました"), nil); st != http.StatusCreated {
		t.Fatalf("rate: %d", st)
	}

	// The queue shows text and counsellor, nothing of the author or session.
	r := op.Raw("GET", "/api/v1/reviews/queue", "", nil)
	for _, secret := range []string{w.held.String(), w.ended.String(), w.companyA.String(), "秘密 一郎", "e1@a.example", "COMMENT-MARKER"} {
		if strings.Contains(string(r.Body), secret) {
			t.Errorf("the queue shows %q: %s", secret, r.Body)
		}
	}
	var q queueList
	decode(t, r.Body, &q)
	if len(q.Items) != 3 || q.Items[0].CounselorName != "カウンセラー" {
		t.Fatalf("queue = %+v", q.Items)
	}

	// Two approvals wait; the third publishes all three at once.
	for i, text := range []string{"話しやすかったです", "次の一歩が見えました"} {
		var res struct {
			Status    string `json:"status"`
			Published int    `json:"published"`
		}
		if st := op.Do("POST", "/api/v1/reviews/"+queued(t, op, text).String()+"/approve", nil, &res); st != http.StatusOK ||
			res.Status != "approved" || res.Published != 0 {
			t.Fatalf("approve %d: %d %+v", i, st, res)
		}
		var list publishedList
		if st := c1.Do("GET", reviews, nil, &list); st != http.StatusOK || len(list.Items) != 0 {
			t.Fatalf("after %d approvals the profile shows %d %+v, want nothing", i+1, st, list)
		}
	}
	last := queued(t, op, "安心して話せました")
	var res struct {
		Status    string `json:"status"`
		Published int    `json:"published"`
	}
	if st := op.Do("POST", "/api/v1/reviews/"+last.String()+"/approve", nil, &res); st != http.StatusOK ||
		res.Status != "published" || res.Published != 3 {
		t.Fatalf("third approval: %d %+v", st, res)
	}
	if st := op.Do("POST", "/api/v1/reviews/"+last.String()+"/approve", nil, nil); st != http.StatusConflict {
		t.Errorf("approving twice: %d, want 409", st)
	}
	var list publishedList
	if st := e2.Do("GET", reviews, nil, &list); st != http.StatusOK {
		t.Fatalf("reviews: %d", st)
	}
	got := list.texts()
	slices.Sort(got)
	if want := []string{"安心して話せました", "次の一歩が見えました", "話しやすかったです"}; !slices.Equal(got, want) {
		t.Fatalf("published %v, want %v", got, want)
	}
	for _, it := range list.Items {
		if len(it) != 1 {
			t.Errorf("a published review carries more than its text: %v", it)
		}
	}

	// Only the author deletes it, and it disappears at once.
	if st := e2.Do("DELETE", "/api/v1/bookings/"+w.held.String()+"/review", nil, nil); st != http.StatusNotFound {
		t.Errorf("another employee deletes e1's review: %d, want 404", st)
	}
	if st := e1.Do("DELETE", "/api/v1/bookings/"+w.held.String()+"/review", nil, nil); st != http.StatusNoContent {
		t.Fatalf("delete: %d", st)
	}
	if st := e1.Do("DELETE", "/api/v1/bookings/"+w.held.String()+"/review", nil, nil); st != http.StatusNotFound {
		t.Errorf("deleting again: %d, want 404", st)
	}
	list = publishedList{}
	if c1.Do("GET", reviews, nil, &list); slices.Contains(list.texts(), "話しやすかったです") || len(list.Items) != 2 {
		t.Fatalf("after deletion the profile shows %v", list.texts())
	}
	var after map[string]any
	if st := e1.Do("GET", fb(w.held), nil, &after); st != http.StatusOK || after["review"] != nil {
		t.Fatalf("own rating after deletion: %d %v", st, after)
	}

	// The operator's decisions are audited; the author's deletion names the
	// booking only, never the review.
	var approvals, deletions int
	db := ownerDB(t, w.h)
	if err := db.QueryRow(`SELECT count(*) FILTER (WHERE action = 'review.approve' AND target_type = 'review'),
		count(*) FILTER (WHERE action = 'review.delete' AND target_type = 'booking') FROM audit_log`).Scan(&approvals, &deletions); err != nil ||
		approvals != 3 || deletions != 1 {
		t.Fatalf("audit: %d approvals, %d deletions (%v)", approvals, deletions, err)
	}
}

func TestReviewRejectionNeedsAReasonTheAuthorSees(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	e1, op := w.login("e1@a.example"), w.login("op@x.example")
	if st := e1.Do("POST", "/api/v1/bookings/"+w.held.String()+"/feedback", reviewed("電話番号は090-0000-0000です"), nil); st != http.StatusCreated {
		t.Fatalf("rate: %d", st)
	}
	id := queued(t, op, "電話番号は090-0000-0000です")
	for _, body := range []string{`{}`, `{"reason":"  "}`, `{"reason":"` + strings.Repeat("理", 501) + `"}`} {
		r := op.Raw("POST", "/api/v1/reviews/"+id.String()+"/reject", "application/json", strings.NewReader(body))
		if e := apiError(t, r); r.Status != http.StatusBadRequest || e.Error.Fields["reason"] == "" {
			t.Errorf("reject %s: %d %s, want 400 naming reason", body, r.Status, r.Body)
		}
	}
	if st := op.Do("POST", "/api/v1/reviews/"+id.String()+"/reject", map[string]any{"reason": "連絡先が含まれています"}, nil); st != http.StatusOK {
		t.Fatalf("reject: %d", st)
	}
	var mine struct {
		Review struct {
			Status       string `json:"status"`
			RejectReason string `json:"reject_reason"`
		} `json:"review"`
	}
	if st := e1.Do("GET", "/api/v1/bookings/"+w.held.String()+"/feedback", nil, &mine); st != http.StatusOK ||
		mine.Review.Status != "rejected" || mine.Review.RejectReason != "連絡先が含まれています" {
		t.Fatalf("own review after rejection: %d %+v", st, mine)
	}
	for _, who := range []string{"e1@a.example", "c1@x.example", "hr@a.example"} {
		if st := w.login(who).Do("GET", "/api/v1/reviews/queue", nil, nil); st != http.StatusForbidden {
			t.Errorf("%s reads the moderation queue: %d, want 403", who, st)
		}
		if st := w.login(who).Do("POST", "/api/v1/reviews/"+id.String()+"/approve", nil, nil); st != http.StatusForbidden {
			t.Errorf("%s approves: %d, want 403", who, st)
		}
	}
}

func TestReviewRefusesBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	e1 := w.login("e1@a.example")
	r := post(e1, "/api/v1/bookings/"+w.held.String()+"/feedback", reviewed(strings.Repeat("あ", 401)))
	if e := apiError(t, r); r.Status != http.StatusBadRequest || e.Error.Fields["review"] == "" {
		t.Fatalf("a 401-character review: %d %s, want 400 naming review", r.Status, r.Body)
	}
	// 400 characters is fine, and an empty review means none.
	if st := e1.Do("POST", "/api/v1/bookings/"+w.held.String()+"/feedback", reviewed(strings.Repeat("あ", 400)), nil); st != http.StatusCreated {
		t.Fatalf("a 400-character review: %d", st)
	}
	var mine map[string]any
	if st := e1.Do("POST", "/api/v1/bookings/"+w.ended.String()+"/feedback", reviewed(""), &mine); st != http.StatusCreated || mine["review"] != nil {
		t.Fatalf("an empty review: %d %v", st, mine)
	}
	if st := e1.Do("GET", "/api/v1/counselors/"+uuid.NewString()+"/reviews", nil, nil); st != http.StatusNotFound {
		t.Errorf("reviews of an unknown counsellor: %d, want 404", st)
	}
}

// TestACounsellorCannotLinkAReviewToASessionByTimingWhenBatched attacks the
// published reviews as the counsellor, who knows when each of their
// sessions was held. Each employee reviews right after their session and
// an operator approves at once; the counsellor looks at their reviews
// after every session. A review's candidates are the sessions held since
// the previous look that showed new reviews, up to the first look with it. Without batching
// (batch size 1) every candidate set is one session, the right one; with
// batching each is the whole batch.
func TestACounsellorCannotLinkAReviewToASessionByTimingWhenBatched(t *testing.T) {
	t.Parallel()
	for _, batch := range []int{1, 3} {
		t.Run(fmt.Sprintf("batch %d", batch), func(t *testing.T) {
			w := newFBWorld(t, apptest.Options{Configure: func(c *config.Config) { c.ReviewBatch = batch }})
			op, c1 := w.login("op@x.example"), w.login("c1@x.example")
			// The counsellor's sessions in the order they were held.
			sessions := []struct {
				author  string
				booking uuid.UUID
				text    string
			}{
				{"e2@a.example", w.e2Held, "一回目の面談の感想"},
				{"e1@a.example", w.held, "二回目の面談の感想"},
				{"e1@a.example", w.ended, "三回目の面談の感想"},
			}
			var looks [][]string // what the counsellor saw after each session
			for _, s := range sessions {
				if st := w.login(s.author).Do("POST", "/api/v1/bookings/"+s.booking.String()+"/feedback", reviewed(s.text), nil); st != http.StatusCreated {
					t.Fatalf("rate: %d", st)
				}
				if st := op.Do("POST", "/api/v1/reviews/"+queued(t, op, s.text).String()+"/approve", nil, nil); st != http.StatusOK {
					t.Fatalf("approve: %d", st)
				}
				var list publishedList
				if st := c1.Do("GET", "/api/v1/counselors/"+w.counselor1.String()+"/reviews", nil, &list); st != http.StatusOK {
					t.Fatalf("look: %d", st)
				}
				looks = append(looks, list.texts())
			}
			// The attacker's inference from the looks alone: every session
			// here gave one review, so reviews that first appear at look f
			// come from the sessions held after the previous look at which
			// new reviews appeared, up to f.
			candidates := map[string][]int{}
			lastChange := -1
			for f, look := range looks {
				changed := false
				for _, text := range look {
					if f > 0 && slices.Contains(looks[f-1], text) {
						continue
					}
					changed = true
					for k := lastChange + 1; k <= f; k++ {
						candidates[text] = append(candidates[text], k)
					}
				}
				if changed {
					lastChange = f
				}
			}
			if len(candidates) != len(sessions) {
				t.Fatalf("the counsellor saw %d reviews, want %d: %v", len(candidates), len(sessions), looks)
			}
			linked := 0
			for k, s := range sessions {
				c := candidates[s.text]
				if len(c) == 1 && c[0] == k {
					linked++
				}
				if batch > 1 && len(c) < batch {
					t.Errorf("batched: %q narrows to sessions %v, fewer than %d", s.text, c, batch)
				}
			}
			switch {
			case batch == 1 && linked != len(sessions):
				t.Errorf("without batching the attack should link every review, linked %d: %v", linked, candidates)
			case batch > 1 && linked != 0:
				t.Errorf("with batching the attack linked %d reviews: %v", linked, candidates)
			}
			t.Logf("batch %d: looks %v, reviews linked to their session: %d of %d", batch, looks, linked, len(sessions))
		})
	}
}

// TestReviewRowsAreReadableOnlyAsTheRulesSay checks row-level security
// itself, under each role's scope: the author link only for its author,
// a pending review only for its author and operators, a published one for
// anyone signed in.
func TestReviewRowsAreReadableOnlyAsTheRulesSay(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	if st := w.login("e1@a.example").Do("POST", "/api/v1/bookings/"+w.held.String()+"/feedback", reviewed("RLS-MARKER"), nil); st != http.StatusCreated {
		t.Fatalf("rate: %d", st)
	}
	ids := map[string]uuid.UUID{}
	rows, err := ownerDB(t, w.h).Query(`SELECT email, id FROM users`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var email string
		var id uuid.UUID
		if err := rows.Scan(&email, &id); err != nil {
			t.Fatal(err)
		}
		ids[email] = id
	}
	rows.Close()
	see := func(s db.Scope) (links, reviews int) {
		t.Helper()
		err := w.h.Env.DB.InTx(context.Background(), s, func(tx *sqlx.Tx) error {
			if err := tx.Get(&links, `SELECT count(*) FROM review_authors`); err != nil {
				return err
			}
			return tx.Get(&reviews, `SELECT count(*) FROM counselor_reviews`)
		})
		if err != nil {
			t.Fatal(err)
		}
		return links, reviews
	}
	for _, tc := range []struct {
		who            string
		scope          db.Scope
		links, reviews int
	}{
		{"the author", db.Scope{CompanyID: w.companyA, UserID: ids["e1@a.example"], Role: "employee"}, 1, 1},
		{"a colleague", db.Scope{CompanyID: w.companyA, UserID: ids["e2@a.example"], Role: "employee"}, 0, 0},
		{"HR", db.Scope{CompanyID: w.companyA, UserID: ids["hr@a.example"], Role: "company_admin"}, 0, 0},
		{"the counsellor", db.Scope{UserID: ids["c1@x.example"], Role: "counselor"}, 0, 0},
	} {
		if l, r := see(tc.scope); l != tc.links || r != tc.reviews {
			t.Errorf("%s sees %d links and %d reviews, want %d and %d", tc.who, l, r, tc.links, tc.reviews)
		}
	}
	// Once published, everyone signed in reads the review, still not the link.
	if _, err := ownerDB(t, w.h).Exec(`UPDATE counselor_reviews SET status = 'published', batch = 1, position = 0`); err != nil {
		t.Fatal(err)
	}
	if l, r := see(db.Scope{UserID: ids["c1@x.example"], Role: "counselor"}); l != 0 || r != 1 {
		t.Errorf("the counsellor sees %d links and %d reviews once published, want 0 and 1", l, r)
	}
	if l, r := see(db.Scope{CompanyID: w.companyB, UserID: ids["hr@b.example"], Role: "company_admin"}); l != 0 || r != 1 {
		t.Errorf("another company's HR sees %d links and %d reviews once published, want 0 and 1", l, r)
	}
}

// TestReviewsMigrationGoesDownAndUpAgain: 00022's Down drops both tables
// (reviews included), Up brings them back and reviews work again.
func TestReviewsMigrationGoesDownAndUpAgain(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	e1 := w.login("e1@a.example")
	if st := e1.Do("POST", "/api/v1/bookings/"+w.held.String()+"/feedback", reviewed("下げて上げる"), nil); st != http.StatusCreated {
		t.Fatalf("rate: %d", st)
	}
	m, err := db.NewMigrator(w.h.Env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	tables := `SELECT count(*) FROM information_schema.tables WHERE table_name IN ('counselor_reviews', 'review_authors')`
	var n int
	if err := m.DownTo(ctx, io.Discard, 21); err != nil {
		t.Fatalf("down: %v", err)
	}
	if err := ownerDB(t, w.h).Get(&n, tables); err != nil || n != 0 {
		t.Fatalf("%d review tables survived Down (%v)", n, err)
	}
	if err := m.Up(ctx, io.Discard); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if err := ownerDB(t, w.h).Get(&n, tables); err != nil || n != 2 {
		t.Fatalf("%d review tables after Up (%v), want 2", n, err)
	}
	if st := e1.Do("POST", "/api/v1/bookings/"+w.ended.String()+"/feedback", reviewed("また動く"), nil); st != http.StatusCreated {
		t.Fatalf("rate after Up: %d", st)
	}
	queued(t, w.login("op@x.example"), "また動く")
}
