package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/record"
)

// insertSession adds a session of the booking world's counsellor with the
// employee at start, in the given state, straight into the table (as the
// passage of time would leave it).
func (w bookingWorld) insertSession(t *testing.T, email string, start time.Time, status string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := w.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&id, `
			INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, starts_at, ends_at, blocked_until, theme, format, status)
			SELECT $1, e.id, c.id, c.user_id, $3, $3::timestamptz + interval '50 minutes', $3::timestamptz + interval '60 minutes', 'career', 'video', $4
			FROM users e, counselors c WHERE e.email = $2 AND c.id = $5 RETURNING id`,
			w.f.CompanyID, email, start, status, w.counselorID)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// sessionRow is the HTML of one session's row in a list page.
func sessionRow(t *testing.T, p page, id uuid.UUID) string {
	t.Helper()
	i := strings.Index(p.Body, `id="session-`+id.String()+`"`)
	if i < 0 {
		t.Fatalf("session %s is not listed:\n%s", id, p.Body)
	}
	j := strings.Index(p.Body[i:], "</li>")
	return p.Body[i : i+j]
}

// TestCounselorSessionActionsFollowTheState: each session in the
// counsellor's list offers only what its state allows now.
func TestCounselorSessionActionsFollowTheState(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	now := time.Now()
	cp := principal(t, h, cEmail, counselorPass)
	actions := []string{"cancel", "join-room", "record-write", "record-view", "complete", "no-show"}
	cases := []struct {
		name   string
		start  time.Time
		status string
		record bool
		want   []string
	}{
		{"booked future", now.Add(50 * time.Hour), "confirmed", false, []string{"cancel"}},
		{"joinable", now.Add(5 * time.Minute), "confirmed", false, []string{"cancel", "join-room"}},
		{"held without record", now.Add(-5 * time.Hour), "completed", false, []string{"record-write"}},
		{"held with record", now.Add(-8 * time.Hour), "completed", true, []string{"record-view"}},
		{"cancelled", now.Add(-30 * time.Hour), "cancelled", false, nil},
		{"no-show", now.Add(-50 * time.Hour), "no_show", false, nil},
	}
	ids := make([]uuid.UUID, len(cases))
	for i, tc := range cases {
		ids[i] = w.insertSession(t, empEmail, tc.start, tc.status)
		if tc.record {
			if _, err := h.App.Records.Save(context.Background(), cp, ids[i], record.Input{Themes: []string{"career"}, RiskLevel: "none"}); err != nil {
				t.Fatal(err)
			}
		}
	}
	c := newBrowser(t, h)
	c.login(cEmail, counselorPass)
	list := c.get("/counselor/sessions")
	if list.Status != http.StatusOK {
		t.Fatalf("sessions: %d", list.Status)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			row := sessionRow(t, list, ids[i])
			for _, a := range actions {
				has := strings.Contains(row, `class="`+a+`"`) || strings.Contains(row, " "+a+`"`) || strings.Contains(row, " "+a+" ")
				want := false
				for _, w := range tc.want {
					want = want || w == a
				}
				if has != want {
					t.Errorf("action %s shown=%v, want %v in:\n%s", a, has, want, row)
				}
			}
		})
	}
	// Both record links lead to the record page; "view" reads the record.
	row := sessionRow(t, list, ids[3])
	mustContain(t, page{Body: row}, `href="/counselor/sessions/`+ids[3].String()+`/record"`, "記録を見る・編集")
	mustContain(t, page{Body: sessionRow(t, list, ids[2])}, "記録を書く")
}

// TestRecordRiskLevelMustBeChosen: the record form preselects no risk
// level, and a form without one is refused with 422 naming the field,
// the entered text kept; the JSON API refuses it too (400 per API.md).
func TestRecordRiskLevelMustBeChosen(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	id := w.insertSession(t, empEmail, time.Now().Add(-3*time.Hour), "completed")
	path := "/counselor/sessions/" + id.String() + "/record"
	c := newBrowser(t, h)
	c.login(cEmail, counselorPass)
	form := c.get(path)
	mustContain(t, form, `id="risk-none"`, "必須")
	mustNotContain(t, form, `checked><span>`)

	tok := c.csrf(path)
	cases := []struct {
		name   string
		form   url.Values
		status int
	}{
		{"no risk chosen", url.Values{"themes": {"career"}, "summary": {"RISK-KEPT-SUMMARY"}}, http.StatusUnprocessableEntity},
		{"blank risk", url.Values{"themes": {"career"}, "risk": {""}, "summary": {"RISK-KEPT-SUMMARY"}}, http.StatusUnprocessableEntity},
		{"unknown risk", url.Values{"themes": {"career"}, "risk": {"extreme"}, "summary": {"RISK-KEPT-SUMMARY"}}, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.form.Set("_csrf", tok)
			p := c.post(path, tc.form)
			if p.Status != tc.status {
				t.Fatalf("status %d, want %d", p.Status, tc.status)
			}
			mustContain(t, p, `id="err-risk_level"`, "リスクレベルを選んでください", "RISK-KEPT-SUMMARY", `value="career" checked`)
		})
	}
	if _, err := h.App.Records.Get(context.Background(), principal(t, h, cEmail, counselorPass), id); err == nil {
		t.Fatal("a record without a risk level was stored")
	}
	ok := c.post(path, url.Values{"_csrf": {tok}, "themes": {"career"}, "risk": {"none"}})
	if ok.Status != http.StatusSeeOther {
		t.Fatalf("save with risk none: %d", ok.Status)
	}
	mustContain(t, c.get(path), `value="none" checked`)

	// The API names the field as well.
	api := h.Login(cEmail, counselorPass)
	r := api.Raw("PUT", "/api/v1/bookings/"+id.String()+"/record", "application/json", strings.NewReader(`{"themes":["career"]}`))
	if r.Status != http.StatusBadRequest || !strings.Contains(string(r.Body), `"risk_level"`) {
		t.Fatalf("API without risk_level: %d %s", r.Status, r.Body)
	}
}

// TestEmployeeSessionListFlagsSessionsToRate: a held session the employee
// has not rated carries "評価待ち" and a link to the rating; once rated,
// or when not held, it does not.
func TestEmployeeSessionListFlagsSessionsToRate(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	now := time.Now()
	toRate := w.insertSession(t, empEmail, now.Add(-3*time.Hour), "completed")
	over := w.insertSession(t, empEmail, now.Add(-6*time.Hour), "confirmed")
	rated := w.insertSession(t, empEmail, now.Add(-30*time.Hour), "completed")
	future := w.insertSession(t, empEmail, now.Add(40*time.Hour), "confirmed")
	cancelled := w.insertSession(t, empEmail, now.Add(-60*time.Hour), "cancelled")
	five, four := 5, 4
	if _, err := h.App.Feedback.Rate(context.Background(), principal(t, h, empEmail, empPass), rated,
		feedback.RatingInput{Satisfaction: &five, Fit: &four, WHO5: []int{3, 3, 3, 3, 3}}); err != nil {
		t.Fatal(err)
	}
	c := newBrowser(t, h)
	c.login(empEmail, empPass)
	list := c.get("/sessions")
	cases := []struct {
		name string
		id   uuid.UUID
		flag bool
	}{
		{"completed, not rated", toRate, true},
		{"confirmed and over, not rated", over, true},
		{"rated", rated, false},
		{"upcoming", future, false},
		{"cancelled", cancelled, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			row := sessionRow(t, list, tc.id)
			link := `href="/sessions/` + tc.id.String() + `/feedback"`
			if got := strings.Contains(row, "評価待ち") && strings.Contains(row, link); got != tc.flag {
				t.Fatalf("flagged %v, want %v:\n%s", got, tc.flag, row)
			}
		})
	}
}

// availabilityForm is a complete editor post: Monday 09:00–12:00 and
// 13:00–17:00, every other day blank, and the rules.
func availabilityPost(tok string) url.Values {
	v := url.Values{"_csrf": {tok}, "timezone": {"Asia/Tokyo"}, "slot_minutes": {"50"}, "buffer_minutes": {"10"},
		"min_notice_minutes": {"60"}, "horizon_days": {"30"}, "max_per_day": {"8"},
		"ovdate_0": {""}, "ovkind_0": {"off"}, "ovstart_0": {""}, "ovend_0": {""}}
	for wd := 1; wd <= 7; wd++ {
		for i := range 3 {
			v.Set(fieldName3("start", wd, i), "")
			v.Set(fieldName3("end", wd, i), "")
		}
	}
	v.Set("start_1_0", "09:00")
	v.Set("end_1_0", "12:00")
	v.Set("start_1_1", "13:00")
	v.Set("end_1_1", "17:00")
	return v
}

func fieldName3(part string, wd, i int) string {
	return part + "_" + string(rune('0'+wd)) + "_" + string(rune('0'+i))
}

// TestAvailabilityCopyAndAddRowWithoutJavaScript: with no script the
// editor's buttons are plain form posts: "+ 時間帯を追加" answers the whole
// editor with one more row, and copying Monday's ranges to chosen days
// fills them in one post; neither saves until 保存する.
func TestAvailabilityCopyAndAddRowWithoutJavaScript(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	newBookingWorld(t, h, allDay())
	cn := newBrowser(t, h)
	cn.login(cEmail, counselorPass)
	tok := cn.csrf("/counselor/availability")
	cases := []struct {
		name      string
		op        string
		to        []string
		want      []string
		unwanted  []string
		savedDays int // weekdays with ranges after saving what came back
	}{
		{"add a row to Wednesday", "add:3", nil, []string{`name="start_3_3"`, `id="start_3_3" name="start_3_3" value="" step="300"`}, []string{`name="start_3_4"`}, 1},
		{"copy Monday to Tuesday and Thursday", "copy", []string{"2", "4"},
			[]string{`id="start_2_0" name="start_2_0" value="09:00"`, `id="end_4_1" name="end_4_1" value="17:00"`, "月曜日の時間帯をコピーしました"},
			[]string{`id="start_3_0" name="start_3_0" value="09:00"`}, 3},
		{"copy with no day chosen", "copy", nil, []string{"コピー先の曜日を選んでください"}, []string{`id="start_2_0" name="start_2_0" value="09:00"`}, 1},
		{"copy onto itself is ignored", "copy", []string{"1"}, []string{"コピー先の曜日を選んでください", `id="start_1_0" name="start_1_0" value="09:00"`}, nil, 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			form := availabilityPost(tok)
			form.Set("op", tc.op)
			form.Set("copy_from", "1")
			form["copy_to"] = tc.to
			p := cn.post("/counselor/availability", form)
			if p.Status != http.StatusOK {
				t.Fatalf("%s: %d", tc.op, p.Status)
			}
			mustContain(t, p, tc.want...)
			mustNotContain(t, p, tc.unwanted...)
			if a, _ := h.App.Bookings.GetAvailability(context.Background(), principal(t, h, cEmail, counselorPass)); len(a.Weekly) != 7 {
				t.Fatalf("the edit saved the schedule: %+v", a.Weekly)
			}
			// Saving the returned editor keeps what the edit did.
			saved := formOf(t, p)
			saved.Set("op", "save")
			if r := cn.post("/counselor/availability", saved); r.Status != http.StatusSeeOther {
				t.Fatalf("save: %d\n%s", r.Status, r.Body)
			}
			a, err := h.App.Bookings.GetAvailability(context.Background(), principal(t, h, cEmail, counselorPass))
			if err != nil {
				t.Fatal(err)
			}
			days := map[int]bool{}
			for _, r := range a.Weekly {
				days[r.Weekday] = true
			}
			if len(days) != tc.savedDays || len(a.Weekly) != 2*tc.savedDays {
				t.Fatalf("saved %+v, want Monday's two ranges on %d days", a.Weekly, tc.savedDays)
			}
			if _, err := h.App.Bookings.SetAvailability(context.Background(), principal(t, h, cEmail, counselorPass), allDay()); err != nil {
				t.Fatal(err)
			}
		})
	}
}

var inputValue = regexp.MustCompile(`<(?:input|select)[^>]*\bname="([a-z_0-9]+)"[^>]*>`)
var valueAttr = regexp.MustCompile(`\bvalue="([^"]*)"`)
var selectedOption = regexp.MustCompile(`<option value="([^"]*)" selected>`)

// formOf reads the editor's inputs back from a page, as a browser posts
// them: text, time, number and date inputs with their value, each select
// with its selected option; check boxes are left unchecked.
func formOf(t *testing.T, p page) url.Values {
	t.Helper()
	v := url.Values{}
	for _, m := range inputValue.FindAllStringSubmatch(p.Body, -1) {
		tag, name := m[0], m[1]
		switch {
		case strings.Contains(tag, `type="checkbox"`), name == "op":
			continue
		case strings.HasPrefix(tag, "<select"):
			i := strings.Index(p.Body, tag)
			end := strings.Index(p.Body[i:], "</select>")
			if s := selectedOption.FindStringSubmatch(p.Body[i : i+end]); s != nil {
				v.Set(name, s[1])
			}
		default:
			val := ""
			if s := valueAttr.FindStringSubmatch(tag); s != nil {
				val = html.UnescapeString(s[1])
			}
			v.Set(name, val)
		}
	}
	if v.Get("_csrf") == "" {
		t.Fatal("no CSRF field in the page")
	}
	return v
}

var previewSlot = regexp.MustCompile(`<time class="preview-slot" datetime="([^"]+)">`)

// TestAvailabilityPreviewMatchesTheRealSlots: the editor's preview of a
// draft schedule is what employees are offered once it is saved — the
// booking pages' own slots, the counsellor's booked session left out —
// and a draft the domain would refuse is a 422 naming the field.
func TestAvailabilityPreviewMatchesTheRealSlots(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	booked := w.book(t, empEmail, 26*time.Hour)
	cn := newBrowser(t, h)
	cn.login(cEmail, counselorPass)
	tok := cn.csrf("/counselor/availability")

	draft := availabilityPost(tok)
	for wd := 2; wd <= 7; wd++ { // every day 08:00–20:00, Monday as above
		draft.Set(fieldName3("start", wd, 0), "08:00")
		draft.Set(fieldName3("end", wd, 0), "20:00")
	}
	before := time.Now()
	p := cn.post("/counselor/availability/preview", draft, "HX-Request", "true")
	if p.Status != http.StatusOK {
		t.Fatalf("preview: %d\n%s", p.Status, p.Body)
	}
	mustNotContain(t, p, "<html")
	shown := map[string]bool{}
	for _, m := range previewSlot.FindAllStringSubmatch(p.Body, -1) {
		shown[m[1]] = true
	}
	if len(shown) == 0 {
		t.Fatalf("the preview shows no slots:\n%s", p.Body)
	}

	// Save the same draft; the employees' slots over the same window are
	// the preview's (the edges, which move with the clock, left aside).
	draft.Set("op", "save")
	if r := cn.post("/counselor/availability", draft); r.Status != http.StatusSeeOther {
		t.Fatalf("save: %d", r.Status)
	}
	after := time.Now()
	lo, hi := after.Add(61*time.Minute), before.Add(7*24*time.Hour-time.Minute)
	real, err := h.App.Bookings.Slots(context.Background(), principal(t, h, empEmail, empPass), w.counselorID, before, before.Add(8*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	want := 0
	for _, s := range real {
		if s.Start.Before(lo) || s.Start.After(hi) {
			continue
		}
		want++
		if !shown[s.Start.Format(time.RFC3339)] {
			t.Errorf("slot %s is offered but not previewed", s.Start)
		}
	}
	for at := range shown {
		ts, _ := time.Parse(time.RFC3339, at)
		if ts.Before(lo) || ts.After(hi) {
			continue
		}
		found := false
		for _, s := range real {
			found = found || s.Start.Equal(ts)
		}
		if !found {
			t.Errorf("slot %s is previewed but not offered", at)
		}
	}
	if want == 0 {
		t.Fatal("no slots to compare")
	}
	if shown[booked.Start.UTC().Format(time.RFC3339)] {
		t.Errorf("the booked session's slot %s is previewed as free", booked.Start)
	}

	// Drafts the domain would refuse: 422 naming the input.
	cases := []struct {
		name, field, value, named string
	}{
		{"time not a time", "start_1_0", "25:00", `data-field="start_1_0"`},
		{"end before start", "end_1_1", "12:30", `data-field="end_1_1"`},
		{"slot too short", "slot_minutes", "5", `data-field="slot_minutes"`},
		{"unknown zone", "timezone", "Mars/Olympus", `data-field="timezone"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bad := availabilityPost(tok)
			bad.Set(tc.field, tc.value)
			r := cn.post("/counselor/availability/preview", bad, "HX-Request", "true")
			if r.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", r.Status)
			}
			mustContain(t, r, tc.named, "次の項目を直すと")
		})
	}
}

// TestRatingFormRefusesMissingAnswersKeepingTheRest: without script the
// rating is a plain post; an answer left out is named beside its
// question (400) and every answer given stays chosen.
func TestRatingFormRefusesMissingAnswersKeepingTheRest(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	id := w.insertSession(t, empEmail, time.Now().Add(-3*time.Hour), "completed")
	path := "/sessions/" + id.String() + "/feedback"
	c := newBrowser(t, h)
	c.login(empEmail, empPass)
	form := c.get(path)
	mustContain(t, form, `id="rating-form"`, `id="satisfaction-ends"`, `aria-describedby="satisfaction-ends"`)
	mustNotContain(t, form, `checked><span>`)
	tok := c.csrf(path)
	full := url.Values{"satisfaction": {"4"}, "fit": {"5"}, "who5_0": {"1"}, "who5_1": {"2"}, "who5_2": {"3"}, "who5_3": {"4"}, "who5_4": {"5"}, "comment": {"RATING-KEPT-COMMENT"}}
	cases := []struct {
		name, drop, field string
	}{
		{"no satisfaction", "satisfaction", "satisfaction"},
		{"no fit", "fit", "fit"},
		{"a WHO-5 item unanswered", "who5_3", "who5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := url.Values{"_csrf": {tok}}
			for k, v := range full {
				if k != tc.drop {
					f[k] = v
				}
			}
			p := c.post(path, f)
			if p.Status != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", p.Status)
			}
			mustContain(t, p, `id="err-`+tc.field+`"`, "RATING-KEPT-COMMENT")
			for k, v := range f {
				if k == "_csrf" || k == "comment" {
					continue
				}
				idv := strings.Replace(k, "_", "-", 1) + "-" + v[0]
				mustContain(t, p, `id="`+idv+`" required checked`)
			}
		})
	}
	f := url.Values{"_csrf": {tok}}
	for k, v := range full {
		f[k] = v
	}
	if p := c.post(path, f); p.Status != http.StatusSeeOther {
		t.Fatalf("complete rating: %d", p.Status)
	}
	mustContain(t, c.get(path), `id="rating-given"`)
}
