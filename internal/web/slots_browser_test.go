package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/clock"
)

// TestBrowserSlotPickerWeekViewAtBothWidths: a Berlin employee's week
// view of a Japan-based counsellor, on a desktop (1366×900: seven columns
// side by side) and on a phone (390×844: the week pages sideways inside
// its own box, the page never scrolls sideways). Next week, the zone
// switch and the earliest-slot shortcut swap the picker in place and
// keep the address; the session page offers add-to-calendar links; the
// settings page changes the zone.
func TestBrowserSlotPickerWeekViewAtBothWidths(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t, apptest.Options{Clock: clock.Fixed(dstClock)})
	w := newBookingWorld(t, h, tokyoAfternoons())
	emp := principal(t, h, empEmail, empPass)
	if _, err := h.App.Accounts.SetTimezone(context.Background(), emp, "Europe/Berlin"); err != nil {
		t.Fatal(err)
	}
	b, err := h.App.Bookings.Book(context.Background(), emp, booking.NewBooking{CounselorID: w.counselorID,
		Start: dstClock.AddDate(0, 0, 6).Add(7 * time.Hour), Theme: "career", Format: "video"}, "")
	if err != nil {
		t.Fatal(err)
	}
	profile := h.URL + "/counselors/" + w.counselorID.String()
	do(t, ctx, browserLogin(h, empEmail, empPass), chromedp.WaitVisible(chromedp.CSS(`.hero`)))

	for _, size := range []struct {
		w, h   int
		mobile bool
	}{{1366, 900, false}, {390, 844, true}} {
		vp := chromedp.EmulateViewport(int64(size.w), int64(size.h))
		if size.mobile {
			vp = chromedp.EmulateViewport(int64(size.w), int64(size.h), chromedp.EmulateMobile)
		}
		suffix := fmt.Sprintf("-%d.png", size.w)
		do(t, ctx, vp, chromedp.Navigate(profile), chromedp.WaitVisible(chromedp.CSS(`#week-grid a.slot`)))
		if wk := text(t, ctx, "#picker-week"); !strings.Contains(wk, "3月22日") || !strings.Contains(wk, "3月28日") {
			t.Errorf("%d: week %q", size.w, wk)
		}
		if sat := text(t, ctx, "#day-2027-03-27"); !strings.Contains(sat, "08:00") {
			t.Errorf("%d: Saturday before the switch: %q", size.w, sat)
		}
		if sun := text(t, ctx, "#day-2027-03-28"); !strings.Contains(sun, "09:00") || strings.Contains(sun, "08:00") {
			t.Errorf("%d: Sunday of the switch: %q", size.w, sun)
		}
		noPageScroll(t, ctx, size.w)
		rows := evaluate[int](t, ctx, `new Set([...document.querySelectorAll('#week-grid .slot-day')].map(e => e.getBoundingClientRect().top)).size`)
		paged := evaluate[bool](t, ctx, `(() => { const g = document.querySelector('#week-grid'); return g.scrollWidth > g.clientWidth })()`)
		if size.mobile && !paged {
			t.Errorf("390: the week does not page sideways")
		}
		if !size.mobile && (rows != 1 || paged) {
			t.Errorf("1366: the days take %d rows (paged %v)", rows, paged)
		}
		screenshot(t, ctx, "slot-picker"+suffix)

		// Next week: swapped in place, the address follows.
		do(t, ctx, chromedp.Click(chromedp.CSS(`#week-next`)), waitText("#picker-week", "3月29日"))
		if loc := location(t, ctx); !strings.Contains(loc, "week=2027-03-29") {
			t.Errorf("%d: address after next week: %s", size.w, loc)
		}
		// 16:00 JST is booked: 17:00 JST is 10:00 in Berlin (summer time).
		if mon := text(t, ctx, "#day-2027-03-29"); !strings.Contains(mon, "10:00") || strings.Contains(mon, "09:00") {
			t.Errorf("%d: Monday after the switch: %q", size.w, mon)
		}
		// Another zone, for this view.
		do(t, ctx, chromedp.SetValue(chromedp.CSS(`#tz`), "Asia/Tokyo"), chromedp.Click(chromedp.CSS(`#zone-apply`)),
			waitText("#picker-other-zone", "Asia/Tokyo"))
		if mon := text(t, ctx, "#day-2027-03-29"); !strings.Contains(mon, "17:00") {
			t.Errorf("%d: Monday in Tokyo: %q", size.w, mon)
		}
		noPageScroll(t, ctx, size.w)
		screenshot(t, ctx, "slot-picker-zone"+suffix)
		// Back to the earliest slot's week.
		do(t, ctx, chromedp.Click(chromedp.CSS(`#picker-earliest`)), waitText("#picker-week", "3月22日"))
		if loc := location(t, ctx); !strings.Contains(loc, "week=2027-03-22") || !strings.Contains(loc, "tz=Asia") {
			t.Errorf("%d: address after the shortcut: %s", size.w, loc)
		}

		// The session page: its time in Berlin and the calendar links.
		do(t, ctx, chromedp.Navigate(h.URL+"/sessions/"+b.ID.String()), chromedp.WaitVisible(chromedp.CSS(`#add-calendar`)))
		if when := text(t, ctx, "#session-when"); !strings.Contains(when, "2027-03-29") || !strings.Contains(when, "09:00–09:50") {
			t.Errorf("%d: session at %q", size.w, when)
		}
		g := evaluate[string](t, ctx, `document.querySelector('#cal-google').href`)
		if !strings.Contains(g, "dates=20270329T070000Z%2F20270329T075000Z") {
			t.Errorf("google link %s", g)
		}
		noPageScroll(t, ctx, size.w)
		screenshot(t, ctx, "session-calendar"+suffix)

		do(t, ctx, chromedp.Navigate(h.URL+"/account/settings"), chromedp.WaitVisible(chromedp.CSS(`#settings-save`)))
		noPageScroll(t, ctx, size.w)
		screenshot(t, ctx, "account-settings"+suffix)
	}
	do(t, ctx, chromedp.SetValue(chromedp.CSS(`#timezone`), "America/New_York"), chromedp.Click(chromedp.CSS(`#settings-save`)),
		waitText("#settings-current", "America/New_York"))
}

// noPageScroll fails when the page scrolls sideways.
func noPageScroll(t *testing.T, ctx context.Context, width int) {
	t.Helper()
	if over := evaluate[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
		t.Errorf("%d: the page is %d px wider than the window", width, over)
	}
}
