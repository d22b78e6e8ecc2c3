package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// matchNames are the counsellors of matchWorld, in creation order.
var matchNames = []string{
	"佐藤 恵子", "田中 誠", "鈴木 直美", "高橋 健", "伊藤 由美", "渡辺 翔",
	"山本 彩", "中村 大輔", "小林 真理", "加藤 亮", "吉田 瞳", "山田 拓也",
}

const matchCounselorPass = "match-counsel-2026"

// matchWorld is a company (newCompany) with two roster employees and
// twelve listed career counsellors with fit profiles and free slots every
// day 09:00–18:00: women at even positions, the first three English-speaking.
type matchWorld struct {
	h   *apptest.Harness
	f   fixture
	ids []uuid.UUID
}

func newMatchWorld(t *testing.T, h *apptest.Harness) matchWorld {
	t.Helper()
	f := newCompany(t, h)
	rosterEmployee(t, f, empEmail)
	rosterEmployee(t, f, emp2Email)
	w := matchWorld{h: h, f: f}
	hash, err := account.HashPassword(matchCounselorPass)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	users := make([]uuid.UUID, len(matchNames))
	err = h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		for i, name := range matchNames {
			gender, langs := "male", []string{"ja"}
			if i%2 == 0 {
				gender = "female"
			}
			if i < 3 {
				langs = []string{"ja", "en"}
			}
			if err := tx.Get(&users[i], `INSERT INTO users (email, name, role, password_hash) VALUES ($1, $2, 'counselor', $3) RETURNING id`,
				fmt.Sprintf("mc%02d@c.example", i), name, hash); err != nil {
				return err
			}
			var id uuid.UUID
			if err := tx.Get(&id, `INSERT INTO counselors (user_id, status, display_name, bio, gender, age_band, years_experience, languages, formats, themes, industries, rate_jpy, verified_at)
				VALUES ($1, 'verified', $2, 'キャリアの相談を受けています。', $3, '40s', $4, $5, '{video,phone}', '{career,engagement}', '{it}', 8000, now() - interval '1 year') RETURNING id`,
				users[i], name, gender, 3+i, pq.Array(langs)); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO credentials (counselor_id, kind, registration_number, issued_on, status, verified_at)
				VALUES ($1, 'career_consultant', $2, '2018-04-01', 'verified', now())`, id, fmt.Sprintf("M%03d", i)); err != nil {
				return err
			}
			w.ids = append(w.ids, id)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, uid := range users {
		p := auth.Principal{UserID: uid, Role: auth.RoleCounselor}
		if _, err := h.App.Bookings.SetAvailability(ctx, p, officeHours()); err != nil {
			t.Fatalf("availability of %s: %v", matchNames[i], err)
		}
		if _, err := h.App.Matching.SaveFitProfile(ctx, p, fitAnswers(1+i%5, 1+(i*2)%5)); err != nil {
			t.Fatalf("fit profile of %s: %v", matchNames[i], err)
		}
	}
	h.DrainOutbox()
	return w
}

// fitAnswers answers every value item v and every style item s.
func fitAnswers(v, s int) matching.FitProfile {
	fp := matching.FitProfile{Values: map[string]int{}, Style: map[string]int{}}
	for _, it := range matching.ValueItems {
		fp.Values[it] = v
	}
	for _, it := range matching.StyleItems {
		fp.Style[it] = s
	}
	return fp
}

// fitForm is the questionnaire as a browser posts it: every value 4,
// every style item 2, the theme and extra fields.
func fitForm(token, theme string, extra url.Values) url.Values {
	form := url.Values{"_csrf": {token}, "theme": {theme}, "gender": {"any"}}
	for _, it := range matching.ValueItems {
		form.Set("values."+it, "4")
	}
	for _, it := range matching.StyleItems {
		form.Set("style."+it, "2")
	}
	for k, v := range extra {
		form[k] = v
	}
	return form
}

var (
	recItem   = regexp.MustCompile(`<li class="rec-item" id="rec-([0-9a-f-]+)">`)
	recReason = regexp.MustCompile(`<ul class="rec-reasons">((?:<li>[^<]+</li>)+)</ul>`)
)

// answered signs the employee in and answers the questionnaire.
func (w matchWorld) answered(t *testing.T, extra url.Values) *browser {
	t.Helper()
	b := newBrowser(t, w.h)
	b.login(empEmail, empPass)
	p := b.post("/fit-profile", fitForm(b.csrf("/fit-profile"), "career", extra))
	if p.Status != http.StatusSeeOther || p.location() != "/recommendations?theme=career" {
		t.Fatalf("answering: %d → %q\n%s", p.Status, p.location(), p.Body)
	}
	return b
}

// TestQuestionnaireKeepsAnswersAndNamesTheMissingOnes: an incomplete
// questionnaire comes back with 400, the answers given still chosen and a
// message beside each unanswered item; a complete one leads to the
// recommendations and is shown prefilled on a retake.
func TestQuestionnaireKeepsAnswersAndNamesTheMissingOnes(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newMatchWorld(t, h)
	b := newBrowser(t, h)
	b.login(empEmail, empPass)

	// Before answering, the recommendations send the employee to the questions.
	if p := b.get("/recommendations"); p.Status != http.StatusSeeOther || p.location() != "/fit-profile" {
		t.Fatalf("recommendations before answering: %d → %q", p.Status, p.location())
	}
	p := b.get("/fit-profile")
	if p.Status != http.StatusOK || p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("questionnaire: %d, Cache-Control %q", p.Status, p.Header.Get("Cache-Control"))
	}
	mustContain(t, p, "相性診断", "自分で考え、自分で決めることを大切にする", "じっくり聴いてほしい", "具体的な助言がほしい",
		`name="values.power"`, `name="style.gentle_challenging"`, `name="theme"`, `name="time_of_day"`, `name="languages"`)
	mustNotContain(t, p, `id="fit-retake"`)

	form := fitForm(b.csrf("/fit-profile"), "", url.Values{"languages": {"en"}})
	form.Del("values.power")
	form.Set("style.structured_free", "7")
	form.Set("values.security", "2")
	p = b.post("/fit-profile", form)
	if p.Status != http.StatusBadRequest {
		t.Fatalf("incomplete questionnaire: %d", p.Status)
	}
	mustContain(t, p, `id="fit-errors"`, `id="err-values-power"`, `id="err-style-structured_free"`, `id="err-theme"`,
		`id="values-security-2" name="values.security" value="2" checked`, `id="f-languages-en" name="languages" value="en" checked`)
	mustNotContain(t, p, `id="err-values-security"`, `id="values-power-4" name="values.power" value="4" checked`)
	if _, err := h.App.Matching.MyFitProfile(context.Background(), principal(t, h, empEmail, empPass)); err == nil {
		t.Error("an incomplete questionnaire was stored")
	}

	// Without the token nothing is stored either.
	if p := b.post("/fit-profile", fitForm("", "career", nil)); p.Status != http.StatusForbidden {
		t.Errorf("post without CSRF token: %d", p.Status)
	}

	b = w.answered(t, url.Values{"values.power": {"1"}, "time_of_day": {"evening"}})
	p = b.get("/fit-profile")
	mustContain(t, p, `id="fit-retake"`, `id="values-power-1" name="values.power" value="1" checked`,
		`id="values-security-4" name="values.security" value="4" checked`, `id="tod-evening" name="time_of_day" value="evening" checked`,
		`<option value="career" selected>`)
}

// TestRecommendationsPageShowsTenCardsWithReasons: the page lists ten
// counsellors, each with a score, at least two reasons, a profile link and
// a booking link; it is not cached.
func TestRecommendationsPageShowsTenCardsWithReasons(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newMatchWorld(t, h)
	b := w.answered(t, nil)
	p := b.get("/recommendations?theme=career")
	if p.Status != http.StatusOK || p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("recommendations: %d, Cache-Control %q", p.Status, p.Header.Get("Cache-Control"))
	}
	items := recItem.FindAllStringSubmatch(p.Body, -1)
	reasons := recReason.FindAllStringSubmatch(p.Body, -1)
	if len(items) != 10 || len(reasons) != 10 {
		t.Fatalf("%d cards, %d reason lists\n%s", len(items), len(reasons), p.Body)
	}
	for i, r := range reasons {
		if n := strings.Count(r[1], "<li>"); n < 2 || n > 3 {
			t.Errorf("card %d has %d reasons: %s", i, n, r[1])
		}
	}
	for _, it := range items {
		id := it[1]
		mustContain(t, p, `href="/counselors/`+id+`"`, `href="/counselors/`+id+`/book?start=`, `action="/recommendations/`+id+`/dismiss"`)
	}
	mustContain(t, p, "あなたへのおすすめ", "相性", "<progress", "10 名をご提案します", `<option value="career" selected>`)
	mustNotContain(t, p, `id="rec-narrowed"`)

	// The booking link opens the confirm page of a free slot.
	m := regexp.MustCompile(`href="(/counselors/[0-9a-f-]+/book\?start=[^"]+)"`).FindStringSubmatch(p.Body)
	if c := b.get(strings.ReplaceAll(m[1], "&amp;", "&")); c.Status != http.StatusOK || !strings.Contains(c.Body, `id="book-submit"`) {
		t.Errorf("book link %s: %d", m[1], c.Status)
	}

	// In English, the reasons come in English too.
	tok := b.csrf("/recommendations")
	b.post("/lang", url.Values{"_csrf": {tok}, "lang": {"en"}, "next": {"/recommendations"}})
	en := b.get("/recommendations?theme=career")
	mustContain(t, en, "Recommended for you", "Why we suggest them")
	for _, r := range recReason.FindAllStringSubmatch(en.Body, -1) {
		if regexp.MustCompile(`[\p{Hiragana}\p{Katakana}]`).MatchString(r[1]) {
			t.Errorf("English page has a Japanese reason: %s", r[1])
		}
	}
}

// TestDismissRemovesTheCard: "not for me" answers htmx with an empty
// fragment and a plain form with a redirect back; the card is gone.
func TestDismissRemovesTheCard(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newMatchWorld(t, h)
	b := w.answered(t, nil)
	p := b.get("/recommendations?theme=career")
	items := recItem.FindAllStringSubmatch(p.Body, -1)
	tok := csrfField.FindStringSubmatch(p.Body)[1]
	first, second := items[0][1], items[1][1]

	d := b.post("/recommendations/"+first+"/dismiss", url.Values{"_csrf": {tok}, "reason": {"style"}, "theme": {"career"}}, "HX-Request", "true")
	if d.Status != http.StatusOK || strings.TrimSpace(d.Body) != "" {
		t.Fatalf("htmx dismiss: %d %q", d.Status, d.Body)
	}
	d = b.post("/recommendations/"+second+"/dismiss", url.Values{"_csrf": {tok}, "theme": {"career"}})
	if d.Status != http.StatusSeeOther || d.location() != "/recommendations?theme=career" {
		t.Fatalf("form dismiss: %d → %q", d.Status, d.location())
	}
	p = b.get(d.location())
	mustContain(t, p, "候補から外しました")
	mustNotContain(t, p, "rec-"+first, "rec-"+second)
	if n := len(recItem.FindAllString(p.Body, -1)); n != 10 {
		t.Errorf("after two dismissals %d cards, want the next ten", n)
	}

	for _, tc := range []struct {
		path string
		form url.Values
		want int
	}{
		{"/recommendations/not-a-uuid/dismiss", nil, http.StatusNotFound},
		{"/recommendations/" + uuid.NewString() + "/dismiss", nil, http.StatusNotFound},
		{"/recommendations/" + items[2][1] + "/dismiss", url.Values{"reason": {"ugly"}}, http.StatusBadRequest},
	} {
		form := url.Values{"_csrf": {tok}}
		for k, v := range tc.form {
			form[k] = v
		}
		if got := b.post(tc.path, form); got.Status != tc.want {
			t.Errorf("POST %s %v: %d, want %d", tc.path, tc.form, got.Status, tc.want)
		}
	}
	if got := b.post("/recommendations/"+items[2][1]+"/dismiss", url.Values{}); got.Status != http.StatusForbidden {
		t.Errorf("dismiss without the token: %d", got.Status)
	}
}

// TestRecommendationsOfferToRelaxWhatNarrowedThem: English-speaking women
// are two; the page says so and its relax buttons widen the list.
func TestRecommendationsOfferToRelaxWhatNarrowedThem(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newMatchWorld(t, h)
	b := w.answered(t, url.Values{"gender": {"female"}, "languages": {"en"}})
	p := b.get("/recommendations?theme=career")
	if n := len(recItem.FindAllString(p.Body, -1)); n != 2 {
		t.Fatalf("%d cards, want the two English-speaking women", n)
	}
	mustContain(t, p, `id="rec-narrowed"`, `data-relax="gender"`, `data-relax="languages"`,
		`href="/recommendations?relax=gender&amp;theme=career"`, "性別の条件を外す（3名）", "言語の条件を外す（6名）")
	p = b.get("/recommendations?relax=gender&theme=career")
	if n := len(recItem.FindAllString(p.Body, -1)); n != 3 {
		t.Errorf("without the gender: %d cards, want 3", n)
	}
	mustContain(t, p, `id="rec-relaxed"`, "性別", `href="/recommendations?theme=career"`)
}

// TestMatchingPagesRefuseBadInputAndOtherRoles: bad queries are 400 pages,
// other roles 403, anonymous users go to sign in.
func TestMatchingPagesRefuseBadInputAndOtherRoles(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newMatchWorld(t, h)
	b := w.answered(t, nil)
	for _, path := range []string{"/recommendations?theme=astrology", "/recommendations?theme=career&relax=budget"} {
		if p := b.get(path); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="rec-refused"`) {
			t.Errorf("%s: %d", path, p.Status)
		}
	}
	bad := fitForm(b.csrf("/fit-profile"), "career", url.Values{"gender": {"robot"}, "formats": {"telepathy"}})
	if p := b.post("/fit-profile", bad); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="err-preferences.gender"`) {
		t.Errorf("unknown gender: %d\n%s", p.Status, p.Body)
	}

	anon := newBrowser(t, h)
	if p := anon.get("/recommendations"); p.Status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/login") {
		t.Errorf("anonymous: %d → %q", p.Status, p.location())
	}
	admin := newBrowser(t, h)
	admin.login(w.f.AdminEmail, w.f.AdminPass)
	for _, path := range []string{"/recommendations", "/fit-profile", "/counselor/fit-profile"} {
		if p := admin.get(path); p.Status != http.StatusForbidden {
			t.Errorf("admin GET %s: %d", path, p.Status)
		}
	}
	c := newBrowser(t, h)
	c.login("mc00@c.example", matchCounselorPass)
	for _, path := range []string{"/recommendations", "/fit-profile"} {
		if p := c.get(path); p.Status != http.StatusForbidden {
			t.Errorf("counsellor GET %s: %d", path, p.Status)
		}
	}
}

// TestCounselorAnswersValuesAndStyleOnly: the counsellor's page has the
// same values and style items, no preferences, prefilled; saving goes home.
func TestCounselorAnswersValuesAndStyleOnly(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	newMatchWorld(t, h)
	c := newBrowser(t, h)
	c.login("mc01@c.example", matchCounselorPass)
	mustContain(t, c.get("/counselor"), `href="/counselor/fit-profile"`)
	mustContain(t, c.get("/counselor/profile"), `href="/counselor/fit-profile"`)
	p := c.get("/counselor/fit-profile")
	mustContain(t, p, "価値観と対話スタイル", `id="fit-retake"`, `id="values-power-2" name="values.power" value="2" checked`, `name="style.listening_advising"`)
	mustNotContain(t, p, `name="theme"`, `name="gender"`, `name="languages"`)

	form := fitForm(c.csrf("/counselor/fit-profile"), "", nil)
	form.Del("theme")
	form.Del("gender")
	form.Set("values.power", "5")
	if r := c.post("/counselor/fit-profile", form); r.Status != http.StatusSeeOther || r.location() != "/counselor" {
		t.Fatalf("save: %d → %q\n%s", r.Status, r.location(), r.Body)
	}
	mustContain(t, c.get("/counselor/fit-profile"), `id="values-power-5" name="values.power" value="5" checked`)
}

// TestEmployeeHomeLeadsToRecommendations: the home page and the navigation
// link to the recommendations.
func TestEmployeeHomeLeadsToRecommendations(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	f := newCompany(t, h)
	rosterEmployee(t, f, empEmail)
	b := newBrowser(t, h)
	b.login(empEmail, empPass)
	mustContain(t, b.get("/employee"), `id="fit-cta"`, "あなたに合うカウンセラーを見つける", `<a href="/recommendations"`)
}
