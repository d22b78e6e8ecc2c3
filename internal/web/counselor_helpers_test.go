package web_test

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/apptest"
)

const counselorPass = "counselor-pass-2026"

// counselors creates counsellors through the API, as the operator and the
// counsellors themselves would.
type counselors struct {
	t  *testing.T
	h  *apptest.Harness
	op *apptest.Client
}

func newCounselors(t *testing.T, h *apptest.Harness, op *apptest.Client) *counselors {
	return &counselors{t: t, h: h, op: op}
}

// pending creates a pending counsellor with a password and returns their id.
func (cs *counselors) pending(email, name string) uuid.UUID {
	cs.t.Helper()
	var out struct {
		ID uuid.UUID `json:"id"`
	}
	if st := cs.op.Do("POST", "/api/v1/counselors", map[string]any{"email": email, "name": name, "password": counselorPass}, &out); st != http.StatusCreated {
		cs.t.Fatalf("create counsellor %s: %d", email, st)
	}
	return out.ID
}

// submit submits a credential as the counsellor and returns its id.
func (cs *counselors) submit(email, kind, number string) uuid.UUID {
	cs.t.Helper()
	var out struct {
		ID uuid.UUID `json:"id"`
	}
	c := cs.h.Login(email, counselorPass)
	if st := c.Do("POST", "/api/v1/me/credentials", map[string]any{"kind": kind, "registration_number": number, "issued_on": "2019-04-01"}, &out); st != http.StatusCreated {
		cs.t.Fatalf("submit credential of %s: %d", email, st)
	}
	return out.ID
}

// verifyCredential verifies a credential as the operator.
func (cs *counselors) verifyCredential(id, credID uuid.UUID) {
	cs.t.Helper()
	if st := cs.op.Do("POST", fmt.Sprintf("/api/v1/counselors/%s/credentials/%s/verify", id, credID), nil, nil); st != http.StatusOK {
		cs.t.Fatalf("verify credential: %d", st)
	}
}

// profile is what listed() writes to a counsellor's profile.
type profile struct {
	Name, Kana, Bio, Gender, Kind string
	Years                         int
	Themes, Languages, Formats    []string
	Industries                    []string
}

// setProfile writes the counsellor's profile through the API.
func (cs *counselors) setProfile(email string, p profile) {
	cs.t.Helper()
	var gender *string
	if p.Gender != "" {
		gender = &p.Gender
	}
	body := map[string]any{
		"display_name": p.Name, "kana": p.Kana, "bio": p.Bio, "gender": gender, "age_band": "40s",
		"years_experience": p.Years, "languages": p.Languages, "formats": p.Formats, "themes": p.Themes,
		"industries": p.Industries, "job_functions": []string{"hr"}, "rate_jpy": 8000,
	}
	var e apptest.APIError
	if st := cs.h.Login(email, counselorPass).Do("PUT", "/api/v1/me/profile", body, &e); st != http.StatusOK {
		cs.t.Fatalf("profile of %s: %d %+v", email, st, e)
	}
}

// listed makes a verified counsellor with one verified credential and the
// given profile, and brings the search index up to date.
func (cs *counselors) listed(email string, p profile) uuid.UUID {
	cs.t.Helper()
	id := cs.pending(email, p.Name)
	cs.verifyCredential(id, cs.submit(email, p.Kind, "REG-"+email[:6]))
	cs.setProfile(email, p)
	if st := cs.op.Do("POST", "/api/v1/counselors/"+id.String()+"/verify", nil, nil); st != http.StatusOK {
		cs.t.Fatalf("verify counsellor %s: %d", email, st)
	}
	cs.h.DrainOutbox()
	return id
}

// demoCounselors lists four counsellors with different credentials,
// themes, languages and formats.
func demoCounselors(cs *counselors) map[string]uuid.UUID {
	ids := map[string]uuid.UUID{}
	ids["sato"] = cs.listed("sato@c.example", profile{
		Name: "佐藤 恵子", Kana: "さとう けいこ", Bio: "企業の健康管理室で15年、メンタルヘルスの相談に応じてきました。",
		Gender: "female", Kind: "certified_public_psychologist", Years: 15,
		Themes: []string{"mental_health", "relationships", "return_to_work"}, Languages: []string{"ja"},
		Formats: []string{"video", "in_person"}, Industries: []string{"it"},
	})
	ids["tanaka"] = cs.listed("tanaka@c.example", profile{
		Name: "田中 誠", Kana: "たなか まこと", Bio: "キャリアの棚卸しと転機の整理を得意としています。",
		Gender: "male", Kind: "career_consultant", Years: 8,
		Themes: []string{"career", "engagement"}, Languages: []string{"ja", "en"},
		Formats: []string{"video", "phone"}, Industries: []string{"manufacturing", "it"},
	})
	ids["suzuki"] = cs.listed("suzuki@c.example", profile{
		Name: "鈴木 直美", Kana: "すずき なおみ", Bio: "育児と仕事の両立、職場の人間関係の相談を多く受けています。",
		Gender: "female", Kind: "icf_coach", Years: 5,
		Themes: []string{"work_life", "relationships"}, Languages: []string{"ja"},
		Formats: []string{"video"}, Industries: []string{"retail"},
	})
	ids["kato"] = cs.listed("kato@c.example", profile{
		Name: "加藤 亮", Kana: "かとう りょう", Bio: "社会保険労務士としてハラスメント相談に対応しています。",
		Gender: "male", Kind: "labor_attorney", Years: 20,
		Themes: []string{"harassment", "exit_interview"}, Languages: []string{"ja"},
		Formats: []string{"phone", "in_person"}, Industries: []string{"finance"},
	})
	return ids
}

// pngImage is a w×h PNG in one colour.
func pngImage(t *testing.T, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{R: uint8(40 + x%60), G: 110, B: 120, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
