package web_test

import (
	"net/http"
	"net/url"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
)

// TestSearchPageShowsUnderstoodWordsAsRemovableChips: everyday words of
// the search text become filters shown as chips whose remove link is the
// search without those words; the htmx answer carries them too.
func TestSearchPageShowsUnderstoodWordsAsRemovableChips(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	f.employee("emp1@test-shoji.example")
	demoCounselors(newCounselors(t, h, f.op))
	emp := newBrowser(t, h)
	emp.login("emp1@test-shoji.example", "employee-pass-2026")

	female := emp.get("/counselors?q=" + url.QueryEscape("女性"))
	mustContain(t, female, "2 名が見つかりました", "佐藤 恵子", "鈴木 直美",
		"「女性」を絞り込み条件にしました（性別：女性）", `<a href="/counselors" class="chip-remove" aria-label="「女性」の条件を外す"`)
	mustNotContain(t, female, "田中 誠", "加藤 亮")

	both := emp.get("/counselors?sort=rating&q=" + url.QueryEscape("女性の育休相談"))
	mustContain(t, both, "1 名が見つかりました", "鈴木 直美",
		"「女性」を絞り込み条件にしました（性別：女性）", "「育休」を絞り込み条件にしました（相談テーマ：仕事と生活・育児）",
		`href="/counselors?q=`+url.QueryEscape("育休相談")+`&amp;sort=rating"`)
	mustNotContain(t, both, "佐藤 恵子")

	frag := emp.get("/counselors?q="+url.QueryEscape("パワハラ"), "HX-Request", "true")
	if frag.Status != http.StatusOK {
		t.Fatalf("htmx: %d", frag.Status)
	}
	mustContain(t, frag, `id="understood"`, "「パワハラ」を絞り込み条件にしました（相談テーマ：ハラスメント相談）", "加藤 亮")

	// Words that mean nothing special stay text, with no chip.
	plain := emp.get("/counselors?q=" + url.QueryEscape("棚卸し"))
	mustContain(t, plain, "田中 誠")
	mustNotContain(t, plain, `id="understood"`)
}

// TestSearchPageThatFindsNobodySuggestsWhatToLeaveOut: an empty search
// never shows a bare "0 名": it says which condition to leave out and how
// many that finds (linked), and offers other ways to look; in English too.
func TestSearchPageThatFindsNobodySuggestsWhatToLeaveOut(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	f.employee("emp1@test-shoji.example")
	demoCounselors(newCounselors(t, h, f.op))
	emp := newBrowser(t, h)
	emp.login("emp1@test-shoji.example", "employee-pass-2026")

	// Nobody does career in person: 田中 (career) has no 対面; 佐藤 and 加藤 do.
	none := emp.get("/counselors?format=in_person&q=" + url.QueryEscape("転職"))
	mustContain(t, none, "0 名が見つかりました", "条件に合うカウンセラーが見つかりませんでした。", `id="search-hints"`,
		`<a href="/counselors?format=in_person">「転職」を外すと 2 名</a>`,
		`<a href="/counselors?q=`+url.QueryEscape("転職")+`">「対面」を外すと 1 名</a>`,
		`<a href="/fit-profile">`, `<a href="/counselors?theme=career">「キャリア」のカウンセラーを見る</a>`)
	if inOrder(none, "「対面」を外すと", "「転職」を外すと") {
		t.Error("the suggestion that finds more should come first")
	}

	// A word no one matches: leaving it out finds everyone.
	odd := emp.get("/counselors?q=zzqqxxvv")
	mustContain(t, odd, `「zzqqxxvv」を外すと 4 名`)

	// Nothing to suggest when leaving out any one condition still finds nobody.
	stuck := emp.get("/counselors?theme=onboarding&language=ko")
	mustContain(t, stuck, "条件に合うカウンセラーが見つかりませんでした。", "キーワードを短くしたり")
	mustNotContain(t, stuck, `id="search-hints"`)

	emp.post("/lang", map[string][]string{"_csrf": {emp.csrf("/counselors")}, "lang": {"en"}, "next": {"/counselors"}})
	en := emp.get("/counselors?format=in_person&q=" + url.QueryEscape("転職"))
	mustContain(t, en, "Without “転職”: 2 found", "Without “In person”: 1 found", "Other ways to look")
	enChip := emp.get("/counselors?q=" + url.QueryEscape("女性"))
	mustContain(t, enChip, "“女性” is now a filter (Gender: Female)")
}
