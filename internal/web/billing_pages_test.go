package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/apptest"
)

const billPass = apptest.BillingPassword

// moneyWorld is two companies on a subscription with an admin each; the
// first had three held sessions with one counsellor last month. Emails:
// hr0@/hr1@billing.example, c@billing.example, op@billing.example.
type moneyWorld struct {
	h                  *apptest.Harness
	companyA, companyB uuid.UUID
	period, sessionDay string
}

func newMoneyWorld(t *testing.T) moneyWorld {
	t.Helper()
	h := apptest.New(t)
	bw := apptest.SeedBilling(t, h)
	return moneyWorld{h: h, companyA: bw.CompanyA, companyB: bw.CompanyB, period: bw.Period, sessionDay: bw.SessionDay}
}

// runBilling bills the world's period through the operator's pages:
// the first post asks for confirmation, the confirmed one runs.
func (w moneyWorld) runBilling(t *testing.T) {
	t.Helper()
	op := newBrowser(t, w.h)
	op.login("op@billing.example", billPass)
	tok := op.csrf("/operator/billing")
	p := op.post("/operator/billing/run", url.Values{"_csrf": {tok}, "period": {w.period}})
	mustContain(t, p, `id="run-confirm"`, `name="confirmed" value="1"`)
	p = op.post("/operator/billing/run", url.Values{"_csrf": {tok}, "period": {w.period}, "confirmed": {"1"}})
	if p.Status != http.StatusOK {
		t.Fatalf("confirmed run: %d", p.Status)
	}
	mustContain(t, p, `id="run-result"`, "新規 2件")
}

var invoiceLink = regexp.MustCompile(`href="/company/invoices/([0-9a-f-]{36})"`)

// TestCompanyAdminSeesInvoicesWithoutWho: list, detail, PDF and CSV show
// quantities and amounts, never the employee, the counsellor or the day,
// and another company's invoice is 404.
func TestCompanyAdminSeesInvoicesWithoutWho(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	w.runBilling(t)
	a := newBrowser(t, w.h)
	a.login("hr0@billing.example", billPass)
	list := a.get("/company/invoices")
	mustContain(t, list, `id="invoices"`, "badge-inv-", "¥")
	if list.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("invoices: Cache-Control %q", list.Header.Get("Cache-Control"))
	}
	m := invoiceLink.FindStringSubmatch(list.Body)
	if m == nil {
		t.Fatalf("no invoice link:\n%s", list.Body)
	}
	show := a.get("/company/invoices/" + m[1])
	mustContain(t, show, `id="invoice-lines"`, `id="invoice-total"`, `id="download-pdf"`, "税率10%対象", "消費税（10%）", "T7123456789012")
	secrets := []string{"秘密", "emp@billing", "山田", "相談 花子", w.sessionDay}
	for _, p := range []page{list, show, a.get("/company/usage")} {
		mustNotContain(t, p, secrets...)
	}
	pdf := a.get("/company/invoices/" + m[1] + "/pdf")
	if pdf.Status != 200 || !strings.HasPrefix(pdf.Body, "%PDF") || pdf.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("pdf: %d %v", pdf.Status, pdf.Header)
	}
	csv := a.get("/company/invoices/" + m[1] + "/csv")
	if csv.Status != 200 || !strings.Contains(csv.Body, "invoice_number,period,kind") {
		t.Fatalf("csv: %d %s", csv.Status, csv.Body)
	}
	mustNotContain(t, csv, secrets...)

	b := newBrowser(t, w.h)
	b.login("hr1@billing.example", billPass)
	for _, path := range []string{"/company/invoices/" + m[1], "/company/invoices/" + m[1] + "/pdf", "/company/invoices/" + m[1] + "/csv", "/company/invoices/nope"} {
		if p := b.get(path); p.Status != http.StatusNotFound {
			t.Errorf("another company's %s: %d", path, p.Status)
		}
	}
	mustNotContain(t, b.get("/company/invoices"), m[1])
}

// TestOperatorBillingPagesRefuseBadInput: a bad month or an unfinished one
// is a message on the page, never a 500; other roles get 403.
func TestOperatorBillingPagesRefuseBadInput(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	op := newBrowser(t, w.h)
	op.login("op@billing.example", billPass)
	tok := op.csrf("/operator/billing")
	this := time.Now().In(time.FixedZone("JST", 9*3600)).Format("2006-01")
	for _, c := range []struct {
		form url.Values
		want int
		msg  string
	}{
		{url.Values{"period": {"2026-13"}}, 400, "月を「2026-10」の形式で"},
		{url.Values{"period": {"<script>"}}, 400, "月を「2026-10」の形式で"},
		{url.Values{"period": {this}, "confirmed": {"1"}}, 422, "まだ終わっていない月は請求できません"},
	} {
		c.form.Set("_csrf", tok)
		p := op.post("/operator/billing/run", c.form)
		if p.Status != c.want || !strings.Contains(p.Body, c.msg) {
			t.Errorf("run %v: %d, want %d with %q", c.form, p.Status, c.want, c.msg)
		}
	}
	if p := op.get("/operator/billing?period=abc"); p.Status != 400 {
		t.Errorf("billing?period=abc: %d", p.Status)
	}
	p := op.post("/operator/plans", url.Values{"_csrf": {tok}, "create": {"1"}, "code": {"Bad Code"}, "name_ja": {""}, "name_en": {"x"},
		"kind": {"per_session"}, "monthly_fee_jpy": {"-1"}, "session_price_jpy": {"abc"}, "seat_price_jpy": {"0"}, "included_sessions": {"0"},
		"overage_price_jpy": {"0"}, "late_cancel_notice_hours": {"999"}})
	if p.Status != 400 {
		t.Fatalf("bad plan: %d", p.Status)
	}
	mustContain(t, p, `id="err-monthly_fee_jpy"`, `id="err-session_price_jpy"`, `id="err-late_cancel_notice_hours"`, `value="Bad Code"`)
	p = op.post("/operator/companies/"+w.companyA.String()+"/contract", url.Values{"_csrf": {tok}, "plan_code": {"per_seat"}, "seats": {"0"}, "from": {"next month"}})
	if p.Status != 400 {
		t.Fatalf("bad contract: %d", p.Status)
	}
	mustContain(t, p, `id="err-seats"`, `id="err-from"`)

	emp := newBrowser(t, w.h)
	emp.login("hr0@billing.example", billPass)
	for _, path := range []string{"/operator/billing", "/operator/plans", "/counselor/earnings", "/operator/companies/" + w.companyA.String() + "/contract"} {
		if p := emp.get(path); p.Status != http.StatusForbidden {
			t.Errorf("admin on %s: %d", path, p.Status)
		}
	}
}

// TestOperatorManagesPlansContractsAndPayouts walks the operator's
// pages, then the counsellor's earnings for the billed month.
func TestOperatorManagesPlansContractsAndPayouts(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	op := newBrowser(t, w.h)
	op.login("op@billing.example", billPass)
	tok := op.csrf("/operator/plans")
	plan := url.Values{"_csrf": {tok}, "create": {"1"}, "code": {"pilot"}, "name_ja": {"試験導入"}, "name_en": {"Pilot"},
		"kind": {"per_session"}, "monthly_fee_jpy": {"0"}, "session_price_jpy": {"9000"}, "seat_price_jpy": {"0"}, "included_sessions": {"0"},
		"overage_price_jpy": {"0"}, "session_cap": {""}, "late_cancel_notice_hours": {"48"}, "active": {"1"}}
	if p := op.post("/operator/plans", plan); p.Status != http.StatusSeeOther {
		t.Fatalf("create plan: %d", p.Status)
	}
	mustContain(t, op.get("/operator/plans"), `id="plan-pilot"`, "試験導入", "¥9,000")
	if p := op.post("/operator/plans", plan); p.Status != 400 || !strings.Contains(p.Body, "このコードのプランはすでにあります") {
		t.Errorf("same code again: %d", p.Status)
	}
	plan.Del("create")
	plan.Set("session_price_jpy", "9500")
	if p := op.post("/operator/plans", plan); p.Status != http.StatusSeeOther {
		t.Fatalf("edit plan: %d", p.Status)
	}
	mustContain(t, op.get("/operator/plans"), "¥9,500")

	cpath := "/operator/companies/" + w.companyA.String() + "/contract"
	mustContain(t, op.get(cpath), `id="current-contract"`, "定額プラン")
	next := time.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 1, 0).Format("2006-01")
	if p := op.post(cpath, url.Values{"_csrf": {tok}, "plan_code": {"pilot"}, "seats": {"40"}, "from": {next}}); p.Status != http.StatusSeeOther {
		t.Fatalf("change contract: %d %s", p.Status, p.Body)
	}
	mustContain(t, op.get(cpath), `id="contracts"`, "pilot")

	w.runBilling(t)
	billing := op.get("/operator/billing?period=" + w.period)
	mustContain(t, billing, "請求商事", "山田 花子", `id="payouts-due"`, "支払済みにする")
	paid := regexp.MustCompile(`action="(/operator/payouts/[0-9a-f-]{36}/paid)"`).FindStringSubmatch(billing.Body)
	if paid == nil {
		t.Fatal("no mark-paid form")
	}
	if p := op.post(paid[1], url.Values{"_csrf": {tok}}); p.Status != http.StatusSeeOther {
		t.Fatalf("mark paid: %d", p.Status)
	}
	mustNotContain(t, op.get("/operator/billing?period="+w.period), "支払済みにする")

	c := newBrowser(t, w.h)
	c.login("c@billing.example", billPass)
	e := c.get("/counselor/earnings?period=" + w.period)
	mustContain(t, e, `id="earnings"`, w.sessionDay, `id="earnings-sessions">3<`, "支払済み", "¥")
	if p := c.get("/counselor/earnings?period=bad"); p.Status != 400 {
		t.Errorf("earnings?period=bad: %d", p.Status)
	}
}
