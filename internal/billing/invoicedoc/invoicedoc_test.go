package invoicedoc_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/billing/invoicedoc"
)

var issuer = billing.Issuer{Name: "Taiwa株式会社", RegistrationNumber: "T7123456789012", Address: "東京都千代田区丸の内1-1-1"}

func sample() billing.Invoice {
	return billing.Invoice{
		ID: uuid.New(), CompanyName: "サンプル商事株式会社", Number: "TW-2026-10-000123", Period: "2026-10",
		Status: billing.StatusOpen, SubtotalJPY: 1234500, TaxJPY: 123450, TotalJPY: 1357950,
		IssuedOn: "2026-11-01", DueOn: "2026-11-30",
		Lines: []billing.Line{
			{Kind: billing.LinePlanFee, Description: "サブスクリプション 月額基本料", Quantity: 1, UnitAmountJPY: 1000000, AmountJPY: 1000000},
			{Kind: billing.LineOverage, Quantity: 15, UnitAmountJPY: 15000, AmountJPY: 225000},
			{Kind: billing.LineLateCancelled, Description: "=HYPERLINK(\"x\")", Quantity: 1, UnitAmountJPY: 9500, AmountJPY: 9500},
		},
	}
}

// needTool skips (fails on CI) without a poppler program.
func needTool(t *testing.T, name string) {
	t.Helper()
	if _, err := exec.LookPath(name); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("no %s: run .ci/ensure-tools poppler", name)
		}
		t.Skipf("no %s: run .ci/ensure-tools poppler", name)
	}
}

func needFont(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(invoicedoc.FontPath()); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("no font: run .ci/ensure-tools pdffont")
		}
		t.Skip("no font: run .ci/ensure-tools pdffont")
	}
}

func TestYenFormatsThousands(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		in   int64
		want string
	}{{0, "¥0"}, {999, "¥999"}, {1000, "¥1,000"}, {12345, "¥12,345"}, {1357950, "¥1,357,950"}, {-1000, "-¥1,000"}, {100000000, "¥100,000,000"}} {
		if got := invoicedoc.Yen(c.in); got != c.want {
			t.Errorf("Yen(%d) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestPeriodRangeCoversTheWholeMonth(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ period, first, last string }{
		{"2026-10", "2026-10-01", "2026-10-31"}, {"2028-02", "2028-02-01", "2028-02-29"}, {"2026-12", "2026-12-01", "2026-12-31"},
	} {
		f, l, err := invoicedoc.PeriodRange(c.period)
		if err != nil || f.Format("2006-01-02") != c.first || l.Format("2006-01-02") != c.last {
			t.Errorf("PeriodRange(%s) = %v %v %v", c.period, f, l, err)
		}
	}
	if _, _, err := invoicedoc.PeriodRange("2026-13"); err == nil {
		t.Error("PeriodRange(2026-13) accepted")
	}
}

// TestPDFCarriesTheQualifiedInvoiceFields renders the invoice, checks it
// parses and renders with poppler, and reads back every field a 適格請求書
// needs. The PNG of page 1 is left in test-artifacts/ to look at.
func TestPDFCarriesTheQualifiedInvoiceFields(t *testing.T) {
	t.Parallel()
	needFont(t)
	needTool(t, "pdftotext")
	needTool(t, "pdftoppm")
	for _, lang := range []string{"ja", "en"} {
		b, err := invoicedoc.PDF(sample(), issuer, lang)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(b, []byte("%PDF")) {
			t.Fatalf("%s: not a PDF: %q", lang, b[:min(len(b), 16)])
		}
		dir := t.TempDir()
		pdf := filepath.Join(dir, "invoice.pdf")
		if err := os.WriteFile(pdf, b, 0o600); err != nil {
			t.Fatal(err)
		}
		out, err := exec.Command("pdftotext", "-layout", pdf, "-").CombinedOutput()
		if err != nil {
			t.Fatalf("pdftotext: %v: %s", err, out)
		}
		txt := string(out)
		for _, want := range []string{
			"請求書", "適格請求書発行事業者", "登録番号", "T7123456789012", "Taiwa株式会社", "サンプル商事株式会社", "御中",
			"TW-2026-10-000123", "2026年11月1日", "2026年10月1日", "2026年10月31日", "お支払期限", "2026年11月30日",
			"サブスクリプション 月額基本料", "¥1,000,000", "¥225,000", "税率10%対象", "¥1,234,500",
			"消費税", "¥123,450", "合計", "¥1,357,950",
		} {
			if !strings.Contains(txt, want) {
				t.Errorf("%s: the PDF's text lacks %q:\n%s", lang, want, txt)
			}
		}
		if lang == "en" && !strings.Contains(txt, "Registration No.") {
			t.Errorf("en: no English labels:\n%s", txt)
		}
		png := filepath.Join(artifacts(t), "invoice-"+lang)
		if out, err := exec.Command("pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", pdf, png).CombinedOutput(); err != nil {
			t.Fatalf("pdftoppm: %v: %s", err, out)
		}
		if st, err := os.Stat(png + ".png"); err != nil || st.Size() < 5000 {
			t.Fatalf("pdftoppm made no page image: %v", err)
		}
	}
}

// baseFont is a font name in a PDF dictionary: /BaseFont or /FontName.
var baseFont = regexp.MustCompile(`/(?:BaseFont|FontName) /([^\s/<>\[\]()]+)`)

// subsetTagOf reads the font names of b, checks each carries a subset tag
// (PDF 32000-1 §9.6.4: six capital letters and a plus) and that they agree,
// and returns the tag.
func subsetTagOf(t *testing.T, b []byte) string {
	t.Helper()
	names := baseFont.FindAllSubmatch(b, -1)
	if len(names) < 3 {
		t.Fatalf("%d font names in the PDF, want the Type 0 font's, the CID font's and the descriptor's", len(names))
	}
	tag := ""
	for _, m := range names {
		name := string(m[1])
		if !regexp.MustCompile(`^[A-Z]{6}\+[A-Za-z0-9._-]+$`).MatchString(name) {
			t.Fatalf("font name %q has no subset tag", name)
		}
		if tag != "" && name[:6] != tag {
			t.Fatalf("font names %q and %q carry different tags for one subset", tag, name)
		}
		tag = name[:6]
	}
	if bytes.Contains(b, []byte("______+")) {
		t.Fatal("the tag placeholder is left in the PDF")
	}
	return tag
}

// TestPDFTagsItsFontSubset: the embedded font is a subset, so its name
// carries a tag; pdffonts (poppler) reads it as embedded and subset. The
// tag comes from the glyphs: the same invoice gives the same tag, one with
// other characters another.
func TestPDFTagsItsFontSubset(t *testing.T) {
	t.Parallel()
	needFont(t)
	needTool(t, "pdffonts")
	b, err := invoicedoc.PDF(sample(), issuer, "ja")
	if err != nil {
		t.Fatal(err)
	}
	tag := subsetTagOf(t, b)
	pdf := filepath.Join(t.TempDir(), "invoice.pdf")
	if err := os.WriteFile(pdf, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdffonts", pdf).CombinedOutput()
	if err != nil {
		t.Fatalf("pdffonts: %v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 3 {
		t.Fatalf("pdffonts lists %d fonts, want 1:\n%s", len(lines)-2, out)
	}
	f := strings.Fields(lines[2])
	if len(f) < 6 || !strings.HasPrefix(f[0], tag+"+") || f[len(f)-5] != "yes" || f[len(f)-4] != "yes" {
		t.Fatalf("pdffonts: want %s+… embedded (emb yes) and read as a subset (sub yes):\n%s", tag, out)
	}

	again, err := invoicedoc.PDF(sample(), issuer, "ja")
	if err != nil {
		t.Fatal(err)
	}
	if got := subsetTagOf(t, again); got != tag {
		t.Errorf("the same invoice twice: tags %s and %s", tag, got)
	}
	other := sample()
	other.CompanyName = "北海道漁業協同組合連合会"
	b, err = invoicedoc.PDF(other, issuer, "ja")
	if err != nil {
		t.Fatal(err)
	}
	if got := subsetTagOf(t, b); got == tag {
		t.Errorf("other characters, same tag %s", tag)
	}
}

func TestPDFBreaksManyLinesOverPages(t *testing.T) {
	t.Parallel()
	needFont(t)
	needTool(t, "pdftotext")
	inv := sample()
	for i := range 60 {
		inv.Lines = append(inv.Lines, billing.Line{Kind: billing.LineAdjustment, Description: "調整 " + strings.Repeat("長", i), Quantity: 1, UnitAmountJPY: 100, AmountJPY: 100})
	}
	b, err := invoicedoc.PDF(inv, issuer, "ja")
	if err != nil {
		t.Fatal(err)
	}
	pdf := filepath.Join(t.TempDir(), "long.pdf")
	if err := os.WriteFile(pdf, b, 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("pdfinfo", pdf).CombinedOutput()
	if err != nil {
		t.Fatalf("pdfinfo: %v: %s", err, out)
	}
	if !strings.Contains(string(out), "Pages:           2") && !strings.Contains(string(out), "Pages:           3") {
		t.Errorf("63 lines should take 2–3 pages:\n%s", out)
	}
}

func TestPDFWithoutItsFontIsUnavailable(t *testing.T) {
	_, err := invoicedoc.Renderer{Font: filepath.Join(t.TempDir(), "missing.ttf")}.PDF(sample(), issuer, "ja")
	var fe *invoicedoc.FontError
	if !errors.Is(err, invoicedoc.ErrUnavailable) || !errors.As(err, &fe) || !strings.Contains(err.Error(), "TAIWA_PDF_FONT") {
		t.Fatalf("err = %v, want a FontError naming TAIWA_PDF_FONT", err)
	}
	bad := filepath.Join(t.TempDir(), "bad.ttf")
	if err := os.WriteFile(bad, []byte("not a font"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := (invoicedoc.Renderer{Font: bad}).PDF(sample(), issuer, "ja"); !errors.Is(err, invoicedoc.ErrUnavailable) {
		t.Fatalf("a broken font: err = %v, want ErrUnavailable", err)
	}
	t.Setenv(invoicedoc.FontEnv, bad)
	if invoicedoc.FontPath() != bad {
		t.Errorf("FontPath ignores %s", invoicedoc.FontEnv)
	}
}

func TestCSVHasHeaderLinesAndTotals(t *testing.T) {
	t.Parallel()
	b, err := invoicedoc.CSV(sample(), "ja")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(b, []byte("\xEF\xBB\xBF")) {
		t.Error("no UTF-8 byte order mark")
	}
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(rows[0], ",") != strings.Join(invoicedoc.CSVHeader, ",") {
		t.Errorf("header = %v", rows[0])
	}
	want := [][]string{
		{"TW-2026-10-000123", "2026-10", "plan_fee", "サブスクリプション 月額基本料", "1", "1000000", "1000000", "10"},
		{"TW-2026-10-000123", "2026-10", "overage", "超過面談", "15", "15000", "225000", "10"},
		{"TW-2026-10-000123", "2026-10", "late_cancellations", "'=HYPERLINK(\"x\")", "1", "9500", "9500", "10"},
		{"TW-2026-10-000123", "2026-10", "subtotal", "", "", "", "1234500", "10"},
		{"TW-2026-10-000123", "2026-10", "tax", "", "", "", "123450", "10"},
		{"TW-2026-10-000123", "2026-10", "total", "", "", "", "1357950", "10"},
	}
	if len(rows) != len(want)+1 {
		t.Fatalf("%d rows, want %d: %v", len(rows), len(want)+1, rows)
	}
	for i, w := range want {
		if strings.Join(rows[i+1], "|") != strings.Join(w, "|") {
			t.Errorf("row %d = %v, want %v", i+1, rows[i+1], w)
		}
	}
}

func BenchmarkPDF(b *testing.B) {
	if _, err := os.Stat(invoicedoc.FontPath()); err != nil {
		b.Skip("no font")
	}
	inv := sample()
	for b.Loop() {
		if _, err := invoicedoc.PDF(inv, issuer, "ja"); err != nil {
			b.Fatal(err)
		}
	}
}

// artifacts is test-artifacts/ at the repository root (gitignored).
func artifacts(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../../../test-artifacts")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLineLabelPicksTheLanguage(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		line billing.Line
		lang string
		want string
	}{
		{billing.Line{Kind: billing.LinePlanFee, Description: "月額基本料金 / Monthly plan fee"}, "ja", "月額基本料金"},
		{billing.Line{Kind: billing.LinePlanFee, Description: "月額基本料金 / Monthly plan fee"}, "en", "Monthly plan fee"},
		{billing.Line{Kind: billing.LineNoShows}, "ja", "無断欠席"},
		{billing.Line{Kind: billing.LineNoShows}, "en", "No-shows"},
		{billing.Line{Kind: "custom", Description: "特別対応"}, "en", "特別対応"},
		{billing.Line{Kind: "custom"}, "ja", "custom"},
	} {
		if got := invoicedoc.LineLabel(c.line, c.lang); got != c.want {
			t.Errorf("LineLabel(%+v, %s) = %q, want %q", c.line, c.lang, got, c.want)
		}
	}
}
