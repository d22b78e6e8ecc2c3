package web_test

import (
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/apptest"
)

// TestBrowserSearchUnderstoodChipsAndEmptyState, at 1366×900 and on a
// 390×844 phone: "女性 パワハラ" finds nobody, and the page says which word
// to leave out and how many that finds; following the suggestion keeps
// 女性 as a chip; removing the chip searches everyone again (plain links:
// without JavaScript too); typing a word brings its chip in place.
func TestBrowserSearchUnderstoodChipsAndEmptyState(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	f := newCompany(t, h)
	f.employee("emp1@test-shoji.example")
	demoCounselors(newCounselors(t, h, f.op))
	do(t, ctx, browserLogin(h, "emp1@test-shoji.example", "employee-pass-2026"), chromedp.WaitReady(chromedp.CSS(`body`)))

	for _, vp := range []struct {
		w, h int64
		opts []chromedp.EmulateViewportOption
	}{{1366, 900, nil}, {390, 844, []chromedp.EmulateViewportOption{chromedp.EmulateMobile}}} {
		t.Run(fmt.Sprint(vp.w), func(t *testing.T) {
			// Nobody is a woman handling harassment in this marketplace.
			do(t, ctx,
				chromedp.EmulateViewport(vp.w, vp.h, vp.opts...),
				chromedp.Navigate(h.URL+"/counselors?q="+url.QueryEscape("女性 パワハラ")),
				chromedp.WaitVisible(chromedp.CSS(`#search-empty`)),
			)
			if n := evaluate[int](t, ctx, `document.querySelectorAll('#understood .understood-chip').length`); n != 2 {
				t.Errorf("%d chips for 女性 パワハラ, want 2", n)
			}
			hints := text(t, ctx, "#search-hints")
			if !strings.Contains(hints, "「パワハラ」を外すと 2 名") || !strings.Contains(hints, "「女性」を外すと 1 名") ||
				strings.Index(hints, "パワハラ」を外す") > strings.Index(hints, "女性」を外す") {
				t.Errorf("suggestions:\n%s", hints)
			}
			noSideScroll(t, ctx, "the empty search", vp.w)
			screenshot(t, ctx, fmt.Sprintf("search-empty-%d.png", vp.w))

			// The suggestion that finds most: without パワハラ, 女性 stays a chip.
			do(t, ctx,
				chromedp.Click(chromedp.CSS(`#search-hints li:first-child a`)),
				waitText("#results-count", "2 名"),
			)
			if chips := text(t, ctx, "#understood"); !strings.Contains(chips, "「女性」を絞り込み条件にしました（性別：女性）") || strings.Contains(chips, "パワハラ") {
				t.Errorf("chips after the suggestion: %q", chips)
			}
			res := text(t, ctx, "#results")
			if !strings.Contains(res, "佐藤 恵子") || !strings.Contains(res, "鈴木 直美") || strings.Contains(res, "加藤 亮") {
				t.Errorf("results after the suggestion:\n%s", res)
			}
			noSideScroll(t, ctx, "the search with a chip", vp.w)
			screenshot(t, ctx, fmt.Sprintf("search-understood-%d.png", vp.w))

			// Removing the chip takes 女性 out of the search.
			do(t, ctx,
				chromedp.Click(chromedp.CSS(`#understood .chip-remove`)),
				waitText("#results-count", "4 名"),
				chromedp.WaitNotPresent(chromedp.CSS(`#understood`)),
			)
			if q := evaluate[string](t, ctx, `document.querySelector('#q').value`); q != "" {
				t.Errorf("the search box still holds %q", q)
			}
			if loc := location(t, ctx); strings.Contains(loc, "q=") {
				t.Errorf("the address still carries the words: %s", loc)
			}
			noSideScroll(t, ctx, "the search without the chip", vp.w)

			// Typing (htmx) brings a chip in place, under the search box.
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS(`#q`), "男性"),
				waitText("#understood-slot", "「男性」を絞り込み条件にしました（性別：男性）"),
				waitText("#results-count", "2 名"),
			)
			if loc := location(t, ctx); !strings.Contains(loc, "q=") {
				t.Errorf("the typed search is not in the address: %s", loc)
			}
		})
	}
}
