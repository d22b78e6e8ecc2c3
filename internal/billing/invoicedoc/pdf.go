package invoicedoc

import (
	"fmt"
	"os"
	"strconv"

	"github.com/signintech/gopdf"

	"github.com/taiwa/taiwa/internal/billing"
)

// Page geometry in points (A4 portrait).
const (
	pageW   = 595.0
	pageH   = 842.0
	margin  = 42.0
	right   = pageW - margin
	bottom  = pageH - 60
	rowH    = 20.0
	colQty  = 330.0 // right edge of the quantity column
	colUnit = 420.0 // right edge of the unit price column
	colRate = 465.0 // right edge of the tax rate column
)

// PDF renders inv as an A4 qualified invoice (適格請求書) from issuer, in
// Japanese; lang "en" adds English beside each label. A font that cannot
// be used is a *FontError (errors.Is ErrUnavailable).
func PDF(inv billing.Invoice, issuer billing.Issuer, lang string) ([]byte, error) {
	return Renderer{Font: FontPath()}.PDF(inv, issuer, lang)
}

// Renderer renders with one font file.
type Renderer struct {
	Font string // path of a TrueType font with Japanese glyphs
}

// PDF renders inv; see the package function PDF.
func (r Renderer) PDF(inv billing.Invoice, issuer billing.Issuer, lang string) ([]byte, error) {
	font, err := os.ReadFile(r.Font)
	if err != nil {
		return nil, &FontError{Path: r.Font, Err: err}
	}
	name, err := postScriptName(font)
	if err != nil {
		return nil, &FontError{Path: r.Font, Err: err}
	}
	first, last, err := PeriodRange(inv.Period)
	if err != nil {
		return nil, err
	}
	d := &doc{lang: lang, family: tagPlaceholder + "+" + name, glyphs: map[rune]bool{}}
	d.pdf.Start(gopdf.Config{PageSize: *gopdf.PageSizeA4, Unit: gopdf.UnitPT})
	d.pdf.SetInfo(gopdf.PdfInfo{Title: "請求書 " + inv.Number, Author: issuer.Name, Subject: inv.Period})
	if err := d.pdf.AddTTFFontData(d.family, font); err != nil {
		return nil, &FontError{Path: r.Font, Err: err}
	}
	d.pdf.AddPage()
	d.header(inv, issuer)
	d.y = 250
	d.text(margin, d.y, 10, d.label("取引期間", "Period")+"  "+
		first.Format("2006年1月2日")+" 〜 "+last.Format("2006年1月2日"))
	d.y += 16
	d.text(margin, d.y, 10, d.label("お支払期限", "Due date")+"  "+jaDate(inv.DueOn))
	d.y += 28
	d.table(inv.Lines)
	d.totals(inv)
	d.footer()
	if d.err != nil {
		return nil, fmt.Errorf("invoicedoc: %w", d.err)
	}
	b, err := d.pdf.GetBytesPdfReturnErr()
	if err != nil {
		return nil, fmt.Errorf("invoicedoc: %w", err)
	}
	return tagSubset(b, name, subsetTag(name, d.glyphs))
}

// doc is one document being drawn; the first drawing error sticks.
type doc struct {
	pdf    gopdf.GoPdf
	lang   string
	family string        // the font's name in the PDF, tag placeholder first
	glyphs map[rune]bool // every character given to the font: its subset
	y      float64
	err    error
}

// label is the Japanese label, with the English one beside it for "en".
func (d *doc) label(ja, en string) string {
	if d.lang == "en" {
		return ja + " " + en
	}
	return ja
}

func (d *doc) font(size float64) {
	if d.err == nil {
		d.err = d.pdf.SetFont(d.family, "", size)
	}
}

// use notes s's characters as part of the font subset: gopdf embeds the
// glyph of every character it measures or draws.
func (d *doc) use(s string) {
	for _, r := range s {
		d.glyphs[r] = true
	}
}

// measure is s's width in the current font and size.
func (d *doc) measure(s string) (float64, error) {
	d.use(s)
	return d.pdf.MeasureTextWidth(s)
}

// text draws s with its top-left corner at (x, y).
func (d *doc) text(x, y, size float64, s string) {
	d.font(size)
	if d.err != nil {
		return
	}
	d.pdf.SetXY(x, y)
	d.use(s)
	d.err = d.pdf.Cell(nil, s)
}

// textRight draws s ending at x.
func (d *doc) textRight(x, y, size float64, s string) {
	d.font(size)
	if d.err != nil {
		return
	}
	w, err := d.measure(s)
	if err != nil {
		d.err = err
		return
	}
	d.text(x-w, y, size, s)
}

// fit shortens s with "…" until it is at most w wide.
func (d *doc) fit(s string, size, w float64) string {
	d.font(size)
	rs := []rune(s)
	for len(rs) > 0 {
		cur := string(rs)
		if len(rs) < len([]rune(s)) {
			cur += "…"
		}
		if width, err := d.measure(cur); err != nil || width <= w {
			return cur
		}
		rs = rs[:len(rs)-1]
	}
	return ""
}

func (d *doc) header(inv billing.Invoice, issuer billing.Issuer) {
	title := "請求書"
	if d.lang == "en" {
		title = "請求書 Invoice"
	}
	d.font(22)
	if d.err == nil {
		w, _ := d.measure(title)
		d.text((pageW-w)/2, 40, 22, title)
	}
	d.textRight(right, 48, 9, d.label("（適格請求書）", "(qualified invoice)"))
	d.textRight(right, 80, 9, d.label("請求書番号", "No.")+"  "+inv.Number)
	d.textRight(right, 94, 9, d.label("発行日", "Issued")+"  "+jaDate(inv.IssuedOn))

	// The recipient, left.
	d.text(margin, 120, 14, d.fit(inv.CompanyName, 14, 270)+" 御中")
	d.pdf.SetLineWidth(0.8)
	d.pdf.Line(margin, 140, 320, 140)
	d.text(margin, 150, 9, d.label("下記のとおりご請求申し上げます。", "We invoice you as follows."))

	// The total due, left.
	d.pdf.SetFillColor(238, 242, 247)
	d.pdf.RectFromUpperLeftWithStyle(margin, 180, 270, 44, "F")
	d.pdf.SetFillColor(0, 0, 0)
	d.text(margin+10, 186, 9, d.label("ご請求金額（税込）", "Amount due (tax incl.)"))
	d.textRight(margin+260, 200, 16, Yen(inv.TotalJPY))

	// The issuer, right: a qualified invoice issuer's name and number.
	x := 350.0
	d.text(x, 120, 11, d.fit(issuer.Name, 11, right-x))
	d.text(x, 138, 8, d.fit(issuer.Address, 8, right-x))
	d.text(x, 154, 9, d.label("登録番号", "Registration No.")+" "+issuer.RegistrationNumber)
	d.text(x, 168, 8, d.label("適格請求書発行事業者", "Qualified invoice issuer"))
}

// tableHead draws the column headings at d.y.
func (d *doc) tableHead() {
	d.pdf.SetFillColor(230, 234, 240)
	d.pdf.RectFromUpperLeftWithStyle(margin, d.y, right-margin, rowH, "F")
	d.pdf.SetFillColor(0, 0, 0)
	y := d.y + 5
	d.text(margin+6, y, 9, d.label("品目", "Item"))
	d.textRight(colQty, y, 9, d.label("数量", "Qty"))
	d.textRight(colUnit, y, 9, d.label("単価", "Unit"))
	d.textRight(colRate, y, 9, d.label("税率", "Tax"))
	d.textRight(right-6, y, 9, d.label("金額（税抜）", "Amount"))
	d.y += rowH
}

func (d *doc) table(lines []billing.Line) {
	d.tableHead()
	descW := colQty - margin - 60
	if d.lang == "en" {
		descW -= 30
	}
	for _, l := range lines {
		if d.y+rowH > bottom {
			d.pdf.AddPage()
			d.y = margin
			d.tableHead()
		}
		y := d.y + 5
		d.text(margin+6, y, 9, d.fit(LineLabel(l, d.lang), 9, descW))
		d.textRight(colQty, y, 9, strconv.FormatInt(l.Quantity, 10))
		d.textRight(colUnit, y, 9, Yen(l.UnitAmountJPY))
		d.textRight(colRate, y, 9, strconv.Itoa(billing.TaxRatePercent)+"%")
		d.textRight(right-6, y, 9, Yen(l.AmountJPY))
		d.y += rowH
		d.pdf.SetLineWidth(0.3)
		d.pdf.Line(margin, d.y, right, d.y)
	}
	if len(lines) == 0 {
		d.text(margin+6, d.y+5, 9, d.label("明細なし", "No lines"))
		d.y += rowH
	}
}

// totals draws the subtotal, tax and total per tax rate (one rate: 10%).
func (d *doc) totals(inv billing.Invoice) {
	if d.y+4*rowH > bottom {
		d.pdf.AddPage()
		d.y = margin
	}
	d.y += 10
	rate := strconv.Itoa(billing.TaxRatePercent) + "%"
	rows := []struct {
		label  string
		amount int64
	}{
		{d.label("税率"+rate+"対象 小計（税抜）", "Subtotal at "+rate), inv.SubtotalJPY},
		{d.label("消費税（"+rate+"）", "Consumption tax "+rate), inv.TaxJPY},
		{d.label("合計（税込）", "Total"), inv.TotalJPY},
	}
	x := 300.0
	for i, r := range rows {
		size := 10.0
		if i == len(rows)-1 {
			size = 12
			d.pdf.SetLineWidth(0.8)
			d.pdf.Line(x, d.y, right, d.y)
			d.y += 4
		}
		d.text(x, d.y, size, r.label)
		d.textRight(right-6, d.y, size, Yen(r.amount))
		d.y += rowH
	}
}

func (d *doc) footer() {
	y := bottom + 10
	d.text(margin, y, 7.5, "金額は税抜で表示しています。消費税は税率ごとに合計した対価の額に対して計算し、1円未満を切り捨てています。")
	if d.lang == "en" {
		d.text(margin, y+12, 7.5, "Amounts exclude tax. Consumption tax is computed on the total per tax rate, rounded down to the yen.")
	}
}
