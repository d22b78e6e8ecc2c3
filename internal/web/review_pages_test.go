package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
)

// reviewWorld is the billing world's counsellor made listed (a verified
// credential) and the employee's three held sessions with them.
type reviewWorld struct {
	moneyWorld
	counselor uuid.UUID
	sessions  []uuid.UUID // oldest first
}

func newReviewWorld(t *testing.T) reviewWorld {
	t.Helper()
	w := reviewWorld{moneyWorld: newMoneyWorld(t)}
	err := w.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		if err := tx.Get(&w.counselor, `SELECT id FROM counselors WHERE display_name = '山田 花子'`); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO credentials (counselor_id, kind, registration_number, issued_on, status, verified_at)
			VALUES ($1, 'career_consultant', 'R001', '2018-04-01', 'verified', now())`, w.counselor); err != nil {
			return err
		}
		return tx.Select(&w.sessions, `SELECT id FROM bookings WHERE company_id = $1 ORDER BY starts_at`, w.companyA)
	})
	if err != nil || len(w.sessions) != 3 {
		t.Fatalf("review world: %v (%d sessions)", err, len(w.sessions))
	}
	return w
}

// rateWithReview rates a session through the form, with a short review.
func rateWithReview(t *testing.T, b *browser, session uuid.UUID, satisfaction int, review string) page {
	t.Helper()
	path := "/sessions/" + session.String() + "/feedback"
	form := url.Values{"_csrf": {b.csrf(path)}, "satisfaction": {strconv.Itoa(satisfaction)}, "fit": {"4"}, "review": {review}}
	for i := range 5 {
		form.Set("who5_"+strconv.Itoa(i), "3")
	}
	return b.post(path, form)
}

var queuedReview = regexp.MustCompile(`action="/operator/reviews/([0-9a-f-]{36})/approve"`)

func TestOperatorModeratesReviewsAndTheProfileShowsABatchWithoutWho(t *testing.T) {
	t.Parallel()
	w := newReviewWorld(t)
	emp := newBrowser(t, w.h)
	emp.login("emp@billing.example", billPass)
	profile := "/counselors/" + w.counselor.String()
	mustContain(t, emp.get(profile), `id="reviews-none"`, "まだ評価はありません")

	// A review too long is refused next to its field, the text kept.
	long := strings.Repeat("長", 401)
	bad := rateWithReview(t, emp, w.sessions[0], 5, long)
	if bad.Status != http.StatusBadRequest {
		t.Fatalf("a long review: %d", bad.Status)
	}
	mustContain(t, bad, `id="err-review"`, "感想は400文字以内にしてください。", long, "匿名で掲載されます")

	texts := []string{"じっくり聞いてもらえました", "考えが整理できました", "また相談したいです"}
	for i, s := range w.sessions {
		if r := rateWithReview(t, emp, s, []int{5, 5, 4}[i], texts[i]); r.Status != http.StatusSeeOther {
			t.Fatalf("rate %d: %d", i, r.Status)
		}
		if i == 0 {
			mustContain(t, emp.get(profile), "評価はまだ少数です")
		}
	}
	own := emp.get("/sessions/" + w.sessions[0].String() + "/feedback")
	mustContain(t, own, `id="review-own"`, texts[0], "運営の確認待ちです。", `id="review-delete"`)

	op := newBrowser(t, w.h)
	op.login("op@billing.example", billPass)
	q := op.get("/operator/reviews")
	mustContain(t, q, append([]string{`id="review-queue"`, "山田 花子"}, texts...)...)
	secrets := []string{"秘密 太郎", "emp@billing.example", w.companyA.String(), w.sessionDay}
	for _, s := range w.sessions {
		secrets = append(secrets, s.String())
	}
	mustNotContain(t, q, secrets...)
	ids := queuedReview.FindAllStringSubmatch(q.Body, -1)
	if len(ids) != 3 {
		t.Fatalf("queue has %d approve forms, want 3", len(ids))
	}
	tok := op.csrf("/operator/reviews")

	// Rejecting needs a reason, named next to the field.
	r := op.post("/operator/reviews/"+ids[0][1]+"/reject", url.Values{"_csrf": {tok}, "reason": {"  "}})
	if r.Status != http.StatusBadRequest {
		t.Fatalf("reject without a reason: %d", r.Status)
	}
	mustContain(t, r, `id="err-reason-`+ids[0][1]+`"`, "却下の理由を500文字以内で入力してください。")

	for i, m := range ids {
		if r := op.post("/operator/reviews/"+m[1]+"/approve", url.Values{"_csrf": {tok}}); r.Status != http.StatusSeeOther {
			t.Fatalf("approve %d: %d", i, r.Status)
		}
		if i < 2 {
			mustContain(t, emp.get(profile), `id="reviews-none"`)
		}
	}
	mustContain(t, op.get("/operator/reviews"), `id="review-queue-empty"`)

	mustContain(t, emp.get(profile), append([]string{`id="review-list"`, "★4.7（3件）"}, texts...)...)
	// What the counsellor sees of their published reviews names no one.
	c := newBrowser(t, w.h)
	c.login("c@billing.example", billPass)
	p := c.get(profile)
	mustContain(t, p, texts...)
	mustNotContain(t, p, secrets...)
	mustContain(t, emp.get("/sessions/"+w.sessions[0].String()+"/feedback"), "プロフィールに匿名で掲載されています。")

	// The operator's page of the counsellor shows the mean with its count.
	mustContain(t, op.get("/operator/counselors/"+w.counselor.String()), `id="review-rating"`, "★4.7（3件）")

	// The author deletes theirs: gone from the profile at once.
	path := "/sessions/" + w.sessions[0].String() + "/feedback"
	if r := emp.post("/sessions/"+w.sessions[0].String()+"/review/delete", url.Values{"_csrf": {emp.csrf(path)}}); r.Status != http.StatusSeeOther {
		t.Fatalf("delete: %d", r.Status)
	}
	p = c.get(profile)
	mustContain(t, p, texts[1], texts[2])
	mustNotContain(t, p, texts[0])
	mustNotContain(t, emp.get(path), `id="review-own"`)
}
