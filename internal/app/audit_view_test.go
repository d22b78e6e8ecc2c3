package app_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
)

// TestAuditViewIsNoExistenceOracle: an HR admin asks for the record of a
// booking of another company and of an id that does not exist. Both are
// 404, and the admin's own audit view shows the two refusals alike: in the
// admin's own company, with the ids as asked, and nowhere the other
// company's id or name.
func TestAuditViewIsNoExistenceOracle(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	ctx := context.Background()
	if err := demo.SeedDemo(ctx, h.Env.DB.System(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	hr := h.Login("hr@sample-shoji.example", "demo-pass-2026")
	var own, foreign uuid.UUID
	var foreignName, foreignBooking string
	sys := h.Env.DB.System()
	if err := sys.QueryRowContext(ctx, `SELECT company_id FROM users WHERE email = 'hr@sample-shoji.example'`).Scan(&own); err != nil {
		t.Fatal(err)
	}
	if err := sys.QueryRowContext(ctx, `SELECT b.id, b.company_id, c.name FROM bookings b JOIN companies c ON c.id = b.company_id
		WHERE b.company_id <> $1 ORDER BY b.id LIMIT 1`, own).Scan(&foreignBooking, &foreign, &foreignName); err != nil {
		t.Fatal(err)
	}
	missing := uuid.NewString()
	for _, id := range []string{foreignBooking, missing} {
		if r := hr.Raw("GET", "/api/v1/bookings/"+id+"/record", "", nil); r.Status != 404 {
			t.Fatalf("HR reading booking %s's record: %d %s", id, r.Status, r.Body)
		}
	}
	r := hr.Raw("GET", "/api/v1/me/audit?per_page=100", "", nil)
	if r.Status != 200 {
		t.Fatalf("own audit: %d %s", r.Status, r.Body)
	}
	for _, leak := range []string{foreign.String(), foreignName} {
		if strings.Contains(string(r.Body), leak) {
			t.Fatalf("HR's own audit view names the other company (%s): %s", leak, r.Body)
		}
	}
	var page struct {
		Entries []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.Body, &page); err != nil {
		t.Fatal(err)
	}
	denied := map[string]map[string]any{}
	for _, e := range page.Entries {
		if e["outcome"] == "denied" {
			denied[e["target_id"].(string)] = e
		}
	}
	a, b := denied[foreignBooking], denied[missing]
	if a == nil || b == nil {
		t.Fatalf("want both refusals in the own audit view, got %v", denied)
	}
	for _, k := range []string{"company_id", "company_name", "action", "target_type", "outcome", "actor_role"} {
		if a[k] != b[k] {
			t.Errorf("%s differs between a foreign id (%v) and a missing one (%v): an existence oracle", k, a[k], b[k])
		}
	}
	if a["company_id"] != own.String() {
		t.Errorf("the refusal is logged in company %v, want the actor's own %s", a["company_id"], own)
	}
	// The web page of the same view.
	page2 := hr.Raw("GET", "/me/activity", "", nil)
	if page2.Status != 200 {
		t.Fatalf("activity page: %d", page2.Status)
	}
	if strings.Contains(string(page2.Body), foreignName) || strings.Contains(string(page2.Body), foreign.String()) {
		t.Fatal("the activity page names the other company")
	}
}
