package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

const (
	empEmail  = "emp1@test-shoji.example"
	emp2Email = "emp2@test-shoji.example"
	empPass   = "employee-pass-2026"
	cEmail    = "tanaka@c.example"
)

// bookingWorld is a company with two employees and one listed counsellor
// who takes bookings every day, all day, in Japan time.
type bookingWorld struct {
	h           *apptest.Harness
	f           fixture
	counselorID uuid.UUID
}

func newBookingWorld(t *testing.T, h *apptest.Harness, a booking.Availability) bookingWorld {
	t.Helper()
	f := newCompany(t, h)
	rosterEmployee(t, f, empEmail)
	rosterEmployee(t, f, emp2Email)
	cs := newCounselors(t, h, f.op)
	id := cs.listed(cEmail, profile{
		Name: "田中 誠", Kana: "たなか まこと", Bio: "キャリアの棚卸しと転機の整理を得意としています。",
		Gender: "male", Kind: "career_consultant", Years: 8,
		Themes: []string{"career", "engagement"}, Languages: []string{"ja"},
		Formats: []string{"video", "phone"}, Industries: []string{"it"},
	})
	if _, err := h.App.Bookings.SetAvailability(context.Background(), principal(t, h, cEmail, counselorPass), a); err != nil {
		t.Fatalf("set availability: %v", err)
	}
	h.DrainOutbox()
	return bookingWorld{h: h, f: f, counselorID: id}
}

// rosterEmployee makes an employee with a password who is on the
// company's roster (bookings refer to the roster row).
func rosterEmployee(t *testing.T, f fixture, email string) {
	t.Helper()
	u := f.h.CreateUser(account.NewUser{CompanyID: f.CompanyID, Email: email, Name: "社員 一郎", Role: auth.RoleEmployee, Password: empPass})
	err := f.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO employees (company_id, user_id) VALUES ($1, $2)`, f.CompanyID, u.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
}

// allDay is a schedule open every day, all day, booking from now on.
func allDay() booking.Availability {
	a := booking.Availability{Timezone: "Asia/Tokyo", SlotMinutes: 50, BufferMinutes: 10, MinNoticeMinutes: 0, HorizonDays: 14, MaxPerDay: 24}
	for wd := 1; wd <= 7; wd++ {
		a.Weekly = append(a.Weekly, booking.WeeklyRange{Weekday: wd, Start: "00:00", End: "24:00"})
	}
	return a
}

// principal is the signed-in user behind an email, for calling the domain.
func principal(t *testing.T, h *apptest.Harness, email, password string) auth.Principal {
	t.Helper()
	p, err := h.App.Accounts.Authenticate(context.Background(), h.Login(email, password).Token)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// book books the first free slot at least after from for the employee.
func (w bookingWorld) book(t *testing.T, email string, after time.Duration) booking.Booking {
	t.Helper()
	ctx := context.Background()
	p := principal(t, w.h, email, empPass)
	now := time.Now()
	slots, err := w.h.App.Bookings.Slots(ctx, p, w.counselorID, now.Add(after), now.Add(after+48*time.Hour))
	if err != nil || len(slots) == 0 {
		t.Fatalf("slots: %v (%d)", err, len(slots))
	}
	b, err := w.h.App.Bookings.Book(ctx, p, booking.NewBooking{CounselorID: w.counselorID, Start: slots[0].Start, Theme: "career", Format: "video"}, "")
	if err != nil {
		t.Fatalf("book: %v", err)
	}
	return b
}

var (
	slotLink  = regexp.MustCompile(`href="(/counselors/[0-9a-f-]+/book\?start=[^"]+)"`)
	idemField = regexp.MustCompile(`name="idempotency_key" value="([^"]+)"`)
	startAttr = regexp.MustCompile(`name="start" value="([^"]+)"`)
)

// TestBookingPostsNeedTheCSRFToken: every booking form refuses a post
// without the token, and nothing changes.
func TestBookingPostsNeedTheCSRFToken(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	b := w.book(t, empEmail, 48*time.Hour)
	emp, cn := newBrowser(t, h), newBrowser(t, h)
	emp.login(empEmail, empPass)
	cn.login(cEmail, counselorPass)
	start := url.Values{"start": {b.Start.Add(time.Hour).UTC().Format(time.RFC3339)}, "theme": {"career"}, "format": {"video"}}
	for _, tc := range []struct {
		who  *browser
		path string
	}{
		{emp, "/counselors/" + w.counselorID.String() + "/book"},
		{emp, "/counselors/" + w.counselorID.String() + "/waitlist"},
		{emp, "/sessions/" + b.ID.String() + "/reschedule"},
		{emp, "/sessions/" + b.ID.String() + "/cancel"},
		{cn, "/counselor/availability"},
		{cn, "/counselor/availability/preview"},
		{cn, "/counselor/sessions/" + b.ID.String() + "/complete"},
		{cn, "/counselor/sessions/" + b.ID.String() + "/no-show"},
		{cn, "/counselor/sessions/" + b.ID.String() + "/cancel"},
	} {
		if p := tc.who.post(tc.path, start); p.Status != http.StatusForbidden || !strings.Contains(p.Body, "フォームの有効期限") {
			t.Errorf("POST %s without a token: %d", tc.path, p.Status)
		}
	}
	got, err := h.App.Bookings.Get(context.Background(), principal(t, h, empEmail, empPass), b.ID)
	if err != nil || got.Status != booking.StatusConfirmed || !got.Start.Equal(b.Start) {
		t.Errorf("booking after refused posts: %+v, %v", got, err)
	}
	bs, _ := h.App.Bookings.MyBookings(context.Background(), principal(t, h, empEmail, empPass))
	if len(bs) != 1 {
		t.Errorf("%d bookings after refused posts, want 1", len(bs))
	}
}

// TestBookingPagesRefuseOtherRoles: employees' pages are 403 for a
// counsellor and an admin, and the counsellor's pages for an employee.
func TestBookingPagesRefuseOtherRoles(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	b := w.book(t, empEmail, 48*time.Hour)
	emp, cn, admin := newBrowser(t, h), newBrowser(t, h), newBrowser(t, h)
	emp.login(empEmail, empPass)
	cn.login(cEmail, counselorPass)
	admin.login(w.f.AdminEmail, w.f.AdminPass)
	empPaths := []string{"/sessions", "/sessions/" + b.ID.String(), "/sessions/" + b.ID.String() + "/cancel",
		"/sessions/" + b.ID.String() + "/reschedule", "/counselors/" + w.counselorID.String() + "/book?start=" + b.Start.UTC().Format(time.RFC3339)}
	for who, home := range map[*browser]string{cn: "/counselor", admin: "/company"} {
		for _, path := range empPaths {
			if p := who.get(path); p.Status != http.StatusForbidden {
				t.Errorf("GET %s as another role: %d", path, p.Status)
			}
		}
		tok := who.csrf(home)
		if p := who.post("/sessions/"+b.ID.String()+"/cancel", url.Values{"_csrf": {tok}}); p.Status != http.StatusForbidden {
			t.Errorf("POST cancel as another role: %d", p.Status)
		}
	}
	tok := emp.csrf("/sessions")
	for _, path := range []string{"/counselor/availability", "/counselor/sessions", "/counselor/sessions/" + b.ID.String() + "/cancel"} {
		if p := emp.get(path); p.Status != http.StatusForbidden {
			t.Errorf("GET %s as an employee: %d", path, p.Status)
		}
	}
	for _, path := range []string{"/counselor/availability", "/counselor/availability/preview", "/counselor/sessions/" + b.ID.String() + "/complete", "/counselor/sessions/" + b.ID.String() + "/cancel"} {
		if p := emp.post(path, url.Values{"_csrf": {tok}}); p.Status != http.StatusForbidden {
			t.Errorf("POST %s as an employee: %d", path, p.Status)
		}
	}
	if got, _ := h.App.Bookings.Get(context.Background(), principal(t, h, empEmail, empPass), b.ID); got.Status != booking.StatusConfirmed {
		t.Errorf("status after refused posts: %s", got.Status)
	}
}

// TestBookingPagesAnswerBadInputWith400 proves malformed times, ids and
// schedules give a 400 (or 404) page, never a 500, with errors beside the
// fields and the entered values kept.
func TestBookingPagesAnswerBadInputWith400(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	b := w.book(t, empEmail, 48*time.Hour)
	emp, cn := newBrowser(t, h), newBrowser(t, h)
	emp.login(empEmail, empPass)
	cn.login(cEmail, counselorPass)
	cid := w.counselorID.String()

	for path, want := range map[string]int{
		"/counselors/" + cid + "/book?start=tomorrow":                                   http.StatusBadRequest,
		"/counselors/" + cid + "/book":                                                  http.StatusBadRequest,
		"/counselors/" + uuid.NewString() + "/book?start=2030-01-01T00:00:00Z":          http.StatusNotFound,
		"/counselors/not-an-id/book?start=2030-01-01T00:00:00Z":                         http.StatusNotFound,
		"/sessions/not-an-id":                                                           http.StatusNotFound,
		"/sessions/" + uuid.NewString():                                                 http.StatusNotFound,
		"/sessions/" + uuid.NewString() + "/cancel":                                     http.StatusNotFound,
		"/counselors/" + cid + "/book?start=" + url.QueryEscape("2030-13-45T99:00:00Z"): http.StatusBadRequest,
	} {
		if p := emp.get(path); p.Status != want {
			t.Errorf("GET %s: %d, want %d", path, p.Status, want)
		}
	}

	tok := emp.csrf("/sessions")
	for _, tc := range []struct {
		path string
		form url.Values
		want int
	}{
		{"/counselors/" + cid + "/book", url.Values{"start": {"soon"}, "theme": {"career"}, "format": {"video"}}, http.StatusBadRequest},
		{"/counselors/" + cid + "/book", url.Values{"start": {b.Start.Add(time.Hour).UTC().Format(time.RFC3339)}, "theme": {"no-such-theme"}, "format": {"video"}}, http.StatusBadRequest},
		{"/sessions/" + b.ID.String() + "/reschedule", url.Values{}, http.StatusBadRequest},
		{"/sessions/" + b.ID.String() + "/reschedule", url.Values{"start": {"next week"}}, http.StatusBadRequest},
		{"/sessions/" + b.ID.String() + "/cancel", url.Values{"reason": {"bad\x00reason"}}, http.StatusBadRequest},
		{"/sessions/" + b.ID.String() + "/cancel", url.Values{"reason": {strings.Repeat("長", 501)}}, http.StatusBadRequest},
		{"/sessions/not-an-id/cancel", url.Values{}, http.StatusNotFound},
	} {
		tc.form.Set("_csrf", tok)
		if p := emp.post(tc.path, tc.form); p.Status != tc.want {
			t.Errorf("POST %s %v: %d, want %d", tc.path, tc.form, p.Status, tc.want)
		}
	}
	if got, _ := h.App.Bookings.Get(context.Background(), principal(t, h, empEmail, empPass), b.ID); got.Status != booking.StatusConfirmed {
		t.Errorf("status after bad posts: %s", got.Status)
	}

	// The schedule editor: errors of the form and of the domain sit beside
	// their fields, and what was entered stays.
	ctok := cn.csrf("/counselor/availability")
	form := url.Values{"_csrf": {ctok}, "op": {"save"}, "timezone": {"Asia/Tokyo"}, "slot_minutes": {"abc"},
		"buffer_minutes": {"10"}, "min_notice_minutes": {"720"}, "horizon_days": {"30"}, "max_per_day": {"6"},
		"start_1_0": {"25:99"}, "end_1_0": {"12:00"}, "start_1_1": {""}, "end_1_1": {""}, "ovdate_0": {"2030-02-30"}, "ovkind_0": {"off"}}
	p := cn.post("/counselor/availability", form)
	if p.Status != http.StatusBadRequest {
		t.Fatalf("bad schedule: %d", p.Status)
	}
	mustContain(t, p, `id="err-slot_minutes"`, `id="err-start_1_0"`, `id="err-ovdate_0"`, `value="25:99"`, `value="abc"`)
	mustNotContain(t, p, `id="err-end_1_0"`)
	form.Set("slot_minutes", "500")
	form.Set("start_1_0", "13:00")
	form.Set("ovdate_0", "")
	p = cn.post("/counselor/availability", form)
	if p.Status != http.StatusBadRequest {
		t.Fatalf("schedule the domain refuses: %d", p.Status)
	}
	mustContain(t, p, `id="err-slot_minutes"`, `id="err-end_1_0"`, "終了は開始より後に")
	if p := cn.post("/counselor/availability", url.Values{"_csrf": {ctok}, "timezone": {"Mars/Olympus"}}); p.Status != http.StatusBadRequest {
		t.Errorf("unknown zone: %d", p.Status)
	}
	a, err := h.App.Bookings.GetAvailability(context.Background(), principal(t, h, cEmail, counselorPass))
	if err != nil || a.SlotMinutes != 50 || len(a.Weekly) != 7 {
		t.Errorf("the refused posts changed the schedule: %+v %v", a, err)
	}
}

// TestCounselorEditsAvailabilityInTheWeeklyGrid: rows are added without
// saving, blank rows are ignored, and a saved schedule shows again.
func TestCounselorEditsAvailabilityInTheWeeklyGrid(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, booking.Availability{Timezone: "Asia/Tokyo", SlotMinutes: 50, BufferMinutes: 10, MinNoticeMinutes: 720, HorizonDays: 30, MaxPerDay: 6})
	_ = w
	cn := newBrowser(t, h)
	cn.login(cEmail, counselorPass)
	p := cn.get("/counselor/availability")
	if p.Status != http.StatusOK {
		t.Fatalf("editor: %d", p.Status)
	}
	mustContain(t, p, `name="start_7_2"`, `<option value="Europe/London">`, `name="ovdate_1"`)
	tok := csrfField.FindStringSubmatch(p.Body)[1]
	form := url.Values{"_csrf": {tok}, "timezone": {"Europe/London"}, "slot_minutes": {"60"}, "buffer_minutes": {"15"},
		"min_notice_minutes": {"1440"}, "horizon_days": {"21"}, "max_per_day": {"4"},
		"start_1_0": {"09:00"}, "end_1_0": {"12:00"}, "start_1_1": {"13:00"}, "end_1_1": {"17:00"}, "start_1_2": {""}, "end_1_2": {""},
		"start_3_0": {""}, "end_3_0": {""}, "start_3_1": {"18:30"}, "end_3_1": {"20:00"},
		"ovdate_0": {"2030-12-24"}, "ovkind_0": {"off"}, "ovstart_0": {""}, "ovend_0": {""},
		"ovdate_1": {"2030-12-28"}, "ovkind_1": {"extra"}, "ovstart_1": {"10:00"}, "ovend_1": {"12:00"},
		"ovdate_2": {""}, "ovkind_2": {"off"}}
	form.Set("op", "add:1")
	p = cn.post("/counselor/availability", form)
	if p.Status != http.StatusOK {
		t.Fatalf("add a row: %d", p.Status)
	}
	mustContain(t, p, `name="start_1_3"`, `value="18:30"`)
	mustNotContain(t, p, `name="start_1_4"`)
	if a, _ := h.App.Bookings.GetAvailability(context.Background(), principal(t, h, cEmail, counselorPass)); a.Timezone != "Asia/Tokyo" {
		t.Errorf("adding a row saved the schedule: %+v", a)
	}

	form.Set("op", "save")
	p = cn.post("/counselor/availability", form)
	if p.Status != http.StatusSeeOther || p.location() != "/counselor/availability" {
		t.Fatalf("save: %d %s\n%s", p.Status, p.location(), p.Body)
	}
	a, err := h.App.Bookings.GetAvailability(context.Background(), principal(t, h, cEmail, counselorPass))
	if err != nil {
		t.Fatal(err)
	}
	if a.Timezone != "Europe/London" || a.SlotMinutes != 60 || a.BufferMinutes != 15 || a.MinNoticeMinutes != 1440 || a.HorizonDays != 21 || a.MaxPerDay != 4 {
		t.Errorf("rules saved as %+v", a)
	}
	if len(a.Weekly) != 3 || len(a.Overrides) != 2 {
		t.Errorf("saved %d ranges and %d overrides, want 3 and 2: %+v", len(a.Weekly), len(a.Overrides), a)
	}
	p = cn.get("/counselor/availability")
	mustContain(t, p, "空き時間を保存しました。", `<option value="Europe/London" selected>`, `value="13:00"`, `value="18:30"`, `value="2030-12-28"`)
}

// TestEmployeeBooksOnceWhateverTheSubmits: a double submit of the confirm
// form books once; another employee who then takes the same slot is told
// it is gone; a theme the counsellor does not list is refused beside the
// field.
func TestEmployeeBooksOnceWhateverTheSubmits(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	emp := newBrowser(t, h)
	emp.login(empEmail, empPass)
	prof := emp.get("/counselors/" + w.counselorID.String())
	links := slotLink.FindAllStringSubmatch(prof.Body, -1)
	if prof.Status != http.StatusOK || len(links) < 2 {
		t.Fatalf("profile: %d with %d slot links", prof.Status, len(links))
	}
	mustContain(t, prof, `id="slots"`, "キャンセル待ちに登録する")
	confirm := emp.get(strings.ReplaceAll(links[1][1], "&amp;", "&"))
	if confirm.Status != http.StatusOK {
		t.Fatalf("confirm page: %d", confirm.Status)
	}
	mustContain(t, confirm, "キャリア", "オンライン（ビデオ）")
	mustNotContain(t, confirm, `value="mental_health"`)
	key := idemField.FindStringSubmatch(confirm.Body)[1]
	start := startAttr.FindStringSubmatch(confirm.Body)[1]
	tok := csrfField.FindStringSubmatch(confirm.Body)[1]
	path := "/counselors/" + w.counselorID.String() + "/book"

	p := emp.post(path, url.Values{"_csrf": {tok}, "start": {start}, "theme": {"mental_health"}, "format": {"video"}, "idempotency_key": {uuid.NewString()}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("theme not offered: %d", p.Status)
	}
	mustContain(t, p, `id="err-theme"`, "このテーマの相談を受け付けていません")

	// A phone session needs the number the counsellor calls.
	p = emp.post(path, url.Values{"_csrf": {tok}, "start": {start}, "theme": {"career"}, "format": {"phone"}, "idempotency_key": {uuid.NewString()}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("phone session without a number: %d", p.Status)
	}
	mustContain(t, p, `id="err-phone"`, "電話面談には電話番号が必要です")

	form := url.Values{"_csrf": {tok}, "start": {start}, "theme": {"career"}, "format": {"phone"}, "phone": {"090-1234-5678"}, "idempotency_key": {key}}
	first, second := emp.post(path, form), emp.post(path, form)
	if first.Status != http.StatusSeeOther || second.Status != http.StatusSeeOther || first.location() != second.location() ||
		!strings.HasPrefix(first.location(), "/sessions/") {
		t.Fatalf("double submit: %d %s, %d %s", first.Status, first.location(), second.Status, second.location())
	}
	bs, err := h.App.Bookings.MyBookings(context.Background(), principal(t, h, empEmail, empPass))
	if err != nil || len(bs) != 1 || bs[0].Format != "phone" {
		t.Fatalf("bookings after a double submit: %+v %v", bs, err)
	}
	detail := emp.get(first.location())
	mustContain(t, detail, "予約が確定しました", "予約済み", "田中 誠", "電話")
	mustNotContain(t, detail, `id="meeting-link"`)

	other := newBrowser(t, h)
	other.login(emp2Email, empPass)
	otok := other.csrf("/sessions")
	p = other.post(path, url.Values{"_csrf": {otok}, "start": {start}, "theme": {"career"}, "format": {"video"}, "idempotency_key": {uuid.NewString()}})
	if p.Status != http.StatusSeeOther || p.location() != "/counselors/"+w.counselorID.String()+"#slots" {
		t.Fatalf("taken slot: %d %s", p.Status, p.location())
	}
	mustContain(t, other.get("/counselors/"+w.counselorID.String()), "この枠は埋まりました。別の時間を選んでください。")
	if p := other.get(strings.ReplaceAll(links[1][1], "&amp;", "&")); p.Status != http.StatusSeeOther {
		t.Errorf("confirm page of a taken slot: %d", p.Status)
	}

	p = other.post("/counselors/"+w.counselorID.String()+"/waitlist", url.Values{"_csrf": {otok}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("waitlist: %d", p.Status)
	}
	mustContain(t, other.get(p.location()), "キャンセル待ちに登録しました")
}

// TestLateCancellationIsWarnedAndBillable: inside the notice window the
// cancel page warns, and the cancellation becomes late_cancelled; the
// counsellor cannot mark a no-show before the session has started.
func TestLateCancellationIsWarnedAndBillable(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	soon := w.book(t, empEmail, 0)
	later := w.book(t, empEmail, 72*time.Hour)
	emp, cn := newBrowser(t, h), newBrowser(t, h)
	emp.login(empEmail, empPass)
	cn.login(cEmail, counselorPass)

	// A video session links to its meeting page, which only its parties open.
	detail := emp.get("/sessions/" + soon.ID.String())
	mustContain(t, detail, `id="meeting-link"`)
	if !strings.HasSuffix(soon.MeetingURL, "/meet/"+soon.ID.String()) {
		t.Fatalf("meeting URL %q", soon.MeetingURL)
	}
	// The room says when it opens (or is open, if the slot is that near).
	for _, pg := range []page{emp.get("/meet/" + soon.ID.String()), cn.get("/meet/" + soon.ID.String())} {
		if !strings.Contains(pg.Body, `id="room-early"`) && !strings.Contains(pg.Body, `id="room"`) {
			t.Errorf("meeting page (%d) shows no room", pg.Status)
		}
	}
	mustContain(t, emp.get("/meet/"+soon.ID.String()), "田中 誠")
	mustContain(t, cn.get("/meet/"+soon.ID.String()), "社員 一郎")
	other := newBrowser(t, h)
	other.login(emp2Email, empPass)
	if p := other.get("/meet/" + soon.ID.String()); p.Status != http.StatusNotFound {
		t.Errorf("another employee's meeting page: %d", p.Status)
	}

	p := emp.get("/sessions/" + soon.ID.String() + "/cancel")
	mustContain(t, p, `id="late-warning"`, "開始24時間前を過ぎたキャンセルは利用回数に含まれます")
	p = emp.get("/sessions/" + later.ID.String() + "/cancel")
	mustContain(t, p, `id="cancel-free"`)
	mustNotContain(t, p, `id="late-warning"`)

	list := cn.get("/counselor/sessions")
	mustContain(t, list, "社員 一郎", `href="/counselor/sessions/`+soon.ID.String()+`/cancel"`)
	mustNotContain(t, list, `/counselor/sessions/`+soon.ID.String()+`/no-show`)
	ctok := csrfField.FindStringSubmatch(list.Body)[1]
	p = cn.post("/counselor/sessions/"+soon.ID.String()+"/no-show", url.Values{"_csrf": {ctok}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("early no-show: %d", p.Status)
	}
	mustContain(t, cn.get(p.location()), "いまの予約の状態では行えません")

	tok := emp.csrf("/sessions")
	p = emp.post("/sessions/"+soon.ID.String()+"/cancel", url.Values{"_csrf": {tok}, "reason": {"急な出張のため"}})
	if p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", p.Status)
	}
	mustContain(t, emp.get(p.location()), "直前のキャンセルのため利用回数に含まれます", "直前キャンセル")
	if again := emp.post("/sessions/"+soon.ID.String()+"/cancel", url.Values{"_csrf": {tok}}); again.Status != http.StatusSeeOther {
		t.Errorf("second cancel: %d", again.Status)
	}
	list = emp.get("/sessions")
	mustContain(t, list, "直前キャンセル", "予約済み")
}
