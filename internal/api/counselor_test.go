package api_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

type counsellorJSON struct {
	ID     string `json:"id"`
	UserID string `json:"user_id"`
	Status string `json:"status"`
}

type credentialJSON struct {
	ID                 string  `json:"id"`
	CounselorID        string  `json:"counselor_id"`
	Kind               string  `json:"kind"`
	RegistrationNumber string  `json:"registration_number"`
	IssuedOn           string  `json:"issued_on"`
	ExpiresOn          *string `json:"expires_on"`
	Status             string  `json:"status"`
	RejectedReason     *string `json:"rejected_reason"`
}

// counsellorClient has the operator create a counsellor with a password
// and returns them signed in.
func counsellorClient(t *testing.T, h *apptest.Harness, op *apptest.Client, email string) (*apptest.Client, counsellorJSON) {
	t.Helper()
	var c counsellorJSON
	if st := op.Do("POST", "/api/v1/counselors", map[string]string{"email": email, "name": "相談 花子", "password": "counselor-pass-2026"}, &c); st != 201 {
		t.Fatalf("create counsellor: %d", st)
	}
	return h.Login(email, "counselor-pass-2026"), c
}

// employeeClient signs in an employee of a new company.
func employeeClient(t *testing.T, h *apptest.Harness, op *apptest.Client) *apptest.Client {
	t.Helper()
	co, _ := newCompany(t, h, op, "社員のいる会社", "hr@staff.example")
	h.CreateUser(account.NewUser{CompanyID: uuid.MustParse(co.ID), Email: "emp@staff.example", Name: "社員 一郎", Role: auth.RoleEmployee, Password: "employee-pass-2026"})
	return h.Login("emp@staff.example", "employee-pass-2026")
}

// submitCredential posts a credential and fails unless it is created.
func submitCredential(t *testing.T, c *apptest.Client, kind, number string, expires string) credentialJSON {
	t.Helper()
	body := map[string]any{"kind": kind, "registration_number": number, "issued_on": "2021-04-01"}
	if expires != "" {
		body["expires_on"] = expires
	}
	var cr credentialJSON
	if st := c.Do("POST", "/api/v1/me/credentials", body, &cr); st != 201 {
		t.Fatalf("submit %s: %d", kind, st)
	}
	return cr
}

func profileBody(themes ...string) map[string]any {
	return map[string]any{
		"display_name": "山田 花子", "kana": "やまだ はなこ", "bio": "働く人のキャリアに寄り添います。", "gender": "female",
		"age_band": "40s", "years_experience": 12, "languages": []string{"ja"}, "formats": []string{"video", "in_person"},
		"themes": themes, "industries": []string{"it"}, "job_functions": []string{"hr"}, "rate_jpy": 9000,
	}
}

// indexRows counts the search index requests queued for counselorID.
func indexRows(t *testing.T, h *apptest.Harness, counselorID string) int {
	t.Helper()
	var n int
	if err := ownerDB(t, h).Get(&n, `SELECT count(*) FROM outbox WHERE kind = $1 AND payload->>'counselor_id' = $2`, counselor.IndexKind, counselorID); err != nil {
		t.Fatal(err)
	}
	return n
}

func apiError(t *testing.T, r apptest.Response) apptest.APIError {
	t.Helper()
	var e apptest.APIError
	decode(t, r.Body, &e)
	return e
}

func TestCounsellorIsOnboardedThroughTheAPI(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	cc, c := counsellorClient(t, h, op, "hanako@counsel.example")

	var prof map[string]any
	if st := cc.Do("GET", "/api/v1/me/profile", nil, &prof); st != 200 || prof["status"] != "pending" || prof["id"] != c.ID {
		t.Fatalf("own profile: %d %v", st, prof)
	}
	r := cc.Raw("PUT", "/api/v1/me/profile", "application/json", jsonReader(t, profileBody("career")))
	if e := apiError(t, r); r.Status != 422 || e.Error.Code != "credential_required" ||
		!strings.Contains(e.Error.Message, "career") || !strings.Contains(e.Error.Message, "career_consultant") {
		t.Fatalf("career without a credential: %d %s", r.Status, r.Body)
	}

	cr := submitCredential(t, cc, "career_consultant", "16012345", "")
	if cr.ID == "" || cr.Status != "pending" || cr.Kind != "career_consultant" {
		t.Fatalf("submitted %+v", cr)
	}
	var mine struct {
		Items []credentialJSON `json:"items"`
		Total int              `json:"total"`
	}
	if st := cc.Do("GET", "/api/v1/me/credentials", nil, &mine); st != 200 || mine.Total != 1 || mine.Items[0].ID != cr.ID {
		t.Fatalf("own credentials: %d %+v", st, mine)
	}

	var queue struct {
		Items []struct {
			ID                 string `json:"id"`
			Email              string `json:"email"`
			PendingCredentials int    `json:"pending_credentials"`
		} `json:"items"`
		Total   int `json:"total"`
		PerPage int `json:"per_page"`
	}
	if st := op.Do("GET", "/api/v1/counselors/queue", nil, &queue); st != 200 || queue.Total != 1 ||
		queue.Items[0].ID != c.ID || queue.Items[0].Email != "hanako@counsel.example" || queue.Items[0].PendingCredentials != 1 {
		t.Fatalf("queue: %d %+v", st, queue)
	}
	var review struct {
		ID          string           `json:"id"`
		Email       string           `json:"email"`
		Credentials []credentialJSON `json:"credentials"`
	}
	if st := op.Do("GET", "/api/v1/counselors/"+c.ID+"/review", nil, &review); st != 200 || review.Email != "hanako@counsel.example" ||
		len(review.Credentials) != 1 || review.Credentials[0].RegistrationNumber != "16012345" {
		t.Fatalf("review: %d %+v", st, review)
	}

	r = op.Raw("POST", "/api/v1/counselors/"+c.ID+"/verify", "", nil)
	if e := apiError(t, r); r.Status != 422 || e.Error.Code != "no_verified_credential" {
		t.Fatalf("verify before any credential is verified: %d %s", r.Status, r.Body)
	}
	var verified credentialJSON
	if st := op.Do("POST", "/api/v1/counselors/"+c.ID+"/credentials/"+cr.ID+"/verify", nil, &verified); st != 200 || verified.Status != "verified" {
		t.Fatalf("verify credential: %d %+v", st, verified)
	}
	var listed counsellorJSON
	if st := op.Do("POST", "/api/v1/counselors/"+c.ID+"/verify", nil, &listed); st != 200 || listed.Status != "verified" || listed.ID != c.ID {
		t.Fatalf("verify counsellor: %d %+v", st, listed)
	}
	if st := cc.Do("PUT", "/api/v1/me/profile", profileBody("career", "onboarding"), &prof); st != 200 ||
		fmt.Sprint(prof["themes"]) != "[career onboarding]" || prof["status"] != "verified" || prof["kana"] != "やまだ はなこ" {
		t.Fatalf("profile with an allowed theme: %d %v", st, prof)
	}
	if st := op.Do("GET", "/api/v1/counselors/queue", nil, &queue); st != 200 || queue.Total != 0 {
		t.Fatalf("the queue still holds the verified counsellor: %+v", queue)
	}
	// Credential verified, counsellor verified, profile updated.
	if n := indexRows(t, h, c.ID); n != 3 {
		t.Fatalf("search index requests = %d, want 3", n)
	}
}

func jsonReader(t *testing.T, v any) *bytes.Reader {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.NewReader(b)
}

func TestCounsellorAPIRefusesBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	cc, c := counsellorClient(t, h, op, "hanako@counsel.example")
	cr := submitCredential(t, cc, "icf_coach", "PCC-001234", "")
	with := func(k string, v any) string {
		b := profileBody()
		b[k] = v
		out, _ := json.Marshal(b)
		return string(out)
	}
	cases := []struct {
		who    *apptest.Client
		method string
		path   string
		body   string
		field  string
	}{
		{cc, "PUT", "/api/v1/me/profile", with("nickname", "はなちゃん"), "nickname"},
		{cc, "PUT", "/api/v1/me/profile", with("years_experience", "ten"), "years_experience"},
		{cc, "PUT", "/api/v1/me/profile", with("years_experience", 71), "years_experience"},
		{cc, "PUT", "/api/v1/me/profile", with("kana", "Yamada"), "kana"},
		{cc, "PUT", "/api/v1/me/profile", with("display_name", ""), "display_name"},
		{cc, "PUT", "/api/v1/me/profile", with("languages", []string{}), "languages"},
		{cc, "PUT", "/api/v1/me/profile", with("formats", []string{"video", "video"}), "formats"},
		{cc, "PUT", "/api/v1/me/profile", with("themes", []string{"astrology"}), "themes"},
		{cc, "PUT", "/api/v1/me/profile", with("gender", "robot"), "gender"},
		{cc, "PUT", "/api/v1/me/profile", with("rate_jpy", 1_000_001), "rate_jpy"},
		{cc, "PUT", "/api/v1/me/profile", `{"display_name":`, "body"},
		{cc, "PUT", "/api/v1/me/profile", with("bio", "はじめまして\u0000"), "bio"},
		{op, "POST", "/api/v1/counselors/" + c.ID + "/suspend", `{"reason":"a\u0000b"}`, "reason"},
		{cc, "POST", "/api/v1/me/credentials", `{"kind":"astrologer","registration_number":"1","issued_on":"2020-01-01"}`, "kind"},
		{cc, "POST", "/api/v1/me/credentials", `{"kind":"icf_coach","registration_number":"","issued_on":"2020-01-01"}`, "registration_number"},
		{cc, "POST", "/api/v1/me/credentials", `{"kind":"icf_coach","registration_number":"1","issued_on":"2999-01-01"}`, "issued_on"},
		{cc, "POST", "/api/v1/me/credentials", `{"kind":"icf_coach","registration_number":"1","issued_on":"1 April 2020"}`, "issued_on"},
		{cc, "POST", "/api/v1/me/credentials", `{"kind":"icf_coach","registration_number":"1","issued_on":"2020-01-01","expires_on":"2019-01-01"}`, "expires_on"},
		{cc, "POST", "/api/v1/me/credentials", `{"kind":"icf_coach","registration_number":"1","issued_on":"2020-01-01","status":"verified"}`, "status"},
		{op, "POST", "/api/v1/counselors/" + c.ID + "/credentials/" + cr.ID + "/reject", ``, "reason"},
		{op, "POST", "/api/v1/counselors/" + c.ID + "/credentials/" + cr.ID + "/reject", `{"reason":"  "}`, "reason"},
		{op, "POST", "/api/v1/counselors/" + c.ID + "/credentials/" + cr.ID + "/reject", `{"reason":"` + strings.Repeat("x", 501) + `"}`, "reason"},
		{op, "POST", "/api/v1/counselors/" + c.ID + "/suspend", `{}`, "reason"},
		{op, "GET", "/api/v1/counselors/queue?status=gold", ``, "status"},
		{op, "GET", "/api/v1/counselors/queue?per_page=101", ``, "per_page"},
	}
	for _, tc := range cases {
		ct := ""
		if tc.body != "" {
			ct = "application/json"
		}
		r := tc.who.Raw(tc.method, tc.path, ct, strings.NewReader(tc.body))
		if e := apiError(t, r); r.Status != 400 || e.Error.Fields[tc.field] == "" {
			t.Errorf("%s %s %s: %d %s, want 400 naming %s", tc.method, tc.path, tc.body, r.Status, r.Body, tc.field)
		}
	}
	var mine struct {
		Total int `json:"total"`
	}
	cc.Do("GET", "/api/v1/me/credentials", nil, &mine)
	if mine.Total != 1 {
		t.Fatalf("refused submissions left %d credentials", mine.Total)
	}
}

func TestCounsellorRoutesCheckRoles(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	cc, c := counsellorClient(t, h, op, "hanako@counsel.example")
	cr := submitCredential(t, cc, "icf_coach", "PCC-001234", "")
	_, admin := newCompany(t, h, op, "人事のいる会社", "hr@roles.example")
	emp := employeeClient(t, h, op)
	self := []struct{ method, path string }{
		{"GET", "/api/v1/me/profile"}, {"PUT", "/api/v1/me/profile"},
		{"GET", "/api/v1/me/credentials"}, {"POST", "/api/v1/me/credentials"}, {"PUT", "/api/v1/me/photo"},
	}
	operatorOnly := []struct{ method, path string }{
		{"GET", "/api/v1/counselors/queue"}, {"GET", "/api/v1/counselors/" + c.ID + "/review"},
		{"POST", "/api/v1/counselors/" + c.ID + "/credentials/" + cr.ID + "/verify"},
		{"POST", "/api/v1/counselors/" + c.ID + "/credentials/" + cr.ID + "/reject"},
		{"POST", "/api/v1/counselors/" + c.ID + "/verify"}, {"POST", "/api/v1/counselors/" + c.ID + "/suspend"},
		{"POST", "/api/v1/counselors/" + c.ID + "/reinstate"},
	}
	for _, r := range self {
		for name, who := range map[string]*apptest.Client{"operator": op, "admin": admin, "employee": emp} {
			if st := who.Raw(r.method, r.path, "application/json", strings.NewReader(`{}`)).Status; st != 403 {
				t.Errorf("%s %s as %s: %d, want 403", r.method, r.path, name, st)
			}
		}
		if st := h.Anonymous().Raw(r.method, r.path, "", nil).Status; st != 401 {
			t.Errorf("%s %s anonymous: %d, want 401", r.method, r.path, st)
		}
	}
	for _, r := range operatorOnly {
		for name, who := range map[string]*apptest.Client{"counsellor": cc, "admin": admin, "employee": emp} {
			if st := who.Raw(r.method, r.path, "application/json", strings.NewReader(`{"reason":"x"}`)).Status; st != 403 {
				t.Errorf("%s %s as %s: %d, want 403", r.method, r.path, name, st)
			}
		}
		if st := h.Anonymous().Raw(r.method, r.path, "", nil).Status; st != 401 {
			t.Errorf("%s %s anonymous: %d, want 401", r.method, r.path, st)
		}
	}
	var got credentialJSON
	if st := op.Do("POST", "/api/v1/counselors/"+c.ID+"/credentials/"+cr.ID+"/verify", nil, &got); st != 200 || got.Status != "verified" {
		t.Fatalf("the refused calls changed something: verify now gives %d %+v", st, got)
	}
}

func TestReviewOfAnotherCounsellorsCredentialIsNotFound(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	ca, a := counsellorClient(t, h, op, "a@counsel.example")
	cb, b := counsellorClient(t, h, op, "b@counsel.example")
	submitCredential(t, ca, "icf_coach", "PCC-000001", "")
	crB := submitCredential(t, cb, "icf_coach", "PCC-000002", "")
	paths := []string{
		"/api/v1/counselors/" + a.ID + "/credentials/" + crB.ID + "/verify",
		"/api/v1/counselors/" + a.ID + "/credentials/" + crB.ID + "/reject",
		"/api/v1/counselors/" + uuid.NewString() + "/credentials/" + crB.ID + "/verify",
		"/api/v1/counselors/" + b.ID + "/credentials/" + uuid.NewString() + "/verify",
		"/api/v1/counselors/" + b.ID + "/credentials/not-an-id/verify",
		"/api/v1/counselors/not-an-id/verify",
		"/api/v1/counselors/" + uuid.NewString() + "/suspend",
	}
	for _, p := range paths {
		if r := op.Raw("POST", p, "application/json", strings.NewReader(`{"reason":"確認できません"}`)); r.Status != 404 {
			t.Errorf("POST %s: %d %s, want 404", p, r.Status, r.Body)
		}
	}
	if st := op.Do("GET", "/api/v1/counselors/"+uuid.NewString()+"/review", nil, nil); st != 404 {
		t.Errorf("review of an unknown counsellor: %d", st)
	}
	var mine struct {
		Items []credentialJSON `json:"items"`
	}
	cb.Do("GET", "/api/v1/me/credentials", nil, &mine)
	if mine.Items[0].Status != "pending" {
		t.Fatalf("B's credential changed to %s", mine.Items[0].Status)
	}
}

func TestReviewTransitionsAnswerConflictsAndAreAudited(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	cc, c := counsellorClient(t, h, op, "hanako@counsel.example")
	good := submitCredential(t, cc, "clinical_psychologist", "第12345号", "")
	bad := submitCredential(t, cc, "career_consultant", "99999999", "2030-03-31")
	base := "/api/v1/counselors/" + c.ID
	expect := func(method, path, body string, status int, code string) apptest.Response {
		t.Helper()
		ct := ""
		if body != "" {
			ct = "application/json"
		}
		r := op.Raw(method, path, ct, strings.NewReader(body))
		if e := apiError(t, r); r.Status != status || (code != "" && e.Error.Code != code) {
			t.Fatalf("%s %s: %d %s, want %d %s", method, path, r.Status, r.Body, status, code)
		}
		return r
	}
	r := submitRaw(cc, `{"kind":"career_consultant","registration_number":"９９９９９９９９","issued_on":"2021-04-01","expires_on":"2030-03-31"}`)
	if e := apiError(t, r); r.Status != 409 || e.Error.Code != "credential_duplicate" {
		t.Fatalf("duplicate submission: %d %s", r.Status, r.Body)
	}
	expect("POST", base+"/suspend", `{"reason":"苦情"}`, 409, "counselor_not_verified")
	expect("POST", base+"/credentials/"+good.ID+"/verify", "", 200, "")
	expect("POST", base+"/credentials/"+good.ID+"/verify", "", 409, "credential_already_verified")
	r = expect("POST", base+"/credentials/"+bad.ID+"/reject", `{"reason":"名簿に登録がありません"}`, 200, "")
	var rejected credentialJSON
	decode(t, r.Body, &rejected)
	if rejected.Status != "rejected" || rejected.RejectedReason == nil || *rejected.RejectedReason != "名簿に登録がありません" {
		t.Fatalf("rejected: %+v", rejected)
	}
	expect("POST", base+"/credentials/"+bad.ID+"/verify", "", 409, "credential_rejected")
	expect("POST", base+"/credentials/"+bad.ID+"/reject", `{"reason":"again"}`, 409, "credential_already_rejected")
	expect("POST", base+"/reinstate", "", 409, "counselor_not_suspended")
	expect("POST", base+"/verify", "", 200, "")
	expect("POST", base+"/verify", "", 409, "counselor_already_verified")
	r = expect("POST", base+"/suspend", `{"reason":"利用者からの苦情を調査中"}`, 200, "")
	var co counsellorJSON
	decode(t, r.Body, &co)
	if co.Status != "suspended" {
		t.Fatalf("suspend answered %+v", co)
	}
	expect("POST", base+"/suspend", `{"reason":"again"}`, 409, "counselor_already_suspended")
	expect("POST", base+"/verify", "", 409, "counselor_suspended")
	r = expect("POST", base+"/reinstate", "", 200, "")
	decode(t, r.Body, &co)
	if co.Status != "verified" {
		t.Fatalf("reinstate answered %+v", co)
	}

	var actions []string
	if err := ownerDB(t, h).Select(&actions, `SELECT action FROM audit_log WHERE action LIKE 'counselor.%' AND actor_role = 'operator'
		AND action <> 'counselor.create' ORDER BY id`); err != nil {
		t.Fatal(err)
	}
	want := "counselor.credential.verify counselor.credential.reject counselor.verify counselor.suspend counselor.reinstate"
	if strings.Join(actions, " ") != want {
		t.Fatalf("audited %v, want %s", actions, want)
	}
	if n := indexRows(t, h, c.ID); n != 5 {
		t.Fatalf("search index requests = %d, want one per change (5)", n)
	}
}

func submitRaw(c *apptest.Client, body string) apptest.Response {
	return c.Raw("POST", "/api/v1/me/credentials", "application/json", strings.NewReader(body))
}

func testPNG(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.SetNRGBA(x, y, color.NRGBA{uint8(x), uint8(y), 128, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPhotoIsReencodedAndServedOnlyToThoseWhoMaySeeIt(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	cc, c := counsellorClient(t, h, op, "hanako@counsel.example")
	emp := employeeClient(t, h, op)

	r := cc.Raw("PUT", "/api/v1/me/photo", "image/png", bytes.NewReader(testPNG(t, 800, 600)))
	var info struct {
		URL    string `json:"photo_url"`
		Width  int    `json:"width"`
		Height int    `json:"height"`
	}
	decode(t, r.Body, &info)
	if r.Status != 200 || info.Width != 512 || info.Height != 384 || !strings.HasPrefix(info.URL, "/api/v1/counselors/"+c.ID+"/photo?v=") {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	got := cc.Raw("GET", info.URL, "", nil)
	if got.Status != 200 || got.Header.Get("Content-Type") != "image/jpeg" || got.Header.Get("X-Content-Type-Options") != "nosniff" ||
		!strings.HasPrefix(got.Header.Get("Cache-Control"), "private") {
		t.Fatalf("serve: %d %v", got.Status, got.Header)
	}
	img, err := jpeg.Decode(bytes.NewReader(got.Body))
	if err != nil || img.Bounds().Dx() != 512 || img.Bounds().Dy() != 384 {
		t.Fatalf("served bytes: %v %v", err, img)
	}
	if st := op.Do("GET", info.URL, nil, nil); st != 200 {
		t.Fatalf("operator: %d", st)
	}
	if st := emp.Do("GET", info.URL, nil, nil); st != 404 {
		t.Fatalf("employee sees a pending counsellor's photo: %d", st)
	}
	if st := h.Anonymous().Do("GET", info.URL, nil, nil); st != 401 {
		t.Fatalf("anonymous: %d", st)
	}
	cr := submitCredential(t, cc, "icf_coach", "PCC-001234", "")
	op.Do("POST", "/api/v1/counselors/"+c.ID+"/credentials/"+cr.ID+"/verify", nil, nil)
	op.Do("POST", "/api/v1/counselors/"+c.ID+"/verify", nil, nil)
	if st := emp.Do("GET", info.URL, nil, nil); st != 200 {
		t.Fatalf("employee cannot see a listed counsellor's photo: %d", st)
	}
	var prof map[string]any
	cc.Do("GET", "/api/v1/me/profile", nil, &prof)
	if prof["photo_url"] != info.URL {
		t.Fatalf("profile photo_url = %v, want %s", prof["photo_url"], info.URL)
	}
	// Upload, credential verify, counsellor verify.
	if n := indexRows(t, h, c.ID); n != 3 {
		t.Fatalf("search index requests = %d, want 3", n)
	}
}

func TestPhotoUploadRefusesBadBytesWithBadRequestNeverServerError(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	cc, c := counsellorClient(t, h, op, "hanako@counsel.example")
	good := testPNG(t, 64, 64)
	var j bytes.Buffer
	_ = jpeg.Encode(&j, image.NewGray(image.Rect(0, 0, 64, 64)), nil)
	// A PNG header declaring 10000 × 10000 pixels (100 megapixels).
	ihdr := []byte("IHDR\x00\x00\x27\x10\x00\x00\x27\x10\x08\x06\x00\x00\x00")
	huge := binary.BigEndian.AppendUint32(append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0d"), ihdr...), crc32.ChecksumIEEE(ihdr))
	cases := []struct {
		name, ct string
		body     []byte
	}{
		{"text file", "text/plain", []byte("これは写真ではありません")},
		{"text claiming PNG", "image/png", []byte("これは写真ではありません")},
		{"truncated PNG", "image/png", good[:len(good)-30]},
		{"truncated JPEG", "image/jpeg", j.Bytes()[:len(j.Bytes())/3]},
		{"huge dimensions", "image/png", huge},
		{"oversized", "image/png", append(append([]byte{}, good...), make([]byte, counselor.MaxPhotoBytes+1-len(good))...)},
		{"PNG sent as JPEG", "image/jpeg", good},
		{"empty", "image/png", nil},
	}
	for _, tc := range cases {
		r := cc.Raw("PUT", "/api/v1/me/photo", tc.ct, bytes.NewReader(tc.body))
		if e := apiError(t, r); r.Status != 400 || e.Error.Fields["photo"] == "" {
			t.Errorf("%s: %d %s, want 400 naming photo", tc.name, r.Status, r.Body)
		}
	}
	if st := cc.Do("GET", "/api/v1/counselors/"+c.ID+"/photo", nil, nil); st != 404 {
		t.Fatalf("a refused upload left a photo: %d", st)
	}
}

func TestHousekeepingRemindsOfAnExpiringCredentialOnce(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	cc, c := counsellorClient(t, h, op, "hanako@counsel.example")
	expires := counselor.Today(time.Now().AddDate(0, 0, 30))
	cr := submitCredential(t, cc, "career_consultant", "16012345", expires)
	// Verifying answers the decision; the list refines it by date.
	var v credentialJSON
	if st := op.Do("POST", "/api/v1/counselors/"+c.ID+"/credentials/"+cr.ID+"/verify", nil, &v); st != 200 || v.Status != "verified" {
		t.Fatalf("verify: %d %+v", st, v)
	}
	var mine struct {
		Items []credentialJSON `json:"items"`
	}
	cc.Do("GET", "/api/v1/me/credentials", nil, &mine)
	if mine.Items[0].Status != "expiring" {
		t.Fatalf("a verified credential 30 days from expiry shows %q, want expiring", mine.Items[0].Status)
	}
	ctx := context.Background()
	for range 2 {
		if err := h.App.Housekeep(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
		h.DrainOutbox()
	}
	list, err := mail.ListDevMail(ctx, h.Env.DB, "hanako@counsel.example", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("%d reminders, want exactly one", len(list))
	}
	m, err := mail.GetDevMail(ctx, h.Env.DB, list[0].ID)
	if err != nil || !strings.Contains(m.Subject, "国家資格キャリアコンサルタント") || !strings.Contains(m.Text, expires) ||
		!strings.Contains(m.Text, "16012345") {
		t.Fatalf("reminder: %q %q (%v)", m.Subject, m.Text, err)
	}
}
