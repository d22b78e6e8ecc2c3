package web_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/taiwa/taiwa/internal/apptest"
)

// TestBrowserOperatorAcknowledgesAnOverdueAlert: at a desktop and a phone
// width the operator sees an alert flagged 期限超過 34時間 in the queue,
// opens it, acknowledges it and sees who acknowledged it and when; the
// resolve form has no outcome chosen. The audit log then names the
// actions in plain words. Nothing scrolls sideways.
func TestBrowserOperatorAcknowledgesAnOverdueAlert(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	sizes := []struct{ w, h int }{{1366, 900}, {390, 844}}
	paths := make([]string, len(sizes))
	for i := range sizes {
		paths[i] = overdueAlert(t, w, 35*time.Hour+10*time.Minute, time.Duration(1+30*i)*time.Hour)
	}
	do(t, ctx, browserLogin(h, "operator@taiwa.example", "operator-pass-2026"))
	for i, size := range sizes {
		suffix := fmt.Sprintf("-%d.png", size.w)
		opts := []chromedp.EmulateViewportOption{}
		if size.w < 600 {
			opts = append(opts, chromedp.EmulateMobile)
		}
		do(t, ctx,
			chromedp.EmulateViewport(int64(size.w), int64(size.h), opts...),
			chromedp.Navigate(h.URL+"/operator/alerts?status=open"),
			chromedp.WaitVisible(chromedp.CSS(`#alerts .badge-overdue`)),
		)
		if s := text(t, ctx, "#alerts"); !strings.Contains(s, "確認期限超過 34時間") {
			t.Errorf("%d px: queue lacks the overdue flag:\n%s", size.w, s)
		}
		noSideScroll(t, ctx, fmt.Sprintf("alerts at %d px", size.w), size.w)
		screenshot(t, ctx, "operator-alerts"+suffix)

		do(t, ctx,
			chromedp.Click(chromedp.CSS(`#alerts a[href="`+paths[i]+`"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#alert-overdue`)),
		)
		if v := evaluate[string](t, ctx, `document.querySelector('#outcome').value`); v != "" {
			t.Errorf("%d px: the outcome is pre-selected: %q", size.w, v)
		}
		noSideScroll(t, ctx, fmt.Sprintf("alert at %d px", size.w), size.w)
		screenshot(t, ctx, "operator-alert"+suffix)

		do(t, ctx,
			chromedp.Click(chromedp.CSS(`form[action$="/acknowledge"] button`)),
			chromedp.WaitVisible(chromedp.CSS(`#alert-acknowledged`)),
		)
		if s := text(t, ctx, "#alert-acknowledged"); !strings.Contains(s, "運営 太郎") {
			t.Errorf("%d px: acknowledged by: %q", size.w, s)
		}
		if s := text(t, ctx, "#alert-overdue"); !strings.Contains(s, "解決期限超過 11時間") {
			t.Errorf("%d px: after acknowledging: %q", size.w, s)
		}
		noSideScroll(t, ctx, fmt.Sprintf("acknowledged alert at %d px", size.w), size.w)
		screenshot(t, ctx, "operator-alert-acknowledged"+suffix)

		do(t, ctx,
			chromedp.Navigate(h.URL+"/operator/audit?action=risk_alert.acknowledge"),
			chromedp.WaitVisible(chromedp.CSS(`#audit-list`)),
		)
		if s := text(t, ctx, "#audit-list"); !strings.Contains(s, "緊急アラートの対応確認") || strings.Contains(s, "risk_alert.acknowledge") {
			t.Errorf("%d px: audit log: %q", size.w, s)
		}
		noSideScroll(t, ctx, fmt.Sprintf("audit log at %d px", size.w), size.w)
		screenshot(t, ctx, "audit-log"+suffix)
	}
}

// TestBrowserAdminImportsARosterWithJapaneseHeadings: at both widths an
// HR admin uploads a roster whose header uses the UI's Japanese column
// names, sees it imported with the bad line explained, then a file with
// an unknown heading refused in Japanese.
func TestBrowserAdminImportsARosterWithJapaneseHeadings(t *testing.T) {
	t.Parallel()
	ctx := newChrome(t)
	h := apptest.New(t)
	f := newCompany(t, h)
	dir := t.TempDir()
	good := filepath.Join(dir, "名簿.csv")
	bad := filepath.Join(dir, "住所つき.csv")
	if err := os.WriteFile(good, []byte("氏名,メールアドレス,部署,在籍状況\n佐藤 健,sato@test-shoji.example,営業部/東京支店,在籍\n"+
		"鈴木 美咲,not-an-email,開発部,在籍\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bad, []byte("氏名,メールアドレス,住所\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx, browserLogin(h, f.AdminEmail, f.AdminPass))
	for _, size := range []struct{ w, h int }{{1366, 900}, {390, 844}} {
		opts := []chromedp.EmulateViewportOption{}
		if size.w < 600 {
			opts = append(opts, chromedp.EmulateMobile)
		}
		do(t, ctx,
			chromedp.EmulateViewport(int64(size.w), int64(size.h), opts...),
			chromedp.Navigate(h.URL+"/company/employees"),
			chromedp.WaitVisible(chromedp.CSS(`#file`)),
			chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{good}),
			chromedp.Click(chromedp.CSS(`.import-card button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#import-result .result`)),
		)
		if s := text(t, ctx, "#import-result"); !strings.Contains(s, "3 行目：") || !strings.Contains(s, "メールアドレスの形式が正しくありません") {
			t.Errorf("%d px: import result: %q", size.w, s)
		}
		noSideScroll(t, ctx, fmt.Sprintf("roster at %d px", size.w), size.w)
		screenshot(t, ctx, fmt.Sprintf("roster-import-%d.png", size.w))
		do(t, ctx,
			chromedp.SetUploadFiles(chromedp.CSS(`#file`), []string{bad}),
			chromedp.Click(chromedp.CSS(`.import-card button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(`#import-file-error`)),
		)
		if s := text(t, ctx, "#import-file-error"); !strings.Contains(s, "見出し「住所」はどの列にも当たりません") {
			t.Errorf("%d px: refused file: %q", size.w, s)
		}
		noSideScroll(t, ctx, fmt.Sprintf("refused roster at %d px", size.w), size.w)
		screenshot(t, ctx, fmt.Sprintf("roster-import-refused-%d.png", size.w))
	}
}
