package web_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/apptest"
)

// TestBrowserAdminDisablesALeaverFromTheRoster is HR's journey: import the
// roster, click 停止 on one employee, confirm on the page that says what
// will happen, and see the roster mark them stopped with a 再開 action.
func TestBrowserAdminDisablesALeaverFromTheRoster(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	f := newCompany(t, h)
	csvPath := filepath.Join(t.TempDir(), "roster.csv")
	if err := os.WriteFile(csvPath, []byte(rosterCSV), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, browserLogin(h, f.AdminEmail, f.AdminPass), chromedp.WaitVisible(chromedp.CSS(`.stat-grid`)),
		chromedp.Navigate(h.URL+"/company/employees"),
		chromedp.WaitVisible(chromedp.CSS(`#file`)),
		chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{csvPath}),
		chromedp.Click(chromedp.CSS(`.import-card button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`#roster table`)),
	)
	// The first row's 停止 opens the confirmation; nothing changes yet.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#roster tbody tr:first-child a.employee-disable`)),
		chromedp.WaitVisible(chromedp.CSS(`#user-disable-warning`)),
	)
	warning := text(t, ctx, "#user-disable-warning")
	if !strings.Contains(warning, "すべてのログインが直ちに終了") {
		t.Fatalf("confirmation says %q", warning)
	}
	screenshot(t, ctx, "roster-disable-confirm.png")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#user-confirm`)),
		chromedp.WaitVisible(chromedp.CSS(`.flash`)),
		chromedp.WaitVisible(chromedp.CSS(`#roster tbody a.employee-enable`)),
	)
	if u := location(t, ctx); !strings.HasSuffix(u, "/company/employees") {
		t.Errorf("after confirming: %s", u)
	}
	if flash, roster := text(t, ctx, ".flash"), text(t, ctx, "#roster tbody tr:first-child"); !strings.Contains(flash, "利用を停止しました") ||
		!strings.Contains(roster, "停止") || !strings.Contains(roster, "再開") {
		t.Errorf("after disabling: flash %q, row %q", flash, roster)
	}
	screenshot(t, ctx, "roster-disabled.png")
}
