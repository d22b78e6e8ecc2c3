package web_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
)

const webSummaryMarker = "WEB-SUMMARY-MARKER-3a9c"

// heldWithRecord is the billing world's first held session, given a
// record whose summary carries a marker.
func heldWithRecord(t *testing.T, w moneyWorld) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	err := w.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		if err := tx.Get(&id, `SELECT id FROM bookings WHERE company_id = $1 ORDER BY starts_at LIMIT 1`, w.companyA); err != nil {
			return err
		}
		_, err := tx.Exec(`INSERT INTO session_records (company_id, booking_id, counselor_id, counselor_user_id, employee_user_id, themes, risk_level, follow_up, shared_summary, locks_at)
			SELECT company_id, id, counselor_id, counselor_user_id, employee_user_id, '{career}', 'none', true, $2, now() + interval '7 days'
			FROM bookings WHERE id = $1`, id, webSummaryMarker)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestEmployeeRatesReadsAndSharesAndHRSeesOnlyWhatWasShared(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	id := heldWithRecord(t, w)
	path := "/sessions/" + id.String() + "/feedback"
	emp := newBrowser(t, w.h)
	emp.login("emp@billing.example", billPass)
	p := emp.get(path)
	if p.Status != http.StatusOK {
		t.Fatalf("GET %s: %d", path, p.Status)
	}
	mustContain(t, p, `id="rating-form"`, webSummaryMarker, `id="share-summary-grant"`, `id="notes-form"`)
	tok := emp.csrf(path)

	bad := emp.post(path, url.Values{"_csrf": {tok}, "satisfaction": {"9"}, "fit": {"4"}})
	if bad.Status != http.StatusBadRequest {
		t.Fatalf("bad rating: %d", bad.Status)
	}
	form := url.Values{"_csrf": {tok}, "satisfaction": {"5"}, "fit": {"4"}, "comment": {"WEB-COMMENT-MARKER"}}
	for i, v := range []string{"3", "4", "2", "5", "3"} {
		form.Set("who5_"+string(rune('0'+i)), v)
	}
	if r := emp.post(path, form); r.Status != http.StatusSeeOther {
		t.Fatalf("rate: %d", r.Status)
	}
	mustContain(t, emp.get(path), `id="rating-given"`, "68 / 100")

	hr, other := newBrowser(t, w.h), newBrowser(t, w.h)
	hr.login("hr0@billing.example", billPass)
	other.login("hr1@billing.example", billPass)
	mustNotContain(t, hr.get("/company/shared"), webSummaryMarker)

	share := url.Values{"_csrf": {tok}, "item": {"summary"}, "granted": {"true"}, "consent_text_version": {"1"}}
	if r := emp.post("/sessions/"+id.String()+"/sharing", share); r.Status != http.StatusSeeOther {
		t.Fatalf("share: %d", r.Status)
	}
	hp := hr.get("/company/shared")
	mustContain(t, hp, `id="shared-list"`, webSummaryMarker, "秘密 太郎")
	mustNotContain(t, hp, "WEB-COMMENT-MARKER", "相談 花子", "山田")
	mustNotContain(t, other.get("/company/shared"), webSummaryMarker)

	share.Set("granted", "false")
	if r := emp.post("/sessions/"+id.String()+"/sharing", share); r.Status != http.StatusSeeOther {
		t.Fatalf("withdraw: %d", r.Status)
	}
	mustNotContain(t, hr.get("/company/shared"), webSummaryMarker)
	if r := hr.get(path); r.Status == http.StatusOK {
		t.Errorf("HR opens the employee's follow-up page: %d", r.Status)
	}
}
