package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/clock"
)

// officeHours is a schedule open every day 09:00–18:00 in Japan time.
func officeHours() booking.Availability {
	a := booking.Availability{Timezone: "Asia/Tokyo", SlotMinutes: 50, BufferMinutes: 10, MinNoticeMinutes: 60, HorizonDays: 30, MaxPerDay: 8}
	for wd := 1; wd <= 7; wd++ {
		a.Weekly = append(a.Weekly, booking.WeeklyRange{Weekday: wd, Start: "09:00", End: "18:00"})
	}
	return a
}

// weekStartUTC is Monday 00:00 UTC of t's week.
func weekStartUTC(t time.Time) time.Time {
	t = t.UTC()
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7))
}

// TestBrowserEmployeeBooksReschedulesAndCancels is the booking journey: an
// employee picks a free slot on a profile, books it, finds it in "my
// sessions" and moves it to another day; the counsellor sees the moved
// session in their list; the employee then cancels it.
func TestBrowserEmployeeBooksReschedulesAndCancels(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	// The server's clock stands on a Tuesday, 00:00 UTC (09:00 in Japan),
	// so the week shown holds that day and the next.
	tuesday := weekStartUTC(time.Now()).AddDate(0, 0, 8)
	h := apptest.New(t, apptest.Options{Clock: clock.Fixed(tuesday)})
	w := newBookingWorld(t, h, officeHours())
	profile := h.URL + "/counselors/" + w.counselorID.String()

	do(t, ctx,
		browserLogin(h, empEmail, empPass), chromedp.WaitVisible(chromedp.CSS(`.hero`)),
		chromedp.Navigate(profile), chromedp.WaitVisible(chromedp.CSS(`#slots .slot`)),
	)
	if days := text(t, ctx, "#slots"); !strings.Contains(days, "月") || !strings.Contains(days, "09:00") || !strings.Contains(days, "Asia/Tokyo") {
		t.Errorf("slots panel:\n%s", days)
	}
	if next := text(t, ctx, "#listing-next"); !strings.Contains(next, ":") {
		t.Errorf("next free slot: %q", next)
	}
	screenshot(t, ctx, "booking-profile-slots.png")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#slots .slot-day.has-slots li:nth-child(2) a.slot`)),
		chromedp.WaitVisible(chromedp.CSS(`#book-submit`)),
		chromedp.SetValue(chromedp.CSS(`#theme`), "career"),
		chromedp.SetValue(chromedp.CSS(`#format`), "phone"),
		chromedp.SetValue(chromedp.CSS(`#phone`), "090-1234-5678"),
	)
	chosen := text(t, ctx, "#book-when")
	screenshot(t, ctx, "booking-confirm.png")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#book-submit`)),
		waitText(".flash-success", "予約が確定しました"),
	)
	if got := text(t, ctx, "#session-when"); got != chosen {
		t.Errorf("booked %q, chose %q", got, chosen)
	}
	if st := text(t, ctx, "#session-status"); st != "予約済み" {
		t.Errorf("status %q", st)
	}
	if facts := text(t, ctx, "#session-facts"); !strings.Contains(facts, "田中 誠") || !strings.Contains(facts, "キャリア") || !strings.Contains(facts, "電話") {
		t.Errorf("session facts:\n%s", facts)
	}
	screenshot(t, ctx, "booking-session.png")

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/sessions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#upcoming .session-item`)),
	)
	if up := text(t, ctx, "#upcoming"); !strings.Contains(up, chosen) || !strings.Contains(up, "田中 誠") || !strings.Contains(up, "予約済み") {
		t.Errorf("my sessions:\n%s", up)
	}
	screenshot(t, ctx, "booking-my-sessions.png")

	// Move it to a slot on the next day.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#upcoming a.session-when`)),
		chromedp.WaitVisible(chromedp.CSS(`#reschedule`)),
		chromedp.Click(chromedp.CSS(`#reschedule`)),
		chromedp.WaitVisible(chromedp.CSS(`#reschedule-submit`)),
		chromedp.Click(chromedp.CSS(`#slots section.slot-day.has-slots ~ section.slot-day.has-slots label:nth-child(3) input`)),
	)
	screenshot(t, ctx, "booking-reschedule.png")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#reschedule-submit`)),
		waitText(".flash-success", "予約の日時を変更しました"),
	)
	moved := text(t, ctx, "#session-when")
	if moved == chosen || !strings.Contains(moved, "11:00–11:50") {
		t.Errorf("after the move: %q (was %q)", moved, chosen)
	}
	if st := text(t, ctx, "#session-status"); st != "予約済み" {
		t.Errorf("status after the move %q", st)
	}

	// The counsellor sees the moved session, in their own zone.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		browserLogin(h, cEmail, counselorPass), chromedp.WaitVisible(chromedp.CSS(`#counselor-status`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/counselor/sessions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#upcoming .session-item`)),
	)
	if up := text(t, ctx, "#upcoming"); !strings.Contains(up, moved) || strings.Contains(up, chosen) || !strings.Contains(up, "社員 一郎") || !strings.Contains(up, "キャンセルする") {
		t.Errorf("counsellor's sessions:\n%s", up)
	}
	screenshot(t, ctx, "counselor-sessions.png")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/counselor/availability"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#weekly`)),
	)
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#start_3_0`))); v != "09:00" {
		t.Errorf("Wednesday's first range starts at %q", v)
	}
	screenshot(t, ctx, "counselor-availability.png")
	// A row is added without saving; a length the rules refuse is shown
	// beside its field, with what was entered kept.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`button[value="add:1"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#start_1_3`)),
		chromedp.SetValue(chromedp.CSS(`#slot_minutes`), "500"),
		chromedp.Click(chromedp.CSS(`#avail-save`)),
		chromedp.WaitVisible(chromedp.CSS(`#err-slot_minutes`)),
	)
	if e := text(t, ctx, "#err-slot_minutes"); e != "設定できる範囲を超えています。" {
		t.Errorf("slot length error %q", e)
	}
	if v, _ := chromedp.Run(ctx, chromedp.Value(chromedp.CSS(`#slot_minutes`))); v != "500" {
		t.Errorf("slot length not kept: %q", v)
	}
	screenshot(t, ctx, "counselor-availability-error.png")

	// The employee cancels.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
		browserLogin(h, empEmail, empPass), chromedp.WaitVisible(chromedp.CSS(`.hero`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/sessions"]`)),
		chromedp.Click(chromedp.CSS(`#upcoming a.session-when`)),
		chromedp.WaitVisible(chromedp.CSS(`#cancel`)),
		chromedp.Click(chromedp.CSS(`#cancel`)),
		chromedp.WaitVisible(chromedp.CSS(`#cancel-confirm`)),
	)
	if msg := text(t, ctx, "article"); !strings.Contains(msg, "24時間前") {
		t.Errorf("cancel page says:\n%s", msg)
	}
	screenshot(t, ctx, "booking-cancel.png")
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS(`#reason`), "予定が変わったため"),
		chromedp.Click(chromedp.CSS(`#cancel-confirm`)),
		waitText(".flash-success", "予約をキャンセルしました"),
	)
	// Whether it was late depends on the hour the test runs at.
	bs, err := h.App.Bookings.MyBookings(context.Background(), principal(t, h, empEmail, empPass))
	if err != nil || len(bs) != 1 {
		t.Fatalf("bookings: %+v %v", bs, err)
	}
	want := map[string]string{booking.StatusCancelled: "キャンセル", booking.StatusLateCancelled: "直前キャンセル"}[bs[0].Status]
	if late := bs[0].CancelledAt != nil && bs[0].Start.Sub(*bs[0].CancelledAt) < 24*time.Hour; late != (bs[0].Status == booking.StatusLateCancelled) {
		t.Errorf("status %s for a session %s after the cancellation", bs[0].Status, bs[0].Start.Sub(*bs[0].CancelledAt))
	}
	if st := text(t, ctx, "#session-status"); want == "" || st != want {
		t.Errorf("status after cancelling %q (%s)", st, bs[0].Status)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`nav a[href="/sessions"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#cancelled-upcoming .session-item`)),
	)
	// Still ahead, it is listed as upcoming and cancelled, not as past.
	if c := text(t, ctx, "#cancelled-upcoming"); !strings.Contains(c, moved) || !strings.Contains(c, "キャンセル") {
		t.Errorf("upcoming, cancelled:\n%s", c)
	}
	if past := text(t, ctx, "#past"); strings.Contains(past, moved) {
		t.Errorf("past sessions:\n%s", past)
	}
	screenshot(t, ctx, "booking-my-sessions-after.png")
}
