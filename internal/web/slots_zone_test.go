package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

// dstClock is Tuesday 23 March 2027, 00:00 UTC: the week before Europe
// moves its clocks forward (Sunday 28 March, 01:00 UTC; Berlin goes from
// UTC+1 to UTC+2). Japan has no DST.
var dstClock = time.Date(2027, 3, 23, 0, 0, 0, 0, time.UTC)

// tokyoAfternoons is a counsellor in Japan free 16:00–18:00 every day:
// slots at 16:00 and 17:00 JST, which are 07:00 and 08:00 UTC.
func tokyoAfternoons() booking.Availability {
	a := booking.Availability{Timezone: "Asia/Tokyo", SlotMinutes: 50, BufferMinutes: 10, MinNoticeMinutes: 60, HorizonDays: 60, MaxPerDay: 8}
	for wd := 1; wd <= 7; wd++ {
		a.Weekly = append(a.Weekly, booking.WeeklyRange{Weekday: wd, Start: "16:00", End: "18:00"})
	}
	return a
}

// caughtMail is the newest mail the sink caught for to whose subject
// contains subject, decoded.
func caughtMail(t *testing.T, h *apptest.Harness, to, subject string) mail.DevMail {
	t.Helper()
	ctx := context.Background()
	list, err := mail.ListDevMail(ctx, h.Env.DB, to, 50)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if strings.Contains(m.Subject, subject) {
			got, err := mail.GetDevMail(ctx, h.Env.DB, m.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got
		}
	}
	t.Fatalf("no mail to %s about %q among %d", to, subject, len(list))
	return mail.DevMail{}
}

// parseEvent reads a calendar file with an independent iCalendar parser
// and returns its one event's start and end.
func parseEvent(t *testing.T, data []byte) (start, end time.Time, cal *ics.Calendar) {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse .ics: %v\n%s", err, data)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events in\n%s", len(evs), data)
	}
	if start, err = evs[0].GetStartAt(); err != nil {
		t.Fatal(err)
	}
	if end, err = evs[0].GetEndAt(); err != nil {
		t.Fatal(err)
	}
	return start, end, cal
}

// TestEmployeeInBerlinBooksAcrossTheDSTSwitch: an employee sets their
// zone to Europe/Berlin and books a Japan-based counsellor for the Monday
// after Europe's clocks go forward. The week view, the confirmation, the
// session page, the mail (read from the SMTP sink) and the calendar files
// (read with an independent parser) all show the Berlin wall-clock time
// of that date (09:00, summer time), while the same Japan afternoon
// slot before the switch shows 08:00; the counsellor's mail keeps Japan
// time. Cancelled, the session is listed as upcoming and cancelled.
func TestEmployeeInBerlinBooksAcrossTheDSTSwitch(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Clock: clock.Fixed(dstClock)})
	w := newBookingWorld(t, h, tokyoAfternoons())
	emp := newBrowser(t, h)
	emp.login(empEmail, empPass)

	// The zone is the employee's own setting; a name that is no zone is
	// refused beside the field.
	tok := emp.csrf("/account/settings")
	for _, bad := range []url.Values{
		{"timezone": {"Local"}}, {"timezone": {""}}, {"timezone": {"Asia/Tokyo"}, "timezone_other": {"Mars/Olympus"}},
		{"timezone": {"../../etc/passwd"}}, {"timezone": {"Europe/Berlin\n"}, "timezone_other": {"Asia/Tokyo x"}},
	} {
		bad.Set("_csrf", tok)
		p := emp.post("/account/settings", bad)
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("zone %v: %d", bad, p.Status)
		}
		mustContain(t, p, `id="err-timezone"`, "タイムゾーンの名前が正しくありません", `aria-invalid="true"`)
	}
	if p := emp.post("/account/settings", url.Values{"_csrf": {tok}, "timezone": {"Europe/Berlin"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("save zone: %d", p.Status)
	}
	mustContain(t, emp.get("/account/settings"), "タイムゾーンを保存しました", "現在の設定: Europe/Berlin（UTC&#43;01:00）", `<option value="Europe/Berlin" selected>`)

	// The week view opens on the week of the earliest slot, in Berlin
	// time: Saturday's 16:00 JST is 08:00 (UTC+1), Sunday's is 09:00.
	profile := "/counselors/" + w.counselorID.String()
	pg := emp.get(profile)
	if pg.Status != http.StatusOK {
		t.Fatalf("profile: %d", pg.Status)
	}
	mustContain(t, pg, `id="picker-week"`, "3月22日（月） 〜 3月28日（日）", `id="day-2027-03-22"`, `id="day-2027-03-28"`,
		`data-start="2027-03-27T07:00:00Z">08:00</a>`, `data-start="2027-03-28T07:00:00Z">09:00</a>`,
		`id="picker-earliest"`, "2027-03-23（火） 08:00–08:50", "Europe/Berlin (UTC&#43;01:00)",
		`id="week-next"`, "week=2027-03-29")
	mustNotContain(t, pg, `id="week-prev"`, `id="picker-other-zone"`, `data-start="2027-03-22T`)
	if n := strings.Count(pg.Body, `class="slot-day`); n != 7 {
		t.Errorf("%d day columns", n)
	}

	// The next week, after the switch: 16:00 JST is 09:00 in Berlin.
	next := emp.get(profile + "?week=2027-03-29")
	mustContain(t, next, "3月29日（月） 〜 4月4日（日）", `data-start="2027-03-29T07:00:00Z">09:00</a>`,
		`id="week-prev"`, "week=2027-03-22", "Europe/Berlin (UTC&#43;02:00)")
	// Any day of a week names that week.
	mustContain(t, emp.get(profile+"?week=2027-04-01"), "3月29日（月） 〜 4月4日（日）")
	// Another zone, for this view only; the week's Monday is Tokyo's.
	tokyo := emp.get(profile + "?week=2027-03-29&tz=Asia%2FTokyo")
	mustContain(t, tokyo, `id="picker-other-zone"`, `data-start="2027-03-29T07:00:00Z">16:00</a>`, "tz=Asia%2FTokyo",
		`<option value="Asia/Tokyo" selected>`)
	// Bad input names the parameter.
	for _, q := range []string{"?week=next", "?week=2027-02-30", "?tz=Nowhere%2FLand", "?tz=Local"} {
		if p := emp.get(profile + q); p.Status != http.StatusBadRequest {
			t.Errorf("%s: %d", q, p.Status)
		}
	}
	// Weeks before this one and beyond the horizon are clamped, not errors.
	mustContain(t, emp.get(profile+"?week=2020-01-06"), "3月22日（月） 〜 3月28日（日）")
	if p := emp.get(profile + "?week=2031-01-06"); p.Status != http.StatusOK || strings.Contains(p.Body, `id="week-next"`) {
		t.Errorf("far week: %d", p.Status)
	}

	// Book Monday 29 March, 16:00 JST.
	mustContain(t, next, "/book?start=2027-03-29T07%3A00%3A00Z")
	confirm := emp.get("/counselors/" + w.counselorID.String() + "/book?start=2027-03-29T07:00:00Z")
	mustContain(t, confirm, "2027-03-29（月） 09:00–09:50", "Europe/Berlin")
	start := startAttr.FindStringSubmatch(confirm.Body)[1]
	p := emp.post("/counselors/"+w.counselorID.String()+"/book", url.Values{"_csrf": {csrfField.FindStringSubmatch(confirm.Body)[1]},
		"start": {start}, "theme": {"career"}, "format": {"video"}, "idempotency_key": {idemField.FindStringSubmatch(confirm.Body)[1]}})
	if p.Status != http.StatusSeeOther || !strings.HasPrefix(p.location(), "/sessions/") {
		t.Fatalf("book: %d %s", p.Status, p.location())
	}
	sessionPath := p.location()
	sp := emp.get(sessionPath)
	mustContain(t, sp, "予約が確定しました", `id="session-when">2027-03-29（月） 09:00–09:50`, `id="session-zone">Europe/Berlin`,
		`id="add-calendar"`, `href="`+sessionPath+`/calendar.ics"`,
		"https://calendar.google.com/calendar/render?action=TEMPLATE&amp;dates=20270329T070000Z%2F20270329T075000Z",
		"startdt=2027-03-29T07%3A00%3A00Z", "enddt=2027-03-29T07%3A50%3A00Z", "Taiwa&#43;%E9%9D%A2%E8%AB%87")
	// The calendar links carry nothing personal: no names, no theme.
	cal := regexp.MustCompile(`<section class="add-calendar"[\s\S]*?</section>`).FindString(sp.Body)
	for _, private := range []string{"田中", "社員", "career", "キャリア", empEmail} {
		if strings.Contains(cal, private) {
			t.Errorf("the calendar links hold %q:\n%s", private, cal)
		}
	}
	mustContain(t, emp.get("/sessions"), "2027-03-29（月） 09:00–09:50", "Europe/Berlin で表示")

	// The calendar file: the employee's own session only.
	ical := emp.get(sessionPath + "/calendar.ics")
	if ical.Status != http.StatusOK || !strings.HasPrefix(ical.Header.Get("Content-Type"), "text/calendar") {
		t.Fatalf("calendar file: %d %s", ical.Status, ical.Header.Get("Content-Type"))
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	s, e, c := parseEvent(t, []byte(ical.Body))
	if got := s.In(berlin).Format("2006-01-02 15:04") + "–" + e.In(berlin).Format("15:04"); got != "2027-03-29 09:00–09:50" {
		t.Errorf("calendar file in Berlin: %s", got)
	}
	if ev := c.Events()[0]; ev.GetProperty(ics.ComponentPropertySummary).Value != booking.CalendarSummary {
		t.Errorf("summary %q", ev.GetProperty(ics.ComponentPropertySummary).Value)
	}
	for _, private := range []string{"田中", "社員", empEmail, "career"} {
		if strings.Contains(ical.Body, private) {
			t.Errorf("the calendar file holds %q", private)
		}
	}
	other := newBrowser(t, h)
	other.login(emp2Email, empPass)
	if p := other.get(sessionPath + "/calendar.ics"); p.Status != http.StatusNotFound {
		t.Errorf("another employee's calendar file: %d", p.Status)
	}
	cn := newBrowser(t, h)
	cn.login(cEmail, counselorPass)
	if p := cn.get(sessionPath + "/calendar.ics"); p.Status == http.StatusOK {
		t.Errorf("the counsellor fetched the employee's calendar file: %d", p.Status)
	}

	// The mails: the employee's in Berlin time, the counsellor's in Japan
	// time; both attachments read back to the same instant.
	h.DrainOutbox()
	em := caughtMail(t, h, empEmail, "確定")
	if !strings.Contains(em.Text, "2027年3月29日(月) 09:00〜09:50（Europe/Berlin）") {
		t.Errorf("employee's mail:\n%s", em.Text)
	}
	cm := caughtMail(t, h, cEmail, "")
	if !strings.Contains(cm.Text, "16:00〜16:50（Asia/Tokyo）") {
		t.Errorf("counsellor's mail:\n%s", cm.Text)
	}
	for _, m := range []mail.DevMail{em, cm} {
		if len(m.Attachments) != 1 {
			t.Fatalf("%d attachments", len(m.Attachments))
		}
		if s, _, _ := parseEvent(t, m.Attachments[0].Data); !s.Equal(time.Date(2027, 3, 29, 7, 0, 0, 0, time.UTC)) {
			t.Errorf("mailed event starts %s", s)
		}
	}

	// Cancelled, the session is still ahead: upcoming and cancelled, not past.
	ctok := emp.csrf(sessionPath + "/cancel")
	if p := emp.post(sessionPath+"/cancel", url.Values{"_csrf": {ctok}}); p.Status != http.StatusSeeOther {
		t.Fatalf("cancel: %d", p.Status)
	}
	list := emp.get("/sessions")
	section := func(id string) string {
		return regexp.MustCompile(`<section id="` + id + `">[\s\S]*?</section>`).FindString(list.Body)
	}
	if c := section("cancelled-upcoming"); !strings.Contains(c, "今後の予定・キャンセル済み") || !strings.Contains(c, "2027-03-29（月） 09:00–09:50") {
		t.Errorf("cancelled upcoming:\n%s", c)
	}
	if p := section("past"); strings.Contains(p, "2027-03-29") {
		t.Errorf("a cancelled future session is listed as past:\n%s", p)
	}
	mustNotContain(t, emp.get(sessionPath), `id="add-calendar"`)
}
