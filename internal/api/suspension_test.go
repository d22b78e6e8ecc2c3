package api_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

// noRedirect is a client that shows redirects instead of following them.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// reply is what one request got: status and where a redirect points.
type reply struct {
	Status   int
	Location string
}

// ask sends method path to the harness with a bearer token (API) or the
// web session cookie holding the same token (UI); token "" is anonymous.
func ask(t *testing.T, h *apptest.Harness, method, path, token string) reply {
	t.Helper()
	req, err := http.NewRequest(method, h.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		if strings.HasPrefix(path, "/api/") {
			req.Header.Set("Authorization", "Bearer "+token)
		} else {
			req.AddCookie(&http.Cookie{Name: "taiwa_session", Value: token})
		}
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return reply{Status: resp.StatusCode, Location: resp.Header.Get("Location")}
}

func TestSuspendedCounsellorLosesAllAccessAndTheirUpcomingSessionsAreCancelledUnbilled(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 2)
	h := w.h
	op := h.Operator()
	// A held session with a record and private notes, and two upcoming ones.
	held := w.session(t, 0, time.Now().Add(-2*time.Hour), "confirmed")
	body := map[string]any{"themes": []string{"career"}, "risk_level": "none", "private_notes": "相談者の個人的な事情"}
	if r := put(w.counselor, "/api/v1/bookings/"+held+"/record", body); r.Status != 200 {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	slots := w.slots(t, w.employee(0))
	var upcoming []bookingJSON
	for i, sl := range []slotJSON{slots[3], slots[6]} {
		var b bookingJSON
		r := post(w.employee(i), "/api/v1/bookings", bookBody(w.cid, sl.Start), "Idempotency-Key", "k"+sl.Start.String())
		decode(t, r.Body, &b)
		if r.Status != 201 {
			t.Fatalf("book: %d %s", r.Status, r.Body)
		}
		upcoming = append(upcoming, b)
	}
	h.DrainOutbox()
	if st := w.counselor.Do("GET", "/api/v1/bookings/"+held+"/record", nil, nil); st != 200 {
		t.Fatalf("before suspension the counsellor reads the record: %d", st)
	}
	token := w.counselor.Token

	if st := op.Do("POST", "/api/v1/counselors/"+w.cid+"/suspend", map[string]any{"reason": "苦情の調査中"}, nil); st != 200 {
		t.Fatalf("suspend: %d", st)
	}

	// Every route of the app answers the old token exactly as it answers
	// nobody at all: 401 on the API, the sign-in page on the web.
	ids := map[string]string{":id": held, ":cid": w.companyID.String(), ":credential_id": held}
	asked := 0
	for _, rt := range h.App.Echo.Routes() {
		path := rt.Path
		if strings.Contains(path, "*") || rt.Method == "OPTIONS" || rt.Method == "HEAD" || rt.Method == "TRACE" || rt.Method == "CONNECT" || rt.Method == echoAny {
			continue
		}
		for k, v := range ids {
			path = strings.ReplaceAll(path, k, v)
		}
		if strings.Contains(path, ":") {
			path = replaceParams(path, held)
		}
		got, anon := ask(t, h, rt.Method, path, token), ask(t, h, rt.Method, path, "")
		if got != anon {
			t.Errorf("%s %s: the suspended counsellor's token got %+v, nobody gets %+v", rt.Method, path, got, anon)
		}
		asked++
	}
	if asked < 100 {
		t.Fatalf("only %d routes tried", asked)
	}
	// The counsellor's own routes, named: no access.
	for _, p := range []string{"/api/v1/bookings/" + held + "/record", "/api/v1/me/bookings", "/api/v1/me/availability", "/api/v1/me/profile", "/api/v1/me/credentials", "/api/v1/me"} {
		if a := ask(t, h, "GET", p, token); a.Status != http.StatusUnauthorized {
			t.Errorf("GET %s: %d, want 401", p, a.Status)
		}
	}
	if a := ask(t, h, "PUT", "/api/v1/bookings/"+held+"/record", token); a.Status != http.StatusUnauthorized {
		t.Errorf("record save: %d, want 401", a.Status)
	}
	for _, p := range []string{"/counselor", "/counselor/sessions", "/counselor/profile", "/counselor/availability", "/counselor/credentials", "/counselor/sessions/" + held + "/record"} {
		if a := ask(t, h, "GET", p, token); a.Status != http.StatusSeeOther && a.Status != http.StatusFound || !strings.HasPrefix(a.Location, "/login") {
			t.Errorf("web GET %s: %+v, want a redirect to sign-in", p, a)
		}
	}
	login := map[string]string{"email": "counselor001@taiwa.example", "password": "employee-pass-2026"}
	if st := h.Anonymous().Do("POST", "/api/v1/auth/login", login, nil); st != http.StatusUnauthorized {
		t.Fatalf("a suspended counsellor signed in: %d", st)
	}

	// The upcoming sessions are the counsellor's cancellations: never late,
	// never billable; the held one is untouched.
	for _, b := range upcoming {
		var status, by string
		if err := ownerDB(t, h).QueryRow(`SELECT status, cancelled_by FROM bookings WHERE id = $1`, b.ID).Scan(&status, &by); err != nil {
			t.Fatal(err)
		}
		if status != "cancelled" || by != "counselor" {
			t.Errorf("upcoming booking: %s by %s, want cancelled by counselor", status, by)
		}
	}
	var billable int
	if err := ownerDB(t, h).Get(&billable, `SELECT count(*) FROM bookings WHERE counselor_id = $1 AND status IN ('completed', 'late_cancelled', 'no_show')`, w.cid); err != nil {
		t.Fatal(err)
	}
	if billable != 1 {
		t.Fatalf("%d billable bookings, want only the held one", billable)
	}

	// Each employee is told, with a link to choose another counsellor; the
	// suspended counsellor gets nothing.
	h.DrainOutbox()
	for i := range 2 {
		list, err := mail.ListDevMail(context.Background(), h.Env.DB, w.emails[i], 20)
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, m := range list {
			full, err := mail.GetDevMail(context.Background(), h.Env.DB, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(full.Subject, "キャンセル") && strings.Contains(full.Text, h.URL+"/counselors\n") && !strings.Contains(full.Text, "苦情") {
				found = true
			}
		}
		if !found {
			t.Errorf("employee %d got no cancellation mail offering another counsellor", i)
		}
	}
	counsellorMail, err := mail.ListDevMail(context.Background(), h.Env.DB, "counselor001@taiwa.example", 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range counsellorMail {
		if strings.Contains(m.Subject, "キャンセル") {
			t.Errorf("the suspended counsellor was mailed a cancellation: %s", m.Subject)
		}
	}
	var audited int
	if err := ownerDB(t, h).Get(&audited, `SELECT count(*) FROM audit_log WHERE action = 'user.disable' AND details->>'via' = 'suspension'`); err != nil || audited != 1 {
		t.Fatalf("%d suspension disables audited (%v), want 1", audited, err)
	}

	// Reinstating lets the counsellor sign in afresh; the old token stays dead.
	if st := op.Do("POST", "/api/v1/counselors/"+w.cid+"/reinstate", nil, nil); st != 200 {
		t.Fatalf("reinstate: %d", st)
	}
	if a := ask(t, h, "GET", "/api/v1/me", token); a.Status != http.StatusUnauthorized {
		t.Fatalf("reinstating resurrected the old token: %d", a.Status)
	}
	if st := h.Login("counselor001@taiwa.example", "employee-pass-2026").Do("GET", "/api/v1/me/bookings", nil, nil); st != 200 {
		t.Fatalf("reinstated counsellor: %d", st)
	}
}

func TestAListedCounsellorIsSuspendedNotDisabledAndReinstatedNotEnabled(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 0)
	op := w.h.Operator()
	var uid string
	if err := ownerDB(t, w.h).Get(&uid, `SELECT user_id FROM counselors WHERE id = $1`, w.cid); err != nil {
		t.Fatal(err)
	}
	wantAPIError(t, "disable a listed counsellor", post(op, "/api/v1/users/"+uid+"/disable", nil), http.StatusUnprocessableEntity, "counselor_listed")
	if st := w.counselor.Do("GET", "/api/v1/me/bookings", nil, nil); st != 200 {
		t.Fatalf("a refused disable still ended the counsellor's session: %d", st)
	}
	if st := op.Do("POST", "/api/v1/counselors/"+w.cid+"/suspend", map[string]any{"reason": "調査"}, nil); st != 200 {
		t.Fatalf("suspend: %d", st)
	}
	wantAPIError(t, "enable a suspended counsellor", post(op, "/api/v1/users/"+uid+"/enable", nil), http.StatusUnprocessableEntity, "counselor_suspended")
}

const echoAny = "echo_route_any"

// replaceParams fills any path parameter left with id.
func replaceParams(path, id string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, ":") {
			parts[i] = id
		}
	}
	return strings.Join(parts, "/")
}
