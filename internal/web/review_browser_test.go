package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// publishReviews rates the world's three sessions with reviews and has an
// operator approve them: one published batch. It returns the texts.
func publishReviews(t *testing.T, w reviewWorld) []string {
	t.Helper()
	emp := newBrowser(t, w.h)
	emp.login("emp@billing.example", billPass)
	texts := []string{"じっくり聞いてもらえました", "考えが整理できました", "また相談したいです"}
	for i, s := range w.sessions {
		if r := rateWithReview(t, emp, s, []int{5, 5, 4}[i], texts[i]); r.Status != http.StatusSeeOther {
			t.Fatalf("rate %d: %d", i, r.Status)
		}
	}
	op := newBrowser(t, w.h)
	op.login("op@billing.example", billPass)
	tok := op.csrf("/operator/reviews")
	for _, m := range queuedReview.FindAllStringSubmatch(op.get("/operator/reviews").Body, -1) {
		if r := op.post("/operator/reviews/"+m[1]+"/approve", url.Values{"_csrf": {tok}}); r.Status != http.StatusSeeOther {
			t.Fatalf("approve: %d", r.Status)
		}
	}
	return texts
}

// fourthSession adds an unrated held session three hours before the first.
func fourthSession(t *testing.T, w reviewWorld) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := w.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&id, `INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, contract_id,
			starts_at, ends_at, blocked_until, theme, format, status, completed_at)
			SELECT company_id, employee_user_id, counselor_id, counselor_user_id, contract_id,
			       starts_at - interval '3 hours', ends_at - interval '3 hours', ends_at - interval '3 hours', theme, format, status, ends_at - interval '3 hours'
			FROM bookings WHERE id = $1 RETURNING id`, w.sessions[0])
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

var reviewViewports = []struct{ w, h int }{{1366, 900}, {390, 844}}

// fitsWidth fails the test when the page scrolls sideways.
func fitsWidth(t *testing.T, ctx context.Context, page string, width int) {
	t.Helper()
	if over := evaluate[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
		t.Errorf("%s at %d px scrolls sideways by %d px", page, width, over)
	}
}

// TestBrowserProfileShowsPortraitRatingCountAndAnonymousReviews: the
// employee sees a counsellor's generated portrait, the rating with its
// count and a published batch of reviews without names or dates, and the
// rating form's review field with its anonymity note; the operator
// moderates a review in the queue. At 1366 and 390 px, with screenshots.
func TestBrowserProfileShowsPortraitRatingCountAndAnonymousReviews(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	w := newReviewWorld(t)
	portrait, err := demo.Portrait(w.counselor)
	if err != nil {
		t.Fatal(err)
	}
	if err := w.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return counselor.SeedPhoto(context.Background(), tx, w.counselor, portrait, time.Now())
	}); err != nil {
		t.Fatal(err)
	}
	texts := publishReviews(t, w)
	unrated := fourthSession(t, w)
	profile := w.h.URL + "/counselors/" + w.counselor.String()

	do(t, ctx, browserLogin(w.h, "emp@billing.example", billPass), chromedp.WaitReady(chromedp.CSS(`main`)))
	for _, vp := range reviewViewports {
		do(t, ctx,
			chromedp.EmulateViewport(int64(vp.w), int64(vp.h)),
			chromedp.Navigate(profile),
			chromedp.WaitVisible(chromedp.CSS(`#review-list`)),
		)
		loaded, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector('.listing-head img.avatar'); return !!i && i.complete && i.naturalWidth > 0 })()`))
		if err != nil || !loaded {
			t.Errorf("the portrait does not load at %d px: %v", vp.w, err)
		}
		if got := strings.TrimSpace(text(t, ctx, "#listing-rating")); got != "★4.7（3件）" {
			t.Errorf("rating at %d px: %q", vp.w, got)
		}
		list := text(t, ctx, "#review-list")
		for _, s := range texts {
			if !strings.Contains(list, s) {
				t.Errorf("the profile lacks the review %q at %d px", s, vp.w)
			}
		}
		if strings.Contains(list, "秘密") || strings.Contains(list, w.sessionDay) {
			t.Errorf("a published review names its author or day: %q", list)
		}
		fitsWidth(t, ctx, "profile", vp.w)
		screenshot(t, ctx, fmt.Sprintf("counselor-profile-reviews-%d.png", vp.w))

		do(t, ctx,
			chromedp.Navigate(w.h.URL+"/sessions/"+unrated.String()+"/feedback"),
			chromedp.WaitVisible(chromedp.CSS(`#review`)),
		)
		if hint := text(t, ctx, "#review-hint"); !strings.Contains(hint, "匿名で掲載") {
			t.Errorf("the review field's note: %q", hint)
		}
		fitsWidth(t, ctx, "rating form", vp.w)
		screenshot(t, ctx, fmt.Sprintf("feedback-review-%d.png", vp.w))
	}

	// The employee writes a review with the rating; it waits for an operator.
	emp := newBrowser(t, w.h)
	emp.login("emp@billing.example", billPass)
	if r := rateWithReview(t, emp, unrated, 4, "朝の時間帯でも丁寧でした"); r.Status != http.StatusSeeOther {
		t.Fatalf("rate: %d", r.Status)
	}
	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`document.querySelector('form[action="/logout"]').submit()`),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		browserLogin(w.h, "op@billing.example", billPass),
		chromedp.WaitReady(chromedp.CSS(`main`)),
	)
	for _, vp := range reviewViewports {
		do(t, ctx,
			chromedp.EmulateViewport(int64(vp.w), int64(vp.h)),
			chromedp.Navigate(w.h.URL+"/operator/reviews"),
			chromedp.WaitVisible(chromedp.CSS(`#review-queue`)),
		)
		q := text(t, ctx, "#review-queue")
		if !strings.Contains(q, "朝の時間帯でも丁寧でした") || !strings.Contains(q, "山田 花子") || strings.Contains(q, "秘密") {
			t.Errorf("queue at %d px:\n%s", vp.w, q)
		}
		fitsWidth(t, ctx, "review queue", vp.w)
		screenshot(t, ctx, fmt.Sprintf("operator-reviews-%d.png", vp.w))
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`button.review-approve`)),
		waitText(".flash-success", "承認しました。"),
		chromedp.WaitVisible(chromedp.CSS(`#review-queue-empty`)),
	)
}
