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
	"github.com/taiwa/taiwa/internal/programme"
)

// TestProgrammeStepBookedFromThePagesIsOneUnitOfWork books an invited
// programme step through the confirm form (the step rides in its hidden
// field). With the link made to fail by a constraint added to the test's
// database, nothing is booked and the step stays invited; the same form
// then books and links both. A step that cannot take a booking any more,
// another employee's step and a malformed step are refused, and nothing
// is booked for them.
func TestProgrammeStepBookedFromThePagesIsOneUnitOfWork(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	ctx := context.Background()
	svc := h.App.Programmes
	hr := principal(t, h, w.f.AdminEmail, w.f.AdminPass)
	p, err := svc.Create(ctx, hr, w.f.CompanyID, programme.NewProgramme{Template: "return_to_work", Name: "復職支援", Mode: programme.ModeNamed})
	if err != nil {
		t.Fatal(err)
	}
	today := programme.Today(time.Now())
	if _, err := svc.Enrol(ctx, hr, w.f.CompanyID, p.ID, programme.NewEnrolment{Email: empEmail, Anchors: map[string]string{
		"leave_on": today.AddDate(0, -2, 0).Format(time.DateOnly), "return_on": today.AddDate(0, 0, 5).Format(time.DateOnly)}}); err != nil {
		t.Fatal(err)
	}
	me := principal(t, h, empEmail, empPass)
	mine, err := svc.Mine(ctx, me)
	if err != nil || len(mine) != 1 {
		t.Fatalf("mine: %+v %v", mine, err)
	}
	if _, err := svc.Answer(ctx, me, mine[0].ID, programme.ActionAccept); err != nil {
		t.Fatal(err)
	}
	if n, err := svc.SendDue(ctx, time.Now()); err != nil || n != 1 {
		t.Fatalf("send due: %d %v", n, err)
	}
	owner, err := sqlx.Open("postgres", h.Env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { owner.Close() })
	var step uuid.UUID
	if err := owner.Get(&step, `SELECT id FROM programme_steps WHERE employee_user_id = $1 AND step_key = 'before_return' AND state = 'invited'`, me.UserID); err != nil {
		t.Fatalf("no invited step: %v", err)
	}
	stepRow := func() (state string, bookingID uuid.NullUUID) {
		t.Helper()
		if err := owner.QueryRow(`SELECT state, booking_id FROM programme_steps WHERE id = $1`, step).Scan(&state, &bookingID); err != nil {
			t.Fatal(err)
		}
		return state, bookingID
	}
	bookings := func() int {
		t.Helper()
		var n int
		if err := owner.Get(&n, `SELECT count(*) FROM bookings WHERE company_id = $1`, w.f.CompanyID); err != nil {
			t.Fatal(err)
		}
		return n
	}

	emp := newBrowser(t, h)
	emp.login(empEmail, empPass)
	links := slotLink.FindAllStringSubmatch(emp.get("/counselors/"+w.counselorID.String()).Body, -1)
	if len(links) < 4 {
		t.Fatalf("%d slot links", len(links))
	}
	confirm := emp.get(strings.ReplaceAll(links[1][1], "&amp;", "&") + "&step=" + step.String())
	mustContain(t, confirm, `name="step" value="`+step.String()+`"`)
	path := "/counselors/" + w.counselorID.String() + "/book"
	form := url.Values{"_csrf": {csrfField.FindStringSubmatch(confirm.Body)[1]}, "start": {startAttr.FindStringSubmatch(confirm.Body)[1]},
		"theme": {"career"}, "format": {"video"}, "idempotency_key": {idemField.FindStringSubmatch(confirm.Body)[1]}, "step": {step.String()}}

	if _, err := owner.Exec(`ALTER TABLE programme_steps ADD CONSTRAINT test_link_refused CHECK (state <> 'booked') NOT VALID`); err != nil {
		t.Fatal(err)
	}
	if r := emp.post(path, form); r.Status != http.StatusBadRequest {
		t.Fatalf("book with the link refused: %d %s", r.Status, r.location())
	}
	if n := bookings(); n != 0 {
		t.Errorf("a refused link left %d bookings", n)
	}
	if state, b := stepRow(); state != programme.StepInvited || b.Valid {
		t.Errorf("after the refused link the step is %s with %v", state, b)
	}
	if _, err := owner.Exec(`ALTER TABLE programme_steps DROP CONSTRAINT test_link_refused`); err != nil {
		t.Fatal(err)
	}
	r := emp.post(path, form)
	if r.Status != http.StatusSeeOther || !strings.HasPrefix(r.location(), "/sessions/") {
		t.Fatalf("book the step: %d %s", r.Status, r.location())
	}
	if state, b := stepRow(); state != programme.StepBooked || "/sessions/"+b.UUID.String() != r.location() {
		t.Errorf("after booking the step is %s with %v, the session is %s", state, b, r.location())
	}

	other := newBrowser(t, h)
	other.login(emp2Email, empPass)
	later := startAttr.FindStringSubmatch(emp.get(strings.ReplaceAll(links[3][1], "&amp;", "&")).Body)[1]
	tokens := map[*browser]string{emp: emp.csrf("/sessions"), other: other.csrf("/sessions")}
	for _, c := range []struct {
		name     string
		b        *browser
		step     string
		status   int
		location string
	}{
		{"a malformed step", emp, "step-1", http.StatusBadRequest, ""},
		{"another employee's step", other, step.String(), http.StatusNotFound, ""},
		{"a booked step", emp, step.String(), http.StatusSeeOther, "/programmes"}, // last: its flash is read below
	} {
		f := url.Values{"_csrf": {tokens[c.b]}, "start": {later}, "theme": {"career"}, "format": {"video"},
			"idempotency_key": {uuid.NewString()}, "step": {c.step}}
		r := c.b.post(path, f)
		if r.Status != c.status || r.location() != c.location {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.location(), c.status, c.location)
		}
		if n := bookings(); n != 1 {
			t.Errorf("%s: %d bookings, want the step's 1", c.name, n)
		}
	}
	mustContain(t, emp.get("/programmes"), "この操作は現在の状態ではできません。")
}
