package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/apptest"
)

// counselorSite is a company with an employee, a pending counsellor with a
// pending credential and an operator, each with a browser.
type counselorSite struct {
	h         *apptest.Harness
	cs        *counselors
	pendingID uuid.UUID
	credID    uuid.UUID
}

func newCounselorSite(t *testing.T) counselorSite {
	h := apptest.New(t)
	f := newCompany(t, h)
	f.employee("emp1@test-shoji.example")
	cs := newCounselors(t, h, f.op)
	id := cs.pending("new@c.example", "新人 花子")
	return counselorSite{h: h, cs: cs, pendingID: id, credID: cs.submit("new@c.example", "clinical_psychologist", "CP-12345")}
}

func (s counselorSite) as(t *testing.T, email, password string) *browser {
	b := newBrowser(t, s.h)
	b.login(email, password)
	return b
}

func (s counselorSite) counselor(t *testing.T) *browser {
	return s.as(t, "new@c.example", counselorPass)
}

func (s counselorSite) operator(t *testing.T) *browser {
	return s.as(t, "operator@taiwa.example", "operator-pass-2026")
}

func (s counselorSite) employee(t *testing.T) *browser {
	return s.as(t, "emp1@test-shoji.example", "employee-pass-2026")
}

// TestCounselorPagesKeepToTheirRoles: anonymous visitors go to sign in,
// other roles get 403, on every page and form of the counsellor pages.
func TestCounselorPagesKeepToTheirRoles(t *testing.T) {
	t.Parallel()
	s := newCounselorSite(t)
	rev := "/operator/counselors/" + s.pendingID.String()
	cred := rev + "/credentials/" + s.credID.String()
	counselorGets := []string{"/counselor", "/counselor/profile", "/counselor/credentials"}
	counselorPosts := []string{"/counselor/profile", "/counselor/photo", "/counselor/credentials"}
	operatorGets := []string{"/operator/counselors", rev}
	operatorPosts := []string{rev + "/verify", rev + "/suspend", rev + "/reinstate", cred + "/verify", cred + "/reject"}
	signedInGets := []string{"/counselors", "/counselors/" + s.pendingID.String(), "/counselors/" + s.pendingID.String() + "/photo"}

	anon := newBrowser(t, s.h)
	for _, p := range append(append(append([]string{}, counselorGets...), operatorGets...), signedInGets...) {
		if r := anon.get(p); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login?next=") {
			t.Errorf("anonymous GET %s: %d to %q", p, r.Status, r.location())
		}
	}
	emp, op, co := s.employee(t), s.operator(t), s.counselor(t)
	forbidden := func(b *browser, who, home string, gets, posts []string) {
		tok := b.csrf(home)
		for _, p := range gets {
			if r := b.get(p); r.Status != http.StatusForbidden {
				t.Errorf("%s GET %s: %d, want 403", who, p, r.Status)
			}
		}
		for _, p := range posts {
			if r := b.post(p, url.Values{"_csrf": {tok}, "reason": {"x"}}); r.Status != http.StatusForbidden {
				t.Errorf("%s POST %s: %d, want 403", who, p, r.Status)
			}
		}
	}
	forbidden(emp, "employee", "/employee", append(append([]string{}, counselorGets...), operatorGets...), append(append([]string{}, counselorPosts...), operatorPosts...))
	forbidden(op, "operator", "/operator/companies", counselorGets, counselorPosts)
	forbidden(co, "counsellor", "/counselor", operatorGets, operatorPosts)

	// Nothing changed: the counsellor is still pending with a pending credential.
	page := op.get(rev)
	mustContain(t, page, `id="review-status">審査中`, "CP-12345", "資格を認証")
}

// TestEveryCounselorFormNeedsTheCSRFToken posts each form as the right role
// without its token: 403 and no change.
func TestEveryCounselorFormNeedsTheCSRFToken(t *testing.T) {
	t.Parallel()
	s := newCounselorSite(t)
	co, op := s.counselor(t), s.operator(t)
	for _, p := range []string{"/counselor/profile", "/counselor/credentials"} {
		r := co.post(p, url.Values{"display_name": {"乗っ取り"}, "languages": {"ja"}, "formats": {"video"},
			"kind": {"icf_coach"}, "registration_number": {"X1"}, "issued_on": {"2020-01-01"}})
		if r.Status != http.StatusForbidden {
			t.Errorf("POST %s without token: %d", p, r.Status)
		}
	}
	if r := co.upload("/counselor/photo", "", "photo", "p.png", string(pngImage(t, 40, 40))); r.Status != http.StatusForbidden {
		t.Errorf("photo without token: %d", r.Status)
	}
	rev := "/operator/counselors/" + s.pendingID.String()
	for _, p := range []string{rev + "/verify", rev + "/suspend", rev + "/reinstate",
		rev + "/credentials/" + s.credID.String() + "/verify", rev + "/credentials/" + s.credID.String() + "/reject"} {
		if r := op.post(p, url.Values{"reason": {"x"}}); r.Status != http.StatusForbidden {
			t.Errorf("POST %s without token: %d", p, r.Status)
		}
	}
	mustNotContain(t, co.get("/counselor/profile"), "乗っ取り")
	cred := co.get("/counselor/credentials")
	mustNotContain(t, cred, "X1")
	mustContain(t, cred, "CP-12345")
	mustContain(t, op.get(rev), `id="review-status">審査中`, `badge-cred-pending`)
	mustContain(t, co.get("/counselor"), "プロフィール写真を登録してください")
}

// TestCounselorHomeShowsStatusAndWhatIsMissing follows a counsellor from
// pending (everything missing) to listed, and out when suspended.
func TestCounselorHomeShowsStatusAndWhatIsMissing(t *testing.T) {
	t.Parallel()
	s := newCounselorSite(t)
	co := s.counselor(t)
	home := co.get("/counselor")
	mustContain(t, home, "審査中", "プロフィール写真を登録してください", "自己紹介を書いてください",
		"対応するテーマを選んでください", "資格を提出し、認証を受けてください", `href="/counselor/credentials"`)

	s.cs.verifyCredential(s.pendingID, s.credID)
	s.cs.setProfile("new@c.example", profile{Name: "新人 花子", Kana: "しんじん はなこ", Bio: "よろしくお願いします。",
		Kind: "clinical_psychologist", Themes: []string{"mental_health"}, Languages: []string{"ja"}, Formats: []string{"video"}})
	home = co.get("/counselor")
	mustContain(t, home, "プロフィール写真を登録してください")
	mustNotContain(t, home, "自己紹介を書いてください", "資格を提出し", "対応するテーマを選んでください")

	op := s.operator(t)
	rev := "/operator/counselors/" + s.pendingID.String()
	op.post(rev+"/verify", url.Values{"_csrf": {op.csrf(rev)}})
	mustContain(t, co.get("/counselor"), "公開中", `href="/counselors/`+s.pendingID.String()+`"`)
	op.post(rev+"/suspend", url.Values{"_csrf": {op.csrf(rev)}, "reason": {"登録番号の確認が取れないため"}})
	// A suspension ends the counsellor's sessions at once (issue 15): the
	// home no longer answers them, it sends them to sign in.
	if r := co.get("/counselor"); r.Status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/login") {
		t.Fatalf("a suspended counsellor's home: %d to %q, want a redirect to sign in", r.Status, r.location())
	}
}

// TestProfileFormShowsFieldErrorsKeepsValuesAndSaves: bad values come back
// next to their fields with everything entered kept; a theme the
// credentials do not allow is the 422 message naming what it needs; good
// values are saved.
func TestProfileFormShowsFieldErrorsKeepsValuesAndSaves(t *testing.T) {
	t.Parallel()
	s := newCounselorSite(t)
	co := s.counselor(t)
	tok := co.csrf("/counselor/profile")
	form := url.Values{"_csrf": {tok}, "display_name": {"新人 花子"}, "kana": {"Hanako"}, "bio": {"はじめまして。"},
		"gender": {"female"}, "age_band": {"30s"}, "years_experience": {"7"}, "rate_jpy": {"9000"},
		"languages": {"ja", "en"}, "formats": {"video"}, "industries": {"it"}}
	r := co.post("/counselor/profile", form)
	if r.Status != http.StatusBadRequest {
		t.Fatalf("bad kana: %d", r.Status)
	}
	mustContain(t, r, `id="err-kana"`, "ひらがなまたはカタカナ", `value="Hanako"`, "はじめまして。",
		`value="en" checked`, `value="it" checked`, `<option value="30s" selected>`)

	form.Set("kana", "しんじん はなこ")
	form.Set("years_experience", "たくさん")
	r = co.post("/counselor/profile", form)
	mustContain(t, r, `id="err-years_experience"`, "0〜70 の整数")
	if r.Status != http.StatusBadRequest {
		t.Errorf("bad years: %d", r.Status)
	}

	form.Set("years_experience", "7")
	form.Del("languages")
	r = co.post("/counselor/profile", form)
	mustContain(t, r, `id="err-languages"`, "1つ以上選択してください。")

	// The credential is still pending: no theme is allowed yet.
	form["languages"] = []string{"ja", "en"}
	form["themes"] = []string{"mental_health", "relationships"}
	r = co.post("/counselor/profile", form)
	if r.Status != http.StatusUnprocessableEntity {
		t.Fatalf("theme without credential: %d", r.Status)
	}
	mustContain(t, r, "選択したテーマの一部は、対応する資格の認証を受けるまで選べません。",
		"メンタルヘルス: 要資格：公認心理師、臨床心理士、産業医、保健師のいずれか",
		"職場の人間関係: 要資格：いずれかの認証済み資格", `value="mental_health" checked`)

	s.cs.verifyCredential(s.pendingID, s.credID)
	r = co.post("/counselor/profile", form)
	if r.Status != http.StatusSeeOther || r.location() != "/counselor/profile" {
		t.Fatalf("save: %d to %q", r.Status, r.location())
	}
	saved := co.get("/counselor/profile")
	mustContain(t, saved, "プロフィールを保存しました。", `value="しんじん はなこ"`, `value="mental_health" checked`,
		`value="relationships" checked`, `value="9000"`, `<option value="female" selected>`)
	// Career needs a career consultant: the form says so beside the theme.
	mustContain(t, saved, `id="need-f-themes-career"`)
	mustNotContain(t, saved, `id="need-f-themes-mental_health"`)
}

// TestPhotoUploadIsStoredAndServedWithItsType uploads a PNG, sees it on the
// profile and serves it re-encoded with nosniff; bad uploads are 4xx.
func TestPhotoUploadIsStoredAndServedWithItsType(t *testing.T) {
	t.Parallel()
	s := newCounselorSite(t)
	co := s.counselor(t)
	tok := co.csrf("/counselor/profile")
	r := co.upload("/counselor/photo", tok, "photo", "me.png", string(pngImage(t, 300, 200)))
	if r.Status != http.StatusSeeOther {
		t.Fatalf("upload: %d\n%s", r.Status, r.Body)
	}
	prof := co.get("/counselor/profile")
	mustContain(t, prof, "プロフィール写真を更新しました。", `src="/counselors/`+s.pendingID.String()+`/photo?v=`)
	photo := co.get("/counselors/" + s.pendingID.String() + "/photo")
	if photo.Status != http.StatusOK || photo.Header.Get("Content-Type") != "image/jpeg" ||
		photo.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(photo.Body, "\xff\xd8") {
		t.Errorf("photo: %d %q %q", photo.Status, photo.Header.Get("Content-Type"), photo.Header.Get("X-Content-Type-Options"))
	}
	// An operator sees it; an employee does not, while the counsellor is not listed.
	if p := s.operator(t).get("/counselors/" + s.pendingID.String() + "/photo"); p.Status != http.StatusOK {
		t.Errorf("operator photo: %d", p.Status)
	}
	if p := s.employee(t).get("/counselors/" + s.pendingID.String() + "/photo"); p.Status != http.StatusNotFound {
		t.Errorf("employee photo of a pending counsellor: %d", p.Status)
	}

	for name, content := range map[string]string{"notes.txt": "<script>alert(1)</script>", "empty.png": ""} {
		r := co.upload("/counselor/photo", tok, "photo", name, content)
		if r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d", name, r.Status)
		}
		mustContain(t, r, `id="err-photo"`)
	}
	r = co.upload("/counselor/photo", tok, "other", "me.png", string(pngImage(t, 10, 10)))
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, "写真ファイルを選択してください。") {
		t.Errorf("no photo field: %d", r.Status)
	}
	if r := co.post("/counselor/photo", url.Values{"_csrf": {tok}}); r.Status != http.StatusBadRequest {
		t.Errorf("not multipart: %d", r.Status)
	}
}

// TestCredentialFormSubmitsListsAndRefusesBadInput: a submission is listed
// as pending; bad dates are shown beside their fields; a second submission
// of the same number is refused with a message.
func TestCredentialFormSubmitsListsAndRefusesBadInput(t *testing.T) {
	t.Parallel()
	s := newCounselorSite(t)
	co := s.counselor(t)
	tok := co.csrf("/counselor/credentials")
	r := co.post("/counselor/credentials", url.Values{"_csrf": {tok}, "kind": {"career_consultant"},
		"registration_number": {"１６０１２３４５"}, "issued_on": {"2016-04-01"}, "expires_on": {"2031-03-31"}})
	if r.Status != http.StatusSeeOther {
		t.Fatalf("submit: %d", r.Status)
	}
	list := co.get("/counselor/credentials")
	mustContain(t, list, "資格を提出しました。", "国家資格キャリアコンサルタント", "16012345", "2031-03-31", "badge-cred-pending")

	r = co.post("/counselor/credentials", url.Values{"_csrf": {tok}, "kind": {"astrologer"}, "registration_number": {""}, "issued_on": {"2016-04-01"}})
	mustContain(t, r, `id="err-kind"`, `id="err-registration_number"`)
	r = co.post("/counselor/credentials", url.Values{"_csrf": {tok}, "kind": {"icf_coach"}, "registration_number": {"ICF-1"},
		"issued_on": {"2999-01-01"}, "expires_on": {"not-a-date"}})
	if r.Status != http.StatusBadRequest {
		t.Errorf("future issue date: %d", r.Status)
	}
	mustContain(t, r, `id="err-issued_on"`, `value="ICF-1"`, `<option value="icf_coach" selected>`)
	r = co.post("/counselor/credentials", url.Values{"_csrf": {tok}, "kind": {"icf_coach"}, "registration_number": {"ICF-1"},
		"issued_on": {"2020-01-01"}, "expires_on": {"2019-01-01"}})
	mustContain(t, r, `id="err-expires_on"`)
	r = co.post("/counselor/credentials", url.Values{"_csrf": {tok}, "kind": {"career_consultant"},
		"registration_number": {"16012345"}, "issued_on": {"2016-04-01"}, "expires_on": {"2031-03-31"}})
	if r.Status != http.StatusConflict {
		t.Errorf("duplicate: %d", r.Status)
	}
	mustContain(t, r, "この資格は提出できませんでした。")
}

// TestOperatorReviewsVerifiesSuspendsAndReinstates walks the review page
// through every action, with the refusals shown as messages.
func TestOperatorReviewsVerifiesSuspendsAndReinstates(t *testing.T) {
	t.Parallel()
	s := newCounselorSite(t)
	op := s.operator(t)
	queue := op.get("/operator/counselors")
	mustContain(t, queue, "新人 花子", "new@c.example", "審査中", `href="/operator/counselors/`+s.pendingID.String()+`"`)
	if p := op.get("/operator/counselors?status=suspended"); !strings.Contains(p.Body, "該当するカウンセラーはいません。") {
		t.Error("suspended filter lists someone")
	}
	if p := op.get("/operator/counselors?status=all", "HX-Request", "true"); p.Status != http.StatusOK || strings.Contains(p.Body, "<html") || !strings.Contains(p.Body, "新人 花子") {
		t.Errorf("htmx queue: %d", p.Status)
	}

	rev := "/operator/counselors/" + s.pendingID.String()
	cred := rev + "/credentials/" + s.credID.String()
	page := op.get(rev)
	mustContain(t, page, "新人 花子", "new@c.example", "臨床心理士", "CP-12345", "2019-04-01", "審査中")
	tok := op.csrf(rev)

	// Listing before any verified credential: 422 shown as a message.
	r := op.post(rev+"/verify", url.Values{"_csrf": {tok}})
	if r.Status != http.StatusSeeOther || r.location() != rev {
		t.Fatalf("verify: %d to %q", r.Status, r.location())
	}
	mustContain(t, op.get(rev), "flash-error", "認証済みで有効な資格がないため、掲載できません。")

	// A rejection needs a reason, shown beside the textarea.
	r = op.post(cred+"/reject", url.Values{"_csrf": {tok}, "reason": {"  "}})
	if r.Status != http.StatusBadRequest {
		t.Errorf("reject without reason: %d", r.Status)
	}
	mustContain(t, r, `id="err-reason"`, "入力してください。", "<details class=\"reason-form\" open>")
	r = op.post(cred+"/reject", url.Values{"_csrf": {tok}, "reason": {strings.Repeat("長", 501)}})
	mustContain(t, r, "理由を1〜500文字で入力してください。")

	op.post(cred+"/verify", url.Values{"_csrf": {tok}})
	mustContain(t, op.get(rev), "資格を認証しました。", "badge-cred-verified")
	// Verifying twice is a 409, shown as a message.
	op.post(cred+"/verify", url.Values{"_csrf": {tok}})
	mustContain(t, op.get(rev), "状態が変わったため、この操作は行えませんでした。")

	op.post(rev+"/verify", url.Values{"_csrf": {tok}})
	mustContain(t, op.get(rev), "カウンセラーを掲載しました。", `id="review-status">公開中`)

	r = op.post(rev+"/suspend", url.Values{"_csrf": {tok}, "reason": {""}})
	mustContain(t, r, `id="err-reason"`)
	op.post(rev+"/suspend", url.Values{"_csrf": {tok}, "reason": {"苦情の確認中"}})
	mustContain(t, op.get(rev), "掲載を停止しました。", `id="review-status">停止中`, "苦情の確認中", "掲載を再開する")
	op.post(rev+"/reinstate", url.Values{"_csrf": {tok}})
	mustContain(t, op.get(rev), "掲載を再開しました。", `id="review-status">公開中`)

	// A second credential, rejected with its reason, which the counsellor sees.
	second := s.cs.submit("new@c.example", "icf_coach", "ICF-77")
	op.post(rev+"/credentials/"+second.String()+"/reject", url.Values{"_csrf": {tok}, "reason": {"登録番号が見つかりません"}})
	mustContain(t, s.counselor(t).get("/counselor/credentials"), "差し戻し", "登録番号が見つかりません")
}

// TestCounselorPagesNeverAnswer500ToBadInput sends malformed ids, queries
// and forms to every counsellor page.
func TestCounselorPagesNeverAnswer500ToBadInput(t *testing.T) {
	t.Parallel()
	s := newCounselorSite(t)
	op, emp, co := s.operator(t), s.employee(t), s.counselor(t)
	tok := op.csrf("/operator/counselors")
	unknown := uuid.New().String()
	cases := []struct {
		b      *browser
		method string
		path   string
		want   int
	}{
		{op, "GET", "/operator/counselors/not-a-uuid", 404},
		{op, "GET", "/operator/counselors/" + unknown, 404},
		{op, "GET", "/operator/counselors?status=nonsense", 400},
		{op, "GET", "/operator/counselors?page=-3", 200},
		{op, "GET", "/operator/counselors?page=99999999999999999999", 200},
		{op, "POST", "/operator/counselors/not-a-uuid/verify", 404},
		{op, "POST", "/operator/counselors/" + unknown + "/verify", 404},
		{op, "POST", "/operator/counselors/" + unknown + "/suspend", 404},
		{op, "POST", "/operator/counselors/" + unknown + "/reinstate", 404},
		{op, "POST", "/operator/counselors/" + s.pendingID.String() + "/credentials/zzz/verify", 404},
		{op, "POST", "/operator/counselors/" + s.pendingID.String() + "/credentials/" + unknown + "/verify", 404},
		{op, "POST", "/operator/counselors/" + unknown + "/credentials/" + s.credID.String() + "/reject", 404},
		{emp, "GET", "/counselors/not-a-uuid", 404},
		{emp, "GET", "/counselors/" + unknown, 404},
		{emp, "GET", "/counselors/" + s.pendingID.String(), 404},
		{emp, "GET", "/counselors/" + unknown + "/photo", 404},
		{co, "GET", "/counselors/" + s.pendingID.String() + "/photo", 404},
		{emp, "GET", "/counselors?theme=astrology", 400},
		{emp, "GET", "/counselors?sort=random", 400},
		{emp, "GET", "/counselors?page=0", 400},
		{emp, "GET", "/counselors?available_within_days=-1", 400},
		{emp, "GET", "/counselors?q=" + strings.Repeat("あ", 201), 400},
		{emp, "GET", "/counselors?per_page=100000", 200},
		{emp, "GET", "/counselors?q=%ff%fe", 400},
	}
	for _, c := range cases {
		var r page
		if c.method == "GET" {
			r = c.b.get(c.path)
		} else {
			r = c.b.post(c.path, url.Values{"_csrf": {tok}, "reason": {"理由"}})
		}
		if r.Status != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, r.Status, c.want)
		}
	}
	// Control characters in the free text: refused or ignored, never a 500.
	if r := emp.get("/counselors?q=a%00b"); r.Status >= 500 {
		t.Errorf("search with NUL: %d", r.Status)
	}
	ctok := co.csrf("/counselor/profile")
	for _, bad := range []url.Values{
		{"years_experience": {"1e9"}},
		{"rate_jpy": {"-5"}},
		{"rate_jpy": {"99999999999999999999999"}},
		{"display_name": {strings.Repeat("名", 81)}},
		{"bio": {strings.Repeat("あ", 4001)}},
		{"gender": {"robot"}},
		{"age_band": {"10s"}},
		{"themes": {"astrology"}},
		{"formats": {"telepathy"}},
		{"languages": {"ja", "ja"}},
		{"display_name": {"\xff\xfe"}},
		{"display_name": {"花\x00子"}},
		{"bio": {"よろしく\x00"}},
		{"bio": {"\xc3\x28"}},
	} {
		form := url.Values{"_csrf": {ctok}, "display_name": {"新人 花子"}, "languages": {"ja"}, "formats": {"video"}}
		for k, v := range bad {
			form[k] = v
		}
		if r := co.post("/counselor/profile", form); r.Status != http.StatusBadRequest {
			t.Errorf("profile %q: %d", bad, r.Status)
		}
	}
	if r := co.post("/counselor/profile", url.Values{"_csrf": {ctok}, "display_name": {"新人 花子"}, "languages": {"ja"}, "formats": {"video"}}); r.Status != http.StatusSeeOther {
		t.Errorf("the base form itself is refused: %d", r.Status)
	}
	rev := "/operator/counselors/" + s.pendingID.String()
	for _, reason := range []string{"\xff", "理由\x00"} {
		r := op.post(rev+"/credentials/"+s.credID.String()+"/reject", url.Values{"_csrf": {tok}, "reason": {reason}})
		if r.Status != http.StatusBadRequest {
			t.Errorf("reason %q: %d", reason, r.Status)
		}
	}
	for _, form := range []url.Values{
		{"kind": {"icf_coach"}, "registration_number": {strings.Repeat("9", 65)}, "issued_on": {"2020-01-01"}},
		{"kind": {"icf_coach"}, "registration_number": {"A\x01B"}, "issued_on": {"2020-01-01"}},
		{"kind": {"icf_coach"}, "registration_number": {"\xff"}, "issued_on": {"2020-01-01"}},
		{"kind": {"icf_coach"}, "registration_number": {"A1"}, "issued_on": {"2020-13-45"}},
	} {
		form.Set("_csrf", ctok)
		if r := co.post("/counselor/credentials", form); r.Status != http.StatusBadRequest {
			t.Errorf("credential %v: %d", form, r.Status)
		}
	}
}
