package web_test

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/matching"
)

// viewports are the two widths every page of the homes slice is checked
// at: a laptop and a phone.
var viewports = []struct {
	name          string
	width, height int64
	mobile        bool
}{{"1366", 1366, 900, false}, {"390", 390, 844, true}}

// atViewport sets the page's size (a phone also gets touch and its UA).
func atViewport(w, h int64, mobile bool) chromedp.Action[chromedp.Void] {
	if mobile {
		return chromedp.EmulateViewport(w, h, chromedp.EmulateMobile)
	}
	return chromedp.EmulateViewport(w, h)
}

// TestBrowserEmployeeHomeShowsWhatIsNextOnALaptopAndAPhone: the next
// session with its countdown, the one after, a session to rate and the
// recommendations, at both widths with no sideways scroll; the join button
// appears when the room opens.
func TestBrowserEmployeeHomeShowsWhatIsNextOnALaptopAndAPhone(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	next := w.book(t, empEmail, 0)
	later := w.book(t, empEmail, 0)
	held := w.book(t, empEmail, 0)
	now := time.Now()
	moveSession(t, h, next.ID, now.Add(2*24*time.Hour+3*time.Hour+30*time.Minute))
	moveSession(t, h, later.ID, now.Add(6*24*time.Hour))
	moveSession(t, h, held.ID, now.Add(-26*time.Hour))
	if _, err := h.App.Matching.SaveFitProfile(context.Background(), principal(t, h, empEmail, empPass), withTheme(fitAnswers(3, 2), "career")); err != nil {
		t.Fatal(err)
	}

	do(t, ctx, browserLogin(h, empEmail, empPass), chromedp.WaitVisible(chromedp.CSS(`#next-session`)))
	for _, vp := range viewports {
		do(t, ctx, atViewport(vp.width, vp.height, vp.mobile), chromedp.Navigate(h.URL+"/employee"), chromedp.WaitVisible(chromedp.CSS(`#next-session`)))
		if c := text(t, ctx, "#next-countdown"); c != "あと2日 3時間" {
			t.Errorf("%s: countdown %q", vp.name, c)
		}
		if n := evaluate[int](t, ctx, `document.querySelectorAll('#upcoming-list li').length`); n != 1 {
			t.Errorf("%s: %d later sessions, want 1", vp.name, n)
		}
		if r := text(t, ctx, "#to-rate"); !strings.Contains(r, "評価する") {
			t.Errorf("%s: to rate: %q", vp.name, r)
		}
		if s := text(t, ctx, "#fit-cta h2"); s != "あなたへのおすすめ" {
			t.Errorf("%s: recommendations heading %q", vp.name, s)
		}
		noSideScroll(t, ctx, "the employee's home at "+vp.name, vp.width)
		screenshot(t, ctx, "employee-home-"+vp.name+".png")
	}

	moveSession(t, h, next.ID, time.Now().Add(5*time.Minute))
	do(t, ctx, chromedp.Navigate(h.URL+"/employee"), chromedp.WaitVisible(chromedp.CSS(`#join-`+next.ID.String())))
	do(t, ctx, chromedp.Click(chromedp.CSS(`#join-`+next.ID.String())), chromedp.WaitReady(chromedp.CSS(`body`)))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/meet/"+next.ID.String()) {
		t.Errorf("join led to %s", loc)
	}
}

// withTheme sets the profile's theme (the employee's questionnaire needs one).
func withTheme(fp matching.FitProfile, theme string) matching.FitProfile {
	fp.Theme = theme
	return fp
}

// TestBrowserFitQuestionnaireIsASegmentedBarWithKeysAndProgress: every
// answer is a segment of at least 44 × 44 px holding its radio, the bar
// fits a phone, the arrow key moves the answer within a question (native
// radios), and the progress follows.
func TestBrowserFitQuestionnaireIsASegmentedBarWithKeysAndProgress(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	newBookingWorld(t, h, allDay())
	total := len(matching.ValueItems) + len(matching.StyleItems)
	first := `#values-` + matching.ValueItems[0] + `-1`
	name := `values.` + matching.ValueItems[0]

	do(t, ctx, browserLogin(h, empEmail, empPass), chromedp.WaitVisible(chromedp.CSS(`#fit-cta`)))
	for _, vp := range viewports {
		do(t, ctx, atViewport(vp.width, vp.height, vp.mobile), chromedp.Navigate(h.URL+"/fit-profile"), chromedp.WaitVisible(chromedp.CSS(`#fit-form`)))
		if p := text(t, ctx, "#fit-progress-text"); p != "回答済み 0 / "+strconv.Itoa(total) {
			t.Errorf("%s: progress %q", vp.name, p)
		}
		small := evaluate[[]string](t, ctx, `[...document.querySelectorAll('.likert-point')].filter(l => {
			const r = l.getBoundingClientRect(); return r.width < 44 || r.height < 44 }).map(l => l.htmlFor + ' ' + Math.round(l.getBoundingClientRect().width) + 'x' + Math.round(l.getBoundingClientRect().height))`)
		if len(small) > 0 {
			t.Errorf("%s: %d answers smaller than 44 px, e.g. %v", vp.name, len(small), small[0])
		}
		spill := evaluate[int](t, ctx, `[...document.querySelectorAll('.likert-point')].filter(l => {
			const r = l.getBoundingClientRect(), i = l.querySelector('input').getBoundingClientRect();
			return i.left < r.left - 0.5 || i.right > r.right + 0.5 || i.top < r.top - 0.5 || i.bottom > r.bottom + 0.5 }).length`)
		if spill > 0 {
			t.Errorf("%s: %d radios spill out of their segment", vp.name, spill)
		}
		if vp.mobile {
			// Full width on a phone: the bar spans its question.
			narrow := evaluate[int](t, ctx, `[...document.querySelectorAll('.likert')].filter(f => {
				const b = f.querySelector('.likert-bar').getBoundingClientRect(), r = f.getBoundingClientRect();
				return b.width < r.width - 2 }).length`)
			if narrow > 0 {
				t.Errorf("%s: %d bars narrower than their question", vp.name, narrow)
			}
		}
		noSideScroll(t, ctx, "the questionnaire at "+vp.name, vp.width)
		screenshot(t, ctx, "fit-questionnaire-"+vp.name+".png")

		// The keyboard: focus the first answer, arrow right checks the second.
		do(t, ctx, chromedp.Focus(chromedp.CSS(first)), chromedp.KeyEvent(kb.ArrowRight))
		if v := evaluate[string](t, ctx, `(document.querySelector('input[name="`+name+`"]:checked') || {}).value || ''`); v != "2" {
			t.Errorf("%s: after ArrowRight the answer is %q, want 2", vp.name, v)
		}
		do(t, ctx, waitText("#fit-progress-text", "回答済み 1 / "+strconv.Itoa(total)))
		do(t, ctx, chromedp.KeyEvent(kb.ArrowRight))
		if v := evaluate[string](t, ctx, `document.querySelector('input[name="`+name+`"]:checked').value`); v != "3" {
			t.Errorf("%s: after a second ArrowRight the answer is %q, want 3", vp.name, v)
		}
	}
}

// TestBrowserDemoHomesFitALaptopAndAPhone signs in as the demo's company
// admin, a counsellor with records to write and the operator, and checks
// each landing at both widths: its "what's next" panels are there and the
// page never scrolls sideways. Screenshots are kept in test-artifacts/.
func TestBrowserDemoHomesFitALaptopAndAPhone(t *testing.T) {
	t.Parallel()
	// Seed before the browser starts: the journey's deadline is for the
	// journey, not for a busy machine's seeding.
	h, _ := newReportDemo(t)
	var counselorEmail string
	sysGet(t, h, &counselorEmail, `SELECT u.email FROM bookings b JOIN users u ON u.id = b.counselor_user_id
		WHERE (b.status = 'completed' OR (b.status = 'confirmed' AND b.ends_at <= now()))
		  AND NOT EXISTS (SELECT 1 FROM session_records r WHERE r.booking_id = b.id)
		ORDER BY b.starts_at DESC LIMIT 1`)
	ctx := newChrome(t)
	for _, who := range []struct {
		email, path, page, panel string
	}{
		{"hr@sample-shoji.example", "/company", "company-home", "#invoices-due"},
		{counselorEmail, "/counselor", "counselor-home", "#records-due"},
		{"operator@taiwa.example", "/operator/companies", "operator-home", "#operator-next"},
	} {
		do(t, ctx, atViewport(1366, 900, false), browserLogin(h, who.email, demoPass), chromedp.WaitVisible(chromedp.CSS(who.panel)))
		for _, vp := range viewports {
			do(t, ctx, atViewport(vp.width, vp.height, vp.mobile), chromedp.Navigate(h.URL+who.path), chromedp.WaitVisible(chromedp.CSS(who.panel)))
			noSideScroll(t, ctx, who.path+" at "+vp.name, vp.width)
			screenshot(t, ctx, who.page+"-"+vp.name+".png")
		}
		do(t, ctx, atViewport(1366, 900, false), chromedp.Navigate(h.URL+who.path), chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"] button`)),
			chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)), chromedp.WaitVisible(chromedp.CSS(`#email`)))
	}
}
