package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// overdueAlert opens an urgent alert on a new booking of the world (its
// first slot after the given time from now), raised ago (the counsellor's
// save is not what these tests are about).
func overdueAlert(t *testing.T, w bookingWorld, ago time.Duration, after ...time.Duration) string {
	t.Helper()
	b := w.book(t, empEmail, append(after, time.Hour)[0])
	var id uuid.UUID
	err := w.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&id, `INSERT INTO risk_alerts (company_id, booking_id, counselor_id, risk_level, raised_at)
			SELECT company_id, id, counselor_id, 'urgent', now() - $2::interval FROM bookings WHERE id = $1 RETURNING id`,
			b.ID, ago.String())
	})
	if err != nil {
		t.Fatal(err)
	}
	return "/operator/alerts/" + id.String()
}

// TestAlertPagesFlagOverdueAndResolveNeedsAChosenOutcome: a 35-hour-old
// open alert shows "確認期限超過 34時間" on the queue and the page; the
// resolve form has no outcome chosen, and sending none is 422 with the
// message at the field; acknowledging records who and when.
func TestAlertPagesFlagOverdueAndResolveNeedsAChosenOutcome(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	path := overdueAlert(t, w, 35*time.Hour+10*time.Minute)
	op := newBrowser(t, h)
	op.login("operator@taiwa.example", "operator-pass-2026")
	mustContain(t, op.get("/operator/alerts"), "確認期限超過 34時間", `class="badge badge-overdue"`)
	detail := op.get(path)
	mustContain(t, detail, `id="alert-overdue"`, "確認期限超過 34時間", "対応確認の期限",
		`<option value="" selected>対応結果を選んでください</option>`)
	mustNotContain(t, detail, `value="contacted_counselor" selected`)

	tok := op.csrf(path)
	for _, outcome := range []string{"", "forgot"} {
		p := op.post(path+"/resolve", url.Values{"_csrf": {tok}, "outcome": {outcome}})
		if p.Status != http.StatusUnprocessableEntity {
			t.Fatalf("resolve with outcome %q: %d", outcome, p.Status)
		}
		mustContain(t, p, `id="outcome-error"`, `aria-invalid="true"`, "「対応結果」")
	}
	mustContain(t, op.get(path), "未対応")

	if p := op.post(path+"/acknowledge", url.Values{"_csrf": {tok}}); p.Status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d", p.Status)
	}
	acked := op.get(path)
	mustContain(t, acked, "対応中", `id="alert-acknowledged"`, "解決の期限")
	// Acknowledged at 35 h, it is 11 h past the 24-hour resolve deadline.
	mustContain(t, acked, "解決期限超過 11時間")

	en := newBrowser(t, h)
	en.login("operator@taiwa.example", "operator-pass-2026")
	toEnglish(t, en, "/operator/alerts")
	mustContain(t, en.get("/operator/alerts"), "Resolution overdue by 11 h")
	p := en.post(path+"/resolve", url.Values{"_csrf": {en.csrf(path)}})
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("resolve without outcome (en): %d", p.Status)
	}
	mustContain(t, p, "Choose the “Outcome” before resolving.")
	if p := en.post(path+"/resolve", url.Values{"_csrf": {en.csrf(path)}, "outcome": {"employee_safe"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("resolve: %d", p.Status)
	}
	mustNotContain(t, en.get("/operator/alerts"), "overdue by")
}

// toEnglish switches the browser's UI to English with the language switch.
// from is a page of the browser's user that has a form.
func toEnglish(t *testing.T, b *browser, from string) { setLang(t, b, from, "en") }

// setLang switches the browser's UI (its cookie, and its user's account)
// to lang.
func setLang(t *testing.T, b *browser, from, lang string) {
	t.Helper()
	if p := b.post("/lang", url.Values{"_csrf": {b.csrf(from)}, "lang": {lang}, "next": {from}}); p.Status != http.StatusSeeOther {
		t.Fatalf("language switch: %d", p.Status)
	}
}
