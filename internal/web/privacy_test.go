package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
)

var optOutText = regexp.MustCompile(`(?s)<p class="consent-text" id="optout-text">(.*?)</p>`)

// shownOptOutText is the wording the page shows beside the toggle, as text.
func shownOptOutText(t *testing.T, p page) string {
	t.Helper()
	m := optOutText.FindStringSubmatch(p.Body)
	if m == nil {
		t.Fatalf("no opt-out wording on the page:\n%s", p.Body)
	}
	return html.UnescapeString(m[1])
}

// optOutState is the employee's flag and their newest report consent row.
type optOutState struct {
	OptOut  bool
	Rows    int
	Granted bool
	Text    string
}

func readOptOut(t *testing.T, w moneyWorld) optOutState {
	t.Helper()
	var st optOutState
	err := w.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		if err := tx.Get(&st.OptOut, `SELECT e.report_opt_out FROM employees e JOIN users u ON u.id = e.user_id WHERE u.email = 'emp@billing.example'`); err != nil {
			return err
		}
		if err := tx.Get(&st.Rows, `SELECT count(*) FROM consents WHERE item = 'report_opt_out'`); err != nil || st.Rows == 0 {
			return err
		}
		return tx.QueryRow(`SELECT granted, consent_text FROM consents WHERE item = 'report_opt_out' ORDER BY id DESC LIMIT 1`).Scan(&st.Granted, &st.Text)
	})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestPrivacyPageOptOutStoresTheWordingShown: the employee reads the
// explanation, opts out and back in through the page; each change stores
// exactly the wording that was on the page, and the history shows it.
func TestPrivacyPageOptOutStoresTheWordingShown(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	emp := newBrowser(t, w.h)
	emp.login("emp@billing.example", billPass)
	mustContain(t, emp.get("/employee"), `id="privacy-card"`, `href="/me/privacy"`, `href="/me/activity"`, "プライバシーと同意")
	p := emp.get("/me/privacy")
	if p.Status != http.StatusOK {
		t.Fatalf("GET /me/privacy: %d", p.Status)
	}
	mustContain(t, p, "会社向けの集計レポート", "10人以上", "自由記述が載ることはありません", "これから先のどの集計にも",
		`id="optout-state-in"`, `id="consent-none"`, `id="shared-none"`, `href="/me/activity"`)
	// The company has no release yet: last month's sessions wait for one.
	mustContain(t, p, `id="contrib-counted-none"`, `id="contrib-pending"`, "これから公開される月", `id="contrib-optout-effect"`)
	if cc := p.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control %q", cc)
	}
	shown := shownOptOutText(t, p)
	tok := emp.csrf("/me/privacy")

	if r := emp.post("/me/privacy/report-opt-out", url.Values{"opt_out": {"true"}, "wording": {"ja"}}); r.Status != http.StatusForbidden {
		t.Errorf("no CSRF token: %d", r.Status)
	}
	if r := emp.post("/me/privacy/report-opt-out", url.Values{"_csrf": {tok}, "opt_out": {"maybe"}}); r.Status != http.StatusBadRequest {
		t.Errorf("bad choice: %d", r.Status)
	}
	if st := readOptOut(t, w); st.OptOut || st.Rows != 0 {
		t.Fatalf("refused posts changed something: %+v", st)
	}

	r := emp.post("/me/privacy/report-opt-out", url.Values{"_csrf": {tok}, "opt_out": {"true"}, "wording": {"ja"}})
	if r.Status != http.StatusSeeOther || r.location() != "/me/privacy" {
		t.Fatalf("opt out: %d %q", r.Status, r.location())
	}
	st := readOptOut(t, w)
	if !st.OptOut || st.Rows != 1 || !st.Granted || st.Text != shown {
		t.Fatalf("after opting out: %+v, shown %q", st, shown)
	}
	p = emp.get("/me/privacy")
	mustContain(t, p, `id="optout-state-out"`, "集計レポートから除外しました", `class="consent-row"`, "除外した", shown, `id="contrib-opted-out"`)
	mustNotContain(t, p, `id="contrib-pending"`)
	back := shownOptOutText(t, p)
	if back == shown {
		t.Fatalf("the opt-in wording is the opt-out wording")
	}

	if r := emp.post("/me/privacy/report-opt-out", url.Values{"_csrf": {tok}, "opt_out": {"false"}, "wording": {"ja"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("opt in: %d", r.Status)
	}
	st = readOptOut(t, w)
	if st.OptOut || st.Rows != 2 || st.Granted || st.Text != back {
		t.Fatalf("after opting back in: %+v, shown %q", st, back)
	}
	mustContain(t, emp.get("/me/privacy"), `id="optout-state-in"`, "再び含めた", "除外した")

	// The same choice again appends nothing.
	emp.post("/me/privacy/report-opt-out", url.Values{"_csrf": {tok}, "opt_out": {"false"}, "wording": {"ja"}})
	if st := readOptOut(t, w); st.Rows != 2 {
		t.Errorf("an unchanged choice appended a row: %+v", st)
	}

	// In English the page shows, and the consent stores, the English wording.
	emp.post("/lang", url.Values{"_csrf": {tok}, "lang": {"en"}, "next": {"/me/privacy"}})
	p = emp.get("/me/privacy")
	mustContain(t, p, "The company&#39;s aggregate reports", "aggregate reports published once a month", "statistical noise added once")
	en := shownOptOutText(t, p)
	if r := emp.post("/me/privacy/report-opt-out", url.Values{"_csrf": {tok}, "opt_out": {"true"}, "wording": {"en"}}); r.Status != http.StatusSeeOther {
		t.Fatalf("opt out in English: %d", r.Status)
	}
	if st := readOptOut(t, w); !st.OptOut || st.Text != en {
		t.Fatalf("English opt-out: %+v, shown %q", st, en)
	}
}

// TestPrivacyPageListsSharedItemsAndIsTheEmployeesOnly: a shared summary
// appears with a link to withdraw it, and nobody else opens the page.
func TestPrivacyPageListsSharedItemsAndIsTheEmployeesOnly(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	id := heldWithRecord(t, w)
	emp := newBrowser(t, w.h)
	emp.login("emp@billing.example", billPass)
	tok := emp.csrf("/sessions/" + id.String() + "/feedback")
	share := url.Values{"_csrf": {tok}, "item": {"summary"}, "granted": {"true"}, "consent_text_version": {"1"}}
	if r := emp.post("/sessions/"+id.String()+"/sharing", share); r.Status != http.StatusSeeOther {
		t.Fatalf("share: %d", r.Status)
	}
	p := emp.get("/me/privacy")
	mustContain(t, p, `id="shared-now"`, `href="/sessions/`+id.String()+`/feedback#summary"`, "要約", "同意した", "共有用の要約")
	// The page names the item, never its content.
	mustNotContain(t, p, webSummaryMarker)

	share.Set("granted", "false")
	emp.post("/sessions/"+id.String()+"/sharing", share)
	p = emp.get("/me/privacy")
	mustContain(t, p, `id="shared-none"`, "取り消した")

	for _, who := range []string{"hr0@billing.example", "c@billing.example", "op@billing.example"} {
		b := newBrowser(t, w.h)
		b.login(who, billPass)
		if r := b.get("/me/privacy"); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Errorf("%s GET /me/privacy: %d", who, r.Status)
		}
		tok := b.csrf("/me/activity")
		if r := b.post("/me/privacy/report-opt-out", url.Values{"_csrf": {tok}, "opt_out": {"true"}}); r.Status != http.StatusForbidden && r.Status != http.StatusNotFound {
			t.Errorf("%s POST opt-out: %d", who, r.Status)
		}
	}
	anon := newBrowser(t, w.h)
	if r := anon.get("/me/privacy"); r.Status != http.StatusSeeOther {
		t.Errorf("anonymous: %d", r.Status)
	}
}
