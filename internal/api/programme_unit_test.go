package api_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/programme"
)

// invitedStep enrols employee 0 of w in a return-to-work programme,
// accepts it and sends the due invitation: the before_return step is then
// invited and bookable.
func invitedStep(t *testing.T, w *bookingWorld) programme.Step {
	t.Helper()
	co := "/api/v1/companies/" + w.companyID.String()
	var p programme.Programme
	if st := w.admin.Do("POST", co+"/programmes", map[string]any{"template": "return_to_work", "name": "復職支援", "mode": "named"}, &p); st != http.StatusCreated {
		t.Fatalf("create: %d", st)
	}
	today := programme.Today(time.Now())
	anchors := map[string]string{"leave_on": today.AddDate(0, -2, 0).Format(time.DateOnly), "return_on": today.AddDate(0, 0, 5).Format(time.DateOnly)}
	if st := w.admin.Do("POST", co+"/programmes/"+p.ID.String()+"/enrolments", map[string]any{"email": w.emails[0], "anchors": anchors}, nil); st != http.StatusCreated {
		t.Fatalf("enrol: %d", st)
	}
	emp := w.employee(0)
	e := myEnrolments(t, emp)[0]
	if st := emp.Do("POST", "/api/v1/me/enrolments/"+e.ID.String()+"/accept", nil, nil); st != http.StatusOK {
		t.Fatalf("accept: %d", st)
	}
	if n := sendDue(t, w.h, time.Now()); n != 1 {
		t.Fatalf("%d steps invited, want 1", n)
	}
	step := stepByKey(t, myEnrolments(t, emp)[0], "before_return")
	if step.State != programme.StepInvited {
		t.Fatalf("before_return is %s", step.State)
	}
	return step
}

// TestProgrammeStepBookingIsOneUnitOfWork books a programme step with the
// link made to fail by a constraint (added to the test's own database)
// between the booking and the step's update: nothing is left behind — no
// booking, no notification in the outbox, no session counted against the
// plan, the step still invited — and the same Idempotency-Key then books
// and links both. A step that cannot take a booking refuses the booking
// itself, and a replay answers the first booking.
func TestProgrammeStepBookingIsOneUnitOfWork(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 2)
	step := invitedStep(t, w)
	emp := w.employee(0)
	owner := ownerDB(t, w.h)
	slots := w.slots(t, emp)

	type tally struct{ bookings, outbox, used int }
	count := func() tally {
		t.Helper()
		var n tally
		if err := owner.Get(&n.bookings, `SELECT count(*) FROM bookings WHERE company_id = $1`, w.companyID); err != nil {
			t.Fatal(err)
		}
		if err := owner.Get(&n.outbox, `SELECT count(*) FROM outbox`); err != nil {
			t.Fatal(err)
		}
		if err := owner.Get(&n.used, `SELECT coalesce(sum(sessions_used), 0) FROM contracts WHERE company_id = $1`, w.companyID); err != nil {
			t.Fatal(err)
		}
		return n
	}
	stepRow := func() (state string, bookingID uuid.NullUUID) {
		t.Helper()
		if err := owner.QueryRow(`SELECT state, booking_id FROM programme_steps WHERE id = $1`, step.ID).Scan(&state, &bookingID); err != nil {
			t.Fatal(err)
		}
		return state, bookingID
	}

	before := count()
	if _, err := owner.Exec(`ALTER TABLE programme_steps ADD CONSTRAINT test_link_refused CHECK (state <> 'booked') NOT VALID`); err != nil {
		t.Fatal(err)
	}
	body := bookBody(w.cid, slots[0].Start)
	body["programme_step_id"] = step.ID.String()
	const key = "step-unit-1"
	if r := post(emp, "/api/v1/bookings", body, "Idempotency-Key", key); r.Status != http.StatusBadRequest {
		t.Fatalf("book with the link refused: %d %s, want the constraint's 400", r.Status, r.Body)
	}
	if after := count(); after != before {
		t.Errorf("a refused link left %+v behind, before %+v", after, before)
	}
	if state, b := stepRow(); state != programme.StepInvited || b.Valid {
		t.Errorf("after the refused link the step is %s with booking %v", state, b)
	}

	if _, err := owner.Exec(`ALTER TABLE programme_steps DROP CONSTRAINT test_link_refused`); err != nil {
		t.Fatal(err)
	}
	var b bookingJSON
	r := post(emp, "/api/v1/bookings", body, "Idempotency-Key", key)
	if r.Status != http.StatusCreated {
		t.Fatalf("book again with the same key: %d %s", r.Status, r.Body)
	}
	decode(t, r.Body, &b)
	if state, linked := stepRow(); state != programme.StepBooked || linked.UUID.String() != b.ID {
		t.Errorf("after booking the step is %s with booking %v, want booked with %s", state, linked, b.ID)
	}
	booked := count()
	if booked.bookings != before.bookings+1 || booked.used != before.used+1 || booked.outbox <= before.outbox {
		t.Errorf("after booking %+v, before %+v", booked, before)
	}

	// The replay answers the first booking and writes nothing.
	var replay bookingJSON
	r = post(emp, "/api/v1/bookings", body, "Idempotency-Key", key)
	if r.Status != http.StatusCreated {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}
	if decode(t, r.Body, &replay); replay.ID != b.ID || count() != booked {
		t.Errorf("replay answered %s (first %s), tally %+v (was %+v)", replay.ID, b.ID, count(), booked)
	}

	// A booked step, another employee's step, a step that does not exist:
	// the booking is refused and nothing is written.
	for _, c := range []struct {
		name   string
		who    int
		step   string
		status int
		code   string
	}{
		{"booked step", 0, step.ID.String(), http.StatusConflict, "step_not_bookable"},
		{"another employee's step", 1, step.ID.String(), http.StatusNotFound, "not_found"},
		{"no such step", 0, uuid.NewString(), http.StatusNotFound, "not_found"},
	} {
		body := bookBody(w.cid, slots[2].Start)
		body["programme_step_id"] = c.step
		r := post(w.employee(c.who), "/api/v1/bookings", body)
		if code, _ := progError(t, r); r.Status != c.status || code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.code)
		}
		if n := count(); n != booked {
			t.Errorf("%s: the refusal wrote %+v (was %+v)", c.name, n, booked)
		}
	}
	if state, linked := stepRow(); state != programme.StepBooked || linked.UUID.String() != b.ID {
		t.Errorf("at the end the step is %s with booking %v", state, linked)
	}
}
