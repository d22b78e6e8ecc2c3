package billing_test

import (
	"testing"

	"github.com/taiwa/taiwa/internal/billing"
)

// TestInvoiceFilenameIsSafeInAQuotedContentDisposition: the number names
// the file, the period stands in before one is issued, and anything but
// ASCII letters, digits and '-' becomes '_' (no quote or path can escape).
func TestInvoiceFilenameIsSafeInAQuotedContentDisposition(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name   string
		number string
		period string
		ext    string
		want   string
	}{
		{"issued", "TW-2026-10-000123", "2026-10", "pdf", "invoice-TW-2026-10-000123.pdf"},
		{"draft uses the period", "", "2026-10", "csv", "invoice-2026-10.csv"},
		{"quote and slash", `TW"/../x`, "2026-10", "pdf", "invoice-TW_____x.pdf"},
		{"non-ASCII", "請求-1", "2026-10", "pdf", "invoice-__-1.pdf"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := billing.Invoice{Number: tc.number, Period: tc.period}.Filename(tc.ext)
			if got != tc.want {
				t.Errorf("Filename(%q) of %q/%q = %q, want %q", tc.ext, tc.number, tc.period, got, tc.want)
			}
		})
	}
}
