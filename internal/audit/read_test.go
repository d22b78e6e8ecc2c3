package audit_test

import (
	"net/url"
	"testing"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestParseFilterRefusesBadValuesNamingTheField(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		query, field string // field "" = valid
	}{
		{"actor=hr@x.example&action=auth.&from=2026-04-01&to=2026-04-30&page=2&per_page=100", ""},
		{"actor=6f1c7c4e-2f7a-4b8e-9d43-0f3f2b7a1c11&outcome=denied&from=2026-04-01T00:00:00%2B09:00", ""},
		{"actor=nobody", "actor"},
		{"action=Auth+Login", "action"},
		{"company_id=42", "company_id"},
		{"target_type=a%20b", "target_type"},
		{"outcome=OK!", "outcome"},
		{"from=yesterday", "from"},
		{"to=2026-13-01", "to"},
		{"from=2026-05-01&to=2026-04-01", "to"},
		{"page=0", "page"},
		{"per_page=101", "per_page"},
	} {
		q, _ := url.ParseQuery(tc.query)
		_, err := audit.ParseFilter(q)
		e, ok := apperr.As(err)
		switch {
		case tc.field == "" && err != nil:
			t.Errorf("%s: %v", tc.query, err)
		case tc.field != "" && (!ok || e.Fields[tc.field] == ""):
			t.Errorf("%s: %v, want a problem with %s", tc.query, err, tc.field)
		}
	}
}

func TestADayFilterCoversTheWholeDayInJapan(t *testing.T) {
	t.Parallel()
	q, _ := url.ParseQuery("from=2026-04-01&to=2026-04-01")
	f, err := audit.ParseFilter(q)
	if err != nil {
		t.Fatal(err)
	}
	if got := f.To.Sub(f.From).Hours(); got != 24 || f.From.UTC().Hour() != 15 {
		t.Fatalf("from %v to %v", f.From, f.To)
	}
}
