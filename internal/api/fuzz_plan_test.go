package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math/rand/v2"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

// This file turns an operation of openapi.json into requests (plans) that
// fit its schema.

// fuzzOp is one operation of the document.
type fuzzOp struct {
	id, method, path string
	op               *openapi3.Operation
	roles            []string // x-roles; nil: public
	bodyRequired     bool
}

// fuzzOps lists the document's operations in a fixed order.
func fuzzOps(t *testing.T, doc *openapi3.T) []*fuzzOp {
	var out []*fuzzOp
	paths := doc.Paths.Map()
	keys := make([]string, 0, len(paths))
	for p := range paths {
		keys = append(keys, p)
	}
	slices.Sort(keys)
	for _, p := range keys {
		ops := paths[p].Operations()
		methods := make([]string, 0, len(ops))
		for m := range ops {
			methods = append(methods, m)
		}
		slices.Sort(methods)
		for _, m := range methods {
			op := ops[m]
			fo := &fuzzOp{id: op.OperationID, method: m, path: p, op: op}
			if raw, ok := op.Extensions["x-roles"]; ok {
				b, _ := json.Marshal(raw)
				if err := json.Unmarshal(b, &fo.roles); err != nil {
					t.Fatalf("%s: x-roles: %v", fo.id, err)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				fo.bodyRequired = op.RequestBody.Value.Required
			}
			out = append(out, fo)
		}
	}
	return out
}

// admits reports whether role may call the operation.
func (o *fuzzOp) admits(role string) bool {
	if o.roles == nil {
		return true
	}
	return slices.Contains(o.roles, role)
}

// rolesToTry are the admitted roles and, for an operation that needs a
// sign-in, the others too (each must be refused). Public operations are
// tried without a token.
func (o *fuzzOp) rolesToTry() []string {
	if o.roles == nil {
		return []string{anonymous}
	}
	return fuzzRoles
}

// param is the operation's parameter in in named name (nil: none).
func (o *fuzzOp) param(in, name string) *openapi3.Parameter {
	for _, p := range o.op.Parameters {
		if p.Value.In == in && strings.EqualFold(p.Value.Name, name) {
			return p.Value
		}
	}
	return nil
}

// headerSchema is the schema of a header parameter (nil: none).
func (o *fuzzOp) headerSchema(name string) *openapi3.Schema {
	if p := o.param("header", name); p != nil && p.Schema != nil {
		return p.Schema.Value
	}
	return nil
}

// headerRequired reports whether a header parameter is required.
func (o *fuzzOp) headerRequired(name string) bool {
	p := o.param("header", name)
	return p != nil && p.Required
}

// queryRequired reports whether a query parameter is required.
func (o *fuzzOp) queryRequired(name string) bool {
	p := o.param("query", name)
	return p != nil && p.Required
}

// fuzzPlan is one request before it is sent.
type fuzzPlan struct {
	op       *fuzzOp
	pathVals map[string]string
	query    [][2]string // name and value, unescaped
	qsites   []fuzzSite  // the schema of each query value
	header   []string    // pairs of name and value
	ctype    string
	hasBody  bool
	body     any        // a JSON body
	sites    []fuzzSite // the JSON body's
	raw      []byte     // a body that is not JSON
	suffix   string     // sent after the JSON value
	truncate bool       // the JSON value's last byte is cut
	rule     string     // the rule broken ("" when the request fits the schema)
	where    string     // where it is broken
}

// isJSON reports whether the plan has a JSON body.
func (p *fuzzPlan) isJSON() bool { return p.hasBody && p.raw == nil }

// target is the request's path and query.
func (p *fuzzPlan) target() string {
	path := p.op.path
	for k, v := range p.pathVals {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	if len(p.query) == 0 {
		return path
	}
	q := make([]string, len(p.query))
	for i, kv := range p.query {
		q[i] = url.QueryEscape(kv[0]) + "=" + url.QueryEscape(kv[1])
	}
	return path + "?" + strings.Join(q, "&")
}

// bytes is the request's body as sent.
func (p *fuzzPlan) bytes() []byte {
	if !p.hasBody {
		return nil
	}
	if p.raw != nil {
		return p.raw
	}
	var b bytes.Buffer
	encodeJSON(&b, p.body)
	out := b.Bytes()
	if p.truncate && len(out) > 0 {
		out = out[:len(out)-1]
	}
	return append(out, p.suffix...)
}

// lowercased is a copy of p with every date-time written with lowercase
// "t" and "z" (RFC 3339 §5.6 allows them), or nil when p holds none.
func (p *fuzzPlan) lowercased() *fuzzPlan {
	c := *p
	c.query = slices.Clone(p.query)
	c.body = deepCopy(p.body)
	changed := false
	lower := func(v string) string {
		if len(v) > 10 && v[10] == 'T' {
			changed = true
			v = v[:10] + "t" + v[11:]
		}
		if strings.HasSuffix(v, "Z") {
			v = v[:len(v)-1] + "z"
		}
		return v
	}
	for i, s := range p.qsites {
		if isDateTime(s.schema) {
			c.query[i][1] = lower(c.query[i][1])
		}
	}
	if p.isJSON() {
		for _, s := range p.sites {
			if v, ok := at(c.body, s.path).(string); ok && isDateTime(s.schema) {
				if len(s.path) == 0 {
					c.body = lower(v)
				} else {
					setAt(c.body, s.path, lower(v))
				}
			}
		}
	}
	if !changed {
		return nil
	}
	return &c
}

// plan generates a request that fits the operation's schema.
func (f *fuzzer) plan(g *fuzzGen, op *fuzzOp) *fuzzPlan {
	p := &fuzzPlan{op: op, pathVals: f.pathValues(g, op)}
	for _, ref := range op.op.Parameters {
		prm := ref.Value
		if prm.In == "path" || !prm.Required && g.r.IntN(2) == 0 {
			continue
		}
		s := prm.Schema.Value
		g.sites = nil
		v := g.value(s, prm.Name, nil)
		switch prm.In {
		case "query":
			if a, ok := v.([]any); ok {
				for _, item := range a {
					p.query = append(p.query, [2]string{prm.Name, queryText(item)})
					p.qsites = append(p.qsites, fuzzSite{schema: g.resolve(s.Items.Value), name: prm.Name})
				}
				continue
			}
			p.query = append(p.query, [2]string{prm.Name, queryText(v)})
			p.qsites = append(p.qsites, g.sites[0])
		case "header":
			if hint, ok := g.hint(prm.Name); ok {
				v = hint
			}
			p.header = append(p.header, prm.Name, queryText(v))
		}
	}
	if rb := op.op.RequestBody; rb != nil && (rb.Value.Required || g.r.IntN(4) > 0) {
		f.body(g, op, p, rb.Value)
	}
	return p
}

// pathValues fills the path's parameters, right to left: the last names a
// row of the seed, whose parents fill the parameters before it.
func (f *fuzzer) pathValues(g *fuzzGen, op *fuzzOp) map[string]string {
	out := map[string]string{}
	segs := strings.Split(op.path, "/")
	parents := map[string]string{}
	for i := len(segs) - 1; i > 0; i-- {
		s := segs[i]
		if !strings.HasPrefix(s, "{") {
			continue
		}
		name := strings.Trim(s, "{}")
		kind, ok := pathKinds[segs[i-1]]
		if !ok {
			g.t.Fatalf("fuzz: %s: which ids does {%s} take? Add its collection to pathKinds", op.path, name)
		}
		if v, ok := parents[kind]; ok && g.r.IntN(5) > 0 {
			out[name] = v
			continue
		}
		row := f.world.row(g.r, kind, g.role)
		if g.r.IntN(8) == 0 && kind != "plan" {
			row = map[string]string{"id": uuidFor(g.r)}
		}
		if avoid := fuzzAvoid[op.id]; avoid == kind && f.world.isOwn(kind, row["id"]) {
			row = map[string]string{"id": uuidFor(g.r)}
		}
		out[name] = row["id"]
		for k, v := range row {
			parents[k] = v
		}
	}
	return out
}

// fuzzAvoid keeps writes that would lock the signed-in users out of the
// rest of the run off their own rows: suspending the counsellor who is
// signed in, ending or changing the contract of the employee's company.
var fuzzAvoid = map[string]string{
	"suspendCounselor": "counselor",
	"endContract":      "company",
	"changeContract":   "company",
}

// uuidFor is a random version 4 UUID drawn from r (so that a seed replays).
func uuidFor(r *rand.Rand) string {
	var b [16]byte
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:])
}

// queryText writes a generated value as a query parameter's text.
func queryText(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case nil:
		return ""
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// body generates the request's body in the first media type it takes.
func (f *fuzzer) body(g *fuzzGen, op *fuzzOp, p *fuzzPlan, rb *openapi3.RequestBody) {
	p.hasBody = true
	if mt := rb.Content.Get("application/json"); mt != nil {
		p.ctype = "application/json"
		g.sites = nil
		p.body = g.value(mt.Schema.Value, "", []any{})
		p.sites = g.sites
		if fix := fuzzFixes[op.id]; fix != nil && g.r.IntN(4) > 0 {
			fix(g, p)
		}
		return
	}
	switch {
	case rb.Content.Get("text/csv") != nil:
		p.ctype, p.raw = "text/csv", rosterCSV(g)
	case rb.Content.Get("image/png") != nil:
		p.ctype, p.raw = "image/png", tinyPNG(g.r)
	default:
		g.t.Fatalf("fuzz: %s: no generator for its body's media types", op.id)
	}
}

// rosterCSV is a roster upload of up to three rows.
func rosterCSV(g *fuzzGen) []byte {
	var b strings.Builder
	b.WriteString("email,name,department,age_band,tenure_band,job_family,employee_code\n")
	for i := range g.r.IntN(4) {
		fmt.Fprintf(&b, "%s,\"%s\",営業部/東京支店,%s,%s,sales,F%04d\n", g.email(), strings.ReplaceAll(g.str(&openapi3.Schema{MinLength: 1, MaxLength: ptr(uint64(20))}, ""), `"`, `""`),
			[]string{"20s", "30s", "40s", "50s", "60s", "70s"}[g.r.IntN(6)], []string{"0-2y", "3-5y", "6-10y", "11y+"}[g.r.IntN(4)], i)
	}
	return []byte(b.String())
}

// ptr is a pointer to v.
func ptr[T any](v T) *T { return &v }

// tinyPNG is a small image in one random colour.
func tinyPNG(r *rand.Rand) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	c := color.RGBA{uint8(r.UintN(256)), uint8(r.UintN(256)), uint8(r.UintN(256)), 255}
	for x := range 16 {
		for y := range 16 {
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic(err)
	}
	return b.Bytes()
}
