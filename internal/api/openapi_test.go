package api_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/taiwa/taiwa/internal/api"
	"github.com/taiwa/taiwa/internal/apptest"
)

var pathParam = regexp.MustCompile(`:([a-z_]+)`)

// TestOpenAPIDocumentMatchesRegisteredRoutes keeps the served document in
// step with the route table, in both directions, including who may call.
func TestOpenAPIDocumentMatchesRegisteredRoutes(t *testing.T) {
	t.Parallel()
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
	t.Parallel()
	h := apptest.New(t)
	r := h.Anonymous().Raw("GET", "/api/v1/openapi.json", "", nil)
	if r.Status != 200 || !json.Valid(r.Body) || !strings.Contains(string(r.Body), `"3.1.0"`) {
		t.Fatalf("openapi.json: %d", r.Status)
	}
}

// TestOpenAPIDocumentIsValidOpenAPI31 loads the document as the harness
// does (kin-openapi, JSON Schema 2020-12) and validates it.
func TestOpenAPIDocumentIsValidOpenAPI31(t *testing.T) {
	t.Parallel()
	if _, err := apptest.OpenAPI(); err != nil {
		t.Fatal(err)
	}
}

// operationVerbs are the verbs an operationId may start with.
var operationVerbs = []string{"get", "list", "create", "update", "set", "save", "sign", "request", "submit", "verify",
	"reject", "suspend", "reinstate", "join", "cancel", "reschedule", "mark", "complete", "dismiss", "change", "end",
	"run", "send", "receive", "acknowledge", "resolve", "import", "preview", "enrol", "accept", "decline", "withdraw", "publish",
	"disable", "enable", "reset"}

var operationID = regexp.MustCompile(`^([a-z]+)[A-Z][A-Za-z0-9]*$`)

// TestOpenAPIEveryOperationHasAUniqueOperationID: generated clients name
// their methods after operationId, so each is present, unique and a
// camelCase verb and noun (listCounselors, createBooking).
func TestOpenAPIEveryOperationHasAUniqueOperationID(t *testing.T) {
	t.Parallel()
	doc := mustDoc(t)
	seen := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			m := operationID.FindStringSubmatch(op.OperationID)
			switch {
			case op.OperationID == "":
				t.Errorf("%s has no operationId", where)
			case m == nil || !slices.Contains(operationVerbs, m[1]):
				t.Errorf("%s: operationId %q is not a camelCase verb and noun", where, op.OperationID)
			case seen[op.OperationID] != "":
				t.Errorf("%s: operationId %q is also %s's", where, op.OperationID, seen[op.OperationID])
			}
			seen[op.OperationID] = where
		}
	}
}

// TestOpenAPIEveryResponseDocumentsItsBody: every status an operation
// declares says what its body is (only 204 and 304 have none), and every
// 4xx and 5xx is the shared Error response (a 429, RateLimited: the same
// body and a Retry-After).
func TestOpenAPIEveryResponseDocumentsItsBody(t *testing.T) {
	t.Parallel()
	doc := mustDoc(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for status, ref := range op.Responses.Map() {
				where := fmt.Sprintf("%s %s %s", method, path, status)
				switch {
				case status == "204" || status == "304":
					if len(ref.Value.Content) > 0 {
						t.Errorf("%s declares a body", where)
					}
				case status[0] == '4' || status[0] == '5':
					// A 429 is the Error response with its Retry-After.
					if ref.Ref != "#/components/responses/Error" && (status != "429" || ref.Ref != "#/components/responses/RateLimited") {
						t.Errorf("%s is not the shared Error response", where)
					}
				case len(ref.Value.Content) == 0:
					t.Errorf("%s does not say what its body is", where)
				default:
					for ct, mt := range ref.Value.Content {
						if mt.Schema == nil {
							t.Errorf("%s %s has no schema", where, ct)
						}
					}
				}
			}
		}
	}
}

// TestOpenAPIOneOfBranchesExcludeEachOther: a value valid for a oneOf
// matches exactly one branch. Structurally, each pair of branches differs
// by a property one requires and the other forbids, by a const or enum
// they cannot share, or by type; and samples generated from each branch
// validate against the oneOf (two matching branches would fail them).
func TestOpenAPIOneOfBranchesExcludeEachOther(t *testing.T) {
	t.Parallel()
	doc := mustDoc(t)
	found := 0
	forEachSchema(doc, func(where string, s *openapi3.Schema) {
		if len(s.OneOf) == 0 {
			return
		}
		found++
		for i, a := range s.OneOf {
			for j, b := range s.OneOf[i+1:] {
				if !exclusive(a.Value, b.Value) && !exclusive(b.Value, a.Value) {
					t.Errorf("%s: oneOf branches %d and %d can both match (no required property the other forbids, no disjoint const, enum or type)", where, i, i+1+j)
				}
			}
		}
		g := &fuzzGen{t: t, r: rand.New(rand.NewPCG(1, 2)), now: time.Now()}
		for i, branch := range s.OneOf {
			for range 20 {
				v := g.value(branch.Value, "", []any{})
				if err := s.VisitJSON(roundTrip(t, v), openapi3.EnableJSONSchema2020()); err != nil {
					t.Errorf("%s: a sample of branch %d does not match exactly one branch: %v\nsample: %s", where, i, err, generatedJSON(t, v))
					break
				}
			}
		}
	})
	if found == 0 {
		t.Log("openapi.json has no oneOf")
	}
}

// exclusive reports whether no value can match both a and b: b requires a
// property a forbids, they require a common property with disjoint
// values, or their types do not meet.
func exclusive(a, b *openapi3.Schema) bool {
	closed := a.AdditionalProperties.Has != nil && !*a.AdditionalProperties.Has
	for _, p := range b.Required {
		if _, ok := a.Properties[p]; closed && !ok {
			return true
		}
		pa, pb := a.Properties[p], b.Properties[p]
		if pa != nil && pb != nil && slices.Contains(a.Required, p) && disjoint(values(pa.Value), values(pb.Value)) {
			return true
		}
	}
	if a.Type != nil && b.Type != nil {
		for _, t := range a.Type.Slice() {
			if b.Type.Permits(t) {
				return false
			}
		}
		return true
	}
	return false
}

// values are the values a const or enum allows (nil: not limited).
func values(s *openapi3.Schema) []any {
	if s.Const != nil {
		return []any{s.Const}
	}
	return s.Enum
}

func disjoint(a, b []any) bool {
	if a == nil || b == nil {
		return false
	}
	for _, x := range a {
		for _, y := range b {
			if fmt.Sprint(x) == fmt.Sprint(y) {
				return false
			}
		}
	}
	return true
}

// roundTrip is v as encoding/json reads it back (numbers as float64).
func roundTrip(t *testing.T, v any) any {
	var out any
	if err := json.Unmarshal(generatedJSON(t, v), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// forEachSchema calls f for every schema of the document, once each:
// components, parameters, request and response bodies, and everything
// they hold.
func forEachSchema(doc *openapi3.T, f func(where string, s *openapi3.Schema)) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		if ref.Ref != "" {
			where = ref.Ref
		}
		s := ref.Value
		seen[s] = true
		f(where, s)
		for _, group := range []openapi3.SchemaRefs{s.OneOf, s.AnyOf, s.AllOf} {
			for i, r := range group {
				walk(fmt.Sprintf("%s/%d", where, i), r)
			}
		}
		for name, r := range s.Properties {
			walk(where+"/properties/"+name, r)
		}
		walk(where+"/items", s.Items)
		walk(where+"/additionalProperties", s.AdditionalProperties.Schema)
	}
	for name, r := range doc.Components.Schemas {
		walk("#/components/schemas/"+name, r)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			where := method + " " + path
			for _, p := range op.Parameters {
				walk(where+" "+p.Value.Name, p.Value.Schema)
			}
			if op.RequestBody != nil {
				for ct, mt := range op.RequestBody.Value.Content {
					walk(where+" request "+ct, mt.Schema)
				}
			}
			for status, r := range op.Responses.Map() {
				for ct, mt := range r.Value.Content {
					walk(where+" "+status+" "+ct, mt.Schema)
				}
			}
		}
	}
}

func mustDoc(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := apptest.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	return doc
}
