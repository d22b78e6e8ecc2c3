package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
)

// TestFuzzFindingsStayFixed replays, one request each, what the OpenAPI
// fuzz found (issue 16): a +24:00 offset in the audit filter was a 500, a
// roster upload under any media type was read as CSV, an unknown invoice
// language was ignored, a plan's name was limited in bytes where the
// document says characters, and a schedule without its weekly hours was
// saved as none.
func TestFuzzFindingsStayFixed(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := apptest.SeedBilling(t, h)
	op := h.Login("op@billing.example", apptest.BillingPassword)
	company := "/api/v1/companies/" + w.CompanyA.String()

	t.Run("audit bounds: +24:00 is a 400 naming the field, lowercase t and z are taken", func(t *testing.T) {
		r := op.Raw("GET", "/api/v1/audit?to=2026-01-01T00:00:00%2B24:00", "", nil)
		if e := apiError(t, r); r.Status != http.StatusBadRequest || e.Error.Fields["to"] == "" {
			t.Errorf("+24:00: %d %s, want 400 naming to", r.Status, r.Body)
		}
		if r := op.Raw("GET", "/api/v1/audit?from=2026-01-01t00:00:00z", "", nil); r.Status != http.StatusOK {
			t.Errorf("lowercase t and z: %d %s, want 200", r.Status, r.Body)
		}
	})

	t.Run("a roster under another media type is a 400", func(t *testing.T) {
		csv := "email,name\nnew@billing.example,新人\n"
		r := op.Raw("POST", company+"/employees/import", "application/json", strings.NewReader(csv))
		if e := apiError(t, r); r.Status != http.StatusBadRequest || e.Error.Fields["body"] == "" {
			t.Errorf("application/json: %d %s, want 400 naming body", r.Status, r.Body)
		}
		if r := op.Raw("POST", company+"/employees/import", "text/csv; charset=utf-8", strings.NewReader(csv)); r.Status != http.StatusOK {
			t.Errorf("text/csv: %d %s, want 200", r.Status, r.Body)
		}
	})

	t.Run("an invoice in an unknown language is a 400", func(t *testing.T) {
		if st := op.Do("POST", "/api/v1/billing/runs", map[string]string{"period": w.Period}, nil); st != http.StatusOK {
			t.Fatalf("billing run: %d", st)
		}
		var list struct {
			Items []struct {
				ID string `json:"id"`
			} `json:"items"`
		}
		if st := op.Do("GET", company+"/invoices", nil, &list); st != http.StatusOK || len(list.Items) == 0 {
			t.Fatalf("invoices: %d %+v", st, list)
		}
		for _, kind := range []string{"csv", "pdf"} {
			path := "/api/v1/invoices/" + list.Items[0].ID + "/" + kind
			if r := op.Raw("GET", path+"?lang=fr", "", nil); r.Status != http.StatusBadRequest || apiError(t, r).Error.Fields["lang"] == "" {
				t.Errorf("%s?lang=fr: %d %s, want 400 naming lang", kind, r.Status, r.Body)
			}
			if r := op.Raw("GET", path+"?lang=en", "", nil); r.Status != http.StatusOK {
				t.Errorf("%s?lang=en: %d, want 200", kind, r.Status)
			}
		}
	})

	t.Run("a plan's name is limited in characters", func(t *testing.T) {
		plan := func(code, name string) int {
			return op.Do("POST", "/api/v1/plans", map[string]any{"code": code, "name_ja": name, "name_en": "Fuzz", "kind": "per_session"}, nil)
		}
		if st := plan("long_ja", strings.Repeat("相", 200)); st != http.StatusCreated {
			t.Errorf("200 kanji (600 bytes): %d, want 201", st)
		}
		if st := plan("too_long_ja", strings.Repeat("相", 201)); st != http.StatusBadRequest {
			t.Errorf("201 kanji: %d, want 400", st)
		}
	})

	t.Run("a schedule must send every field", func(t *testing.T) {
		counselor := h.Login("c@billing.example", apptest.BillingPassword)
		full := map[string]any{"timezone": "Asia/Tokyo", "slot_minutes": 50, "buffer_minutes": 10, "min_notice_minutes": 0,
			"horizon_days": 30, "max_per_day": 6, "weekly": []any{map[string]any{"weekday": 1, "start": "09:00", "end": "17:00"}}, "overrides": []any{}}
		for _, field := range []string{"weekly", "overrides", "timezone", "buffer_minutes", "min_notice_minutes"} {
			body := map[string]any{}
			for k, v := range full {
				if k != field {
					body[k] = v
				}
			}
			var e apptest.APIError
			if st := counselor.Do("PUT", "/api/v1/me/availability", body, &e); st != http.StatusBadRequest || e.Error.Fields[field] == "" {
				t.Errorf("without %s: %d %+v, want 400 naming it", field, st, e)
			}
		}
		if st := counselor.Do("PUT", "/api/v1/me/availability", full, nil); st != http.StatusOK {
			t.Errorf("the whole schedule: %d, want 200", st)
		}
	})
}
