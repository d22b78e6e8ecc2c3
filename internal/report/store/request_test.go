package store_test

import (
	"testing"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/report/store"
)

// TestNewRequestKeepsTheAskedRangeAndNamesTheBadField: the request the
// API and the HR page both build keeps from and to as asked, normalises
// by, carries the export flag, and refuses bad input naming the field.
func TestNewRequestKeepsTheAskedRangeAndNamesTheBadField(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name, from, to, by string
		export             bool
		wantBy             string
		field              string // "" = valid
	}{
		{"one dimension", "2026-01", "2026-03", "department", false, "department", ""},
		{"two dimensions, an export", "2026-Q1", "2026-Q2", "department,month", true, "department,month", ""},
		{"bad from", "2026-1", "2026-03", "department", false, "", "from"},
		{"reversed", "2026-03", "2026-01", "department", false, "", "to"},
		{"unknown dimension", "2026-01", "2026-01", "salary", false, "", "by"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, err := store.NewRequest(tc.from, tc.to, tc.by, tc.export)
			if tc.field != "" {
				e, ok := apperr.As(err)
				if !ok || e.Code != apperr.CodeInvalid || e.Fields[tc.field] == "" {
					t.Fatalf("NewRequest(%q, %q, %q) = %v, want invalid naming %q", tc.from, tc.to, tc.by, err, tc.field)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if req.From != tc.from || req.To != tc.to || req.By != tc.wantBy || req.Export != tc.export {
				t.Errorf("NewRequest = from %q to %q by %q export %v, want %q %q %q %v",
					req.From, req.To, req.By, req.Export, tc.from, tc.to, tc.wantBy, tc.export)
			}
			if len(req.Query.By) == 0 {
				t.Error("the parsed query has no dimension")
			}
		})
	}
}
