package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/db"
)

var roomWS = regexp.MustCompile(`data-ws="(/meet/[0-9a-f-]+/ws\?token=[^"]+)"`)

// moveSession puts a booking's session at start (50 minutes long) by SQL,
// so its room is open (or not) on the wall clock the server runs on.
func moveSession(t *testing.T, h *apptest.Harness, id uuid.UUID, start time.Time) {
	t.Helper()
	err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`UPDATE bookings SET starts_at = $2, ends_at = $3, blocked_until = $4 WHERE id = $1`,
			id, start, start.Add(50*time.Minute), start.Add(60*time.Minute))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// roomSocketPath is the signalling address the room page gives its script.
func roomSocketPath(t testing.TB, p page) string {
	t.Helper()
	m := roomWS.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no room socket in the page (%d):\n%s", p.Status, p.Body)
	}
	return strings.ReplaceAll(m[1], "&amp;", "&")
}

// dialRoom opens the room's WebSocket as b's signed-in user.
func dialRoom(ctx context.Context, b *browser, path string) (*websocket.Conn, int, error) {
	u := "ws" + strings.TrimPrefix(b.h.URL, "http") + path
	c, resp, err := websocket.Dial(ctx, u, &websocket.DialOptions{HTTPClient: b.c, HTTPHeader: http.Header{"Origin": {b.h.URL}}})
	status := 0
	if resp != nil {
		status = resp.StatusCode
	}
	return c, status, err
}

func readSignal(t testing.TB, ctx context.Context, c *websocket.Conn) map[string]any {
	t.Helper()
	_, data, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read signal: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestRoomIsOnlyForTheBookingsTwoParties: the employee and the counsellor
// get the room and its socket; the company admin, another employee and
// another counsellor get 404 for both; a token of another booking is
// refused; the socket relays an offer from one party to the other.
func TestRoomIsOnlyForTheBookingsTwoParties(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	cs := newCounselors(t, h, w.f.op)
	cs.listed("other@c.example", profile{Name: "別の 先生", Kana: "べつの せんせい", Bio: "別のカウンセラーです。", Kind: "career_consultant",
		Years: 3, Themes: []string{"career"}, Languages: []string{"ja"}, Formats: []string{"video"}, Industries: []string{"it"}})
	b1 := w.book(t, empEmail, 0)
	b2 := w.book(t, emp2Email, 0)
	now := time.Now()
	moveSession(t, h, b1.ID, now.Add(-time.Minute))
	moveSession(t, h, b2.ID, now.Add(3*time.Hour))

	emp := newBrowser(t, h)
	emp.login(empEmail, empPass)
	cn := newBrowser(t, h)
	cn.login(cEmail, counselorPass)
	pe := emp.get("/meet/" + b1.ID.String())
	mustContain(t, pe, `id="room"`, `data-party="employee"`, "録画・録音されません")
	if csp := pe.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "connect-src 'self' ws://") || !strings.Contains(csp, "script-src 'self';") {
		t.Fatalf("room CSP %q", csp)
	}
	if csp := emp.get("/sessions").Header.Get("Content-Security-Policy"); strings.Contains(csp, "ws:") || strings.Contains(csp, "media-src") {
		t.Fatalf("another page's CSP was loosened: %q", csp)
	}
	pc := cn.get("/meet/" + b1.ID.String())
	mustContain(t, pc, `data-party="counselor"`)
	empWS, cnWS := roomSocketPath(t, pe), roomSocketPath(t, pc)

	outsiders := map[string]*browser{}
	for name, cred := range map[string][2]string{
		"admin": {w.f.AdminEmail, adminPass}, "other employee": {emp2Email, empPass}, "other counsellor": {"other@c.example", counselorPass},
	} {
		b := newBrowser(t, h)
		b.login(cred[0], cred[1])
		outsiders[name] = b
	}
	ctx := t.Context()
	for name, b := range outsiders {
		if p := b.get("/meet/" + b1.ID.String()); p.Status != http.StatusNotFound {
			t.Errorf("%s: room page %d, want 404", name, p.Status)
		}
		for _, path := range []string{empWS, cnWS} {
			if _, st, err := dialRoom(ctx, b, path); err == nil || st != http.StatusNotFound {
				t.Errorf("%s: socket %d %v, want 404", name, st, err)
			}
		}
	}

	// A token of another booking (b2 while it was open) is refused on b1.
	moveSession(t, h, b1.ID, now.Add(5*time.Hour))
	moveSession(t, h, b2.ID, now.Add(-time.Minute))
	cn2 := roomSocketPath(t, cn.get("/meet/"+b2.ID.String()))
	moveSession(t, h, b2.ID, now.Add(5*time.Hour+2*time.Hour))
	moveSession(t, h, b1.ID, now.Add(-time.Minute))
	stolen := "/meet/" + b1.ID.String() + "/ws?" + strings.SplitN(cn2, "?", 2)[1]
	if _, st, err := dialRoom(ctx, cn, stolen); err == nil || st != http.StatusNotFound {
		t.Fatalf("token of another booking: %d %v, want 404", st, err)
	}
	// The employee's own token is the employee's: the counsellor cannot use it.
	if _, st, err := dialRoom(ctx, cn, empWS); err == nil || st != http.StatusNotFound {
		t.Fatalf("the employee's token used by the counsellor: %d %v", st, err)
	}

	ce, _, err := dialRoom(ctx, emp, empWS)
	if err != nil {
		t.Fatalf("employee socket: %v", err)
	}
	defer ce.CloseNow()
	if m := readSignal(t, ctx, ce); m["type"] != "welcome" || m["peer"] != false || m["party"] != "employee" {
		t.Fatalf("employee welcome %v", m)
	}
	cc, _, err := dialRoom(ctx, cn, cnWS)
	if err != nil {
		t.Fatalf("counsellor socket: %v", err)
	}
	defer cc.CloseNow()
	if m := readSignal(t, ctx, cc); m["type"] != "welcome" || m["peer"] != true {
		t.Fatalf("counsellor welcome %v", m)
	}
	if m := readSignal(t, ctx, ce); m["type"] != "peer-joined" {
		t.Fatalf("employee told %v", m)
	}
	if err := cc.Write(ctx, websocket.MessageText, []byte(`{"type":"chat","text":"not relayed"}`)); err != nil {
		t.Fatal(err)
	}
	if err := cc.Write(ctx, websocket.MessageText, []byte(`{"type":"offer","sdp":"v=0"}`)); err != nil {
		t.Fatal(err)
	}
	if m := readSignal(t, ctx, ce); m["type"] != "offer" || m["sdp"] != "v=0" {
		t.Fatalf("relayed %v, want the offer only", m)
	}
	rows, err := h.App.Bookings.AttendanceOf(ctx, b1.ID)
	if err != nil || len(rows) != 2 {
		t.Fatalf("attendance %+v %v", rows, err)
	}
	cc.Close(websocket.StatusNormalClosure, "")
	if m := readSignal(t, ctx, ce); m["type"] != "peer-left" {
		t.Fatalf("employee told %v", m)
	}
	waitFor(t, ctx, func() bool {
		rows, err := h.App.Bookings.AttendanceOf(ctx, b1.ID)
		return err == nil && countLeft(rows, booking.PartyCounselor) == 1 && countLeft(rows, booking.PartyEmployee) == 0
	})
}

func countLeft(rows []booking.Attendance, party string) int {
	n := 0
	for _, r := range rows {
		if r.Party == party && r.LeftAt != nil {
			n++
		}
	}
	return n
}

// waitFor polls cond until it holds or ctx ends.
func waitFor(t *testing.T, ctx context.Context, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatal(errors.New("condition not met before the deadline"))
		case <-tick.C:
		}
	}
}

// TestRoomSaysWhenItOpensAndWhenItClosed: too early and too late get a
// clear message with the time (Japan time for the employee).
func TestRoomSaysWhenItOpensAndWhenItClosed(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	b := w.book(t, empEmail, 0)
	start := time.Date(2030, 1, 7, 1, 0, 0, 0, time.UTC) // 10:00 in Tokyo
	moveSession(t, h, b.ID, start)
	emp := newBrowser(t, h)
	emp.login(empEmail, empPass)
	p := emp.get("/meet/" + b.ID.String())
	mustContain(t, p, `id="room-early"`, "09:50", "開始 10 分前")
	mustNotContain(t, p, `id="room"`)
	moveSession(t, h, b.ID, time.Date(2020, 1, 6, 1, 0, 0, 0, time.UTC))
	p = emp.get("/meet/" + b.ID.String())
	mustContain(t, p, `id="room-closed"`, "11:05")
}

// TestJoinNoShowAndMissedSessionsFollowTheRoom: "join" shows on the
// employee's home and the counsellor's list only while the room is open;
// no-show is offered only when the employee never joined; a session the
// counsellor missed is on the operators' list and the employee's.
func TestJoinNoShowAndMissedSessionsFollowTheRoom(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	b1 := w.book(t, empEmail, 0)
	b2 := w.book(t, emp2Email, 0)
	now := time.Now()
	moveSession(t, h, b1.ID, now.Add(-time.Minute))
	moveSession(t, h, b2.ID, now.Add(3*time.Hour))

	emp := newBrowser(t, h)
	emp.login(empEmail, empPass)
	emp2 := newBrowser(t, h)
	emp2.login(emp2Email, empPass)
	cn := newBrowser(t, h)
	cn.login(cEmail, counselorPass)
	mustContain(t, emp.get("/employee"), `href="/meet/`+b1.ID.String()+`"`, "面談室に入る")
	mustNotContain(t, emp2.get("/employee"), `href="/meet/`)
	list := cn.get("/counselor/sessions")
	mustContain(t, list, `href="/meet/`+b1.ID.String()+`"`)
	mustNotContain(t, list, `href="/meet/`+b2.ID.String()+`"`, "/no-show")

	moveSession(t, h, b1.ID, now.Add(-15*time.Minute))
	mustContain(t, cn.get("/counselor/sessions"), "/counselor/sessions/"+b1.ID.String()+"/no-show")
	ctx := context.Background()
	b1, err := h.App.Bookings.Get(ctx, principal(t, h, cEmail, counselorPass), b1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.App.Bookings.Join(ctx, b1, booking.PartyEmployee); err != nil {
		t.Fatal(err)
	}
	mustNotContain(t, cn.get("/counselor/sessions"), "/no-show")

	moveSession(t, h, b2.ID, now.Add(-3*time.Hour))
	done, err := h.App.Bookings.SettleAbsentCounselors(ctx)
	if err != nil || len(done) != 1 || done[0] != b2.ID {
		t.Fatalf("settled %v %v", done, err)
	}
	op := newBrowser(t, h)
	op.login("operator@taiwa.example", "operator-pass-2026") // made by newCompany through h.Operator
	mustContain(t, op.get("/operator/no-shows"), `id="noshow-`+b2.ID.String()+`"`, "田中 誠")
	mustContain(t, emp2.get("/sessions"), "カウンセラー不在")
	h.DrainOutbox()
	// The employee is told, with a way to book again (the dev mail list).
	mustContain(t, op.get("/operator/mail"), "面談が実施されませんでした", emp2Email)
}
