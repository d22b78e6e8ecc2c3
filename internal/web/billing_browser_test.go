package web_test

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserAdminOpensInvoiceAndDownloadsPDF is the company admin's
// journey: sign in, open the invoices from the navigation, open last
// month's invoice, and download its PDF with the link on the page. Page 1
// is rendered with pdftoppm to test-artifacts/invoice-pdf-page1.png to
// check the Japanese by eye.
func TestBrowserAdminOpensInvoiceAndDownloadsPDF(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no pdftoppm: run .ci/ensure-tools poppler")
		}
		t.Skip("no pdftoppm: run .ci/ensure-tools poppler")
	}
	ctx := newChrome(t)
	w := newMoneyWorld(t)
	w.runBilling(t)

	do(t, ctx, browserLogin(w.h, "hr0@billing.example", billPass), chromedp.WaitVisible(chromedp.CSS(`#billing-links`)),
		chromedp.Click(chromedp.CSS(`a[href="/company/invoices"]`)), chromedp.WaitVisible(chromedp.CSS(`#invoices`)))
	screenshot(t, ctx, "billing-invoices.png")
	do(t, ctx, chromedp.Click(chromedp.CSS(`#invoices tbody a`)), chromedp.WaitVisible(chromedp.CSS(`#invoice-lines`)))
	screenshot(t, ctx, "billing-invoice.png")
	if total := text(t, ctx, "#invoice-total"); !strings.HasPrefix(total, "¥") || !strings.Contains(total, ",") {
		t.Errorf("total shown as %q", total)
	}
	href, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector('#download-pdf').href`))
	if err != nil || !strings.HasSuffix(href, "/pdf") {
		t.Fatalf("pdf link %q: %v", href, err)
	}
	// Fetch what the link points at with the browser's own session.
	b64, err := chromedp.Run(ctx, chromedp.Evaluate[string](`fetch(document.querySelector('#download-pdf').href)
		.then(r => { if (!r.ok || r.headers.get('Content-Type') !== 'application/pdf') throw new Error('status ' + r.status); return r.arrayBuffer() })
		.then(b => { let s = ''; for (const c of new Uint8Array(b)) s += String.fromCharCode(c); return btoa(s) })`, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("download: %v", err)
	}
	pdf, err := base64.StdEncoding.DecodeString(b64)
	if err != nil || !strings.HasPrefix(string(pdf), "%PDF") {
		t.Fatalf("not a PDF (%v): %.20q", err, pdf)
	}
	dir := artifactDir(t)
	path := filepath.Join(dir, "invoice-download.pdf")
	if err := os.WriteFile(path, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	png := filepath.Join(dir, "invoice-pdf-page1")
	if out, err := exec.Command("pdftoppm", "-png", "-r", "90", "-f", "1", "-l", "1", "-singlefile", path, png).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v: %s", err, out)
	}
	if st, err := os.Stat(png + ".png"); err != nil || st.Size() < 10000 {
		t.Fatalf("no page image: %v", err)
	}
	t.Logf("page 1: %s.png", png)
	if out, err := exec.Command("pdftotext", path, "-").Output(); err == nil {
		for _, want := range []string{"請求書", "登録番号", "T7123456789012", "請求商事", "適格請求書発行事業者"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("the downloaded PDF lacks %q", want)
			}
		}
	}
}
