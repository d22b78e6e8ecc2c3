package web_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/japan"
)

// seedReportDemo seeds the demo environment and returns サンプル商事's id.
func seedReportDemo(t *testing.T, h *apptest.Harness) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	if err := demo.SeedDemo(ctx, h.Env.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	var id uuid.UUID
	if err := h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&id, `SELECT id FROM companies WHERE name = 'サンプル商事'`)
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

// reportRange is from=…&to=… over the n months up to this one.
func reportRange(n int) string {
	now := time.Now().In(japan.Zone)
	first := time.Date(now.Year(), now.Month()-time.Month(n-1), 1, 0, 0, 0, 0, japan.Zone)
	return "from=" + first.Format("2006-01") + "&to=" + now.Format("2006-01")
}

// TestReportDashboardExplainsHiddenCellsAndKeepsFormErrors is HR's and the
// operator's dashboard on the demo data: the default report has the chart
// data, the table and a CSV link with the same query; a department ×
// month report hides the small cells and says why in words with the
// company's min_group; a bad month is a 400 with the message beside the
// field and the entered value kept; the operator sees the company named;
// another company's admin cannot reach it.
func TestReportDashboardExplainsHiddenCellsAndKeepsFormErrors(t *testing.T) {
	h := apptest.New(t)
	cid := seedReportDemo(t, h)
	hr := newBrowser(t, h)
	hr.login("hr@sample-shoji.example", demo.Password)

	p := hr.get("/company/reports")
	if p.Status != http.StatusOK {
		t.Fatalf("dashboard: %d\n%s", p.Status, p.Body)
	}
	mustContain(t, p, `id="report-data"`, `id="report-table"`, `<canvas id="chart-by-key">`, `href="/company/reports.csv?by=department&amp;from=`,
		"参加者", "利用率", "このレポートが一人ひとりを守る仕組み", "10人以上の従業員を数えたもの", `href="/company/programmes"`,
		`href="/company/reports" aria-current="page"`)

	p = hr.get("/company/reports?" + reportRange(6) + "&by=department&by2=month")
	if p.Status != http.StatusOK {
		t.Fatalf("department × month: %d", p.Status)
	}
	mustContain(t, p, `class="report-row report-hidden"`, "人未満のため非表示", `<canvas id="chart-lines">`, `<canvas id="chart-trend">`)
	mustNotContain(t, p, "report_reason_", "report_key_")

	hr.lang = ""
	p = hr.get("/company/reports?from=2026-13&to=2026-03&by=department")
	if p.Status != http.StatusBadRequest {
		t.Fatalf("bad month: %d", p.Status)
	}
	mustContain(t, p, `id="err-from"`, `value="2026-13"`, "YYYY-MM")
	mustNotContain(t, p, `id="report-table"`)

	p = hr.get("/company/reports?" + reportRange(3) + "&by=department&by2=department")
	mustContain(t, p, `id="err-by"`)

	csv := hr.get("/company/reports.csv?" + reportRange(3) + "&by=age_band")
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Body, "\ufeffkey,age_band,sessions,employees,satisfaction_avg,wellbeing_avg,suppressed,reason\r\n") {
		t.Fatalf("CSV: %d %q", csv.Status, csv.Body[:min(len(csv.Body), 200)])
	}
	if cd := csv.Header.Get("Content-Disposition"); !strings.Contains(cd, "taiwa-report-") || !strings.HasSuffix(cd, `-age_band.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}

	if p := hr.get("/operator/companies/" + cid.String() + "/reports"); p.Status != http.StatusForbidden {
		t.Errorf("HR on the operator's dashboard: %d", p.Status)
	}
	other := newBrowser(t, h)
	other.login("hr@minato-logistics.example", demo.Password)
	if p := other.get("/company/reports?by=salary"); p.Status != http.StatusBadRequest {
		t.Errorf("another company's HR with a bad query: %d", p.Status)
	}

	op := newBrowser(t, h)
	op.login(demo.OperatorEmail, demo.Password)
	p = op.get("/operator/companies/" + cid.String() + "/reports?" + reportRange(6) + "&by=age_band")
	if p.Status != http.StatusOK {
		t.Fatalf("operator: %d", p.Status)
	}
	mustContain(t, p, "サンプル商事 の組織レポート", `href="/operator/companies/`+cid.String()+`/reports.csv?by=age_band`, "20代")
	if p := op.get("/operator/companies/" + uuid.NewString() + "/reports"); p.Status != http.StatusNotFound {
		t.Errorf("operator, no such company: %d", p.Status)
	}
	if p := op.get("/operator/companies"); !strings.Contains(p.Body, `/operator/companies/`+cid.String()+`/reports`) {
		t.Error("the operator's company list has no link to the company's reports")
	}

	hr.lang = "en"
	en := newBrowser(t, h)
	en.login("hr@sample-shoji.example", demo.Password)
	tok := en.csrf("/company")
	en.post("/lang", map[string][]string{"_csrf": {tok}, "lang": {"en"}, "next": {"/company"}})
	p = en.get("/company/reports?" + reportRange(6) + "&by=department,month")
	mustContain(t, p, "Hidden: fewer than 10 people", "How this report protects people", "Download CSV")
}

// TestPrivacyPageSaysHowMySessionsCount is the employee's "what my
// company sees": the groups their sessions count in, in words, never a
// number about anyone; an opted-out employee reads that they count nowhere.
func TestPrivacyPageSaysHowMySessionsCount(t *testing.T) {
	h := apptest.New(t)
	seedReportDemo(t, h)
	emp := newBrowser(t, h)
	emp.login("emp0002@sample-shoji.example", demo.Password)
	p := emp.get("/me/privacy")
	if p.Status != http.StatusOK {
		t.Fatalf("privacy: %d", p.Status)
	}
	mustContain(t, p, `id="my-contribution"`, "会社に見えるもの", `id="contrib-department"`, `id="contrib-months"`,
		"10人以上をまとめたもの", "面談の内容、カウンセラーの記録とメモ")
	mustNotContain(t, p, `id="contrib-opted-out"`, "privacy_contrib_", "report_key_")

	var optedOut string
	if err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&optedOut, `SELECT u.email FROM employees e JOIN users u ON u.id = e.user_id WHERE e.report_opt_out ORDER BY u.email LIMIT 1`)
	}); err != nil {
		t.Fatal(err)
	}
	out := newBrowser(t, h)
	out.login(optedOut, demo.Password)
	p = out.get("/me/privacy")
	mustContain(t, p, `id="contrib-opted-out"`, "どの集計にも数えられません")
	mustNotContain(t, p, `id="contrib-months"`)
}
