package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/report"
)

// newReportDemo is a server on the demo environment (which publishes the
// last demo.ReleasedMonths closed months of both companies) and
// サンプル商事's id.
func newReportDemo(t *testing.T) (*apptest.Harness, uuid.UUID) {
	t.Helper()
	h := apptest.New(t, apptest.Options{Seed: &apptest.Demo})
	ctx := context.Background()
	var id uuid.UUID
	if err := h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&id, `SELECT id FROM companies WHERE name = 'サンプル商事'`)
	}); err != nil {
		t.Fatal(err)
	}
	return h, id
}

// monthsQuery is from=…&to=… over the months from..to.
func monthsQuery(from, to report.Month) string {
	return "from=" + from.String() + "&to=" + to.String()
}

// releasedRange is from=…&to=… over the n latest released months of the
// demo (n ≤ demo.ReleasedMonths).
func releasedRange(n int) string {
	last := report.LastClosed(time.Now())
	return monthsQuery(last-report.Month(n-1), last)
}

// deid1Words are DEID-1's vocabulary (differencing guard, complementary
// suppression): no report page may use it any more.
var deid1Words = []string{"差分", "差し引き", "逆算", "differencing", "complementary", "would single out"}

var monthCells = regexp.MustCompile(`class="report-month (month-released|month-pending)"`)

// monthStates counts the month strip's released and pending months.
func monthStates(p page) (released, pending int) {
	for _, m := range monthCells.FindAllStringSubmatch(p.Body, -1) {
		if m[1] == "month-released" {
			released++
		} else {
			pending++
		}
	}
	return released, pending
}

// TestReportDashboardShowsReleasedMonthsApproximatelyWithTheGuarantee is
// HR's dashboard on the demo's releases: by default the last six released
// months, every number marked approximate, the charts' data and a CSV link
// with the same query, and the protection panel with the stated ε; a range
// reaching into a month not published yet lists that month with its
// publishing day and shows its rows as not published; a partition too
// small on the roster says so with the company's min_group; theme rows say
// that sessions by theme are not published; no page speaks DEID-1.
func TestReportDashboardShowsReleasedMonthsApproximatelyWithTheGuarantee(t *testing.T) {
	t.Parallel()
	h, _ := newReportDemo(t)
	hr := newBrowser(t, h)
	hr.login("hr@sample-shoji.example", demo.Password)
	last := report.LastClosed(time.Now())
	g := report.Guarantee()

	p := hr.get("/company/reports")
	if p.Status != http.StatusOK {
		t.Fatalf("dashboard: %d\n%s", p.Status, p.Body)
	}
	mustContain(t, p, `id="report-data"`, `id="report-table"`, `<canvas id="chart-by-key">`, `<canvas id="chart-risk">`,
		`id="report-from" value="`+(last-5).String()+`"`, `id="report-to" value="`+last.String()+`"`,
		`href="/company/reports.csv?by=department&amp;from=`+(last-5).String()+`&amp;to=`+last.String()+`"`,
		"すべて概数", "参加者（月平均）", "利用率", `id="report-approximate"`, "約 ", "人未満",
		"数値の守り方", "翌月8日に一度だけ公開", "ランダムなノイズ", "何度表示しても同じ数値",
		"月あたり ε = "+eps(g.EpsilonMonth), "1年あたり ε = "+eps(g.EpsilonYear), "δ = 10⁻⁶",
		`href="/company/programmes"`, `href="/company/reports" aria-current="page"`)
	if rel, pend := monthStates(p); rel != 6 || pend != 0 {
		t.Errorf("default month strip: %d released, %d pending", rel, pend)
	}
	mustNotContain(t, p, deid1Words...)
	mustNotContain(t, p, "report_", "privacy_contrib_")

	// The month after the last closed one is not published yet.
	next := last + 1
	p = hr.get("/company/reports?" + monthsQuery(last-1, next) + "&by=department&by2=month")
	if p.Status != http.StatusOK {
		t.Fatalf("department × month: %d", p.Status)
	}
	due := report.PublishesOn(next)
	mustContain(t, p, `data-month="`+next.String()+`"`, "公開予定 "+due.Format("2006年1月2日"),
		`data-key="*|`+next.String()+`"`, "未公開", `<canvas id="chart-lines">`, `<canvas id="chart-trend">`)
	if rel, pend := monthStates(p); rel != 2 || pend != 1 {
		t.Errorf("month strip over %s–%s: %d released, %d pending", last-1, next, rel, pend)
	}
	mustNotContain(t, p, deid1Words...)

	// The demo roster has fewer than 10 people in their 70s.
	p = hr.get("/company/reports?" + releasedRange(3) + "&by=age_band")
	mustContain(t, p, `class="report-row report-hidden" data-key="70s"`, "名簿上の人数が10人未満の区分は表示しません", "20代")
	mustNotContain(t, p, deid1Words...)

	p = hr.get("/company/reports?" + releasedRange(3) + "&by=theme")
	mustContain(t, p, `id="report-theme-note"`, "テーマ別の面談数は公開していません")

	en := newBrowser(t, h)
	en.login("hr@sample-shoji.example", demo.Password)
	en.post("/lang", map[string][]string{"_csrf": {en.csrf("/company")}, "lang": {"en"}, "next": {"/company"}})
	p = en.get("/company/reports?" + releasedRange(6) + "&by=department,month")
	mustContain(t, p, "How these numbers protect people", "All numbers approximate", "about ", "fewer than 10",
		"ε = "+eps(g.EpsilonMonth)+" per month", "Download CSV", "Groups with fewer than 10 people on the roster are not shown")
	mustNotContain(t, p, deid1Words...)
}

// eps is a stated ε as the page writes it.
func eps(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// TestReportDashboardRefusesBadQueriesAndRangesWithoutARelease: a bad
// month or a cross of two dimensions other than the month is a 400 with
// the message beside the field and the entered value kept; a range whose
// months are all still to be published is a 422 that says when the first
// one is due, and a range before the first release a 422 that says there
// is none; neither shows a table, and the CSV of such a range is refused
// too.
func TestReportDashboardRefusesBadQueriesAndRangesWithoutARelease(t *testing.T) {
	t.Parallel()
	h, _ := newReportDemo(t)
	hr := newBrowser(t, h)
	hr.login("hr@sample-shoji.example", demo.Password)
	last := report.LastClosed(time.Now())

	p := hr.get("/company/reports?from=2026-13&to=2026-03&by=department")
	if p.Status != http.StatusBadRequest {
		t.Fatalf("bad month: %d", p.Status)
	}
	mustContain(t, p, `id="err-from"`, `value="2026-13"`, "YYYY-MM", `id="report-protect"`)
	mustNotContain(t, p, `id="report-table"`, `id="err-to"`, `id="err-by"`)

	p = hr.get("/company/reports?" + releasedRange(3) + "&by=department,age_band")
	if p.Status != http.StatusBadRequest {
		t.Fatalf("department × age band: %d", p.Status)
	}
	mustContain(t, p, `id="err-by"`, "組み合わせられるのは月だけ")
	mustNotContain(t, p, `id="err-from"`, `id="report-table"`)
	if p := hr.get("/company/reports?" + releasedRange(3) + "&by=salary"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="err-by"`) {
		t.Errorf("unknown breakdown: %d", p.Status)
	}
	if p := hr.get("/company/reports?from=" + (last - 30).String() + "&to=" + last.String() + "&by=department"); p.Status != http.StatusBadRequest || !strings.Contains(p.Body, `id="err-to"`) {
		t.Errorf("31 months: %d", p.Status)
	}

	future := hr.get("/company/reports?" + monthsQuery(last+1, last+2) + "&by=department")
	if future.Status != http.StatusUnprocessableEntity {
		t.Fatalf("unpublished range: %d", future.Status)
	}
	due := report.PublishesOn(last + 1).Format("2006年1月2日")
	mustContain(t, future, `id="report-not-released"`, "まだ公開されたレポートがありません", due+"に公開されます",
		`href="/company/reports" id="report-latest"`, "数値の守り方")
	mustNotContain(t, future, `id="report-table"`, `id="report-data"`, `id="report-headline"`)

	past := last - report.Month(demo.ReleasedMonths) - 2
	p = hr.get("/company/reports?" + monthsQuery(past-1, past) + "&by=age_band")
	if p.Status != http.StatusUnprocessableEntity {
		t.Fatalf("range before the first release: %d", p.Status)
	}
	mustContain(t, p, "この期間に公開されたレポートはありません")
	mustNotContain(t, p, `id="report-table"`, "まだ公開されたレポートがありません")

	if p := hr.get("/company/reports.csv?" + monthsQuery(last+1, last+1) + "&by=department"); p.Status != http.StatusUnprocessableEntity {
		t.Errorf("CSV of an unpublished month: %d", p.Status)
	}
	if p := hr.get("/company/reports.csv?from=2026-13&to=2026-03&by=department"); p.Status != http.StatusBadRequest {
		t.Errorf("CSV with a bad month: %d", p.Status)
	}
	csv := hr.get("/company/reports.csv?" + releasedRange(3) + "&by=age_band")
	if csv.Status != http.StatusOK || !strings.HasPrefix(csv.Body, "\ufeffkey,age_band,sessions,employees,person_months,satisfaction_avg,wellbeing_avg,suppressed,reason,below_min_group,months,approximate\r\n") {
		t.Fatalf("CSV: %d %q", csv.Status, csv.Body[:min(len(csv.Body), 200)])
	}
	if cd := csv.Header.Get("Content-Disposition"); !strings.Contains(cd, "taiwa-report-") || !strings.HasSuffix(cd, `-age_band.csv"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	mustNotContain(t, csv, "small", "differencing", "complementary")
}

// TestReportDashboardForTheOperatorAndOnlyForThem: the operator opens a
// company's dashboard from the company list and sees it named, with its
// own CSV link; HR cannot use the operator's path, an unknown company is
// 404, and another company's HR reaches only their own company's report.
func TestReportDashboardForTheOperatorAndOnlyForThem(t *testing.T) {
	t.Parallel()
	h, cid := newReportDemo(t)
	op := newBrowser(t, h)
	op.login(demo.OperatorEmail, demo.Password)
	if p := op.get("/operator/companies"); !strings.Contains(p.Body, `/operator/companies/`+cid.String()+`/reports`) {
		t.Error("the operator's company list has no link to the company's reports")
	}
	p := op.get("/operator/companies/" + cid.String() + "/reports?" + releasedRange(6) + "&by=age_band")
	if p.Status != http.StatusOK {
		t.Fatalf("operator: %d", p.Status)
	}
	mustContain(t, p, "サンプル商事 の組織レポート", `href="/operator/companies/`+cid.String()+`/reports.csv?by=age_band`,
		"20代", "すべて概数", `id="report-protect"`)
	mustNotContain(t, p, `href="/company/programmes"`)
	mustNotContain(t, p, deid1Words...)
	if csv := op.get("/operator/companies/" + cid.String() + "/reports.csv?" + releasedRange(6) + "&by=age_band"); csv.Status != http.StatusOK || !strings.Contains(csv.Body, "*,*,") {
		t.Errorf("operator CSV: %d", csv.Status)
	}
	if p := op.get("/operator/companies/" + uuid.NewString() + "/reports"); p.Status != http.StatusNotFound {
		t.Errorf("operator, no such company: %d", p.Status)
	}

	hr := newBrowser(t, h)
	hr.login("hr@sample-shoji.example", demo.Password)
	if p := hr.get("/operator/companies/" + cid.String() + "/reports"); p.Status != http.StatusForbidden {
		t.Errorf("HR on the operator's dashboard: %d", p.Status)
	}
	other := newBrowser(t, h)
	other.login("hr@minato-logistics.example", demo.Password)
	p = other.get("/company/reports")
	if p.Status != http.StatusOK {
		t.Fatalf("the other company's HR: %d", p.Status)
	}
	mustNotContain(t, p, "サンプル商事")
	if p := other.get("/operator/companies/" + cid.String() + "/reports"); p.Status != http.StatusForbidden {
		t.Errorf("another company's HR on the operator's path: %d", p.Status)
	}
}

// TestPrivacyPageSaysWhichReleasesCountedMe is the employee's "what my
// company sees" on the demo: the groups their sessions count in, the
// published months that counted them, that opting out only changes
// releases published afterwards, and the stated ε, never a number about
// anyone; an opted-out employee reads that they count in no release from
// now on.
func TestPrivacyPageSaysWhichReleasesCountedMe(t *testing.T) {
	t.Parallel()
	h, _ := newReportDemo(t)
	emp := newBrowser(t, h)
	emp.login("emp0002@sample-shoji.example", demo.Password)
	p := emp.get("/me/privacy")
	if p.Status != http.StatusOK {
		t.Fatalf("privacy: %d", p.Status)
	}
	g := report.Guarantee()
	mustContain(t, p, `id="my-contribution"`, "会社に見えるもの", `id="contrib-department"`, `id="contrib-months"`,
		`id="contrib-counted"`, "公開済みのレポートであなたが数えられた月", "翌月8日）に一度だけ公開",
		"ランダムなノイズ", "月あたり ε = "+eps(g.EpsilonMonth), "1年あたり ε = "+eps(g.EpsilonYear), "δ = 10⁻⁶",
		"変更の後に公開されるレポートからあなたが除かれます", "すでに公開されたレポートは変わりません",
		"面談の内容、カウンセラーの記録とメモ")
	mustNotContain(t, p, `id="contrib-opted-out"`, "privacy_contrib_", "report_key_")
	mustNotContain(t, p, deid1Words...)

	var optedOut string
	if err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&optedOut, `SELECT u.email FROM employees e JOIN users u ON u.id = e.user_id WHERE e.report_opt_out ORDER BY u.email LIMIT 1`)
	}); err != nil {
		t.Fatal(err)
	}
	out := newBrowser(t, h)
	out.login(optedOut, demo.Password)
	p = out.get("/me/privacy")
	mustContain(t, p, `id="contrib-opted-out"`, "これから公開されるレポートに、あなたの面談は数えられません", `id="contrib-guarantee"`)
	mustNotContain(t, p, `id="contrib-months"`, `id="contrib-pending"`)
}
