package report

import (
	"testing"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

func TestParseQuery(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, from, to, by string
		field              string // "" = valid
		months             int
		grain              Grain
	}{
		{"one month", "2026-01", "2026-01", "department", "", 1, GrainMonth},
		{"24 months", "2025-01", "2026-12", "month", "", 24, GrainMonth},
		{"quarters cover whole months", "2026-Q1", "2026-Q2", "theme", "", 6, GrainQuarter},
		{"two dimensions", "2026-01", "2026-03", "department,month", "", 3, GrainMonth},
		{"malformed from", "2026-1", "2026-03", "department", "from", 0, ""},
		{"month 13", "2026-01", "2026-13", "department", "to", 0, ""},
		{"a day", "2026-01-05", "2026-03", "department", "from", 0, ""},
		{"quarter 5", "2026-Q5", "2026-Q4", "department", "from", 0, ""},
		{"signed month", "2026-01", "2026-+3", "department", "to", 0, ""},
		{"empty to", "2026-01", "", "department", "to", 0, ""},
		{"reversed", "2026-03", "2026-01", "department", "to", 0, ""},
		{"25 months", "2025-01", "2027-01", "department", "to", 0, ""},
		{"mixed grains", "2026-01", "2026-Q2", "department", "to", 0, ""},
		{"year out of range", "1999-12", "2000-01", "department", "from", 0, ""},
		{"unknown dimension", "2026-01", "2026-01", "salary", "by", 0, ""},
		{"no dimension", "2026-01", "2026-01", "", "by", 0, ""},
		{"three dimensions", "2026-01", "2026-01", "department,month,theme", "by", 0, ""},
		{"same dimension twice", "2026-01", "2026-01", "month,month", "by", 0, ""},
		{"a cross of two non-month dimensions", "2026-01", "2026-01", "department,age_band", "by", 0, ""},
		{"month first", "2026-01", "2026-03", "month,theme", "", 3, GrainMonth},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q, err := ParseQuery(tc.from, tc.to, tc.by)
			if tc.field == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if q.Months() != tc.months || q.Grain != tc.grain {
					t.Errorf("months=%d grain=%s, want %d %s", q.Months(), q.Grain, tc.months, tc.grain)
				}
				return
			}
			e, ok := apperr.As(err)
			if !ok || e.Code != apperr.CodeInvalid || e.Fields[tc.field] == "" {
				t.Fatalf("got %v, want an invalid error on field %q", err, tc.field)
			}
		})
	}
}
