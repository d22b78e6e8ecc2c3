package report

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// TestWriteCSVAnswersAnUncachedDownload: the API's reports.csv and the HR
// page's export answer with the same headers and the same bytes as CSV.
func TestWriteCSVAnswersAnUncachedDownload(t *testing.T) {
	t.Parallel()
	n := 12
	b := &Body{From: "2026-01", To: "2026-03", By: "department,month", Cells: []Cell{
		{Key: "=sales|2026-01", Keys: []string{"=sales", "2026-01"}, Sessions: &n},
	}}
	rec := httptest.NewRecorder()
	if err := WriteCSV(rec, b); err != nil {
		t.Fatal(err)
	}
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d, want 200", rec.Code)
	}
	want := map[string]string{
		"Content-Type":        "text/csv; charset=utf-8",
		"Content-Disposition": `attachment; filename="taiwa-report-2026-01-2026-03-department+month.csv"`,
		"Cache-Control":       "no-store",
	}
	for k, v := range want {
		if got := rec.Header().Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	if got, want := rec.Body.String(), string(CSV(b)); got != want {
		t.Errorf("body = %q, want CSV(b) = %q", got, want)
	}
}
