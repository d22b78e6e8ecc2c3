package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

type slotJSON struct {
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

type bookingJSON struct {
	ID           string    `json:"id"`
	CounselorID  string    `json:"counselor_id"`
	Start        time.Time `json:"start"`
	End          time.Time `json:"end"`
	Theme        string    `json:"theme"`
	Format       string    `json:"format"`
	Status       string    `json:"status"`
	MeetingURL   string    `json:"meeting_url"`
	Sequence     int       `json:"sequence"`
	EmployeeName string    `json:"employee_name"`
}

// bookingWorld is a company on a subscription with employees (all with
// password "employee-pass-2026"), its admin, and a listed counsellor open
// every day round the clock in Tokyo with no notice.
type bookingWorld struct {
	h         *apptest.Harness
	companyID uuid.UUID
	emails    []string
	counselor *apptest.Client
	admin     *apptest.Client
	cid       string
}

func newBookingWorld(t *testing.T, employees int) *bookingWorld {
	t.Helper()
	h := apptest.New(t)
	w := &bookingWorld{h: h}
	hash, err := account.HashPassword("employee-pass-2026")
	if err != nil {
		t.Fatal(err)
	}
	err = h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		w.companyID = dbtest.Company(t, tx, dbtest.Name("サンプル商事"))
		dbtest.Contract(t, tx, w.companyID, "subscription")
		for i := range employees {
			email := fmt.Sprintf("emp%04d@sample-shoji.example", i+1)
			dbtest.Employee(t, tx, w.companyID, email, dbtest.Name(fmt.Sprintf("社員 %d", i+1)), dbtest.PasswordHash(hash))
			w.emails = append(w.emails, email)
		}
		dbtest.CompanyAdmin(t, tx, w.companyID, "hr@sample-shoji.example", dbtest.PasswordHash(hash))
		_, cid := dbtest.Counsellor(t, tx, "counselor001@taiwa.example", dbtest.PasswordHash(hash), dbtest.DisplayName("山田 花子"),
			dbtest.Themes("career", "onboarding"), dbtest.Formats("video", "phone"), dbtest.Credential("career_consultant", "16012345"))
		w.cid = cid.String()
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	w.counselor = h.Login("counselor001@taiwa.example", "employee-pass-2026")
	w.admin = h.Login("hr@sample-shoji.example", "employee-pass-2026")
	weekly := []map[string]any{}
	for d := 1; d <= 7; d++ {
		weekly = append(weekly, map[string]any{"weekday": d, "start": "00:00", "end": "24:00"})
	}
	body := map[string]any{"timezone": "Asia/Tokyo", "slot_minutes": 50, "buffer_minutes": 10, "min_notice_minutes": 0,
		"horizon_days": 30, "max_per_day": 24, "weekly": weekly, "overrides": []any{}}
	if st := w.counselor.Do("PUT", "/api/v1/me/availability", body, nil); st != 200 {
		t.Fatalf("set availability: %d", st)
	}
	return w
}

func (w *bookingWorld) employee(i int) *apptest.Client {
	return w.h.Login(w.emails[i], "employee-pass-2026")
}

// slots returns the counsellor's free slots from an hour from now.
func (w *bookingWorld) slots(t *testing.T, c *apptest.Client) []slotJSON {
	t.Helper()
	var out struct {
		Slots []slotJSON `json:"slots"`
	}
	from := time.Now().Add(time.Hour).Format(time.RFC3339)
	if st := c.Do("GET", "/api/v1/counselors/"+w.cid+"/slots?from="+url.QueryEscape(from), nil, &out); st != 200 || len(out.Slots) < 20 {
		t.Fatalf("slots: %d, %d slots", st, len(out.Slots))
	}
	return out.Slots
}

func bookBody(cid string, start time.Time) map[string]any {
	return map[string]any{"counselor_id": cid, "start": start.Format(time.RFC3339), "theme": "career", "format": "video"}
}

func post(c *apptest.Client, path string, body any, headers ...string) apptest.Response {
	b, _ := json.Marshal(body)
	return c.Raw("POST", path, "application/json", bytes.NewReader(b), headers...)
}

func TestFiftyEmployeesRaceForOneSlotAndExactlyOneWins(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 52)
	clients := make([]*apptest.Client, len(w.emails))
	for i := range clients {
		clients[i] = w.employee(i)
	}
	slots := w.slots(t, clients[0])
	target := slots[3].Start

	statuses := make([]int, 50)
	codes := make([]string, 50)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range 50 {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			r := post(clients[i], "/api/v1/bookings", bookBody(w.cid, target))
			statuses[i] = r.Status
			var e apptest.APIError
			_ = json.Unmarshal(r.Body, &e)
			codes[i] = e.Error.Code
		}()
	}
	start.Done()
	done.Wait()
	won, lost := 0, 0
	for i, st := range statuses {
		switch {
		case st == 201:
			won++
		case st == 409 && codes[i] == "slot_unavailable":
			lost++
		default:
			t.Errorf("employee %d: %d %s", i, st, codes[i])
		}
	}
	if won != 1 || lost != 49 {
		t.Fatalf("201s = %d, 409s = %d; want 1 and 49", won, lost)
	}

	// Back-to-back slots booked at the same moment both succeed.
	a, b := slots[10].Start, slots[11].Start
	var r1, r2 apptest.Response
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); r1 = post(clients[50], "/api/v1/bookings", bookBody(w.cid, a)) }()
	go func() { defer wg.Done(); r2 = post(clients[51], "/api/v1/bookings", bookBody(w.cid, b)) }()
	wg.Wait()
	if r1.Status != 201 || r2.Status != 201 {
		t.Fatalf("back to back: %d %s / %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
	}

	var n, overlaps int
	owner := ownerDB(t, w.h)
	if err := owner.Get(&n, `SELECT count(*) FROM bookings WHERE status = 'confirmed'`); err != nil || n != 3 {
		t.Fatalf("confirmed bookings = %d (%v), want 3", n, err)
	}
	if err := owner.Get(&overlaps, `
		SELECT count(*) FROM bookings x JOIN bookings y ON x.counselor_id = y.counselor_id AND x.id < y.id
		WHERE x.status = 'confirmed' AND y.status = 'confirmed'
		  AND tstzrange(x.starts_at, x.blocked_until) && tstzrange(y.starts_at, y.blocked_until)`); err != nil || overlaps != 0 {
		t.Fatalf("overlapping confirmed bookings = %d (%v)", overlaps, err)
	}
}

func TestBookingJourneyThroughTheAPI(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 2)
	emp, other := w.employee(0), w.employee(1)
	slots := w.slots(t, emp)
	if d := slots[0].End.Sub(slots[0].Start); d != 50*time.Minute {
		t.Fatalf("slot length %v", d)
	}

	// Idempotency-Key: the same body answers the first booking again.
	body := bookBody(w.cid, slots[2].Start)
	r1 := post(emp, "/api/v1/bookings", body, "Idempotency-Key", "k-1")
	r2 := post(emp, "/api/v1/bookings", body, "Idempotency-Key", "k-1")
	if r1.Status != 201 || r2.Status != 201 || !bytes.Equal(r1.Body, r2.Body) {
		t.Fatalf("idempotent replay: %d %s / %d %s", r1.Status, r1.Body, r2.Status, r2.Body)
	}
	var b bookingJSON
	decode(t, r1.Body, &b)
	if b.Status != "confirmed" || b.CounselorID != w.cid || !b.Start.Equal(slots[2].Start) || !strings.HasSuffix(b.MeetingURL, "/meet/"+b.ID) || b.EmployeeName != "" {
		t.Fatalf("booking %+v", b)
	}
	r := post(emp, "/api/v1/bookings", bookBody(w.cid, slots[5].Start), "Idempotency-Key", "k-1")
	if e := apiError(t, r); r.Status != 409 || e.Error.Code != "idempotency_key_reused" {
		t.Fatalf("reused key: %d %s", r.Status, r.Body)
	}
	var n int
	if err := ownerDB(t, w.h).Get(&n, `SELECT count(*) FROM bookings`); err != nil || n != 1 {
		t.Fatalf("bookings = %d (%v), want 1", n, err)
	}

	// Rules as API codes.
	for _, c := range []struct {
		name   string
		body   map[string]any
		status int
		code   string
	}{
		{"taken", bookBody(w.cid, slots[2].Start), 409, "slot_unavailable"},
		{"theme", map[string]any{"counselor_id": w.cid, "start": slots[6].Start.Format(time.RFC3339), "theme": "mental_health", "format": "video"}, 422, "theme_not_offered"},
		{"past", bookBody(w.cid, time.Now().Add(-time.Hour).Truncate(time.Minute)), 422, "start_in_past"},
		{"unknown counsellor", bookBody(uuid.NewString(), slots[6].Start), 404, "not_found"},
		{"bad start", map[string]any{"counselor_id": w.cid, "start": "tomorrow", "theme": "career", "format": "video"}, 400, "invalid_input"},
		{"bad counsellor id", map[string]any{"counselor_id": "x", "start": slots[6].Start.Format(time.RFC3339), "theme": "career", "format": "video"}, 400, "invalid_input"},
		{"unknown field", map[string]any{"counselor": w.cid}, 400, "invalid_input"},
	} {
		r := post(other, "/api/v1/bookings", c.body)
		if e := apiError(t, r); r.Status != c.status || e.Error.Code != c.code {
			t.Errorf("%s: %d %s, want %d %s", c.name, r.Status, r.Body, c.status, c.code)
		}
	}
	if r := emp.Raw("POST", "/api/v1/bookings", "application/json", strings.NewReader(`{"start":`)); r.Status != 400 {
		t.Errorf("broken JSON: %d", r.Status)
	}

	// Who sees it.
	var list struct {
		Items []bookingJSON `json:"items"`
		Total int           `json:"total"`
	}
	if st := emp.Do("GET", "/api/v1/me/bookings", nil, &list); st != 200 || list.Total != 1 || list.Items[0].ID != b.ID {
		t.Fatalf("my bookings: %d %+v", st, list)
	}
	if st := w.counselor.Do("GET", "/api/v1/me/bookings", nil, &list); st != 200 || list.Total != 1 || list.Items[0].EmployeeName != "社員 1" {
		t.Fatalf("counsellor's bookings: %d %+v", st, list)
	}
	if st := w.admin.Do("GET", "/api/v1/me/bookings", nil, nil); st != 403 {
		t.Fatalf("admin's /me/bookings: %d", st)
	}
	for name, c := range map[string]*apptest.Client{"admin": w.admin, "other employee": other} {
		if st := c.Do("GET", "/api/v1/bookings/"+b.ID, nil, nil); st != 404 {
			t.Errorf("%s reads the booking: %d, want 404", name, st)
		}
	}
	if st := emp.Do("GET", "/api/v1/bookings/not-an-id", nil, nil); st != 404 {
		t.Errorf("bad id: %d", st)
	}

	// Reschedule and cancel.
	var moved bookingJSON
	r = post(emp, "/api/v1/bookings/"+b.ID+"/reschedule", map[string]any{"start": slots[8].Start.Format(time.RFC3339)})
	decode(t, r.Body, &moved)
	if r.Status != 200 || moved.ID != b.ID || !moved.Start.Equal(slots[8].Start) || moved.Sequence != 1 {
		t.Fatalf("reschedule: %d %s", r.Status, r.Body)
	}
	taken := post(other, "/api/v1/bookings", bookBody(w.cid, slots[12].Start))
	if taken.Status != 201 {
		t.Fatalf("other's booking: %d %s", taken.Status, taken.Body)
	}
	if r := post(emp, "/api/v1/bookings/"+b.ID+"/reschedule", map[string]any{"start": slots[12].Start.Format(time.RFC3339)}); r.Status != 409 {
		t.Fatalf("reschedule onto a taken slot: %d %s", r.Status, r.Body)
	}
	if r := post(emp, "/api/v1/bookings/"+b.ID+"/reschedule", map[string]any{"start": "soon"}); r.Status != 400 {
		t.Fatalf("reschedule to a bad time: %d %s", r.Status, r.Body)
	}
	var preview struct {
		Late        bool `json:"late"`
		NoticeHours int  `json:"notice_hours"`
	}
	// The session is hours away, inside the 24 h notice of the plan.
	if st := emp.Do("GET", "/api/v1/bookings/"+b.ID+"/cancel-preview", nil, &preview); st != 200 || !preview.Late || preview.NoticeHours != 24 {
		t.Fatalf("preview: %d %+v", st, preview)
	}
	var cancelled bookingJSON
	if st := emp.Do("POST", "/api/v1/bookings/"+b.ID+"/cancel", map[string]any{"reason": "業務都合"}, &cancelled); st != 200 || cancelled.Status != "late_cancelled" || cancelled.Sequence != 2 {
		t.Fatalf("cancel: %d %+v", st, cancelled)
	}
	if r := emp.Raw("POST", "/api/v1/bookings/"+b.ID+"/cancel", "", nil); r.Status != 409 {
		t.Fatalf("cancel again: %d %s", r.Status, r.Body)
	}
	if r := post(w.counselor, "/api/v1/bookings/"+b.ID+"/no-show", nil); r.Status != 409 {
		t.Fatalf("no-show of a cancelled booking: %d %s", r.Status, r.Body)
	}

	// The waitlist.
	if r := post(other, "/api/v1/counselors/"+w.cid+"/waitlist", nil); r.Status != 201 {
		t.Fatalf("waitlist: %d %s", r.Status, r.Body)
	}
	if r := post(other, "/api/v1/counselors/"+w.cid+"/waitlist", nil); r.Status != 200 {
		t.Fatalf("waitlist again: %d %s", r.Status, r.Body)
	}
}

func TestAvailabilityAndSlotsRefuseBadInputWith400(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 1)
	emp := w.employee(0)
	for _, c := range []struct {
		body  string
		field string
	}{
		{`{"timezone":"Asia/Nowhere","slot_minutes":50,"buffer_minutes":10,"min_notice_minutes":0,"horizon_days":30,"max_per_day":6,"weekly":[],"overrides":[]}`, "timezone"},
		{`{"timezone":"Asia/Tokyo","slot_minutes":50,"buffer_minutes":10,"min_notice_minutes":0,"horizon_days":30,"max_per_day":6,"weekly":[{"weekday":1,"start":"09:00","end":"12:00"},{"weekday":1,"start":"11:00","end":"13:00"},{"weekday":2,"start":"9am","end":"12:00"}],"overrides":[]}`, "weekly[2].start"},
		{`{"timezone":"Asia/Tokyo","slot_minutes":50,"buffer_minutes":10,"min_notice_minutes":0,"horizon_days":30,"max_per_day":6,"weekly":[{"weekday":1,"start":"09:00","end":"12:00"},{"weekday":1,"start":"11:00","end":"13:00"}],"overrides":[]}`, "weekly[1]"},
		{`{"timezone":"Asia/Tokyo","slot_minutes":"fifty"}`, "slot_minutes"},
	} {
		r := w.counselor.Raw("PUT", "/api/v1/me/availability", "application/json", strings.NewReader(c.body))
		if e := apiError(t, r); r.Status != 400 || e.Error.Fields[c.field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", c.body, r.Status, r.Body, c.field)
		}
	}
	var got map[string]any
	if st := w.counselor.Do("GET", "/api/v1/me/availability", nil, &got); st != 200 || got["timezone"] != "Asia/Tokyo" || len(got["weekly"].([]any)) != 7 {
		t.Fatalf("schedule after refused changes: %d %v", st, got)
	}
	if st := emp.Do("PUT", "/api/v1/me/availability", map[string]any{}, nil); st != 403 {
		t.Fatalf("employee sets availability: %d", st)
	}
	now := time.Now()
	for _, c := range []struct {
		path   string
		status int
	}{
		{"/api/v1/counselors/" + w.cid + "/slots?from=yesterday", 400},
		{"/api/v1/counselors/" + w.cid + "/slots?to=2026-13-01T00:00:00Z", 400},
		{"/api/v1/counselors/" + w.cid + "/slots?from=" + url.QueryEscape(now.Format(time.RFC3339)) + "&to=" + url.QueryEscape(now.Add(63*24*time.Hour).Format(time.RFC3339)), 400},
		{"/api/v1/counselors/" + w.cid + "/slots?from=" + url.QueryEscape(now.Format(time.RFC3339)) + "&to=" + url.QueryEscape(now.Add(-time.Hour).Format(time.RFC3339)), 400},
		{"/api/v1/counselors/" + uuid.NewString() + "/slots", 404},
		{"/api/v1/counselors/nope/slots", 404},
	} {
		if r := emp.Raw("GET", c.path, "", nil); r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.path, r.Status, r.Body, c.status)
		}
	}
	// Slots default to the next 14 days, in UTC.
	var out struct {
		Slots []slotJSON `json:"slots"`
	}
	if st := emp.Do("GET", "/api/v1/counselors/"+w.cid+"/slots", nil, &out); st != 200 || len(out.Slots) < 300 || out.Slots[len(out.Slots)-1].Start.After(now.Add(14*24*time.Hour)) {
		t.Fatalf("default window: %d, %d slots", st, len(out.Slots))
	}
}
