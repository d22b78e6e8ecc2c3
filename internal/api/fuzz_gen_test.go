package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
)

// This file generates values that fit a schema of openapi.json, recording
// every place (site) where the fuzz may later break exactly one rule.

// fuzzSite is one value of a generated request and the schema it was
// generated from. In a JSON body, path leads from the root (keys and
// indexes); in a query, path is the parameter's index among them.
type fuzzSite struct {
	path   []any
	schema *openapi3.Schema
	name   string // the property's or parameter's name ("" for the root and array items)
}

// fuzzGen generates values with one seeded random source.
type fuzzGen struct {
	t     testing.TB
	r     *rand.Rand
	role  string // whose ids the generated values prefer
	world *fuzzWorld
	now   time.Time
	sites []fuzzSite
}

// patternValues generates a value for each pattern openapi.json uses; a
// pattern missing here fails the fuzz so that it is never skipped.
var patternValues = map[string]func(r *rand.Rand, now time.Time) string{
	`^([01][0-9]|2[0-4]):[0-5][0-9]$`: func(r *rand.Rand, _ time.Time) string {
		return fmt.Sprintf("%02d:%02d", 6+r.IntN(14), []int{0, 15, 30, 45}[r.IntN(4)])
	},
	`^[0-9]{4}-(0[1-9]|1[0-2])$`: month,
	`^\d{4}-\d{2}$`:              month,
	`^[0-9]{4}-[0-9]{2}$`:        month,
	`^[0-9]{4}-([0-9]{2}|Q[1-4])$`: func(r *rand.Rand, now time.Time) string {
		if r.IntN(4) == 0 {
			return fmt.Sprintf("%d-Q%d", now.Year()-r.IntN(2), 1+r.IntN(4))
		}
		return month(r, now)
	},
	`^3\.1\.`: func(*rand.Rand, time.Time) string { return "3.1.0" },
	`^(https://[^\s@/?#]+([/?#]\S*)?)?$`: func(r *rand.Rand, _ time.Time) string {
		return pick(r, "", "https://zoom.example/j/8123456789", "https://meet.example/abc-defg-hij?hl=ja")
	},
	`^\+?[0-9 ()-]{10,20}$`: func(r *rand.Rand, _ time.Time) string {
		return fmt.Sprintf("090-%04d-%04d", r.IntN(10000), r.IntN(10000))
	},
	`^[ぁ-ゖゝゞァ-ヺヽヾー・ 　]*$`: func(r *rand.Rand, _ time.Time) string {
		return pick(r, "", "やまだ はなこ", "ヤマダ・ハナコ", "さとう　けんじ")
	},
	`^[a-z][a-z0-9_]{1,40}$`: func(r *rand.Rand, _ time.Time) string { return "fuzz_" + strconv.Itoa(r.IntN(1000)) },
	`^[a-z][a-z0-9_.]{0,60}$`: func(r *rand.Rand, _ time.Time) string {
		return pick(r, "auth.login", "auth.", "booking", "record.read", "company.create")
	},
	`^[a-z][a-z_]{0,30}$`: func(r *rand.Rand, _ time.Time) string { return pick(r, "ok", "denied") },
	`^(department|age_band|tenure_band|theme|month)(,month)?$|^month,(department|age_band|tenure_band|theme)$`: func(r *rand.Rand, _ time.Time) string {
		return pick(r, "department", "age_band", "tenure_band", "theme", "month", "department,month", "month,theme")
	},
}

// pick is one of vs.
func pick(r *rand.Rand, vs ...string) string { return vs[r.IntN(len(vs))] }

// month is a YYYY-MM within the last year and the next two months.
func month(r *rand.Rand, now time.Time) string {
	return now.AddDate(0, 2-r.IntN(15), 0).Format("2006-01")
}

// fuzzText holds the characters of generated text: ASCII, kana, kanji,
// full-width forms and a character outside the BMP.
var fuzzText = []rune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 -_.あいうえおカキクケコ山田花子営業部東京支店ー・　ＡＢＣ１２３😀")

// value generates a value that fits s; name is the property's name.
func (g *fuzzGen) value(s *openapi3.Schema, name string, path []any) any {
	s = g.resolve(s)
	g.sites = append(g.sites, fuzzSite{path: slices.Clone(path), schema: s, name: name})
	if s.Const != nil {
		return s.Const
	}
	examples := slices.Clone(s.Examples)
	if s.Example != nil {
		examples = append(examples, s.Example)
	}
	if len(examples) > 0 && g.r.IntN(3) == 0 { // the document's own examples, now and then
		return deepCopy(examples[g.r.IntN(len(examples))])
	}
	if len(s.Enum) > 0 {
		v := s.Enum[g.r.IntN(len(s.Enum))]
		if v == nil && g.r.IntN(3) > 0 { // null is one value among many
			v = s.Enum[g.r.IntN(len(s.Enum))]
		}
		return v
	}
	switch g.typeOf(s) {
	case "null":
		return nil
	case "boolean":
		return g.r.IntN(2) == 0
	case "integer":
		lo, hi := bounds(s, 0, 100)
		return int64(lo) + g.r.Int64N(int64(hi-lo)+1)
	case "number":
		lo, hi := bounds(s, 0, 100)
		return math.Round((lo+g.r.Float64()*(hi-lo))*100) / 100
	case "array":
		return g.array(s, name, path)
	case "object":
		return g.object(s, path)
	}
	return g.str(s, name)
}

// resolve merges allOf and picks one branch of oneOf or anyOf.
func (g *fuzzGen) resolve(s *openapi3.Schema) *openapi3.Schema {
	if len(s.AllOf) > 0 {
		m := *s
		m.AllOf, m.Properties, m.Required = nil, openapi3.Schemas{}, slices.Clone(s.Required)
		for k, v := range s.Properties {
			m.Properties[k] = v
		}
		for _, part := range s.AllOf {
			p := g.resolve(part.Value)
			for k, v := range p.Properties {
				m.Properties[k] = v
			}
			m.Required = append(m.Required, p.Required...)
			if p.AdditionalProperties.Has != nil || p.AdditionalProperties.Schema != nil {
				m.AdditionalProperties = p.AdditionalProperties
			}
		}
		m.Type = &openapi3.Types{"object"}
		return &m
	}
	branches := s.OneOf
	if len(branches) == 0 {
		branches = s.AnyOf
	}
	if len(branches) > 0 {
		return g.resolve(branches[g.r.IntN(len(branches))].Value)
	}
	return s
}

// typeOf chooses one of the schema's types (null now and then).
func (g *fuzzGen) typeOf(s *openapi3.Schema) string {
	var types []string
	if s.Type != nil {
		types = s.Type.Slice()
	}
	switch {
	case len(types) == 0 && len(s.Properties) > 0:
		return "object"
	case len(types) == 0 && s.Items != nil:
		return "array"
	case len(types) == 0:
		return "string"
	case len(types) > 1 && slices.Contains(types, "null") && g.r.IntN(5) > 0:
		types = slices.DeleteFunc(slices.Clone(types), func(t string) bool { return t == "null" })
	}
	return types[g.r.IntN(len(types))]
}

// bounds are a number's limits, with defaults for the open ends.
func bounds(s *openapi3.Schema, lo, hi float64) (float64, float64) {
	switch {
	case s.Min != nil && s.Max != nil:
		return *s.Min, *s.Max
	case s.Min != nil:
		return *s.Min, *s.Min + hi - lo
	case s.Max != nil:
		return *s.Max - (hi - lo), *s.Max
	}
	return lo, hi
}

func (g *fuzzGen) array(s *openapi3.Schema, name string, path []any) []any {
	n := int(s.MinItems) + g.r.IntN(4)
	if s.MaxItems != nil && n > int(*s.MaxItems) {
		n = int(*s.MaxItems)
	}
	out := []any{}
	seen := map[string]bool{}
	item := &openapi3.Schema{}
	if s.Items != nil {
		item = s.Items.Value
	}
	for tries := 0; len(out) < n && tries < 4*n+4; tries++ {
		mark := len(g.sites)
		v := g.value(item, name, append(slices.Clone(path), len(out)))
		key := string(generatedJSON(g.t, v))
		if s.UniqueItems && seen[key] {
			g.sites = g.sites[:mark]
			continue
		}
		seen[key] = true
		out = append(out, v)
	}
	return out
}

func (g *fuzzGen) object(s *openapi3.Schema, path []any) map[string]any {
	out := map[string]any{}
	names := make([]string, 0, len(s.Properties))
	for k := range s.Properties {
		names = append(names, k)
	}
	slices.Sort(names) // map order must not change what a seed generates
	for _, k := range names {
		if slices.Contains(s.Required, k) || g.r.IntN(5) > 0 {
			out[k] = g.value(s.Properties[k].Value, k, append(slices.Clone(path), k))
		}
	}
	if len(s.Properties) == 0 && s.AdditionalProperties.Schema != nil {
		keys := mapKeys[lastName(path)]
		for range g.r.IntN(3) {
			k := "k" + strconv.Itoa(g.r.IntN(100))
			if len(keys) > 0 {
				k = keys[g.r.IntN(len(keys))]
			}
			out[k] = g.value(s.AdditionalProperties.Schema.Value, k, append(slices.Clone(path), k))
		}
	}
	return out
}

// mapKeys are the keys of the maps openapi.json describes only by the type
// of their values.
var mapKeys = map[string][]string{
	"anchors": {"interview_on", "leave_on", "return_on", "start_on", "last_day_on"},
}

func lastName(path []any) string {
	if len(path) > 0 {
		if s, ok := path[len(path)-1].(string); ok {
			return s
		}
	}
	return ""
}

// str generates a string: by format, pattern or the property's name, or
// else text within the length limits.
func (g *fuzzGen) str(s *openapi3.Schema, name string) string {
	switch s.Format {
	case "uuid":
		return g.world.id(g.r, kindOfField(name), g.role)
	case "date":
		return g.now.AddDate(0, 0, g.r.IntN(120)-60).Format(time.DateOnly)
	case "date-time":
		return g.dateTime()
	case "email":
		return g.email()
	}
	if s.Pattern != "" {
		gen, ok := patternValues[s.Pattern]
		if !ok {
			g.t.Fatalf("fuzz: no generator for pattern %q: add one to patternValues", s.Pattern)
		}
		v := gen(g.r, g.now)
		if !regexp.MustCompile(s.Pattern).MatchString(v) {
			g.t.Fatalf("fuzz: %q does not match its pattern %q", v, s.Pattern)
		}
		return v
	}
	if v, ok := g.hint(name); ok {
		return v
	}
	lo := int(s.MinLength)
	hi := lo + 24
	if s.MaxLength != nil && hi > int(*s.MaxLength) {
		hi = int(*s.MaxLength)
	}
	n := lo + g.r.IntN(hi-lo+1)
	var b strings.Builder
	for i := range n {
		c := fuzzText[g.r.IntN(len(fuzzText))]
		if (i == 0 || i == n-1) && (c == ' ' || c == '　') {
			c = 'x' // no blank ends: trimmed text must keep its length
		}
		b.WriteRune(c)
	}
	return b.String()
}

// hint gives a meaningful value to a free-text property whose name says
// what it holds, so that valid requests get past the domain's rules.
func (g *fuzzGen) hint(name string) (string, bool) {
	switch name {
	case "theme":
		return pick(g.r, themeCodes...), true
	case "plan_code":
		return pick(g.r, "trial", "per_session", "subscription", "per_seat"), true
	case "code":
		return "fuzz_" + strconv.Itoa(g.r.IntN(1000)), true
	case "timezone":
		return pick(g.r, "Asia/Tokyo", "UTC", "America/New_York", "Europe/London"), true
	case "password":
		return "fuzz-pass-" + strconv.Itoa(100000+g.r.IntN(900000)), true
	case "email":
		return g.email(), true
	case "registration_number":
		return strconv.Itoa(100000 + g.r.IntN(900000)), true
	case "Stripe-Signature":
		return fmt.Sprintf("t=%d,v1=%064x", g.now.Unix(), g.r.Uint64()), true
	case "Idempotency-Key":
		return uuidFor(g.r), true
	}
	return "", false
}

// themeCodes are API.md's themes.
var themeCodes = []string{"career", "mental_health", "relationships", "harassment", "work_life", "engagement", "onboarding", "exit_interview", "return_to_work", "high_stress_followup"}

// dateTime is a time from a week ago to a month ahead on the half hour,
// in one of a few offsets.
func (g *fuzzGen) dateTime() string {
	t := g.now.Add(time.Duration(g.r.IntN(37*48)-7*48) * 30 * time.Minute).Truncate(30 * time.Minute)
	zones := []*time.Location{time.UTC, time.FixedZone("JST", 9*3600), time.FixedZone("EST", -5*3600), time.FixedZone("IST", 5*3600+1800)}
	return t.In(zones[g.r.IntN(len(zones))]).Format(time.RFC3339)
}

// email is a new address, or now and then one of the seed's employees.
func (g *fuzzGen) email() string {
	if g.r.IntN(4) == 0 {
		if e := g.world.id(g.r, "employee_email", g.role); e != "" {
			return e
		}
	}
	return fmt.Sprintf("fuzz%06d@fuzz.example", g.r.IntN(1000000))
}

// kindOfField tells which seed ids a uuid property holds, from its name.
func kindOfField(name string) string {
	switch name {
	case "employee_user_id":
		return "employee_user"
	case "counselor_id", "company_id", "department_id", "programme_step_id", "booking_id":
		return strings.TrimSuffix(name, "_id")
	}
	return ""
}

func generatedJSON(t testing.TB, v any) []byte {
	var b bytes.Buffer
	encodeJSON(&b, v)
	if !json.Valid(b.Bytes()) {
		t.Fatalf("fuzz: generated invalid JSON %q", b.Bytes())
	}
	return b.Bytes()
}

// rawJSON is written into a body as it is: the fuzz's way to send what
// encoding/json would never produce (invalid UTF-8, a lone surrogate).
type rawJSON string

// dupObject is an object whose key dup is written twice.
type dupObject struct {
	m   map[string]any
	dup string
}

// encodeJSON writes v as JSON with sorted keys.
func encodeJSON(b *bytes.Buffer, v any) {
	switch v := v.(type) {
	case rawJSON:
		b.WriteString(string(v))
	case dupObject:
		b.WriteByte('{')
		writeMembers(b, v.m)
		if len(v.m) > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(v.dup)
		b.Write(k)
		b.WriteByte(':')
		encodeJSON(b, v.m[v.dup])
		b.WriteByte('}')
	case map[string]any:
		b.WriteByte('{')
		writeMembers(b, v)
		b.WriteByte('}')
	case []any:
		b.WriteByte('[')
		for i, e := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			encodeJSON(b, e)
		}
		b.WriteByte(']')
	default:
		out, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		b.Write(out)
	}
}

func writeMembers(b *bytes.Buffer, m map[string]any) {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for i, k := range keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		encodeJSON(b, m[k])
	}
}

// deepCopy copies a generated JSON value.
func deepCopy(v any) any {
	switch v := v.(type) {
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, e := range v {
			out[k] = deepCopy(e)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, e := range v {
			out[i] = deepCopy(e)
		}
		return out
	}
	return v
}

// at returns the value at path in root (nil when the path no longer leads
// anywhere, e.g. after a fix-up replaced an array).
func at(root any, path []any) any {
	v, _ := lookup(root, path)
	return v
}

// lookup returns the value at path in root and whether the path leads to
// one.
func lookup(root any, path []any) (any, bool) {
	for _, p := range path {
		switch k := p.(type) {
		case string:
			m, ok := root.(map[string]any)
			if !ok {
				return nil, false
			}
			if root, ok = m[k]; !ok {
				return nil, false
			}
		case int:
			a, ok := root.([]any)
			if !ok || k >= len(a) {
				return nil, false
			}
			root = a[k]
		}
	}
	return root, true
}

// setAt replaces the value at path (not the root) in root, where the path
// still leads.
func setAt(root any, path []any, v any) {
	switch parent, k := at(root, path[:len(path)-1]), path[len(path)-1]; {
	case isMap(parent) && isString(k):
		parent.(map[string]any)[k.(string)] = v
	case isSlice(parent) && isInt(k) && k.(int) < len(parent.([]any)):
		parent.([]any)[k.(int)] = v
	}
}

func isMap(v any) bool    { _, ok := v.(map[string]any); return ok }
func isSlice(v any) bool  { _, ok := v.([]any); return ok }
func isString(v any) bool { _, ok := v.(string); return ok }
func isInt(v any) bool    { _, ok := v.(int); return ok }
