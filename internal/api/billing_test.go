package api_test

import (
	"bytes"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/billing/invoicedoc"
)

// billingWorld is two companies on a subscription, each with an admin;
// the first had three held sessions with one counsellor last month.
type billingWorld struct {
	h                  *apptest.Harness
	operator           *apptest.Client
	adminA, adminB     *apptest.Client
	counselor          *apptest.Client
	companyA, compB    uuid.UUID
	period, sessionDay string
}

const billingPass = apptest.BillingPassword

func newBillingWorld(t *testing.T) *billingWorld {
	t.Helper()
	h := apptest.New(t)
	bw := apptest.SeedBilling(t, h)
	w := &billingWorld{h: h, operator: h.Operator(), companyA: bw.CompanyA, compB: bw.CompanyB, period: bw.Period, sessionDay: bw.SessionDay}
	w.adminA = h.Login("hr0@billing.example", billingPass)
	w.adminB = h.Login("hr1@billing.example", billingPass)
	w.counselor = h.Login("c@billing.example", billingPass)
	return w
}

type invoiceJSON struct {
	ID              string  `json:"id"`
	Period          string  `json:"period"`
	Status          string  `json:"status"`
	SubtotalJPY     int64   `json:"subtotal_jpy"`
	TaxJPY          int64   `json:"tax_jpy"`
	TotalJPY        int64   `json:"total_jpy"`
	StripeInvoiceID *string `json:"stripe_invoice_id"`
	Lines           []struct {
		Kind          string `json:"kind"`
		Description   string `json:"description"`
		Quantity      int64  `json:"quantity"`
		UnitAmountJPY int64  `json:"unit_amount_jpy"`
		AmountJPY     int64  `json:"amount_jpy"`
	} `json:"lines"`
}

// run bills the world's period and returns the first company's invoice.
func (w *billingWorld) run(t *testing.T) invoiceJSON {
	t.Helper()
	var res struct {
		Period            string `json:"period"`
		InvoicesCreated   int    `json:"invoices_created"`
		InvoicesUnchanged int    `json:"invoices_unchanged"`
	}
	if st := w.operator.Do("POST", "/api/v1/billing/runs", map[string]string{"period": w.period}, &res); st != 200 || res.Period != w.period || res.InvoicesCreated < 1 {
		t.Fatalf("billing run: %d %+v", st, res)
	}
	var list struct {
		Items []invoiceJSON `json:"items"`
		Total int           `json:"total"`
	}
	if st := w.adminA.Do("GET", "/api/v1/companies/"+w.companyA.String()+"/invoices", nil, &list); st != 200 || list.Total != 1 {
		t.Fatalf("invoices: %d %+v", st, list)
	}
	var inv invoiceJSON
	if st := w.adminA.Do("GET", "/api/v1/invoices/"+list.Items[0].ID, nil, &inv); st != 200 {
		t.Fatalf("invoice: %d", st)
	}
	return inv
}

// TestBillingRunInvoicesAndDocumentsThroughTheAPI is the money journey:
// the operator bills last month (twice: idempotent), the company admin
// reads the invoice with its lines and downloads its PDF and CSV, and
// nothing in any of it names the employee, the counsellor or the day.
func TestBillingRunInvoicesAndDocumentsThroughTheAPI(t *testing.T) {
	w := newBillingWorld(t)
	inv := w.run(t)
	if inv.Period != w.period || inv.TotalJPY != inv.SubtotalJPY+inv.TaxJPY || inv.TaxJPY != inv.SubtotalJPY*10/100 || len(inv.Lines) == 0 {
		t.Fatalf("invoice = %+v", inv)
	}
	var sum int64
	for _, l := range inv.Lines {
		sum += l.AmountJPY
	}
	if sum != inv.SubtotalJPY {
		t.Errorf("lines sum to %d, subtotal %d", sum, inv.SubtotalJPY)
	}
	var again struct {
		InvoicesCreated   int `json:"invoices_created"`
		InvoicesUnchanged int `json:"invoices_unchanged"`
	}
	if st := w.operator.Do("POST", "/api/v1/billing/runs", map[string]string{"period": w.period}, &again); st != 200 || again.InvoicesCreated != 0 || again.InvoicesUnchanged < 1 {
		t.Errorf("second run: %d %+v", st, again)
	}

	for _, path := range []string{
		"/api/v1/companies/" + w.companyA.String() + "/invoices", "/api/v1/invoices/" + inv.ID,
		"/api/v1/invoices/" + inv.ID + "/csv", "/api/v1/companies/" + w.companyA.String() + "/usage",
	} {
		r := w.adminA.Raw("GET", path, "", nil)
		if r.Status != 200 || r.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: %d, Cache-Control %q", path, r.Status, r.Header.Get("Cache-Control"))
		}
		for _, secret := range []string{"秘密", "emp@billing", "山田", "相談 花子", w.sessionDay, strings.ReplaceAll(w.sessionDay, "-", "/")} {
			if bytes.Contains(r.Body, []byte(secret)) {
				t.Errorf("%s shows %q to the company: %s", path, secret, r.Body)
			}
		}
	}

	pdf := w.adminA.Raw("GET", "/api/v1/invoices/"+inv.ID+"/pdf", "", nil)
	if pdf.Status != 200 || pdf.Header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(pdf.Body, []byte("%PDF")) ||
		!strings.Contains(pdf.Header.Get("Content-Disposition"), "attachment") {
		t.Fatalf("pdf: %d %v %.20q", pdf.Status, pdf.Header, pdf.Body)
	}
	csv := w.adminA.Raw("GET", "/api/v1/invoices/"+inv.ID+"/csv", "", nil)
	if !strings.HasPrefix(strings.TrimPrefix(string(csv.Body), "\uFEFF"), strings.Join(invoicedoc.CSVHeader, ",")+"\r\n") ||
		strings.Count(string(csv.Body), "\r\n") != len(inv.Lines)+4 {
		t.Errorf("csv:\n%s", csv.Body)
	}
	if r := w.operator.Raw("GET", "/api/v1/invoices/"+inv.ID+"/pdf", "", nil); r.Status != 200 {
		t.Errorf("operator's pdf: %d", r.Status)
	}

	// Without its font the PDF is a clear 503, never a 500.
	t.Setenv(invoicedoc.FontEnv, filepath.Join(t.TempDir(), "nofont.ttf"))
	var e apptest.APIError
	r := w.adminA.Raw("GET", "/api/v1/invoices/"+inv.ID+"/pdf", "", nil)
	decode(t, r.Body, &e)
	if r.Status != http.StatusServiceUnavailable || e.Error.Code != "pdf_unavailable" {
		t.Errorf("pdf without a font: %d %s", r.Status, r.Body)
	}
}

// TestInvoicesOfAnotherCompanyAre404 proves tenancy on every invoice route.
func TestInvoicesOfAnotherCompanyAre404(t *testing.T) {
	t.Parallel()
	w := newBillingWorld(t)
	inv := w.run(t)
	for _, path := range []string{
		"/api/v1/companies/" + w.companyA.String() + "/invoices", "/api/v1/companies/" + w.companyA.String() + "/usage",
		"/api/v1/companies/" + w.companyA.String() + "/contracts",
		"/api/v1/invoices/" + inv.ID, "/api/v1/invoices/" + inv.ID + "/pdf", "/api/v1/invoices/" + inv.ID + "/csv",
		"/api/v1/invoices/" + uuid.NewString(), "/api/v1/invoices/not-an-id/pdf",
	} {
		if r := w.adminB.Raw("GET", path, "", nil); r.Status != 404 {
			t.Errorf("another company's %s: %d", path, r.Status)
		}
	}
	for _, c := range []struct {
		client       *apptest.Client
		method, path string
		want         int
	}{
		{w.adminA, "POST", "/api/v1/billing/runs", 403},
		{w.counselor, "GET", "/api/v1/invoices/" + inv.ID, 403},
		{w.adminA, "GET", "/api/v1/payouts", 403},
		{w.adminA, "GET", "/api/v1/me/earnings", 403},
		{w.adminA, "POST", "/api/v1/plans", 403},
		{w.adminA, "POST", "/api/v1/invoices/" + inv.ID + "/send", 403},
		{w.operator, "POST", "/api/v1/invoices/" + inv.ID + "/send", 422}, // no Stripe key: stripe_disabled
		{w.h.Anonymous(), "GET", "/api/v1/invoices/" + inv.ID, 401},
	} {
		if st := c.client.Do(c.method, c.path, map[string]string{"period": w.period}, nil); st != c.want {
			t.Errorf("%s %s: %d, want %d", c.method, c.path, st, c.want)
		}
	}
}

// TestBillingRefusesBadInput: 400 naming the field or 422 with a reason,
// never a 500.
func TestBillingRefusesBadInput(t *testing.T) {
	t.Parallel()
	w := newBillingWorld(t)
	thisMonth := time.Now().In(time.FixedZone("JST", 9*3600)).Format("2006-01")
	for _, c := range []struct {
		client       *apptest.Client
		method, path string
		body         any
		want         int
		code, field  string
	}{
		{w.operator, "POST", "/api/v1/billing/runs", map[string]any{"period": "2026-13"}, 400, "invalid_input", "period"},
		{w.operator, "POST", "/api/v1/billing/runs", map[string]any{"period": "last month"}, 400, "invalid_input", "period"},
		{w.operator, "POST", "/api/v1/billing/runs", map[string]any{"period": 202610}, 400, "invalid_input", "period"},
		{w.operator, "POST", "/api/v1/billing/runs", map[string]any{}, 400, "invalid_input", "period"},
		{w.operator, "POST", "/api/v1/billing/runs", map[string]any{"period": w.period, "force": true}, 400, "invalid_input", "force"},
		{w.operator, "POST", "/api/v1/billing/runs", map[string]any{"period": thisMonth}, 422, "period_not_ended", ""},
		{w.operator, "POST", "/api/v1/billing/runs", map[string]any{"period": "2999-01"}, 422, "period_not_ended", ""},
		{w.counselor, "GET", "/api/v1/me/earnings?period=2026-1", nil, 400, "invalid_input", "period"},
		{w.operator, "GET", "/api/v1/payouts?period=abc", nil, 400, "invalid_input", "period"},
		{w.operator, "POST", "/api/v1/companies/" + w.companyA.String() + "/contracts/end", map[string]any{"ends_on": "soon"}, 400, "invalid_input", "ends_on"},
		{w.operator, "POST", "/api/v1/companies/" + w.companyA.String() + "/contracts", map[string]any{"plan_code": "per_seat", "seats": "ten"}, 400, "invalid_input", "seats"},
		{w.operator, "PUT", "/api/v1/plans/subscription", map[string]any{"code": "per_seat"}, 400, "invalid_input", "code"},
	} {
		var e apptest.APIError
		if st := c.client.Do(c.method, c.path, c.body, &e); st != c.want || e.Error.Code != c.code || (c.field != "" && e.Error.Fields[c.field] == "") {
			t.Errorf("%s %s %v: %d %+v, want %d %s on %q", c.method, c.path, c.body, st, e.Error, c.want, c.code, c.field)
		}
	}
}

// TestPlansContractsEarningsAndPayoutsOverTheAPI walks the operator's
// and the counsellor's side of the ledger.
func TestPlansContractsEarningsAndPayoutsOverTheAPI(t *testing.T) {
	t.Parallel()
	w := newBillingWorld(t)
	var plans struct {
		Items []struct {
			Code string `json:"code"`
		} `json:"items"`
	}
	if st := w.adminA.Do("GET", "/api/v1/plans", nil, &plans); st != 200 || len(plans.Items) < 4 {
		t.Fatalf("plans: %d %+v", st, plans)
	}
	plan := map[string]any{"code": "pilot", "name_ja": "試験導入", "name_en": "Pilot", "kind": "per_session", "is_trial": false,
		"monthly_fee_jpy": 0, "session_price_jpy": 9000, "seat_price_jpy": 0, "included_sessions": 0, "overage_price_jpy": 0,
		"session_cap": nil, "late_cancel_notice_hours": 48, "active": true}
	if st := w.operator.Do("POST", "/api/v1/plans", plan, nil); st != 201 {
		t.Fatalf("create plan: %d", st)
	}
	plan["session_price_jpy"] = 9500
	var saved struct {
		SessionPriceJPY int64 `json:"session_price_jpy"`
	}
	if st := w.operator.Do("PUT", "/api/v1/plans/pilot", plan, &saved); st != 200 || saved.SessionPriceJPY != 9500 {
		t.Fatalf("update plan: %d %+v", st, saved)
	}

	next := time.Now().In(time.FixedZone("JST", 9*3600)).AddDate(0, 1, 0)
	firstOfNext := time.Date(next.Year(), next.Month(), 1, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
	var ct struct {
		PlanCode string `json:"plan_code"`
		StartsOn string `json:"starts_on"`
	}
	cpath := "/api/v1/companies/" + w.companyA.String() + "/contracts"
	if st := w.operator.Do("POST", cpath, map[string]any{"plan_code": "pilot", "seats": 50, "starts_on": firstOfNext}, &ct); st != 201 || ct.PlanCode != "pilot" {
		t.Fatalf("change contract: %d %+v", st, ct)
	}
	var contracts struct {
		Items []struct {
			PlanCode string `json:"plan_code"`
		} `json:"items"`
	}
	if st := w.adminA.Do("GET", cpath, nil, &contracts); st != 200 || len(contracts.Items) < 2 {
		t.Fatalf("contracts: %d %+v", st, contracts)
	}

	w.run(t)
	var st struct {
		Period   string `json:"period"`
		Sessions int    `json:"sessions"`
		TotalJPY int64  `json:"total_jpy"`
		Earnings []struct {
			Start     time.Time `json:"start"`
			AmountJPY int64     `json:"amount_jpy"`
		} `json:"earnings"`
	}
	if code := w.counselor.Do("GET", "/api/v1/me/earnings?period="+w.period, nil, &st); code != 200 || st.Sessions != 3 || len(st.Earnings) != 3 {
		t.Fatalf("earnings: %d %+v", code, st)
	}
	var payouts struct {
		Items []struct {
			ID        string `json:"id"`
			AmountJPY int64  `json:"amount_jpy"`
			Sessions  int    `json:"sessions"`
		} `json:"items"`
	}
	if code := w.operator.Do("GET", "/api/v1/payouts?period="+w.period, nil, &payouts); code != 200 || len(payouts.Items) != 1 ||
		payouts.Items[0].AmountJPY != st.TotalJPY || payouts.Items[0].Sessions != 3 {
		t.Fatalf("payouts: %d %+v (statement total %d)", code, payouts, st.TotalJPY)
	}
	var paid struct {
		Status string `json:"status"`
	}
	if code := w.operator.Do("POST", "/api/v1/payouts/"+payouts.Items[0].ID+"/paid", nil, &paid); code != 200 || paid.Status != "paid" {
		t.Errorf("mark paid: %d %+v", code, paid)
	}
	if code := w.operator.Do("POST", "/api/v1/payouts/"+uuid.NewString()+"/paid", nil, nil); code != 404 {
		t.Errorf("mark an unknown payout paid: %d", code)
	}
}
