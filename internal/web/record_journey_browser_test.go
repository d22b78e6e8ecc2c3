package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/programme"
)

const (
	journeySummary = "JOURNEY-SUMMARY: 上司との面談の準備を一緒に考えました"
	journeyNotes   = "JOURNEY-PRIVATE-NOTES-7f3e"
)

// TestBrowserRecordFeedbackSharingAndProgrammeStep is issue 6's journey
// across three people. The employee is enrolled (and has accepted) in a
// named return-to-work programme whose "before return" step is linked to a
// session that has just been held. The counsellor writes the record; the
// employee rates the session, reads the summary, previews exactly what HR
// would see and shares it; the company admin then sees the shared summary
// on the shared page and, on the programme, only that the step was held —
// never the private notes, the counsellor, the themes or the ratings.
func TestBrowserRecordFeedbackSharingAndProgrammeStep(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	w := newMoneyWorld(t)
	bookingID, pid := journeySetup(t, w)
	session := bookingID.String()

	// The counsellor writes the record.
	do(t, ctx, browserLogin(w.h, "c@billing.example", billPass), chromedp.WaitVisible(chromedp.CSS(`.who-name`)),
		chromedp.Navigate(w.h.URL+"/counselor/sessions/"+session+"/record"),
		chromedp.WaitVisible(chromedp.CSS(`#record-form`)),
		chromedp.Click(chromedp.CSS(`#theme-return_to_work`)),
		chromedp.Click(chromedp.CSS(`#risk-low`)),
		chromedp.Click(chromedp.CSS(`#obs-workload`)),
		chromedp.SendKeys(chromedp.CSS(`#summary`), journeySummary),
		chromedp.SendKeys(chromedp.CSS(`#notes`), journeyNotes))
	screenshot(t, ctx, "record-form.png")
	do(t, ctx, chromedp.Submit(chromedp.CSS(`#record-form`)), chromedp.WaitVisible(chromedp.CSS(`#record-state`)))
	got, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#notes').value`))
	if err != nil || !strings.Contains(got, journeyNotes) {
		t.Fatalf("the counsellor does not read back their notes: %q (%v)", got, err)
	}
	do(t, ctx, browserLogout())

	// The employee rates the session, reads the summary and shares it.
	feedback := "/sessions/" + session + "/feedback"
	do(t, ctx, browserLogin(w.h, "emp@billing.example", billPass), chromedp.WaitVisible(chromedp.CSS(`.who-name`)),
		chromedp.Navigate(w.h.URL+feedback), chromedp.WaitVisible(chromedp.CSS(`#rating-form`)))
	if got := text(t, ctx, "#summary-text"); !strings.Contains(got, journeySummary) {
		t.Fatalf("the employee reads %q as the summary", got)
	}
	rate := []chromedp.Action[chromedp.Void]{chromedp.Click(chromedp.CSS(`#satisfaction-5`)), chromedp.Click(chromedp.CSS(`#fit-4`))}
	for i, v := range []string{"3", "4", "3", "4", "2"} {
		rate = append(rate, chromedp.Click(chromedp.CSS(`#who5-`+string(rune('0'+i))+`-`+v)))
	}
	rate = append(rate, chromedp.SendKeys(chromedp.CSS(`#comment`), "JOURNEY-COMMENT"),
		chromedp.Click(chromedp.CSS(`#rating-submit`)), chromedp.WaitVisible(chromedp.CSS(`#rating-given`)))
	do(t, ctx, rate...)
	preview := text(t, ctx, "#share-summary-preview")
	if !strings.Contains(preview, journeySummary) || !strings.Contains(preview, "秘密 太郎") {
		t.Fatalf("the preview of what HR would see is %q", preview)
	}
	screenshot(t, ctx, "feedback-share-preview.png")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#share-summary-grant`)), chromedp.WaitVisible(chromedp.CSS(`#share-summary-state`)))
	do(t, ctx, browserLogout())

	// HR sees the shared summary exactly as previewed, and of the
	// programme only that the step was held.
	do(t, ctx, browserLogin(w.h, "hr0@billing.example", billPass), chromedp.WaitVisible(chromedp.CSS(`.who-name`)),
		chromedp.Navigate(w.h.URL+"/company/shared"), chromedp.WaitVisible(chromedp.CSS(`#shared-list`)))
	shared := text(t, ctx, "#shared-list")
	if !strings.Contains(shared, journeySummary) {
		t.Fatalf("HR's shared list is %q", shared)
	}
	do(t, ctx, chromedp.Navigate(w.h.URL+"/company/programmes/"+pid.String()), chromedp.WaitVisible(chromedp.CSS(`#enrolments`)))
	screenshot(t, ctx, "programme-hr-step-state.png")
	if n := count(t, ctx, `#enrolments .hr-step-held`); n != 1 {
		t.Fatalf("HR sees %d held steps, want 1", n)
	}
	page := text(t, ctx, "body")
	for _, secret := range []string{journeyNotes, journeySummary, "JOURNEY-COMMENT", "相談 花子", "山田 花子"} {
		if strings.Contains(page, secret) {
			t.Errorf("HR's programme page shows %q", secret)
		}
	}
	// The private notes reach nobody but the counsellor, by any page HR opens.
	for _, path := range []string{"/company/shared", "/company/programmes/" + pid.String(), feedback} {
		do(t, ctx, chromedp.Navigate(w.h.URL+path))
		if strings.Contains(text(t, ctx, "body"), journeyNotes) {
			t.Errorf("%s shows the private notes to HR", path)
		}
	}
}

// journeySetup returns the billing world's first session, made confirmed
// and just started (so the counsellor can write its record), and a named
// return-to-work programme the employee accepted whose "before return"
// step is invited and linked to that session.
func journeySetup(t *testing.T, w moneyWorld) (uuid.UUID, uuid.UUID) {
	t.Helper()
	bg := context.Background()
	var b struct {
		ID       uuid.UUID `db:"id"`
		Employee uuid.UUID `db:"employee_user_id"`
	}
	err := w.h.Env.DB.InTx(bg, db.System, func(tx *sqlx.Tx) error {
		if err := tx.Get(&b, `SELECT id, employee_user_id FROM bookings WHERE company_id = $1 ORDER BY starts_at LIMIT 1`, w.companyA); err != nil {
			return err
		}
		_, err := tx.Exec(`UPDATE bookings SET status = 'confirmed', completed_at = NULL WHERE id = $1`, b.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	hr := w.h.Login("hr0@billing.example", billPass)
	co := "/api/v1/companies/" + w.companyA.String()
	var p programme.Programme
	if st := hr.Do("POST", co+"/programmes", map[string]any{"template": "return_to_work", "name": "復職支援", "mode": "named"}, &p); st != http.StatusCreated {
		t.Fatalf("create programme: %d", st)
	}
	today := programme.Today(time.Now())
	anchors := map[string]string{"leave_on": today.AddDate(0, -2, 0).Format(time.DateOnly), "return_on": today.AddDate(0, 0, 5).Format(time.DateOnly)}
	if st := hr.Do("POST", co+"/programmes/"+p.ID.String()+"/enrolments", map[string]any{"email": "emp@billing.example", "anchors": anchors}, nil); st != http.StatusCreated {
		t.Fatalf("enrol: %d", st)
	}
	emp := w.h.Login("emp@billing.example", billPass)
	var mine struct{ Items []programme.Enrolment }
	if st := emp.Do("GET", "/api/v1/me/programmes", nil, &mine); st != http.StatusOK || len(mine.Items) != 1 {
		t.Fatalf("my programmes: %d %d", st, len(mine.Items))
	}
	if st := emp.Do("POST", "/api/v1/me/enrolments/"+mine.Items[0].ID.String()+"/accept", nil, nil); st != http.StatusOK {
		t.Fatalf("accept: %d", st)
	}
	if _, err := w.h.App.Programmes.SendDue(bg, time.Now()); err != nil {
		t.Fatal(err)
	}
	emp.Do("GET", "/api/v1/me/programmes", nil, &mine)
	var step uuid.UUID
	for _, s := range mine.Items[0].Steps {
		if s.Key == "before_return" {
			step = s.ID
		}
	}
	actor := auth.Principal{UserID: b.Employee, CompanyID: w.companyA, Role: auth.RoleEmployee}
	if _, err := w.h.App.Programmes.LinkBooking(bg, actor, step, b.ID); err != nil {
		t.Fatalf("link the session to the step %s: %v", step, err)
	}
	return b.ID, p.ID
}

func browserLogout() chromedp.Action[chromedp.Void] {
	return chromedp.Steps(
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`#email`)),
	)
}

func count(t *testing.T, ctx context.Context, css string) int {
	t.Helper()
	n, err := chromedp.Run(ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+"`"+css+"`"+`).length`))
	if err != nil {
		t.Fatalf("count %s: %v", css, err)
	}
	return n
}
