package web_test

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/devenv"
)

// searchHarness starts the server on a Meilisearch index of its own when an
// engine binary is at hand, and on the PostgreSQL fallback otherwise: the
// pages must work either way. It returns the engine that should answer.
func searchHarness(t *testing.T) (*apptest.Harness, string) {
	t.Helper()
	if _, err := devenv.FindMeilisearch(); err != nil && os.Getenv("CI") != "true" {
		t.Logf("no Meilisearch (%v): searching PostgreSQL", err)
		return apptest.New(t), "postgres"
	}
	ms := dbtest.Meilisearch(t)
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) {
		c.MeiliURL, c.MeiliKey, c.MeiliIndex = ms.URL, ms.Key, ms.Index
	}})
	if _, _, err := h.App.Counselors.PrepareSearch(t.Context()); err != nil {
		t.Fatalf("prepare the search index: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = h.App.Search.DeleteIndex(ctx)
	})
	return h, "meilisearch"
}

// resultsEngine is the engine that answered the search on the page.
func resultsEngine(t *testing.T, ctx context.Context) string {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.AttributeValue(chromedp.CSS(`#results`), "data-engine"))
	if err != nil {
		t.Fatal(err)
	}
	return v.Value
}

// waitText waits until the element's text contains want, across page
// loads (a form post replaces the page while it waits), for as long as the
// test's context lasts.
func waitText(css, want string) chromedp.Action[chromedp.Void] {
	return waitScript(fmt.Sprintf(`(() => { const e = document.querySelector(%q); return !!e && e.textContent.includes(%q) })()`, css, want),
		fmt.Sprintf("%q in %s", want, css))
}

// waitScript waits until the script answers true, across page loads, for
// as long as the test's context lasts; what names the wait in its error.
func waitScript(script, what string) chromedp.Action[chromedp.Void] {
	check := chromedp.Evaluate[bool](script)
	return func(ctx context.Context, t *chromedp.Target) (chromedp.Void, error) {
		var err error
		for {
			var ok bool
			ok, err = check(ctx, t)
			if err == nil && ok {
				return chromedp.Void{}, nil
			}
			select {
			case <-ctx.Done():
				return chromedp.Void{}, fmt.Errorf("waiting for %s (last error %v): %w", what, err, ctx.Err())
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
}

// waitLocation waits until the page's address contains part and no htmx
// request is in flight.
func waitLocation(part string) chromedp.Action[chromedp.Void] {
	return waitScript(fmt.Sprintf(`location.href.includes(%q) && `, part)+settledScript, "address with "+part)
}

// TestBrowserEmployeeSearchesFiltersAndOpensProfile: an employee searches
// by free text from the home page, narrows by theme with htmx (the address
// and the counts follow), and opens a profile with its credential badges.
func TestBrowserEmployeeSearchesFiltersAndOpensProfile(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h, engine := searchHarness(t)
	f := newCompany(t, h)
	f.employee("emp1@test-shoji.example")
	demoCounselors(newCounselors(t, h, f.op))

	do(t, ctx, browserLogin(h, "emp1@test-shoji.example", "employee-pass-2026"), chromedp.WaitVisible(chromedp.CSS(`.hero-search`)))
	screenshot(t, ctx, "employee-home-search.png")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`.hero-search input[name="q"]`), "キャリア"),
		chromedp.Submit(chromedp.CSS(`.hero-search input[name="q"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#results .counselor-card`)),
	)
	if u := location(t, ctx); !strings.Contains(u, "/counselors?q=") {
		t.Errorf("free-text search went to %s", u)
	}
	if res := text(t, ctx, "#results"); !strings.Contains(res, "田中 誠") || strings.Contains(res, "加藤 亮") {
		t.Errorf("free text キャリア:\n%s", res)
	}
	if got := resultsEngine(t, ctx); got != engine {
		t.Errorf("search answered from %s, want %s", got, engine)
	}
	screenshot(t, ctx, "search-text.png")

	// A theme checkbox narrows the results in place and updates the counts.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/counselors"]`)),
		waitText("#results-count", "4 名"),
		chromedp.Click(chromedp.CSS(`#f-theme-relationships`)),
		waitText("#results-count", "2 名"),
		waitText("#cf-format-phone", "0"),
	)
	res := text(t, ctx, "#results")
	if !strings.Contains(res, "佐藤 恵子") || !strings.Contains(res, "鈴木 直美") || strings.Contains(res, "田中 誠") {
		t.Errorf("theme filter:\n%s", res)
	}
	if u := location(t, ctx); !strings.Contains(u, "theme=relationships") {
		t.Errorf("the address does not carry the filter: %s", u)
	}
	// The format group is folded: read the counts' text, not what shows.
	for id, want := range map[string]string{"#cf-format-video": "2", "#cf-format-in_person": "1", "#cf-theme-relationships": "2", "#cf-theme-career": "0"} {
		if n, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(id))); err != nil || n != want {
			t.Errorf("count %s after the theme filter: %q (%v), want %s", id, n, err, want)
		}
	}
	screenshot(t, ctx, "search-filtered.png")

	// Typing narrows the results without a submit.
	// The address carries the whole word once its own answer is in: no
	// refresh for a part of it can replace the list under the click below.
	do(t, ctx, chromedp.SendKeys(chromedp.CSS(`#q`), "さとう"), waitText("#results-count", "1 名"),
		waitLocation("q="+url.QueryEscape("さとう")))
	if res := text(t, ctx, "#results"); !strings.Contains(res, "佐藤 恵子") || strings.Contains(res, "鈴木 直美") {
		t.Errorf("typed search:\n%s", res)
	}
	if u := location(t, ctx); !strings.Contains(u, "theme=relationships") || !strings.Contains(u, "q=") {
		t.Errorf("typed search address: %s", u)
	}

	do(t, ctx,
		chromedp.Click(chromedp.Search(`//a[text()="佐藤 恵子"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#listing-credentials`)),
	)
	if creds := text(t, ctx, "#listing-credentials"); !strings.Contains(creds, "公認心理師") || !strings.Contains(creds, "認証済み") || !strings.Contains(creds, "REG-sato@c") {
		t.Errorf("credential badges: %q", creds)
	}
	if next := text(t, ctx, "#listing-next"); next != "現在空きがありません" {
		t.Errorf("next slot: %q", next)
	}
	screenshot(t, ctx, "counselor-listing.png")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/lang"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="en"] #listing-credentials`)),
	)
	if creds := text(t, ctx, "#listing-credentials"); !strings.Contains(creds, "Certified public psychologist") {
		t.Errorf("English credential badge: %q", creds)
	}
	screenshot(t, ctx, "counselor-listing-en.png")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/lang"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`html[lang="ja"] #listing-credentials`)),
	)

	// The search on a phone: filters stack above the cards.
	do(t, ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile),
		chromedp.Navigate(h.URL+"/counselors?theme=relationships"),
		chromedp.WaitVisible(chromedp.CSS(`#results .counselor-card`)),
	)
	screenshot(t, ctx, "search-mobile.png")
}

// TestBrowserOperatorVerifiesCounselorWhoThenAppearsInSearch: the operator
// opens the queue, is told a counsellor without a verified credential
// cannot be listed, verifies the credential and then the counsellor, and an
// employee finds them.
func TestBrowserOperatorVerifiesCounselorWhoThenAppearsInSearch(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h, _ := searchHarness(t)
	f := newCompany(t, h)
	f.employee("emp1@test-shoji.example")
	cs := newCounselors(t, h, f.op)
	demoCounselors(cs)
	cs.pending("new@c.example", "新人 花子")
	cs.setProfile("new@c.example", profile{Name: "新人 花子", Kana: "しんじん はなこ", Bio: "傾聴を大切にしています。",
		Gender: "female", Years: 3, Languages: []string{"ja"}, Formats: []string{"video"}})
	cs.submit("new@c.example", "clinical_psychologist", "CP-24680")
	h.DrainOutbox()

	do(t, ctx,
		browserLogin(h, "operator@taiwa.example", "operator-pass-2026"),
		chromedp.WaitVisible(chromedp.CSS(`.companies-table`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/operator/counselors"]`)),
		chromedp.WaitVisible(chromedp.CSS(`.queue-table`)),
	)
	if q := text(t, ctx, ".queue-table"); !strings.Contains(q, "新人 花子") || !strings.Contains(q, "new@c.example") || strings.Contains(q, "佐藤 恵子") {
		t.Errorf("queue:\n%s", q)
	}
	screenshot(t, ctx, "operator-queue.png")

	do(t, ctx,
		chromedp.Click(chromedp.Search(`//a[text()="新人 花子"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#verify-counselor`)),
		chromedp.Click(chromedp.CSS(`#verify-counselor`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash-error`)),
	)
	if msg := text(t, ctx, ".flash-error"); !strings.Contains(msg, "認証済みで有効な資格がないため") {
		t.Errorf("422 message: %q", msg)
	}
	if details := text(t, ctx, "#review-credentials"); !strings.Contains(details, "臨床心理士") || !strings.Contains(details, "CP-24680") || !strings.Contains(details, "2019-04-01") {
		t.Errorf("credential details:\n%s", details)
	}
	screenshot(t, ctx, "operator-review-refused.png")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`button.verify-credential`)),
		waitText(".flash-success", "資格を認証しました。"),
		chromedp.Click(chromedp.CSS(`#verify-counselor`)),
		waitText(".flash-success", "カウンセラーを掲載しました。"),
	)
	if st := text(t, ctx, "#review-status"); st != "公開中" {
		t.Errorf("status after verification: %q", st)
	}
	screenshot(t, ctx, "operator-review-verified.png")
	h.DrainOutbox()

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		browserLogin(h, "emp1@test-shoji.example", "employee-pass-2026"),
		chromedp.WaitVisible(chromedp.CSS(`.hero`)),
		chromedp.Navigate(h.URL+"/counselors"),
		chromedp.WaitVisible(chromedp.CSS(`#q`)),
		chromedp.SendKeys(chromedp.CSS(`#q`), "しんじん"),
		chromedp.Submit(chromedp.CSS(`#q`)),
		waitText("#results-count", "1 名"),
	)
	if res := text(t, ctx, "#results"); !strings.Contains(res, "新人 花子") || !strings.Contains(res, "臨床心理士") {
		t.Errorf("the new counsellor is not found:\n%s", res)
	}
	screenshot(t, ctx, "search-new-counselor.png")
}

// TestBrowserCounselorEditsProfileUploadsPhotoAndSubmitsCredential: a
// pending counsellor sees what is missing, gets a field error and the
// theme rule's message, saves, uploads a photo that then shows, and submits
// a credential that is listed as under review.
func TestBrowserCounselorEditsProfileUploadsPhotoAndSubmitsCredential(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	cs := newCounselors(t, h, h.Operator())
	cs.pending("new@c.example", "新人 花子")
	photo := filepath.Join(t.TempDir(), "me.png")
	if err := os.WriteFile(photo, pngImage(t, 480, 480), 0o600); err != nil {
		t.Fatal(err)
	}

	do(t, ctx, browserLogin(h, "new@c.example", counselorPass), chromedp.WaitVisible(chromedp.CSS(`#missing`)))
	if m := text(t, ctx, "#missing"); !strings.Contains(m, "プロフィール写真") || !strings.Contains(m, "資格を提出") {
		t.Errorf("missing: %q", m)
	}
	if st := text(t, ctx, "#counselor-status .badge"); st != "審査中" {
		t.Errorf("status %q", st)
	}
	screenshot(t, ctx, "counselor-home.png")

	// A blank display name is refused beside the field.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/counselor/profile"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#display_name`)),
		chromedp.Clear(chromedp.CSS(`#display_name`)),
		chromedp.Click(chromedp.CSS(`.profile-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#err-display_name`)),
	)
	if e := text(t, ctx, "#err-display_name"); e != "表示名を1〜80文字で入力してください。" {
		t.Errorf("display name error %q", e)
	}

	// A theme without a verified credential: the 422 message names what it needs.
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#display_name`), "新人 花子"),
		chromedp.SendKeys(chromedp.CSS(`#kana`), "しんじん はなこ"),
		chromedp.SendKeys(chromedp.CSS(`#bio`), "傾聴を大切にしています。"),
		chromedp.Click(chromedp.CSS(`#f-languages-ja`)),
		chromedp.Click(chromedp.CSS(`#f-formats-video`)),
		chromedp.Click(chromedp.CSS(`#f-themes-mental_health`)),
		chromedp.Click(chromedp.CSS(`.profile-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#err-themes`)),
	)
	if e := text(t, ctx, "#err-themes"); !strings.Contains(e, "資格の認証を受けるまで選べません") || !strings.Contains(e, "メンタルヘルス") || !strings.Contains(e, "公認心理師") {
		t.Errorf("theme message %q", e)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#kana`))); v != "しんじん はなこ" {
		t.Errorf("kana not kept: %q", v)
	}
	screenshot(t, ctx, "counselor-profile-refused.png")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#f-themes-mental_health`)),
		chromedp.Click(chromedp.CSS(`.profile-form button[type="submit"]`)),
		waitText(".flash-success", "プロフィールを保存しました。"),
		// The save redirects: address the new document's input once it is
		// ready, not while the old one is being replaced.
		chromedp.WaitReady(chromedp.CSS(`#photo-file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#photo-file`), []string{photo}),
		chromedp.Click(chromedp.CSS(`#photo button[type="submit"]`)),
		waitText(".flash-success", "プロフィール写真を更新しました。"),
		chromedp.WaitVisible(chromedp.CSS(`#photo img.avatar`)),
	)
	loaded, err := chromedp.Run(ctx, chromedp.Poll[bool](`(() => { const i = document.querySelector('#photo img.avatar'); return i.complete && i.naturalWidth > 0 })()`,
		chromedp.WithPollingTimeout(10*time.Second)))
	if err != nil || !loaded {
		t.Errorf("the uploaded photo does not load: %v", err)
	}
	screenshot(t, ctx, "counselor-profile.png")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/counselor/credentials"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#kind`)),
		chromedp.SetValue(chromedp.CSS(`#kind`), "certified_public_psychologist"),
		chromedp.SendKeys(chromedp.CSS(`#registration_number`), "第12345号"),
		chromedp.SetValue(chromedp.CSS(`#issued_on`), "2018-10-01"),
		chromedp.Submit(chromedp.CSS(`#registration_number`)),
		waitText(".flash-success", "資格を提出しました。"),
	)
	list := text(t, ctx, "#credentials")
	for _, want := range []string{"公認心理師", "審査中", "第12345号", "2018-10-01"} {
		if !strings.Contains(list, want) {
			t.Errorf("credential list lacks %q:\n%s", want, list)
		}
	}
	screenshot(t, ctx, "counselor-credentials.png")

	do(t, ctx, chromedp.Click(chromedp.CSS(`nav a[href="/counselor"]`)), chromedp.WaitVisible(chromedp.CSS(`#missing`)))
	if m := text(t, ctx, "#missing"); strings.Contains(m, "プロフィール写真") || strings.Contains(m, "自己紹介") || !strings.Contains(m, "資格を提出") {
		t.Errorf("missing after the edits: %q", m)
	}
}
