package invoicedoc

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"

	"github.com/taiwa/taiwa/internal/billing"
)

// CSVHeader is the CSV's first row: stable machine names, so an
// accounting import keeps working whatever the UI language.
var CSVHeader = []string{"invoice_number", "period", "kind", "description", "quantity", "unit_amount_jpy", "amount_jpy", "tax_rate_percent"}

// CSV renders inv's lines, then its subtotal, tax and total as rows of kind
// subtotal, tax and total. It starts with a UTF-8 byte order mark so that
// spreadsheet programs read the Japanese correctly.
func CSV(inv billing.Invoice, lang string) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString("\uFEFF")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true
	rate := strconv.Itoa(billing.TaxRatePercent)
	rows := [][]string{CSVHeader}
	for _, l := range inv.Lines {
		rows = append(rows, []string{inv.Number, inv.Period, l.Kind, safeCell(LineLabel(l, lang)),
			strconv.FormatInt(l.Quantity, 10), strconv.FormatInt(l.UnitAmountJPY, 10), strconv.FormatInt(l.AmountJPY, 10), rate})
	}
	for _, t := range []struct {
		kind   string
		amount int64
	}{{"subtotal", inv.SubtotalJPY}, {"tax", inv.TaxJPY}, {"total", inv.TotalJPY}} {
		rows = append(rows, []string{inv.Number, inv.Period, t.kind, "", "", "", strconv.FormatInt(t.amount, 10), rate})
	}
	if err := w.WriteAll(rows); err != nil {
		return nil, fmt.Errorf("invoicedoc: csv: %w", err)
	}
	return buf.Bytes(), nil
}

// safeCell keeps a spreadsheet from reading a cell as a formula.
func safeCell(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@') {
		return "'" + s
	}
	return s
}
