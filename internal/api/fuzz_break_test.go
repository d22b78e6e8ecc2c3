package api_test

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// This file holds the rule breakers: each changes a request that fits
// openapi.json so that it breaks exactly one rule, the kind of mistake an
// API client makes. The product must never answer such a request 2xx
// (unless fuzzLenient says why it may).

// fuzzBreak breaks one rule of a plan; apply reports false when the plan
// has no place for it.
type fuzzBreak struct {
	rule  string
	apply func(r *rand.Rand, p *fuzzPlan) (where string, ok bool)
}

// fuzzBreaks are every rule the fuzz breaks, in the order the seed corpus
// tries them.
var fuzzBreaks = []fuzzBreak{
	{"body: wrong type", breakBodyType},
	{"body: not in enum", bodySite(hasEnum, func(r *rand.Rand, s fuzzSite, v any) any { return outsideEnum(s.schema) })},
	{"body: missing required property", breakRequired},
	{"body: unknown property", bodySite(closedObject, func(r *rand.Rand, s fuzzSite, v any) any {
		m := deepCopy(v).(map[string]any)
		m["fuzz_unknown"] = "x"
		return m
	})},
	{"body: too long", bodySite(plainString(func(s *openapi3.Schema) bool { return s.MaxLength != nil }), func(r *rand.Rand, s fuzzSite, v any) any {
		return longText(int(*s.schema.MaxLength) + 1)
	})},
	{"body: too short", bodySite(plainString(func(s *openapi3.Schema) bool { return s.MinLength > 0 }), func(r *rand.Rand, s fuzzSite, v any) any {
		return strings.Repeat("a", int(s.schema.MinLength)-1)
	})},
	{"body: above maximum", bodySite(numeric(func(s *openapi3.Schema) bool { return s.Max != nil }), func(r *rand.Rand, s fuzzSite, v any) any {
		return step(s.schema, *s.schema.Max, 1)
	})},
	{"body: below minimum", bodySite(numeric(func(s *openapi3.Schema) bool { return s.Min != nil }), func(r *rand.Rand, s fuzzSite, v any) any {
		return step(s.schema, *s.schema.Min, -1)
	})},
	{"body: too many items", breakTooMany},
	{"body: too few items", bodySite(func(s fuzzSite, v any) bool { _, ok := v.([]any); return ok && s.schema.MinItems > 0 }, func(r *rand.Rand, s fuzzSite, v any) any {
		return slices.Clone(v.([]any))[:s.schema.MinItems-1]
	})},
	{"body: duplicate items", bodySite(func(s fuzzSite, v any) bool { a, ok := v.([]any); return ok && s.schema.UniqueItems && len(a) > 0 }, func(r *rand.Rand, s fuzzSite, v any) any {
		a := v.([]any)
		return append(slices.Clone(a), deepCopy(a[0]))
	})},
	{"body: pattern", bodySite(stringWith(func(s *openapi3.Schema) bool { return s.Pattern != "" }), func(r *rand.Rand, s fuzzSite, v any) any { return outsidePattern(s.schema.Pattern) })},
	{"body: format", bodySite(stringWith(func(s *openapi3.Schema) bool { return badFormat[s.Format] != "" }), func(r *rand.Rand, s fuzzSite, v any) any {
		return badFormat[s.schema.Format]
	})},
	{"body: offset +24:00", bodySite(stringWith(isDateTime), func(r *rand.Rand, s fuzzSite, v any) any { return offset24(v.(string)) })},
	{"body: NUL character", bodySite(anyString, func(r *rand.Rand, s fuzzSite, v any) any { return spliceInto(v.(string), "\x00") })},
	{"body: invalid UTF-8", bodySite(anyString, func(r *rand.Rand, s fuzzSite, v any) any { return rawString(v.(string), "\xff\xfe") })},
	{"body: lone surrogate", bodySite(anyString, func(r *rand.Rand, s fuzzSite, v any) any { return rawString(v.(string), `\ud800`) })},
	{"body: duplicate key", breakDuplicateKey},
	{"body: trailing data", func(r *rand.Rand, p *fuzzPlan) (string, bool) {
		p.suffix = "}"
		return "after the value", p.isJSON()
	}},
	{"body: truncated JSON", func(r *rand.Rand, p *fuzzPlan) (string, bool) {
		p.truncate = true
		return "last byte cut", p.isJSON()
	}},
	{"body: too large", func(r *rand.Rand, p *fuzzPlan) (string, bool) {
		p.suffix = strings.Repeat(" ", maxJSONBody) // blank, so that its size is all that is wrong
		return "over 1 MiB", p.isJSON()
	}},
	{"body: wrong content type", breakContentType},
	{"body: missing", func(r *rand.Rand, p *fuzzPlan) (string, bool) {
		if !p.hasBody || !p.op.bodyRequired {
			return "", false
		}
		p.hasBody, p.body, p.raw, p.ctype = false, nil, nil, ""
		return "no body", true
	}},
	{"query: wrong type", querySite(func(s *openapi3.Schema) bool {
		return s.Type != nil && (s.Type.Is("integer") || s.Type.Is("number") || s.Type.Is("boolean"))
	}, func(s fuzzSite, v string) string { return "abc" })},
	{"query: not in enum", querySite(func(s *openapi3.Schema) bool { return len(s.Enum) > 0 }, func(s fuzzSite, v string) string { return "zz_fuzz" })},
	{"query: above maximum", querySite(func(s *openapi3.Schema) bool { return s.Max != nil }, func(s fuzzSite, v string) string {
		return strconv.FormatFloat(*s.schema.Max+1, 'f', -1, 64)
	})},
	{"query: below minimum", querySite(func(s *openapi3.Schema) bool { return s.Min != nil }, func(s fuzzSite, v string) string {
		return strconv.FormatFloat(*s.schema.Min-1, 'f', -1, 64)
	})},
	{"query: too long", querySite(func(s *openapi3.Schema) bool { return s.MaxLength != nil }, func(s fuzzSite, v string) string {
		return longText(int(*s.schema.MaxLength) + 1)
	})},
	{"query: pattern", querySite(func(s *openapi3.Schema) bool { return s.Pattern != "" }, func(s fuzzSite, v string) string { return outsidePattern(s.schema.Pattern) })},
	{"query: format", querySite(func(s *openapi3.Schema) bool { return badFormat[s.Format] != "" }, func(s fuzzSite, v string) string {
		return badFormat[s.schema.Format]
	})},
	{"query: offset +24:00", querySite(isDateTime, func(s fuzzSite, v string) string { return offset24(v) })},
	{"query: missing required", breakRequiredQuery},
	{"query: NUL character", querySite(isStringParam, func(s fuzzSite, v string) string { return spliceInto(v, "\x00") })},
	{"query: invalid UTF-8", querySite(isStringParam, func(s fuzzSite, v string) string { return spliceInto(v, "\xff") })},
	{"query: lone surrogate", querySite(isStringParam, func(s fuzzSite, v string) string { return spliceInto(v, "\xed\xa0\x80") })},
	{"query: unknown parameter", func(r *rand.Rand, p *fuzzPlan) (string, bool) {
		p.query = append(p.query, [2]string{"fuzz_unknown", "1"})
		return "fuzz_unknown=1", true
	}},
	{"path: malformed id", breakPathID},
	{"header: too long", func(r *rand.Rand, p *fuzzPlan) (string, bool) {
		for i := 0; i+1 < len(p.header); i += 2 {
			if s := p.op.headerSchema(p.header[i]); s != nil && s.MaxLength != nil {
				p.header[i+1] = strings.Repeat("k", int(*s.MaxLength)+1)
				return p.header[i], true
			}
		}
		return "", false
	}},
	{"header: missing required", func(r *rand.Rand, p *fuzzPlan) (string, bool) {
		for i := 0; i+1 < len(p.header); i += 2 {
			if p.op.headerRequired(p.header[i]) {
				name := p.header[i]
				p.header = slices.Delete(p.header, i, i+2)
				return name, true
			}
		}
		return "", false
	}},
}

// outsidePattern is a short text the pattern does not match.
func outsidePattern(pattern string) string {
	re := regexp.MustCompile(pattern)
	for _, v := range []string{"zz", "Z-9", "9", "a b!", "あ"} {
		if !re.MatchString(v) {
			return v
		}
	}
	panic("fuzz: no text outside the pattern " + pattern)
}

// maxJSONBody is the API's limit on a JSON body (API.md: 413 beyond).
const maxJSONBody = 1 << 20

// badFormat is a value outside each format.
var badFormat = map[string]string{
	"uuid":      "not-a-uuid",
	"date":      "2026-13-01",
	"date-time": "2026-04-01 10:00",
	"email":     "not-an-email",
}

// bodySite breaks a rule at a random site of the JSON body that fits.
func bodySite(fits func(s fuzzSite, v any) bool, breakIt func(r *rand.Rand, s fuzzSite, v any) any) func(*rand.Rand, *fuzzPlan) (string, bool) {
	return func(r *rand.Rand, p *fuzzPlan) (string, bool) {
		if !p.isJSON() {
			return "", false
		}
		var cands []fuzzSite
		for _, s := range p.sites {
			if v, ok := lookup(p.body, s.path); ok && fits(s, v) {
				cands = append(cands, s)
			}
		}
		if len(cands) == 0 {
			return "", false
		}
		s := cands[r.IntN(len(cands))]
		v := breakIt(r, s, at(p.body, s.path))
		if len(s.path) == 0 {
			p.body = v
		} else {
			setAt(p.body, s.path, v)
		}
		return pointer(s.path), true
	}
}

// pointer is a site's JSON pointer.
func pointer(path []any) string {
	var b strings.Builder
	for _, p := range path {
		b.WriteByte('/')
		switch k := p.(type) {
		case string:
			b.WriteString(k)
		case int:
			b.WriteString(strconv.Itoa(k))
		}
	}
	if b.Len() == 0 {
		return "/"
	}
	return b.String()
}

func hasEnum(s fuzzSite, v any) bool { return len(s.schema.Enum) > 0 || s.schema.Const != nil }

func closedObject(s fuzzSite, v any) bool {
	_, ok := v.(map[string]any)
	return ok && s.schema.AdditionalProperties.Has != nil && !*s.schema.AdditionalProperties.Has
}

// plainString fits a string without enum, format or pattern.
func plainString(also func(*openapi3.Schema) bool) func(fuzzSite, any) bool {
	return func(s fuzzSite, v any) bool {
		_, ok := v.(string)
		return ok && len(s.schema.Enum) == 0 && s.schema.Format == "" && s.schema.Pattern == "" && also(s.schema)
	}
}

func stringWith(also func(*openapi3.Schema) bool) func(fuzzSite, any) bool {
	return func(s fuzzSite, v any) bool {
		_, ok := v.(string)
		return ok && also(s.schema)
	}
}

func anyString(s fuzzSite, v any) bool { _, ok := v.(string); return ok }

func numeric(also func(*openapi3.Schema) bool) func(fuzzSite, any) bool {
	return func(s fuzzSite, v any) bool {
		switch v.(type) {
		case int64, float64:
			return also(s.schema)
		}
		return false
	}
}

func isDateTime(s *openapi3.Schema) bool { return s.Format == "date-time" }

// step is just past a bound: one for integers, a half otherwise.
func step(s *openapi3.Schema, bound float64, dir float64) any {
	if s.Type != nil && s.Type.Is("integer") {
		return int64(bound + dir)
	}
	return bound + dir/2
}

// outsideEnum is a value the enum (or const) does not hold, of a type it
// holds, so that only the enum is broken.
func outsideEnum(s *openapi3.Schema) any {
	vals := s.Enum
	if s.Const != nil {
		vals = []any{s.Const}
	}
	for _, v := range vals {
		switch v.(type) {
		case float64, int64:
			return 987654
		case bool:
			if slices.Contains(vals, any(true)) {
				return false
			}
			return true
		}
	}
	return "zz_fuzz"
}

// longText is n characters, kana and ASCII mixed (lengths count characters).
func longText(n int) string {
	var b strings.Builder
	for i := range n {
		if i%2 == 0 {
			b.WriteString("あ")
		} else {
			b.WriteByte('a')
		}
	}
	return b.String()
}

// spliceInto puts bad in the middle of v (or makes v just "a"+bad+"b").
func spliceInto(v, bad string) string {
	if len(v) < 2 {
		return "a" + bad + "b"
	}
	i := len(v) / 2
	for i > 0 && !isRuneStart(v[i]) {
		i--
	}
	return v[:i] + bad + v[i:]
}

func isRuneStart(b byte) bool { return b&0xC0 != 0x80 }

// rawString is v as a JSON string with bad written raw in its middle.
func rawString(v, bad string) rawJSON {
	const mark = "\uE000"
	q, _ := json.Marshal(spliceInto(v, mark))
	return rawJSON(bytes.Replace(q, []byte(mark), []byte(bad), 1))
}

// offset24 gives an RFC 3339 time the offset +24:00.
func offset24(v string) string {
	if len(v) < 19 {
		return "2026-04-01T10:00:00+24:00"
	}
	return v[:19] + "+24:00"
}

// breakBodyType puts a value of a type the schema does not allow.
func breakBodyType(r *rand.Rand, p *fuzzPlan) (string, bool) {
	return bodySite(func(s fuzzSite, v any) bool { return wrongType(s.schema) != nil }, func(r *rand.Rand, s fuzzSite, v any) any {
		return wrongType(s.schema)
	})(r, p)
}

// wrongType is a value of a type s does not permit (nil: s permits all).
func wrongType(s *openapi3.Schema) any {
	cands := []struct {
		typ string
		v   any
	}{{"string", "fuzz"}, {"object", map[string]any{}}, {"integer", int64(7)}, {"boolean", true}, {"array", []any{}}, {"number", 7.5}, {"null", nil}}
	var types []string
	if s.Type != nil {
		types = s.Type.Slice()
	}
	vals := s.Enum
	if s.Const != nil {
		vals = []any{s.Const}
	}
	if len(types) == 0 && len(vals) == 0 {
		return nil
	}
	for _, c := range cands {
		if c.typ == "null" {
			continue // a null cannot be told from a wrong type for "typeless" maps
		}
		switch {
		case len(types) > 0 && (slices.Contains(types, c.typ) || c.typ == "integer" && slices.Contains(types, "number")):
		case len(types) == 0 && enumHasType(vals, c.typ):
		default:
			return c.v
		}
	}
	return nil
}

func enumHasType(vals []any, typ string) bool {
	for _, v := range vals {
		switch v.(type) {
		case string:
			if typ == "string" {
				return true
			}
		case float64, int64:
			if typ == "integer" || typ == "number" {
				return true
			}
		case bool:
			if typ == "boolean" {
				return true
			}
		}
	}
	return false
}

// breakRequired deletes one required property that is present.
func breakRequired(r *rand.Rand, p *fuzzPlan) (string, bool) {
	if !p.isJSON() {
		return "", false
	}
	type cand struct {
		s   fuzzSite
		key string
	}
	var cands []cand
	for _, s := range p.sites {
		m, ok := at(p.body, s.path).(map[string]any)
		if !ok {
			continue
		}
		for _, k := range s.schema.Required {
			if _, ok := m[k]; ok {
				cands = append(cands, cand{s, k})
			}
		}
	}
	if len(cands) == 0 {
		return "", false
	}
	c := cands[r.IntN(len(cands))]
	delete(at(p.body, c.s.path).(map[string]any), c.key)
	return pointer(append(slices.Clone(c.s.path), c.key)), true
}

// breakTooMany makes an array one item longer than maxItems.
func breakTooMany(r *rand.Rand, p *fuzzPlan) (string, bool) {
	return bodySite(func(s fuzzSite, v any) bool {
		a, ok := v.([]any)
		if !ok || s.schema.MaxItems == nil || len(a) == 0 {
			return false
		}
		// Unique items from an enum cannot outnumber the enum.
		return !s.schema.UniqueItems || s.schema.Items == nil || len(s.schema.Items.Value.Enum) == 0
	}, func(r *rand.Rand, s fuzzSite, v any) any {
		a := v.([]any)
		out := make([]any, 0, *s.schema.MaxItems+1)
		for i := range int(*s.schema.MaxItems) + 1 {
			item := deepCopy(a[i%len(a)])
			if m, ok := item.(map[string]any); ok && s.schema.UniqueItems {
				m["fuzz_n"] = i // keeps the items unique only when the items are open objects
			}
			out = append(out, item)
		}
		return out
	})(r, p)
}

// breakDuplicateKey writes one key of an object twice.
func breakDuplicateKey(r *rand.Rand, p *fuzzPlan) (string, bool) {
	if !p.isJSON() {
		return "", false
	}
	var cands []fuzzSite
	for _, s := range p.sites {
		if m, ok := at(p.body, s.path).(map[string]any); ok && len(m) > 0 {
			cands = append(cands, s)
		}
	}
	if len(cands) == 0 {
		return "", false
	}
	s := cands[r.IntN(len(cands))]
	m := at(p.body, s.path).(map[string]any)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	d := dupObject{m: m, dup: keys[r.IntN(len(keys))]}
	if len(s.path) == 0 {
		p.body = d
	} else {
		setAt(p.body, s.path, d)
	}
	return pointer(s.path) + " key " + d.dup, true
}

// breakContentType sends the body under a media type the operation does
// not take.
func breakContentType(r *rand.Rand, p *fuzzPlan) (string, bool) {
	if !p.hasBody {
		return "", false
	}
	if p.isJSON() {
		p.ctype = "text/plain"
	} else {
		p.ctype = "application/json"
	}
	return p.ctype, true
}

// querySite breaks a rule of one query value that fits.
func querySite(fits func(*openapi3.Schema) bool, breakIt func(s fuzzSite, v string) string) func(*rand.Rand, *fuzzPlan) (string, bool) {
	return func(r *rand.Rand, p *fuzzPlan) (string, bool) {
		var cands []int
		for i, s := range p.qsites {
			if fits(s.schema) {
				cands = append(cands, i)
			}
		}
		if len(cands) == 0 {
			return "", false
		}
		i := cands[r.IntN(len(cands))]
		p.query[i][1] = breakIt(p.qsites[i], p.query[i][1])
		return p.query[i][0], true
	}
}

func isStringParam(s *openapi3.Schema) bool {
	return (s.Type == nil || s.Type.Is("string")) && len(s.Enum) == 0
}

// breakRequiredQuery leaves out a required query parameter.
func breakRequiredQuery(r *rand.Rand, p *fuzzPlan) (string, bool) {
	for i, q := range p.query {
		if p.op.queryRequired(q[0]) {
			p.query = slices.Delete(p.query, i, i+1)
			p.qsites = slices.Delete(p.qsites, i, i+1)
			return q[0], true
		}
	}
	return "", false
}

// breakPathID puts a malformed id where the path takes a uuid.
func breakPathID(r *rand.Rand, p *fuzzPlan) (string, bool) {
	var names []string
	for _, prm := range p.op.op.Parameters {
		if v := prm.Value; v.In == "path" && v.Schema != nil && v.Schema.Value.Format == "uuid" {
			names = append(names, v.Name)
		}
	}
	if len(names) == 0 {
		return "", false
	}
	name := names[r.IntN(len(names))]
	p.pathVals[name] = "not-a-uuid"
	return name, true
}
