package api_test

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/api"
	"github.com/taiwa/taiwa/internal/apptest"
)

var pathParam = regexp.MustCompile(`:([a-z_]+)`)

// TestOpenAPIDocumentMatchesRegisteredRoutes keeps the served document in
// step with the route table, in both directions, including who may call.
func TestOpenAPIDocumentMatchesRegisteredRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(api.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.1") {
		t.Fatalf("openapi = %q, want 3.1", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, methods := range doc.Paths {
		for m, raw := range methods {
			var op struct {
				Roles []string `json:"x-roles"`
			}
			_ = json.Unmarshal(raw, &op)
			sort.Strings(op.Roles)
			documented[strings.ToUpper(m)+" "+p+" "+strings.Join(op.Roles, ",")] = true
		}
	}
	registered := map[string]bool{}
	for _, r := range (&api.Server{}).Routes() {
		var roles []string
		for _, role := range r.Roles {
			roles = append(roles, string(role))
		}
		sort.Strings(roles)
		registered[r.Method+" "+pathParam.ReplaceAllString(r.Path, "{$1}")+" "+strings.Join(roles, ",")] = true
	}
	for k := range registered {
		if !documented[k] {
			t.Errorf("route %q is not in openapi.json (or its x-roles differ)", k)
		}
	}
	for k := range documented {
		if !registered[k] {
			t.Errorf("openapi.json documents %q, which is not registered", k)
		}
	}
}

func TestOpenAPIIsServed(t *testing.T) {
	h := apptest.New(t)
	r := h.Anonymous().Raw("GET", "/api/v1/openapi.json", "", nil)
	if r.Status != 200 || !json.Valid(r.Body) || !strings.Contains(string(r.Body), `"3.1.0"`) {
		t.Fatalf("openapi.json: %d", r.Status)
	}
}
