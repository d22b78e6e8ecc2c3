package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/programme"
)

type hrDetail struct {
	ID         string `json:"id"`
	Mode       string `json:"mode"`
	Enrolments []struct {
		ID       string `json:"id"`
		Accepted bool   `json:"accepted"`
		Steps    []struct {
			Key, DueMonth, State string
		} `json:"steps"`
	} `json:"enrolments"`
	Uptake *programme.Uptake `json:"uptake"`
}

func myEnrolments(t *testing.T, c *apptest.Client) []programme.Enrolment {
	t.Helper()
	var out struct{ Items []programme.Enrolment }
	if st := c.Do("GET", "/api/v1/me/programmes", nil, &out); st != http.StatusOK {
		t.Fatalf("my programmes: %d", st)
	}
	return out.Items
}

func stepByKey(t *testing.T, e programme.Enrolment, key string) programme.Step {
	t.Helper()
	for _, s := range e.Steps {
		if s.Key == key {
			return s
		}
	}
	t.Fatalf("no step %s in %+v", key, e.Steps)
	return programme.Step{}
}

func sendDue(t *testing.T, h *apptest.Harness, at time.Time) int {
	t.Helper()
	n, err := h.App.Programmes.SendDue(context.Background(), at)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func progError(t *testing.T, r apptest.Response) (code string, fields map[string]string) {
	t.Helper()
	var e struct {
		Error struct {
			Code   string            `json:"code"`
			Fields map[string]string `json:"fields"`
		} `json:"error"`
	}
	decode(t, r.Body, &e)
	return e.Error.Code, e.Error.Fields
}

// TestNamedProgrammeShowsHROnlyAcceptedHeldStates walks a return-to-work
// enrolment: HR sees "not accepted" until the employee accepts a text
// that says what HR will see; then each step only as held or not held —
// never the booking, the counsellor, the declines or their reasons —
// and nothing again after the employee withdraws. Step invitations come
// at the due date once, declines are re-invited up to the limit.
func TestNamedProgrammeShowsHROnlyAcceptedHeldStates(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 2)
	h, ctx := w.h, context.Background()
	co := "/api/v1/companies/" + w.companyID.String()

	for _, c := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"template": "stress", "mode": "named"}, "template"},
		{map[string]any{"template": "return_to_work", "mode": "both"}, "mode"},
		{map[string]any{"template": "return_to_work", "mode": "open"}, "mode"},
		{map[string]any{"template": "return_to_work", "mode": "named", "department_id": "x"}, "department_id"},
		{map[string]any{"template": "return_to_work", "mode": "named", "colour": "red"}, "colour"},
	} {
		r := post(w.admin, co+"/programmes", c.body)
		if _, f := progError(t, r); r.Status != http.StatusBadRequest || f[c.field] == "" {
			t.Errorf("create %v: %d %s, want 400 naming %s", c.body, r.Status, r.Body, c.field)
		}
	}
	var p programme.Programme
	if st := w.admin.Do("POST", co+"/programmes", map[string]any{"template": "return_to_work", "name": "復職支援 2026", "mode": "named"}, &p); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	today := programme.Today(time.Now())
	anchors := map[string]string{"leave_on": today.AddDate(0, -2, 0).Format(time.DateOnly), "return_on": today.AddDate(0, 0, 5).Format(time.DateOnly)}
	enrol := co + "/programmes/" + p.ID.String() + "/enrolments"
	for _, c := range []struct {
		body   map[string]any
		status int
		field  string
	}{
		{map[string]any{"email": w.emails[0], "anchors": map[string]string{"leave_on": anchors["leave_on"]}}, 400, "anchors.return_on"},
		{map[string]any{"email": w.emails[0], "anchors": map[string]string{"leave_on": "2026-02-30", "return_on": anchors["return_on"]}}, 400, "anchors.leave_on"},
		{map[string]any{"employee_user_id": "nope", "anchors": anchors}, 400, "employee_user_id"},
		{map[string]any{"email": "someone@other.example", "anchors": anchors}, 404, ""},
		{map[string]any{"employee_user_id": uuid.NewString(), "anchors": anchors}, 404, ""},
	} {
		r := post(w.admin, enrol, c.body)
		if _, f := progError(t, r); r.Status != c.status || (c.field != "" && f[c.field] == "") {
			t.Errorf("enrol %v: %d %s, want %d %s", c.body, r.Status, r.Body, c.status, c.field)
		}
	}
	if st := w.admin.Do("POST", enrol, map[string]any{"email": w.emails[0], "anchors": anchors}, nil); st != http.StatusCreated {
		t.Fatalf("enrol: %d", st)
	}
	if r := post(w.admin, enrol, map[string]any{"email": w.emails[0], "anchors": anchors}); r.Status != http.StatusConflict {
		t.Errorf("enrol twice: %d, want 409", r.Status)
	}
	hrView := func() (hrDetail, string) {
		t.Helper()
		r := w.admin.Raw("GET", co+"/programmes/"+p.ID.String(), "", nil)
		if r.Status != http.StatusOK {
			t.Fatalf("detail: %d %s", r.Status, r.Body)
		}
		var d hrDetail
		decode(t, r.Body, &d)
		return d, string(r.Body)
	}
	if d, _ := hrView(); len(d.Enrolments) != 1 || d.Enrolments[0].Accepted || len(d.Enrolments[0].Steps) != 0 {
		t.Fatalf("before acceptance HR sees %+v", d.Enrolments)
	}
	if n := sendDue(t, h, time.Now()); n != 0 {
		t.Errorf("a pending enrolment's steps were invited: %d", n)
	}

	emp := w.employee(0)
	mine := myEnrolments(t, emp)
	if len(mine) != 1 || mine[0].Status != "pending" || !strings.Contains(mine[0].Disclosure, "実施済みか未実施か") {
		t.Fatalf("employee sees %+v", mine)
	}
	if st := stepByKey(t, mine[0], "before_leave").State; st != "closed" {
		t.Errorf("a step whose deadline passed before enrolment is %s, want closed", st)
	}
	e := mine[0]
	if st := emp.Do("POST", "/api/v1/me/enrolments/"+e.ID.String()+"/join", nil, nil); st != http.StatusConflict {
		t.Errorf("join a named enrolment: %d, want 409", st)
	}
	if st := emp.Do("POST", "/api/v1/me/enrolments/"+e.ID.String()+"/accept", nil, nil); st != http.StatusOK {
		t.Fatalf("accept: %d", st)
	}
	if st := emp.Do("POST", "/api/v1/me/enrolments/"+e.ID.String()+"/accept", nil, nil); st != http.StatusConflict {
		t.Errorf("accept twice: %d, want 409", st)
	}
	if st := w.employee(1).Do("POST", "/api/v1/me/enrolments/"+e.ID.String()+"/withdraw", nil, nil); st != http.StatusNotFound {
		t.Errorf("another employee's enrolment: %d, want 404", st)
	}
	var consentText string
	if err := ownerDB(t, h).Get(&consentText, `SELECT consent_text FROM consents WHERE item = 'programme_enrolment' AND subject = $1 AND granted`, e.ID.String()); err != nil {
		t.Fatalf("no consent stored: %v", err)
	}
	if consentText != e.Disclosure {
		t.Errorf("the consent stored %q, the screen said %q", consentText, e.Disclosure)
	}

	// The due step is invited once, however often SendDue runs.
	if n := sendDue(t, h, time.Now()); n != 1 {
		t.Errorf("first run invited %d steps, want 1 (before_return)", n)
	}
	if n := sendDue(t, h, time.Now().Add(time.Hour)); n != 0 {
		t.Errorf("second run invited %d, want 0", n)
	}
	h.DrainOutbox()
	subjects := map[string]int{}
	list, err := mail.ListDevMail(ctx, h.Env.DB, w.emails[0], 20)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		subjects[m.Subject]++
	}
	if subjects["【Taiwa】フォロープログラム「復職支援 2026」へのご案内"] != 1 || subjects["【Taiwa】「復職支援 2026」復職直前の面談のご案内"] != 1 {
		t.Errorf("mails caught: %v", subjects)
	}

	// Book the invited step; complete the session: HR sees "held".
	step := stepByKey(t, myEnrolments(t, emp)[0], "before_return")
	if step.State != "invited" {
		t.Fatalf("before_return is %s", step.State)
	}
	body := bookBody(w.cid, w.slots(t, emp)[0].Start)
	body["programme_step_id"] = step.ID.String()
	var b bookingJSON
	if st := emp.Do("POST", "/api/v1/bookings", body, &b); st != http.StatusCreated {
		t.Fatalf("book the step: %d", st)
	}
	if s := stepByKey(t, myEnrolments(t, emp)[0], "before_return"); s.State != "booked" || s.BookingID.UUID.String() != b.ID {
		t.Fatalf("after booking the step is %+v", s)
	}
	if _, err := ownerDB(t, h).Exec(`UPDATE bookings SET status = 'completed', completed_at = now() WHERE id = $1`, b.ID); err != nil {
		t.Fatal(err)
	}

	// A later step: invited, declined twice with a reason, re-invited, then
	// closed at the limit (return_to_work: 2 re-invitations).
	later := time.Now().AddDate(0, 2, 0)
	if n := sendDue(t, h, later); n != 1 {
		t.Errorf("two months on, %d invited, want 1 (after_1_month)", n)
	}
	after := stepByKey(t, myEnrolments(t, emp)[0], "after_1_month")
	if r := post(emp, "/api/v1/me/programme-steps/"+after.ID.String()+"/decline", map[string]string{"reason": "bored"}); r.Status != http.StatusBadRequest {
		t.Errorf("unknown reason: %d, want 400", r.Status)
	}
	for i := range 3 {
		var s programme.Step
		if st := emp.Do("POST", "/api/v1/me/programme-steps/"+after.ID.String()+"/decline", map[string]string{"reason": "no_time"}, &s); st != http.StatusOK {
			t.Fatalf("decline %d: %d", i+1, st)
		}
		want := "declined"
		if i == 2 {
			want = "closed"
		}
		if s.State != want || s.InviteCount != i+1 {
			t.Fatalf("after decline %d: %s after %d invitations, want %s", i+1, s.State, s.InviteCount, want)
		}
		if i < 2 {
			if n := sendDue(t, h, later); n != 1 {
				t.Fatalf("re-invitation %d: %d sent", i+1, n)
			}
		}
	}
	h.DrainOutbox()
	reinvites := 0
	if list, err = mail.ListDevMail(ctx, h.Env.DB, w.emails[0], 50); err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.Subject == "【Taiwa】「復職支援 2026」復職1か月後の面談のご案内（再送）" {
			reinvites++
		}
	}
	if reinvites != 2 {
		t.Errorf("%d re-invitation mails caught, want 2 (the policy's limit)", reinvites)
	}
	if r := post(emp, "/api/v1/me/programme-steps/"+after.ID.String()+"/decline", map[string]string{}); r.Status != http.StatusConflict {
		t.Errorf("decline a closed step: %d, want 409", r.Status)
	}
	if n := sendDue(t, h, later.AddDate(0, 1, 10)); n != 1 {
		t.Errorf("a month later %d invited, want 1 (after_3_months only; the closed step never again)", n)
	}

	d, raw := hrView()
	if len(d.Enrolments) != 1 || !d.Enrolments[0].Accepted {
		t.Fatalf("after acceptance HR sees %+v", d.Enrolments)
	}
	states := map[string]string{}
	for _, s := range d.Enrolments[0].Steps {
		states[s.Key] = s.State
	}
	if states["before_return"] != "held" || states["after_1_month"] != "not_held" || states["before_leave"] != "not_held" || len(states) != 4 {
		t.Errorf("HR sees steps %v", states)
	}
	for _, secret := range []string{b.ID, w.cid, "declined", "no_time", "invite", "booking", "career", anchors["return_on"]} {
		if strings.Contains(raw, secret) {
			t.Errorf("HR's view holds %q: %s", secret, raw)
		}
	}

	if st := emp.Do("POST", "/api/v1/me/enrolments/"+e.ID.String()+"/withdraw", nil, nil); st != http.StatusOK {
		t.Fatalf("withdraw: %d", st)
	}
	if d, _ := hrView(); d.Enrolments[0].Accepted || len(d.Enrolments[0].Steps) != 0 {
		t.Errorf("after withdrawal HR sees %+v", d.Enrolments[0])
	}
	if n := sendDue(t, h, later.AddDate(0, 6, 0)); n != 0 {
		t.Errorf("a withdrawn enrolment was invited: %d", n)
	}
}

// TestOpenProgrammeHidesWhoJoinedEvenFromTheDatabase invites a group: HR
// sees only suppressed counts, and the database itself shows a company
// admin no enrolment or step of it.
func TestOpenProgrammeHidesWhoJoinedEvenFromTheDatabase(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 12)
	h, ctx := w.h, context.Background()
	co := "/api/v1/companies/" + w.companyID.String()
	var p programme.Programme
	if st := w.admin.Do("POST", co+"/programmes", map[string]any{"template": "high_stress_followup", "mode": "open"}, &p); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	if p.Name != "高ストレス者フォローアップ" {
		t.Errorf("default name %q", p.Name)
	}
	var inv struct{ Invited int }
	if st := w.admin.Do("POST", co+"/programmes/"+p.ID.String()+"/enrolments", map[string]any{}, &inv); st != http.StatusCreated || inv.Invited != 12 {
		t.Fatalf("invite: %d %+v", st, inv)
	}
	if st := w.admin.Do("POST", co+"/programmes/"+p.ID.String()+"/enrolments", map[string]any{}, &inv); st != http.StatusCreated || inv.Invited != 0 {
		t.Errorf("invite again: %d %+v, want nobody new", st, inv)
	}
	for i := range 3 {
		emp := w.employee(i)
		e := myEnrolments(t, emp)[0]
		if st := emp.Do("POST", "/api/v1/me/enrolments/"+e.ID.String()+"/join", nil, nil); st != http.StatusOK {
			t.Fatalf("join: %d", st)
		}
		e = myEnrolments(t, emp)[0]
		if e.Status != "joined" || len(e.Steps) != 3 || e.Steps[0].State != "scheduled" {
			t.Fatalf("after joining: %+v", e)
		}
		if r := post(emp, "/api/v1/me/programme-steps/"+e.Steps[0].ID.String()+"/decline", map[string]any{}); r.Status != http.StatusConflict {
			t.Errorf("decline a step not yet invited: %d, want 409", r.Status)
		}
	}
	var d hrDetail
	if st := w.admin.Do("GET", co+"/programmes/"+p.ID.String(), nil, &d); st != http.StatusOK || d.Uptake == nil {
		t.Fatalf("detail: %d", st)
	}
	if d.Enrolments != nil || d.Uptake.Invited.Value == nil || *d.Uptake.Invited.Value != 12 || !d.Uptake.Joined.Suppressed || d.Uptake.Joined.Value != nil {
		t.Errorf("HR sees %+v", d)
	}
	var rows int
	err := h.Env.DB.InTx(ctx, db.Scope{CompanyID: w.companyID, UserID: uuid.New(), Role: "company_admin"}, func(tx *sqlx.Tx) error {
		var e, s int
		if err := tx.Get(&e, `SELECT count(*) FROM programme_enrolments`); err != nil {
			return err
		}
		if err := tx.Get(&s, `SELECT count(*) FROM programme_steps`); err != nil {
			return err
		}
		rows = e + s
		return nil
	})
	if err != nil || rows != 0 {
		t.Errorf("a company admin's scope reads %d enrolment/step rows of an open programme (%v)", rows, err)
	}
	h.DrainOutbox()
	list, err := mail.ListDevMail(ctx, h.Env.DB, w.emails[11], 5)
	if err != nil || len(list) != 1 || list[0].Subject != "【Taiwa】「高ストレス者フォローアップ」のご案内" {
		t.Errorf("invitation mail: %v %+v", err, list)
	}
	// Other companies' admins get 404.
	other := dbtest.Company(t, h.Env, dbtest.Name("みなと物流"))
	if st := w.admin.Do("GET", "/api/v1/companies/"+other.String()+"/programmes", nil, nil); st != http.StatusNotFound {
		t.Errorf("another company's programmes: %d, want 404", st)
	}
	if st := w.employee(0).Do("GET", co+"/programmes", nil, nil); st != http.StatusForbidden {
		t.Errorf("an employee on HR's list: %d, want 403", st)
	}
}
