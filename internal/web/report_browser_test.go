package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/report"
)

// shownRow is one row of the dashboard's table as the browser shows it.
type shownRow struct {
	Key    string            `json:"key"`
	Hidden bool              `json:"hidden"`
	Cols   map[string]string `json:"cols"` // CSV column → the cell's text
}

// tableRowsJS reads the table: each row's cell key, whether it is hidden
// and the text of each number by its CSV column.
const tableRowsJS = `JSON.stringify(Array.from(document.querySelectorAll('#report-table tbody tr')).map(tr => ({
	key: tr.dataset.key, hidden: tr.classList.contains('report-hidden'),
	cols: Object.fromEntries(Array.from(tr.querySelectorAll('td[data-col]')).map(td => [td.dataset.col, td.textContent.trim()]))
})))`

// shownValue is the released value a cell's text stands for: "" for a
// dash or "fewer than min_group", else the number after "約".
func shownValue(t *testing.T, text string) (float64, bool) {
	t.Helper()
	text = strings.TrimSuffix(text, "*") // the footnote mark of sessions by theme
	if text == "—" || strings.Contains(text, "未満") {
		return 0, false
	}
	s := strings.TrimSpace(strings.TrimPrefix(text, "約"))
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("table cell %q is neither a dash, fewer than, nor about a number", text)
	}
	return f, true
}

// TestBrowserHRReadsTheReportDashboard is HR's journey on the demo
// company's releases: open the reports from the navigation, choose a
// released range, see the charts drawn, every number marked approximate
// and the protection panel with the stated ε; cross the departments with
// months (the page updates on the change alone); download the CSV with
// the browser's own session and find in it exactly the table's values,
// and in the charts' data the table's totals. Screenshots are kept in
// test-artifacts/.
func TestBrowserHRReadsTheReportDashboard(t *testing.T) {
	t.Parallel()
	// Seed before the browser starts: the journey's deadline is for the
	// journey, not for a busy machine's seeding.
	h, _ := newReportDemo(t)
	ctx := newChrome(t)
	last := report.LastClosed(time.Now())
	from := last - 3

	do(t, ctx,
		browserLogin(h, "hr@sample-shoji.example", demo.Password),
		chromedp.WaitVisible(chromedp.CSS(`.stat-grid`)),
		chromedp.Click(chromedp.CSS(`nav a[href="/company/reports"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#report-form`)),
		chromedp.SetValue(chromedp.CSS(`#report-from`), from.String()),
		chromedp.SetValue(chromedp.CSS(`#report-to`), last.String()),
		chromedp.Click(chromedp.CSS(`#report-show`)),
		// The default range starts earlier: this month first means the new page.
		chromedp.WaitVisible(chromedp.CSS(`#report-months .report-month:first-child[data-month="`+from.String()+`"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart-by-key[data-drawn="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart-risk[data-drawn="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#report-table`)),
	)
	if u := location(t, ctx); !strings.Contains(u, "/company/reports?") || !strings.Contains(u, "from="+from.String()) {
		t.Fatalf("reports at %s", u)
	}
	if n := evaluate[int](t, ctx, `document.querySelectorAll('#report-months .month-released').length`); n != 4 {
		t.Errorf("%d released months in the strip, want 4", n)
	}
	if head := text(t, ctx, "#head-participants"); !strings.HasPrefix(head, "約 ") && !strings.Contains(head, "未満") {
		t.Errorf("headline participants %q: not marked approximate", head)
	}
	if mark := text(t, ctx, "#report-approximate"); mark != "すべて概数" {
		t.Errorf("approximate marker %q", mark)
	}
	g := report.Guarantee()
	if panel := text(t, ctx, "#report-protect"); !strings.Contains(panel, "数値の守り方") ||
		!strings.Contains(panel, "月あたり ε = "+eps(g.EpsilonMonth)) || !strings.Contains(panel, "1年あたり ε = "+eps(g.EpsilonYear)) {
		t.Errorf("protection panel:\n%s", panel)
	}
	// The canvas holds pixels: Chart.js drew something.
	if !evaluate[bool](t, ctx, `(() => { const c = document.getElementById('chart-by-key'); const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data; for (let i = 3; i < d.length; i += 4) if (d[i] > 0) return true; return false })()`) {
		t.Error("the bar chart is blank")
	}
	screenshot(t, ctx, "report-dashboard.png")
	viewport(t, ctx, "report-dashboard-top.png")

	do(t, ctx,
		chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('report-by2'); s.value = 'month'; s.dispatchEvent(new Event('change')) })()`),
		chromedp.WaitVisible(chromedp.CSS(`#chart-lines[data-drawn="true"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#chart-trend[data-drawn="true"]`)),
	)
	if u := location(t, ctx); !strings.Contains(u, "by2=month") || !strings.Contains(u, "from="+from.String()) {
		t.Errorf("after switching: %s", u)
	}
	var rows []shownRow
	if err := json.Unmarshal([]byte(evaluate[string](t, ctx, tableRowsJS)), &rows); err != nil {
		t.Fatal(err)
	}
	if len(rows) < 10 || rows[len(rows)-1].Key != "*|*" {
		t.Fatalf("department × month table: %d rows, last %+v", len(rows), rows[len(rows)-1:])
	}

	body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.getElementById('report-csv').href)
		.then(r => { if (!r.ok) throw new Error('status ' + r.status); return r.text() })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	checkCSVIsTheTable(t, body, rows)
	checkChartIsTheTable(t, evaluate[string](t, ctx, `document.getElementById('report-data').textContent`), rows)
	screenshot(t, ctx, "report-dashboard-by-month.png")
}

// checkCSVIsTheTable proves the CSV has one row per table row, in the same
// order, with the same released values, hidden where the table hides.
func checkCSVIsTheTable(t *testing.T, body string, rows []shownRow) {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	head := strings.Join(recs[0], ",")
	if head != "key,department,month,sessions,employees,person_months,satisfaction_avg,wellbeing_avg,suppressed,reason,below_min_group,months,approximate" {
		t.Fatalf("CSV header %q", head)
	}
	col := map[string]int{}
	for i, name := range recs[0] {
		col[name] = i
	}
	if len(recs)-1 != len(rows) {
		t.Fatalf("CSV has %d rows, the table %d", len(recs)-1, len(rows))
	}
	for i, r := range rows {
		rec := recs[i+1]
		if rec[col["key"]] != r.Key || (rec[col["suppressed"]] == "true") != r.Hidden || rec[col["approximate"]] != "true" {
			t.Errorf("row %d: table %q hidden=%v, CSV %v", i, r.Key, r.Hidden, rec)
			continue
		}
		for name, text := range r.Cols {
			if name == "months" {
				if text != rec[col["months"]] {
					t.Errorf("%s months: table %q, CSV %q", r.Key, text, rec[col["months"]])
				}
				continue
			}
			want, shown := shownValue(t, text)
			got := rec[col[name]]
			if !shown {
				if got != "" {
					t.Errorf("%s %s: the table shows %q, the CSV %q", r.Key, name, text, got)
				}
				continue
			}
			if f, err := strconv.ParseFloat(got, 64); err != nil || f != want {
				t.Errorf("%s %s: the table shows %q, the CSV %q", r.Key, name, text, got)
			}
		}
	}
}

// checkChartIsTheTable proves the bar chart's participants are the
// table's department totals (the rows whose month is "*").
func checkChartIsTheTable(t *testing.T, data string, rows []shownRow) {
	t.Helper()
	var ch struct {
		ByKey struct {
			Labels    []string `json:"labels"`
			Employees []*int   `json:"employees"`
		} `json:"by_key"`
	}
	if err := json.Unmarshal([]byte(data), &ch); err != nil {
		t.Fatal(err)
	}
	var totals []shownRow
	for _, r := range rows {
		if strings.HasSuffix(r.Key, "|*") && r.Key != "*|*" {
			totals = append(totals, r)
		}
	}
	if len(ch.ByKey.Employees) != len(totals) {
		t.Fatalf("chart has %d bars, the table %d department totals", len(ch.ByKey.Employees), len(totals))
	}
	for i, r := range totals {
		text := r.Cols["employees"]
		if r.Hidden {
			text = "—"
		}
		want, shown := shownValue(t, text)
		got := ch.ByKey.Employees[i]
		if shown != (got != nil) || (got != nil && float64(*got) != want) {
			t.Errorf("%s: the table shows %q, the chart %v", r.Key, text, got)
		}
	}
}

// viewport saves what the window shows, for a closer look than the full page.
func viewport(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	saveShot(t, ctx, name, chromedp.CaptureScreenshot())
}
