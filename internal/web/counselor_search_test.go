package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
)

// facetCount reads the count shown beside a filter's checkbox.
func facetCount(t *testing.T, p page, filter, code string) string {
	t.Helper()
	m := regexp.MustCompile(`id="cf-` + filter + `-` + code + `"[^>]*>(\d+)<`).FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no count for %s=%s", filter, code)
	}
	return m[1]
}

// order reports whether the names appear in the page in this order.
func inOrder(p page, names ...string) bool {
	last := -1
	for _, n := range names {
		i := strings.Index(p.Body, n)
		if i <= last {
			return false
		}
		last = i
	}
	return true
}

// TestSearchPageFiltersCountsSortsAndShowsOnlyListed: the employee search
// lists only verified counsellors, narrows by text and filters, shows each
// option's count, sorts, and answers htmx with the results and new counts.
func TestSearchPageFiltersCountsSortsAndShowsOnlyListed(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	f.employee("emp1@test-shoji.example")
	cs := newCounselors(t, h, f.op)
	demoCounselors(cs)
	cs.pending("new@c.example", "新人 花子")
	emp := newBrowser(t, h)
	emp.login("emp1@test-shoji.example", "employee-pass-2026")

	all := emp.get("/counselors")
	if all.Status != http.StatusOK {
		t.Fatalf("search: %d", all.Status)
	}
	mustContain(t, all, "4 名が見つかりました", "佐藤 恵子", "田中 誠", "鈴木 直美", "加藤 亮", "さとう けいこ",
		"公認心理師", "国家資格キャリアコンサルタント", "メンタルヘルス", "経験 15 年", "オンライン（ビデオ）", "英語")
	mustNotContain(t, all, "新人 花子")
	for code, want := range map[string]string{"relationships": "2", "career": "1", "harassment": "1", "onboarding": "0"} {
		if got := facetCount(t, all, "theme", code); got != want {
			t.Errorf("theme %s count %s, want %s", code, got, want)
		}
	}
	if got := facetCount(t, all, "format", "video"); got != "3" {
		t.Errorf("video count %s, want 3", got)
	}

	rel := emp.get("/counselors?theme=relationships")
	mustContain(t, rel, "2 名が見つかりました", "佐藤 恵子", "鈴木 直美", `value="relationships" checked`)
	mustNotContain(t, rel, "田中 誠", "加藤 亮")
	if got := facetCount(t, rel, "format", "in_person"); got != "1" {
		t.Errorf("in-person count among relationships %s, want 1", got)
	}
	both := emp.get("/counselors?theme=relationships&format=in_person")
	mustContain(t, both, "1 名が見つかりました", "佐藤 恵子")
	mustNotContain(t, both, "鈴木 直美")
	mustContain(t, emp.get("/counselors?credential=labor_attorney"), "1 名が見つかりました", "加藤 亮")
	mustContain(t, emp.get("/counselors?language=en"), "1 名が見つかりました", "田中 誠")
	mustContain(t, emp.get("/counselors?theme=onboarding"), "条件に合うカウンセラーが見つかりませんでした。")

	text := emp.get("/counselors?q=" + "ハラスメント")
	mustContain(t, text, "加藤 亮")
	mustNotContain(t, text, "鈴木 直美")

	exp := emp.get("/counselors?sort=experience")
	if !inOrder(exp, "加藤 亮", "佐藤 恵子", "田中 誠", "鈴木 直美") {
		t.Error("sort=experience is not by years")
	}
	mustContain(t, exp, `<option value="experience" selected>`)

	frag := emp.get("/counselors?theme=career", "HX-Request", "true")
	if frag.Status != http.StatusOK || strings.Contains(frag.Body, "<html") {
		t.Fatalf("htmx: %d", frag.Status)
	}
	mustContain(t, frag, `id="results"`, "田中 誠", `id="cf-theme-relationships" hx-swap-oob="true">0<`,
		`id="cf-theme-career" hx-swap-oob="true">1<`)
	bad := emp.get("/counselors?theme=astrology", "HX-Request", "true")
	if bad.Status != http.StatusOK || !strings.Contains(bad.Body, "検索条件を読み取れませんでした。") || strings.Contains(bad.Body, "hx-swap-oob") {
		t.Errorf("htmx refusal: %d", bad.Status)
	}

	// Every signed-in role may search; the language switch shows English labels.
	admin := newBrowser(t, h)
	admin.login(f.AdminEmail, f.AdminPass)
	mustContain(t, admin.get("/counselors"), "4 名が見つかりました")
	admin.post("/lang", map[string][]string{"_csrf": {admin.csrf("/counselors")}, "lang": {"en"}, "next": {"/counselors"}})
	mustContain(t, admin.get("/counselors"), "4 counsellors found", "Certified public psychologist", "Mental health", "Find a counsellor")
}

// TestListingPageShowsVerifiedCredentialsAndPlaceholders: a listed
// counsellor's page shows the verified credential with its number and
// date, the profile's codes as labels, the fee, "準備中" where a later
// issue fills in ratings, and no free slots for a counsellor without a
// schedule.
func TestListingPageShowsVerifiedCredentialsAndPlaceholders(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	f.employee("emp1@test-shoji.example")
	cs := newCounselors(t, h, f.op)
	ids := demoCounselors(cs)
	emp := newBrowser(t, h)
	emp.login("emp1@test-shoji.example", "employee-pass-2026")

	p := emp.get("/counselors/" + ids["sato"].String())
	if p.Status != http.StatusOK {
		t.Fatalf("listing: %d", p.Status)
	}
	mustContain(t, p, "<h1>佐藤 恵子</h1>", "さとう けいこ", "企業の健康管理室で15年", "認証済み", "公認心理師",
		"登録番号 REG-sato@c", "確認", "メンタルヘルス", "復職支援", "職場の人間関係", "IT・通信", "人事", "日本語",
		"オンライン（ビデオ）、対面", "8,000 円", `id="listing-rating">まだ評価はありません`, `id="reviews-none"`,
		`id="listing-next"><span class="muted">現在空きがありません`, `id="no-slots"`, "キャンセル待ちに登録する", "40代", "女性", `class="avatar avatar-empty`)
	// The search links each card to this page.
	mustContain(t, emp.get("/counselors"), `href="/counselors/`+ids["sato"].String()+`"`)

	// Once she uploads a photo, employees see it on her card and her page.
	sato := newBrowser(t, h)
	sato.login("sato@c.example", counselorPass)
	if r := sato.upload("/counselor/photo", sato.csrf("/counselor/profile"), "photo", "me.png", string(pngImage(t, 64, 64))); r.Status != http.StatusSeeOther {
		t.Fatalf("upload: %d", r.Status)
	}
	h.DrainOutbox()
	photo := `src="/counselors/` + ids["sato"].String() + `/photo?v=`
	mustContain(t, emp.get("/counselors"), photo)
	mustContain(t, emp.get("/counselors/"+ids["sato"].String()), photo)
	img := emp.get("/counselors/" + ids["sato"].String() + "/photo?v=1")
	if img.Status != http.StatusOK || img.Header.Get("Content-Type") != "image/jpeg" || !strings.Contains(img.Header.Get("Cache-Control"), "private") {
		t.Errorf("photo for an employee: %d %q %q", img.Status, img.Header.Get("Content-Type"), img.Header.Get("Cache-Control"))
	}

	// Suspended: gone from search and from its page.
	op := newBrowser(t, h)
	op.login("operator@taiwa.example", "operator-pass-2026")
	rev := "/operator/counselors/" + ids["sato"].String()
	op.post(rev+"/suspend", map[string][]string{"_csrf": {op.csrf(rev)}, "reason": {"確認中"}})
	h.DrainOutbox()
	if p := emp.get("/counselors/" + ids["sato"].String()); p.Status != http.StatusNotFound {
		t.Errorf("suspended listing: %d", p.Status)
	}
	mustNotContain(t, emp.get("/counselors"), "佐藤 恵子")
	if p := emp.get("/counselors/" + ids["sato"].String() + "/photo"); p.Status != http.StatusNotFound {
		t.Errorf("photo of a suspended counsellor: %d", p.Status)
	}
}

// TestSearchPagesThroughTheDemoData: on the demo's 200 counsellors the
// search shows twelve cards a page with working page links, and the counts
// of a filter add up to the matches.
func TestSearchPagesThroughTheDemoData(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Seed: &apptest.Demo})
	ctx := context.Background()
	// The seed writes rows directly: rebuild the listings, as
	// `taiwa search reindex` would.
	if _, err := h.App.Counselors.Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t, h)
	b.login("emp0001@sample-shoji.example", demo.Password)
	first := b.get("/counselors")
	mustContain(t, first, "200 名が見つかりました", "1 / 17 ページ", `href="/counselors?page=2"`)
	if n := strings.Count(first.Body, `class="counselor-card"`); n != 12 {
		t.Errorf("%d cards on page 1, want 12", n)
	}
	genders := 0
	for _, g := range []string{"female", "male", "other", "undisclosed"} {
		n, _ := strconv.Atoi(facetCount(t, first, "gender", g))
		genders += n
	}
	if genders != 200 {
		t.Errorf("gender counts add up to %d, want 200", genders)
	}
	last := b.get("/counselors?page=17", "HX-Request", "true")
	mustContain(t, last, "17 / 17 ページ", `hx-get="/counselors?page=16"`)
	if n := strings.Count(last.Body, `class="counselor-card"`); n != 200-16*12 {
		t.Errorf("%d cards on the last page, want %d", n, 200-16*12)
	}
	mustNotContain(t, last, "次へ")
	career := b.get("/counselors?theme=career&sort=experience&page=2")
	mustContain(t, career, `href="/counselors?sort=experience&amp;theme=career"`, `value="career" checked`)
}
