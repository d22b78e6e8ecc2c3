package api_test

import (
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
)

// TestEmployeeSetsTheirTimezone: GET and PUT /me/timezone; a name that is
// no IANA zone is 400 naming "timezone"; other roles get 403.
func TestEmployeeSetsTheirTimezone(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	emp := employeeClient(t, h, op)
	var tz struct {
		Timezone string `json:"timezone"`
	}
	if st := emp.Do("GET", "/api/v1/me/timezone", nil, &tz); st != 200 || tz.Timezone != "Asia/Tokyo" {
		t.Fatalf("default: %d %q", st, tz.Timezone)
	}
	if st := emp.Do("PUT", "/api/v1/me/timezone", map[string]any{"timezone": " Europe/Berlin "}, &tz); st != 200 || tz.Timezone != "Europe/Berlin" {
		t.Fatalf("set: %d %q", st, tz.Timezone)
	}
	if st := emp.Do("GET", "/api/v1/me/timezone", nil, &tz); st != 200 || tz.Timezone != "Europe/Berlin" {
		t.Fatalf("after set: %d %q", st, tz.Timezone)
	}
	for _, bad := range []map[string]any{
		{"timezone": "Local"}, {"timezone": "Mars/Olympus"}, {"timezone": "../../etc/passwd"}, {"timezone": ""}, {},
	} {
		var e struct {
			Error struct {
				Fields map[string]string `json:"fields"`
			} `json:"error"`
		}
		if st := emp.Do("PUT", "/api/v1/me/timezone", bad, &e); st != 400 || e.Error.Fields["timezone"] == "" {
			t.Errorf("%v: %d %v", bad, st, e.Error.Fields)
		}
	}
	if st := emp.Do("GET", "/api/v1/me/timezone", nil, &tz); tz.Timezone != "Europe/Berlin" {
		t.Errorf("a refused zone changed it: %d %q", st, tz.Timezone)
	}
	if st := op.Do("PUT", "/api/v1/me/timezone", map[string]any{"timezone": "UTC"}, nil); st != 403 {
		t.Errorf("operator: %d", st)
	}
}
