package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
)

// TestBrowserHRReadsTheReportDashboard is HR's journey on the demo
// company: open the reports from the navigation, see the charts drawn and
// the table, cross the departments with months (the page updates on the
// change alone, with a line per department), download the CSV with the
// browser's own session, and keep a full-page screenshot of the dashboard.
func TestBrowserHRReadsTheReportDashboard(t *testing.T) {
	ctx := newChrome(t)
	h := apptest.New(t)
	seedReportDemo(t, h)

	do(t, ctx,
		browserLogin(h, "hr@sample-shoji.example", demo.Password),
		chromedp.WaitVisible(chromedp.CSS(`.stat-grid`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/company/reports"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart-by-key[data-drawn="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart-risk[data-drawn="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#report-table`)),
	)
	if u := location(t, ctx); !strings.HasSuffix(u, "/company/reports") {
		t.Fatalf("reports at %s", u)
	}
	table := text(t, ctx, "#report-table")
	for _, want := range []string{"部署", "参加者", "全体"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
	// The canvas holds pixels: Chart.js drew something.
	if !evaluate[bool](t, ctx, `(() => { const c = document.getElementById('chart-by-key'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true; return false })()`) {
		t.Error("the bar chart is blank")
	}
	screenshot(t, ctx, "report-dashboard.png")

	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('report-by2'); s.value = 'month'; s.dispatchEvent(new Event('change')) })()`),
		chromedp.WaitVisible(chromedp.CSS(`#chart-lines[data-drawn="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart-trend[data-drawn="true"]`)),
	)
	if u := location(t, ctx); !strings.Contains(u, "by2=month") {
		t.Errorf("after switching: %s", u)
	}
	if hidden := evaluate[int](t, ctx, `document.querySelectorAll('#report-table .report-hidden').length`); hidden == 0 {
		t.Error("no hidden cell in the department × month table")
	}
	if reason := text(t, ctx, "#report-table .report-hidden .hidden-reason"); !strings.Contains(reason, "非表示") {
		t.Errorf("hidden cell reason %q", reason)
	}

	csv, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById('report-csv').href)
		.then(r => { if (!r.ok) throw new Error('status ' + r.status); return r.text() })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	lines := strings.Split(strings.TrimPrefix(csv, "\ufeff"), "\r\n")
	if lines[0] != "key,department,month,sessions,employees,satisfaction_avg,wellbeing_avg,suppressed,reason" {
		t.Fatalf("CSV header %q", lines[0])
	}
	if len(lines) < 3 || !strings.Contains(csv, ",true,small") || !strings.Contains(csv, "*|*,*,*,") {
		t.Errorf("CSV rows:\n%s", csv)
	}
	screenshot(t, ctx, "report-dashboard-by-month.png")
}
