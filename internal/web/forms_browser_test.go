package web_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/booking"
)

// formWidths are the two window sizes every form page is checked at.
var formWidths = []struct {
	name string
	w, h int64
}{{"1366", 1366, 900}, {"390", 390, 844}}

// waitJS waits until a script expression is true.
func waitJS(t *testing.T, ctx context.Context, expr string) {
	t.Helper()
	waitFor(t, ctx, func() bool {
		ok, err := chromedp.Run(ctx, chromedp.Evaluate[bool](expr))
		return err == nil && ok
	})
}

// mondayOnly opens Monday 09:00–12:00 and 13:00–17:00 only.
func mondayOnly() booking.Availability {
	return booking.Availability{Timezone: "Asia/Tokyo", SlotMinutes: 50, BufferMinutes: 10, MinNoticeMinutes: 60, HorizonDays: 30, MaxPerDay: 8,
		Weekly: []booking.WeeklyRange{{Weekday: 1, Start: "09:00", End: "12:00"}, {Weekday: 1, Start: "13:00", End: "17:00"}}}
}

// TestBrowserAvailabilityEditedInPlace: at both widths the counsellor adds
// a row to Friday in place (no page load, no jump to the top, the new
// row's start focused), copies Monday's ranges to Tuesday and Wednesday in
// one action and sees the slot preview follow; the session list and the
// record form are photographed on the way.
func TestBrowserAvailabilityEditedInPlace(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, mondayOnly())
	held := w.insertSession(t, empEmail, time.Now().Add(-3*time.Hour), "completed")
	w.insertSession(t, empEmail, time.Now().Add(50*time.Hour), "confirmed")

	for _, size := range formWidths {
		t.Run(size.name, func(t *testing.T) {
			ctx := newChrome(t)
			do(t, ctx, browserLogin(h, cEmail, counselorPass), chromedp.WaitVisible(chromedp.CSS(`.who-name`)))
			if _, err := h.App.Bookings.SetAvailability(context.Background(), principal(t, h, cEmail, counselorPass), mondayOnly()); err != nil {
				t.Fatal(err)
			}
			do(t, ctx,
				chromedp.EmulateViewport(size.w, size.h),
				chromedp.Navigate(h.URL+"/counselor/availability"),
				chromedp.WaitVisible(chromedp.CSS(`#day-5`)),
				chromedp.WaitVisible(chromedp.CSS(`#preview-days`)),
			)
			noSideScroll(t, ctx, "availability", size.w)
			evaluate[bool](t, ctx, `(window.__samePage = true)`)

			// + 時間帯を追加 on Friday: the day is swapped in place.
			do(t, ctx, chromedp.ScrollIntoView(chromedp.CSS(`#add-row-5`)))
			y := evaluate[float64](t, ctx, `window.scrollY`)
			if y <= 0 {
				t.Fatalf("the page did not scroll to Friday (scrollY %v)", y)
			}
			do(t, ctx, chromedp.Click(chromedp.CSS(`#add-row-5`)))
			waitJS(t, ctx, `!!document.querySelector('#start_5_3')`)
			if !evaluate[bool](t, ctx, `window.__samePage === true`) {
				t.Fatal("adding a row loaded a new page")
			}
			if y2 := evaluate[float64](t, ctx, `window.scrollY`); y2 <= 0 {
				t.Errorf("adding a row jumped to the top (scrollY %v → %v)", y, y2)
			}
			waitJS(t, ctx, `document.activeElement && document.activeElement.id === 'start_5_3'`)

			// Copy Monday to Tuesday and Wednesday in one action; the
			// preview follows.
			before := evaluate[int](t, ctx, `document.querySelectorAll('#slot-preview .preview-slot').length`)
			do(t, ctx,
				chromedp.ScrollIntoView(chromedp.CSS(`#copy-days`)),
				chromedp.Click(chromedp.CSS(`#copy-to-2`)),
				chromedp.Click(chromedp.CSS(`#copy-to-3`)),
				chromedp.Click(chromedp.CSS(`#copy-apply`)),
				chromedp.WaitVisible(chromedp.CSS(`#weekly-done`)),
			)
			if !evaluate[bool](t, ctx, `window.__samePage === true`) {
				t.Fatal("copying loaded a new page")
			}
			for _, id := range []string{"start_2_0", "start_3_0"} {
				if v := evaluate[string](t, ctx, `document.querySelector('#`+id+`').value`); v != "09:00" {
					t.Errorf("%s after the copy: %q", id, v)
				}
			}
			if v := evaluate[string](t, ctx, `document.querySelector('#end_3_1').value`); v != "17:00" {
				t.Errorf("end_3_1 after the copy: %q", v)
			}
			waitJS(t, ctx, fmt.Sprintf(`document.querySelectorAll('#slot-preview .preview-slot').length > %d`, before))
			noSideScroll(t, ctx, "availability after edits", size.w)
			screenshot(t, ctx, "availability-"+size.name+".png")

			// Nothing was saved by the edits; 保存する saves them.
			if a, _ := h.App.Bookings.GetAvailability(context.Background(), principal(t, h, cEmail, counselorPass)); len(a.Weekly) != 2 {
				t.Fatalf("edits saved the schedule: %+v", a.Weekly)
			}
			do(t, ctx, chromedp.Click(chromedp.CSS(`#avail-save`)), waitText(".flash-success", "空き時間を保存しました"))
			if a, _ := h.App.Bookings.GetAvailability(context.Background(), principal(t, h, cEmail, counselorPass)); len(a.Weekly) != 6 {
				t.Fatalf("saved %d ranges, want Monday's two on three days: %+v", len(a.Weekly), a.Weekly)
			}

			// The session list and the record form at this width.
			do(t, ctx, chromedp.Navigate(h.URL+"/counselor/sessions"), chromedp.WaitVisible(chromedp.CSS(`#session-`+held.String()+` .record-write`)))
			noSideScroll(t, ctx, "counsellor sessions", size.w)
			screenshot(t, ctx, "counselor-sessions-"+size.name+".png")
			do(t, ctx, chromedp.Click(chromedp.CSS(`#session-`+held.String()+` .record-write`)), chromedp.WaitVisible(chromedp.CSS(`#record-form`)))
			if n := evaluate[int](t, ctx, `document.querySelectorAll('input[name=risk]:checked').length`); n != 0 {
				t.Errorf("%d risk levels are chosen before the counsellor chose one", n)
			}
			noSideScroll(t, ctx, "record form", size.w)
			screenshot(t, ctx, "record-edit-"+size.name+".png")
		})
	}
}

// TestBrowserRatingByKeyboard: at both widths the employee finds the
// held session flagged 評価待ち, opens the short rating screen and rates
// it with the keyboard alone (arrow keys within each scale, Tab between
// questions, Enter to send); the flag is then gone.
func TestBrowserRatingByKeyboard(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	sessions := map[string]string{}
	for i, size := range formWidths {
		sessions[size.name] = w.insertSession(t, empEmail, time.Now().Add(-time.Duration(3+5*i)*time.Hour), "completed").String()
	}

	for _, size := range formWidths {
		t.Run(size.name, func(t *testing.T) {
			ctx := newChrome(t)
			do(t, ctx, browserLogin(h, empEmail, empPass), chromedp.WaitVisible(chromedp.CSS(`.who-name`)))
			id := sessions[size.name]
			row := `#session-` + id
			do(t, ctx,
				chromedp.EmulateViewport(size.w, size.h),
				chromedp.Navigate(h.URL+"/sessions"),
				chromedp.WaitVisible(chromedp.CSS(row+` .badge-to-rate`)),
			)
			noSideScroll(t, ctx, "sessions", size.w)
			screenshot(t, ctx, "sessions-to-rate-"+size.name+".png")
			do(t, ctx, chromedp.Click(chromedp.CSS(row+` .rate-link`)), chromedp.WaitVisible(chromedp.CSS(`#rating-form`)))
			noSideScroll(t, ctx, "rating", size.w)
			height := evaluate[float64](t, ctx, `document.querySelector('#rating-form').getBoundingClientRect().height`)
			t.Logf("rating form height at %s px: %.0f px", size.name, height)
			if size.w >= 1366 && height > float64(size.h) {
				t.Errorf("the rating form is %.0f px tall, more than one %d px screen", height, size.h)
			}
			screenshot(t, ctx, "rating-"+size.name+".png")

			// Satisfaction: focus the first choice, arrow right to 4.
			keys := []chromedp.Action[chromedp.Void]{chromedp.Focus(chromedp.CSS(`#satisfaction-1`))}
			for range 3 {
				keys = append(keys, chromedp.KeyEvent(kb.ArrowRight))
			}
			// Fit: Tab into the group (nothing chosen: its first choice),
			// then arrow right to 5 (four steps from 1).
			keys = append(keys, chromedp.KeyEvent(kb.Tab))
			for range 4 {
				keys = append(keys, chromedp.KeyEvent(kb.ArrowRight))
			}
			// WHO-5: each item by Tab, arrow right twice from 0 to 2.
			for range 5 {
				keys = append(keys, chromedp.KeyEvent(kb.Tab), chromedp.KeyEvent(kb.ArrowRight), chromedp.KeyEvent(kb.ArrowRight))
			}
			do(t, ctx, keys...)
			got := evaluate[string](t, ctx, `[...document.querySelectorAll('#rating-form input[type=radio]:checked')].map(e => e.name + '=' + e.value).join(' ')`)
			want := "satisfaction=4 fit=5 who5_0=2 who5_1=2 who5_2=2 who5_3=2 who5_4=2"
			if got != want {
				t.Fatalf("the keyboard chose %q, want %q", got, want)
			}
			// A focused choice shows where the focus is.
			if outline := evaluate[string](t, ctx, `getComputedStyle(document.querySelector('#who5-4-2 + span')).outlineStyle`); outline == "none" {
				t.Errorf("the focused choice has no visible focus ring")
			}
			do(t, ctx, chromedp.Focus(chromedp.CSS(`#rating-submit`)), chromedp.KeyEvent(kb.Enter), chromedp.WaitVisible(chromedp.CSS(`#rating-given`)))
			if s := text(t, ctx, "#rating-satisfaction"); !strings.HasPrefix(s, "4") {
				t.Errorf("saved satisfaction %q", s)
			}
			do(t, ctx, chromedp.Navigate(h.URL+"/sessions"), chromedp.WaitVisible(chromedp.CSS(row)))
			if n := evaluate[int](t, ctx, `document.querySelectorAll('`+row+` .badge-to-rate').length`); n != 0 {
				t.Errorf("the rated session is still flagged")
			}
		})
	}
}
