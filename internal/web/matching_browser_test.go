package web_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/matching"
)

// evaluate runs a JavaScript expression in the page and returns its value.
func evaluate[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// TestBrowserEmployeeFindsDismissesAndBooksARecommendation is the
// matching journey: an employee opens "find a counsellor who suits you"
// from home, answers the questionnaire, sees ten recommendations each with
// reasons, says "not for me" to one (it disappears without a reload),
// books another through the confirm page and lands on the session.
func TestBrowserEmployeeFindsDismissesAndBooksARecommendation(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	newMatchWorld(t, h)

	do(t, ctx,
		browserLogin(h, empEmail, empPass), chromedp.WaitVisible(chromedp.CSS(`#fit-cta`)),
		chromedp.Click(chromedp.CSS(`#fit-cta h2 a`)),
		chromedp.WaitVisible(chromedp.CSS(`#fit-form`)),
	)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/fit-profile") {
		t.Fatalf("the entry led to %s, want the questionnaire", loc)
	}
	screenshot(t, ctx, "fit-questionnaire.png")
	answers := []chromedp.Action[chromedp.Void]{}
	for i, it := range matching.ValueItems {
		answers = append(answers, chromedp.Click(chromedp.CSS(`#values-`+it+`-`+string(rune('1'+(i+2)%5)))))
	}
	for _, it := range matching.StyleItems {
		answers = append(answers, chromedp.Click(chromedp.CSS(`#style-`+it+`-2`)))
	}
	answers = append(answers,
		chromedp.SetValue(chromedp.CSS(`#theme`), "career"),
		chromedp.Click(chromedp.CSS(`#fit-submit`)),
		chromedp.WaitVisible(chromedp.CSS(`#rec-list`)),
	)
	do(t, ctx, answers...)

	if n := evaluate[int](t, ctx, `document.querySelectorAll('#rec-list .rec-item').length`); n != 10 {
		t.Fatalf("%d recommendations, want 10", n)
	}
	if few := evaluate[int](t, ctx, `[...document.querySelectorAll('#rec-list .rec-item')].filter(li => li.querySelectorAll('.rec-reasons li').length < 2).length`); few != 0 {
		t.Errorf("%d cards have fewer than two reasons", few)
	}
	if msg := text(t, ctx, ".flash-success"); msg != "回答を保存しました。" {
		t.Errorf("flash %q", msg)
	}
	screenshot(t, ctx, "recommendations.png")

	// Not for me: the first card goes away in place.
	gone := evaluate[string](t, ctx, `document.querySelector('#rec-list .rec-item').id`)
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#`+gone+` .rec-dismiss summary`)),
		chromedp.SetValue(chromedp.CSS(`#`+gone+` select[name="reason"]`), "style"),
		chromedp.Click(chromedp.CSS(`#`+gone+` .rec-dismiss-submit`)),
		chromedp.WaitNotPresent(chromedp.CSS(`#`+gone)),
	)
	if n := evaluate[int](t, ctx, `document.querySelectorAll('#rec-list .rec-item').length`); n != 9 {
		t.Errorf("%d cards after the dismissal, want 9", n)
	}
	if loc := location(t, ctx); !strings.Contains(loc, "/recommendations") {
		t.Errorf("the dismissal left the page: %s", loc)
	}

	// Book the (new) first one through the confirm page.
	name := text(t, ctx, `#rec-list .rec-item:first-child .card-name`)
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#rec-list .rec-item:first-child .rec-book`)),
		chromedp.WaitVisible(chromedp.CSS(`#book-submit`)),
		chromedp.SetValue(chromedp.CSS(`#theme`), "career"),
		chromedp.SetValue(chromedp.CSS(`#format`), "video"),
		chromedp.Click(chromedp.CSS(`#book-submit`)),
		waitText(".flash-success", "予約が確定しました"),
	)
	if loc := location(t, ctx); !strings.Contains(loc, "/sessions/") {
		t.Errorf("after booking at %s, want the session page", loc)
	}
	if facts := text(t, ctx, "#session-facts"); !strings.Contains(facts, name) || !strings.Contains(facts, "キャリア") {
		t.Errorf("booked %q, session facts:\n%s", name, facts)
	}
	screenshot(t, ctx, "recommendations-booked.png")

	// The dismissed counsellor stays away on a fresh load.
	do(t, ctx, chromedp.Navigate(h.URL+"/recommendations?theme=career"), chromedp.WaitVisible(chromedp.CSS(`#rec-list`)))
	if n := evaluate[int](t, ctx, `document.querySelectorAll('#`+gone+`').length`); n != 0 {
		t.Errorf("the dismissed counsellor came back")
	}
}
