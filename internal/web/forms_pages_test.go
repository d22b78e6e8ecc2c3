package web_test

import (
	"context"
	"net/http"
	"net/url"
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
	mustContain(t, c.get(path), `value="none" required checked`)

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
