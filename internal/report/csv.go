package report

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"strconv"
	"strings"
)

// CSV is the report's cells as CSV: UTF-8 with a BOM (Excel in Japan), a
// header of English codes, one row per JSON cell with the same released
// values, empty fields for hidden numbers, and text fields guarded against
// formula injection.
func CSV(b *Body) []byte {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.UseCRLF = true // RFC 4180, as Excel writes it
	dims := strings.Split(b.By, ",")
	head := append([]string{"key"}, dims...)
	_ = w.Write(append(head, "sessions", "employees", "person_months", "satisfaction_avg", "wellbeing_avg",
		"suppressed", "reason", "below_min_group", "months", "approximate"))
	for _, c := range b.Cells {
		row := []string{csvText(c.Key)}
		for i := range dims {
			k := ""
			if i < len(c.Keys) {
				k = c.Keys[i]
			}
			row = append(row, csvText(k))
		}
		row = append(row, csvInt(c.Sessions), csvInt(c.Employees), csvInt(c.PersonMonths), csvFloat(c.SatisfactionAvg),
			csvFloat(c.WellbeingAvg), strconv.FormatBool(c.Suppressed), c.Reason, strings.Join(c.Below, " "),
			strconv.Itoa(c.Months), "true")
		_ = w.Write(row)
	}
	w.Flush()
	return buf.Bytes()
}

// Filename is taiwa-report-<from>-<to>-<by>.csv, "+" between two
// dimensions.
func Filename(b *Body) string {
	return "taiwa-report-" + b.From + "-" + b.To + "-" + strings.ReplaceAll(b.By, ",", "+") + ".csv"
}

// WriteCSV answers with the report as a CSV download, uncached: the one
// writer of the API's reports.csv and the HR page's export. It takes a
// plain http.ResponseWriter (echo's Response is one) so that the domain
// stays free of the HTTP framework.
func WriteCSV(w http.ResponseWriter, b *Body) error {
	h := w.Header()
	h.Set("Content-Disposition", `attachment; filename="`+Filename(b)+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Type", "text/csv; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	_, err := w.Write(CSV(b))
	return err
}

// csvText keeps a spreadsheet from reading a value as a formula.
func csvText(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

func csvInt(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

func csvFloat(f *float64) string {
	if f == nil {
		return ""
	}
	return strconv.FormatFloat(*f, 'f', 1, 64)
}
