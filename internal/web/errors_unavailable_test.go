package web_test

import (
	"html"
	"io/fs"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/taiwa/taiwa/internal/billing/invoicedoc"
	webfs "github.com/taiwa/taiwa/web"
)

// catalogueMessage is the text of key in lang's catalogues.
func catalogueMessage(t *testing.T, lang, key string) string {
	t.Helper()
	files, err := fs.Glob(webfs.FS, "i18n/*"+lang+".toml")
	if err != nil || len(files) == 0 {
		t.Fatalf("%s catalogues: %v %v", lang, files, err)
	}
	for _, f := range files {
		var m map[string]any
		if _, err := toml.DecodeFS(webfs.FS, f, &m); err != nil {
			t.Fatal(err)
		}
		if s, ok := m[key].(string); ok {
			return s
		}
	}
	t.Fatalf("%s has no %s", lang, key)
	return ""
}

// TestInvoicePDFWithoutItsFontIsA503PageNamingIt: the handler returns
// apperr.Unavailable instead of rendering the page itself; the one error
// handler answers 503 with the page's own title and message.
func TestInvoicePDFWithoutItsFontIsA503PageNamingIt(t *testing.T) {
	w := newMoneyWorld(t)
	w.runBilling(t)
	a := newBrowser(t, w.h)
	a.login("hr0@billing.example", billPass)
	m := invoiceLink.FindStringSubmatch(a.get("/company/invoices").Body)
	if m == nil {
		t.Fatal("no invoice link")
	}
	t.Setenv(invoicedoc.FontEnv, filepath.Join(t.TempDir(), "nofont.ttf"))
	p := a.get("/company/invoices/" + m[1] + "/pdf")
	if p.Status != http.StatusServiceUnavailable {
		t.Fatalf("pdf without a font: %d, want 503", p.Status)
	}
	mustContain(t, p, html.EscapeString(catalogueMessage(t, "ja", "inv_pdf_unavailable_title")),
		html.EscapeString(catalogueMessage(t, "ja", "inv_pdf_unavailable")))
}
