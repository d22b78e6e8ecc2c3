package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"unicode"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

const matchPass = "match-pass-2026"

// matchWorld is a company with two employees and an admin, and twelve
// listed counsellors (career and engagement) with fit profiles, free
// slots round the clock, alternating gender, three of them English-speaking.
type matchWorld struct {
	h         *apptest.Harness
	companyID uuid.UUID
	ids       []string // counsellor ids, in creation order
	female    int      // how many are female
	english   int      // how many speak English
}

func newMatchWorld(t *testing.T) *matchWorld {
	t.Helper()
	h := apptest.New(t)
	w := &matchWorld{h: h}
	hash, err := account.HashPassword(matchPass)
	if err != nil {
		t.Fatal(err)
	}
	err = h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		w.companyID = dbtest.Company(t, tx, dbtest.Name("マッチ商事"))
		for i := range 2 {
			dbtest.Employee(t, tx, w.companyID, fmt.Sprintf("u%d@match.example", i), dbtest.PasswordHash(hash))
		}
		dbtest.CompanyAdmin(t, tx, w.companyID, "u2@match.example", dbtest.Name("社員"), dbtest.PasswordHash(hash))
		for i := range 12 {
			gender, langs := "male", []string{"ja"}
			if i%2 == 0 {
				gender = "female"
				w.female++
			}
			if i < 3 {
				langs = []string{"ja", "en"}
				w.english++
			}
			_, id := dbtest.Counsellor(t, tx, fmt.Sprintf("c%02d@match.example", i), dbtest.Name("相談員"), dbtest.PasswordHash(hash),
				dbtest.DisplayName(fmt.Sprintf("相談員 %02d", i+1)), dbtest.Profile(gender, "40s", 3+i), dbtest.Languages(langs...),
				dbtest.Formats("video", "phone"), dbtest.Themes("career", "engagement"), dbtest.Industries("it"), dbtest.VerifiedAgo("1 year"),
				dbtest.CredentialOn("career_consultant", fmt.Sprintf("R%03d", i), "2018-04-01", "", ""))
			w.ids = append(w.ids, id.String())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	weekly := []map[string]any{}
	for d := 1; d <= 7; d++ {
		weekly = append(weekly, map[string]any{"weekday": d, "start": "00:00", "end": "24:00"})
	}
	avail := map[string]any{"timezone": "Asia/Tokyo", "slot_minutes": 50, "buffer_minutes": 10, "min_notice_minutes": 0,
		"horizon_days": 30, "max_per_day": 24, "weekly": weekly, "overrides": []any{}}
	for i := range w.ids {
		c := h.Login(fmt.Sprintf("c%02d@match.example", i), matchPass)
		if st := c.Do("PUT", "/api/v1/me/availability", avail, nil); st != http.StatusOK {
			t.Fatalf("availability of counsellor %d: %d", i, st)
		}
		var e apptest.APIError
		if st := c.Do("PUT", "/api/v1/me/fit-profile", fitBody(1+i%5, 1+(i*2)%5), &e); st != http.StatusOK {
			t.Fatalf("fit profile of counsellor %d: %d %+v", i, st, e)
		}
	}
	h.DrainOutbox()
	return w
}

func (w *matchWorld) employee(i int) *apptest.Client {
	return w.h.Login(fmt.Sprintf("u%d@match.example", i), matchPass)
}

func (w *matchWorld) admin() *apptest.Client { return w.h.Login("u2@match.example", matchPass) }

func (w *matchWorld) counselor(i int) *apptest.Client {
	return w.h.Login(fmt.Sprintf("c%02d@match.example", i), matchPass)
}

var (
	valueItems = []string{"self_direction", "stimulation", "hedonism", "achievement", "power",
		"security", "conformity", "tradition", "benevolence", "universalism"}
	styleItems = []string{"listening_advising", "structured_free", "gentle_challenging"}
)

// fitBody is a questionnaire (values and style only) with every value item
// v and every style item s.
func fitBody(v, s int) map[string]any {
	values, style := map[string]any{}, map[string]any{}
	for _, it := range valueItems {
		values[it] = v
	}
	for _, it := range styleItems {
		style[it] = s
	}
	return map[string]any{"values": values, "style": style}
}

// employeeFit is an employee's questionnaire for theme with preferences.
func employeeFit(theme string, prefs map[string]any) map[string]any {
	b := fitBody(4, 2)
	b["theme"] = theme
	if prefs != nil {
		b["preferences"] = prefs
	}
	return b
}

type recJSON struct {
	Theme string `json:"theme"`
	Items []struct {
		Counselor struct {
			ID          string `json:"id"`
			DisplayName string `json:"display_name"`
		} `json:"counselor"`
		Score   float64  `json:"score"`
		Reasons []string `json:"reasons"`
		Terms   []struct {
			Name string `json:"name"`
		} `json:"terms"`
	} `json:"items"`
	Narrowed *struct {
		Available   int      `json:"available"`
		Constraints []string `json:"constraints"`
		Label       string   `json:"label"`
		Relax       []struct {
			Constraint string `json:"constraint"`
			Available  int    `json:"available"`
		} `json:"relax"`
	} `json:"narrowed"`
}

func (r recJSON) has(id string) bool {
	for _, it := range r.Items {
		if it.Counselor.ID == id {
			return true
		}
	}
	return false
}

func recommend(t *testing.T, c *apptest.Client, query string) recJSON {
	t.Helper()
	var out recJSON
	r := c.Raw("GET", "/api/v1/me/recommendations"+query, "", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("recommendations%s: %d %s", query, r.Status, r.Body)
	}
	decode(t, r.Body, &out)
	return out
}

// TestFitProfileRefusesBadAnswersNamingTheItem is the validation table of
// PUT /me/fit-profile: every bad answer is a 400 naming its field, and
// nothing is stored.
func TestFitProfileRefusesBadAnswersNamingTheItem(t *testing.T) {
	t.Parallel()
	w := newMatchWorld(t)
	emp := w.employee(0)
	cases := []struct {
		name  string
		edit  func(b map[string]any)
		raw   string // a raw body instead of the edited one
		field string
	}{
		{"value above 5", func(b map[string]any) { b["values"].(map[string]any)["power"] = 6 }, "", "values.power"},
		{"value below 1", func(b map[string]any) { b["values"].(map[string]any)["security"] = 0 }, "", "values.security"},
		{"value not whole", func(b map[string]any) { b["values"].(map[string]any)["power"] = 3.5 }, "", "values.power"},
		{"value as text", func(b map[string]any) { b["values"].(map[string]any)["tradition"] = "3" }, "", "values.tradition"},
		{"value null", func(b map[string]any) { b["values"].(map[string]any)["hedonism"] = nil }, "", "values.hedonism"},
		{"style above 5", func(b map[string]any) { b["style"].(map[string]any)["structured_free"] = 9 }, "", "style.structured_free"},
		{"style missing", func(b map[string]any) { delete(b["style"].(map[string]any), "gentle_challenging") }, "", "style.gentle_challenging"},
		{"unknown item", func(b map[string]any) { b["values"].(map[string]any)["wealth"] = 3 }, "", "values.wealth"},
		{"unknown theme", func(b map[string]any) { b["theme"] = "astrology" }, "", "theme"},
		{"unknown gender", func(b map[string]any) { b["preferences"] = map[string]any{"gender": "other"} }, "", "preferences.gender"},
		{"unknown time of day", func(b map[string]any) { b["preferences"] = map[string]any{"time_of_day": []string{"night"}} }, "", "preferences.time_of_day"},
		{"unknown preference field", func(b map[string]any) { b["preferences"] = map[string]any{"zodiac": "leo"} }, "", "zodiac"},
		{"unknown field", func(b map[string]any) { b["mood"] = "fine" }, "", "mood"},
		{"values not an object", func(b map[string]any) { b["values"] = []int{1, 2} }, "", "values"},
		{"empty body", nil, " ", "body"},
		{"not JSON", nil, "{values:", "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := tc.raw
			if tc.edit != nil {
				b := employeeFit("career", nil)
				tc.edit(b)
				body = mustJSON(t, b)
			}
			r := emp.Raw("PUT", "/api/v1/me/fit-profile", "application/json", strings.NewReader(body))
			var e apptest.APIError
			decode(t, r.Body, &e)
			if r.Status != http.StatusBadRequest || e.Error.Fields[tc.field] == "" {
				t.Fatalf("status %d, fields %v; want 400 naming %s", r.Status, e.Error.Fields, tc.field)
			}
		})
	}
	if st := emp.Do("GET", "/api/v1/me/fit-profile", nil, nil); st != http.StatusNotFound {
		t.Errorf("after refused answers GET fit-profile = %d, want 404 (nothing stored)", st)
	}
	// A counsellor states no preferences and no theme.
	var e apptest.APIError
	if st := w.counselor(0).Do("PUT", "/api/v1/me/fit-profile", employeeFit("career", nil), &e); st != http.StatusBadRequest || e.Error.Fields["theme"] == "" {
		t.Errorf("counsellor with a theme: %d %v", st, e.Error.Fields)
	}
}

// TestFitProfileIsStoredAndReadBack: 404 before answering, 200 with the
// stored answers after, and a retake replaces them.
func TestFitProfileIsStoredAndReadBack(t *testing.T) {
	t.Parallel()
	w := newMatchWorld(t)
	emp := w.employee(0)
	if st := emp.Do("GET", "/api/v1/me/fit-profile", nil, nil); st != http.StatusNotFound {
		t.Fatalf("before answering: %d", st)
	}
	var saved, got struct {
		Values      map[string]int `json:"values"`
		Style       map[string]int `json:"style"`
		Theme       string         `json:"theme"`
		Preferences struct {
			Gender    string   `json:"gender"`
			Languages []string `json:"languages"`
			TimeOfDay []string `json:"time_of_day"`
		} `json:"preferences"`
	}
	body := employeeFit("engagement", map[string]any{"gender": "female", "languages": []string{"en", "ja", "en"}, "time_of_day": []string{"evening"}})
	body["values"].(map[string]any)["power"] = 1
	if st := emp.Do("PUT", "/api/v1/me/fit-profile", body, &saved); st != http.StatusOK {
		t.Fatalf("save: %d", st)
	}
	if st := emp.Do("GET", "/api/v1/me/fit-profile", nil, &got); st != http.StatusOK {
		t.Fatalf("read: %d", st)
	}
	if got.Values["power"] != 1 || got.Values["security"] != 4 || got.Style["listening_advising"] != 2 || got.Theme != "engagement" ||
		got.Preferences.Gender != "female" || strings.Join(got.Preferences.Languages, ",") != "ja,en" || strings.Join(got.Preferences.TimeOfDay, ",") != "evening" {
		t.Errorf("read back %+v (saved %+v)", got, saved)
	}
	if st := emp.Do("PUT", "/api/v1/me/fit-profile", employeeFit("career", nil), nil); st != http.StatusOK {
		t.Fatalf("retake: %d", st)
	}
	if st := emp.Do("GET", "/api/v1/me/fit-profile", nil, &got); st != http.StatusOK || got.Theme != "career" || got.Values["power"] != 4 {
		t.Errorf("after the retake: %d %+v", st, got)
	}
	// The other employee still has none.
	if st := w.employee(1).Do("GET", "/api/v1/me/fit-profile", nil, nil); st != http.StatusNotFound {
		t.Errorf("another employee reads %d", st)
	}
}

// TestMatchingRoutesCheckRoles: fit profiles for employees and
// counsellors, recommendations and dismissals for employees only.
func TestMatchingRoutesCheckRoles(t *testing.T) {
	t.Parallel()
	w := newMatchWorld(t)
	admin, op, c := w.admin(), w.h.Operator(), w.counselor(0)
	id := w.ids[0]
	cases := []struct {
		who          string
		client       *apptest.Client
		method, path string
		body         any
		want         int
	}{
		{"anonymous reads", w.h.Anonymous(), "GET", "/api/v1/me/fit-profile", nil, 401},
		{"anonymous recommendations", w.h.Anonymous(), "GET", "/api/v1/me/recommendations?theme=career", nil, 401},
		{"admin answers", admin, "PUT", "/api/v1/me/fit-profile", fitBody(3, 3), 403},
		{"admin reads", admin, "GET", "/api/v1/me/fit-profile", nil, 403},
		{"operator answers", op, "PUT", "/api/v1/me/fit-profile", fitBody(3, 3), 403},
		{"admin recommendations", admin, "GET", "/api/v1/me/recommendations?theme=career", nil, 403},
		{"counsellor recommendations", c, "GET", "/api/v1/me/recommendations?theme=career", nil, 403},
		{"operator recommendations", op, "GET", "/api/v1/me/recommendations?theme=career", nil, 403},
		{"counsellor dismisses", c, "POST", "/api/v1/me/recommendations/" + id + "/dismiss", nil, 403},
		{"admin dismisses", admin, "POST", "/api/v1/me/recommendations/" + id + "/dismiss", nil, 403},
		{"counsellor reads own", c, "GET", "/api/v1/me/fit-profile", nil, 200},
		{"counsellor answers", c, "PUT", "/api/v1/me/fit-profile", fitBody(5, 1), 200},
	}
	for _, tc := range cases {
		if st := tc.client.Do(tc.method, tc.path, tc.body, nil); st != tc.want {
			t.Errorf("%s: %s %s = %d, want %d", tc.who, tc.method, tc.path, st, tc.want)
		}
	}
}

// TestRecommendationsAnswerTenWithReasons checks the answer's shape: ten
// listed counsellors, best first, each with a score and two or three
// reasons in the caller's language, and the score's terms.
func TestRecommendationsAnswerTenWithReasons(t *testing.T) {
	t.Parallel()
	w := newMatchWorld(t)
	emp := w.employee(0)
	if st := emp.Do("GET", "/api/v1/me/recommendations?theme=career", nil, nil); st != http.StatusConflict {
		t.Errorf("before the questionnaire: %d, want 409", st)
	}
	if st := emp.Do("PUT", "/api/v1/me/fit-profile", employeeFit("career", nil), nil); st != http.StatusOK {
		t.Fatalf("save: %d", st)
	}
	r := recommend(t, emp, "")
	if r.Theme != "career" || len(r.Items) != 10 || r.Narrowed != nil {
		t.Fatalf("theme %q, %d items, narrowed %+v", r.Theme, len(r.Items), r.Narrowed)
	}
	seen := map[string]bool{}
	for i, it := range r.Items {
		if seen[it.Counselor.ID] || it.Counselor.DisplayName == "" {
			t.Errorf("item %d: counsellor %+v repeated or empty", i, it.Counselor)
		}
		seen[it.Counselor.ID] = true
		if it.Score < 0 || it.Score > 100 || len(it.Reasons) < 2 || len(it.Reasons) > 3 || len(it.Terms) == 0 {
			t.Errorf("item %d: score %v, reasons %q, %d terms", i, it.Score, it.Reasons, len(it.Terms))
		}
		for _, reason := range it.Reasons {
			if !hasJapanese(reason) {
				t.Errorf("item %d: reason %q is not Japanese", i, reason)
			}
		}
	}
	en := recommend(t, emp, "?theme=engagement&lang=en")
	if en.Theme != "engagement" || len(en.Items) != 10 {
		t.Fatalf("English: theme %q, %d items", en.Theme, len(en.Items))
	}
	for i, it := range en.Items {
		for _, reason := range it.Reasons {
			if hasJapanese(reason) {
				t.Errorf("item %d: English reason %q has Japanese", i, reason)
			}
		}
	}
}

func hasJapanese(s string) bool {
	for _, r := range s {
		if unicode.In(r, unicode.Hiragana, unicode.Katakana, unicode.Han) {
			return true
		}
	}
	return false
}

// TestRecommendationsSayWhatNarrowedThemAndRelax: English-speaking women
// are few; the answer says so, offers to relax each constraint with its
// count, and relax=gender gives the larger list.
func TestRecommendationsSayWhatNarrowedThemAndRelax(t *testing.T) {
	t.Parallel()
	w := newMatchWorld(t)
	emp := w.employee(0)
	if st := emp.Do("PUT", "/api/v1/me/fit-profile", employeeFit("career", map[string]any{"gender": "female", "languages": []string{"en"}}), nil); st != http.StatusOK {
		t.Fatalf("save: %d", st)
	}
	r := recommend(t, emp, "?theme=career")
	englishWomen := 2 // counsellors 0 and 2
	if len(r.Items) != englishWomen || r.Narrowed == nil || r.Narrowed.Available != englishWomen || r.Narrowed.Label == "" {
		t.Fatalf("%d items, narrowed %+v", len(r.Items), r.Narrowed)
	}
	relax := map[string]int{}
	for _, x := range r.Narrowed.Relax {
		relax[x.Constraint] = x.Available
	}
	if relax["gender"] != w.english || relax["languages"] != w.female {
		t.Errorf("relax offers %v, want gender→%d languages→%d", relax, w.english, w.female)
	}
	if got := recommend(t, emp, "?theme=career&relax=gender"); len(got.Items) != w.english {
		t.Errorf("relax=gender: %d items, want %d", len(got.Items), w.english)
	}
	if got := recommend(t, emp, "?theme=career&relax=gender,languages"); len(got.Items) != 10 {
		t.Errorf("relax=gender,languages: %d items, want 10", len(got.Items))
	}
	if got := recommend(t, emp, "?theme=career&relax=gender&relax=languages"); len(got.Items) != 10 {
		t.Errorf("relax twice: %d items, want 10", len(got.Items))
	}
}

// TestRecommendationQueryRefusesBadInput: a bad theme, relax or lang is a
// 400 naming it, never a 500.
func TestRecommendationQueryRefusesBadInput(t *testing.T) {
	t.Parallel()
	w := newMatchWorld(t)
	emp := w.employee(0)
	if st := emp.Do("PUT", "/api/v1/me/fit-profile", employeeFit("career", nil), nil); st != http.StatusOK {
		t.Fatalf("save: %d", st)
	}
	for query, field := range map[string]string{
		"?theme=astrology":             "theme",
		"?theme=%00":                   "theme",
		"?theme=career&relax=budget":   "relax",
		"?theme=career&relax=gender,x": "relax",
		"?theme=career&lang=fr":        "lang",
	} {
		r := emp.Raw("GET", "/api/v1/me/recommendations"+query, "", nil)
		var e apptest.APIError
		decode(t, r.Body, &e)
		if r.Status != http.StatusBadRequest || e.Error.Fields[field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", query, r.Status, r.Body, field)
		}
	}
}

// TestDismissHidesACounselorForThatEmployeeOnly: "not for me" answers 204,
// the counsellor leaves that employee's list (not the colleague's), and
// bad ids or reasons are 404 and 400.
func TestDismissHidesACounselorForThatEmployeeOnly(t *testing.T) {
	t.Parallel()
	w := newMatchWorld(t)
	emp, colleague := w.employee(0), w.employee(1)
	for _, c := range []*apptest.Client{emp, colleague} {
		if st := c.Do("PUT", "/api/v1/me/fit-profile", employeeFit("career", nil), nil); st != http.StatusOK {
			t.Fatalf("save: %d", st)
		}
	}
	before := recommend(t, emp, "")
	first, second := before.Items[0].Counselor.ID, before.Items[1].Counselor.ID
	if r := emp.Raw("POST", "/api/v1/me/recommendations/"+first+"/dismiss", "", nil); r.Status != http.StatusNoContent {
		t.Fatalf("dismiss without a body: %d %s", r.Status, r.Body)
	}
	if st := emp.Do("POST", "/api/v1/me/recommendations/"+second+"/dismiss", map[string]any{"reason": "style"}, nil); st != http.StatusNoContent {
		t.Fatalf("dismiss with a reason: %d", st)
	}
	after := recommend(t, emp, "")
	if after.has(first) || after.has(second) || len(after.Items) != 10 {
		t.Errorf("after dismissing two: %d items, still has first %v second %v", len(after.Items), after.has(first), after.has(second))
	}
	if other := recommend(t, colleague, ""); !other.has(first) || !other.has(second) {
		t.Errorf("the colleague lost the counsellors too")
	}
	for _, tc := range []struct {
		path string
		body any
		want int
	}{
		{"/api/v1/me/recommendations/not-a-uuid/dismiss", nil, 404},
		{"/api/v1/me/recommendations/" + uuid.NewString() + "/dismiss", nil, 404},
		{"/api/v1/me/recommendations/" + first + "/dismiss", map[string]any{"reason": "ugly"}, 400},
		{"/api/v1/me/recommendations/" + first + "/dismiss", map[string]any{"why": "style"}, 400},
	} {
		if st := emp.Do("POST", tc.path, tc.body, nil); st != tc.want {
			t.Errorf("POST %s %v = %d, want %d", tc.path, tc.body, st, tc.want)
		}
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
