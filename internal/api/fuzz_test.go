package api_test

import (
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/demo"
)

// TestOpenAPIFuzz drives the API from openapi.json as an outside fuzzer
// would: for every operation and every role (and no sign-in at all) it
// sends requests that fit the schema and requests that break exactly one
// of its rules (fuzzBreaks), with the seed's real ids in the paths. It
// fails on any 5xx, on any answer outside the document (the harness checks
// each one), on a broken request answered 2xx (unless fuzzLenient says why
// the product accepts it), on a 2xx to a role the operation does not
// admit, and on a time written with lowercase "t"/"z" refused where its
// uppercase twin is not.
//
// The budget is a number of requests, not a duration: the seed corpus
// (two valid requests, one with lowercase times, and one per rule that can
// be broken) plus TAIWA_FUZZ_REQUESTS random ones (default 3) per
// operation and admitted role. TAIWA_FUZZ_SEED replays a run (each
// operation and role draws from its own PCG stream of the seed);
// TAIWA_FUZZ_VERBOSE=1 logs every request. `make fuzz` runs a larger
// budget with a new seed.
func TestOpenAPIFuzz(t *testing.T) {
	t.Parallel()
	budget := envInt(t, "TAIWA_FUZZ_REQUESTS", 3)
	seed := uint64(envInt(t, "TAIWA_FUZZ_SEED", 16))
	doc, err := apptest.OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	w := newFuzzWorld(t)
	f := &fuzzer{world: w, seed: seed, lenientUsed: map[int]int{}, statuses: map[int]int{}, succeeded: map[string]int{},
		verbose: os.Getenv("TAIWA_FUZZ_VERBOSE") != ""}
	started := time.Now()
	ops := fuzzOps(t, doc)
	pairs := 0
	for _, op := range ops {
		t.Run(op.id, func(t *testing.T) {
			for _, role := range op.rolesToTry() {
				pairs++
				t.Run(role, func(t *testing.T) {
					f.fuzz(t, op, role, budget)
				})
			}
		})
	}
	t.Logf("fuzz: seed %d, %d operations, %d operation×role pairs, %d requests in %s; statuses %v",
		seed, len(ops), pairs, f.sent, time.Since(started).Round(time.Second), f.statuses)
	var never []string
	for _, op := range ops {
		if f.succeeded[op.id] == 0 {
			never = append(never, op.id)
		}
	}
	t.Logf("fuzz: %d operations never answered 2xx (no request got past the domain's rules): %v", len(never), never)
	for i, l := range fuzzLenient {
		if f.lenientUsed[i] == 0 && !t.Failed() {
			t.Logf("fuzz: leniency %q for %s was not needed in this run", l.rule, l.op)
		}
	}
}

// envInt reads a whole number from the environment (def when unset).
func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		t.Fatalf("%s=%q: want a whole number", name, v)
	}
	return n
}

// fuzzLeniency is a rule break the product accepts on purpose.
type fuzzLeniency struct {
	op, rule, why string // op "*" is every operation
}

// fuzzLenient is the product's documented leniency: each broken request
// that may be answered 2xx, and why.
var fuzzLenient = []fuzzLeniency{
	{"receiveStripeEvent", "body: duplicate key", "a webhook's body is authenticated by Stripe's signature and read as Stripe's library reads it; only Stripe can send one"},
	{"receiveStripeEvent", "body: wrong content type", "a webhook's body is authenticated by Stripe's signature, not by its media type"},
	{"*", "query: unknown parameter", "endpoints ignore query parameters they do not know, as HTTP APIs commonly do (reports refuse them: a misspelt filter there would publish the wrong cut)"},
}

// fuzzer sends the requests and keeps count.
type fuzzer struct {
	world       *fuzzWorld
	seed        uint64
	sent        int
	statuses    map[int]int    // status class (2, 4, 5) → answers
	succeeded   map[string]int // operation → 2xx answers
	verbose     bool           // log every request (TAIWA_FUZZ_VERBOSE=1)
	lenientUsed map[int]int
}

// fuzz sends one operation's requests as role: for an admitted role the
// seed corpus (valid, lowercase times, each rule broken once) and budget
// random requests; for another role one valid and one broken request.
func (f *fuzzer) fuzz(t *testing.T, op *fuzzOp, role string, budget int) {
	h := fnv.New64a()
	h.Write([]byte(op.id + "/" + role))
	r := rand.New(rand.NewPCG(f.seed, h.Sum64()))
	g := &fuzzGen{t: t, r: r, role: role, world: f.world, now: time.Now()}
	if !op.admits(role) {
		f.send(t, op, role, f.plan(g, op))
		p := f.plan(g, op)
		f.breakOne(r, p, -1)
		f.send(t, op, role, p)
		return
	}
	for range 2 {
		f.send(t, op, role, f.plan(g, op))
	}
	if low := f.plan(g, op).lowercased(); low != nil {
		f.sendTwins(t, op, role, low)
	}
	for i := range fuzzBreaks {
		p := f.plan(g, op)
		if f.breakOne(r, p, i) {
			f.send(t, op, role, p)
		}
	}
	for range budget {
		p := f.plan(g, op)
		switch n := r.IntN(10); {
		case n < 5:
			if low := p.lowercased(); low != nil && n == 0 {
				f.sendTwins(t, op, role, low)
				continue
			}
		default:
			f.breakOne(r, p, -1)
		}
		f.send(t, op, role, p)
	}
}

// breakOne breaks rule i of fuzzBreaks (or, for -1, a random rule that
// applies); it reports false when the plan has no place for it.
func (f *fuzzer) breakOne(r *rand.Rand, p *fuzzPlan, i int) bool {
	if i >= 0 {
		where, ok := fuzzBreaks[i].apply(r, p)
		p.rule, p.where = fuzzBreaks[i].rule, where
		return ok
	}
	for _, j := range r.Perm(len(fuzzBreaks)) {
		snapshot := *p
		snapshot.body, snapshot.query = deepCopy(p.body), slices.Clone(p.query)
		snapshot.qsites, snapshot.header = slices.Clone(p.qsites), slices.Clone(p.header)
		snapshot.pathVals = clonePathVals(p.pathVals)
		if where, ok := fuzzBreaks[j].apply(r, &snapshot); ok {
			snapshot.rule, snapshot.where = fuzzBreaks[j].rule, where
			*p = snapshot
			return true
		}
	}
	return false
}

// clonePathVals copies a plan's path values.
func clonePathVals(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// client is the role's client reporting to t; signing out uses a session
// of its own, so that the role's stays valid for the rest of the run.
func (f *fuzzer) client(t *testing.T, op *fuzzOp, role string) *apptest.Client {
	switch {
	case role == anonymous:
		return f.world.h.Anonymous().For(t)
	case op.id == "signOut":
		return f.world.h.Login(f.world.emails[role], demo.Password).For(t)
	}
	return f.world.clients[role].For(t)
}

// send sends one plan and checks the answer.
func (f *fuzzer) send(t *testing.T, op *fuzzOp, role string, p *fuzzPlan) apptest.Response {
	t.Helper()
	var body io.Reader
	b := p.bytes()
	if p.hasBody {
		body = bytes.NewReader(b)
	}
	header := p.header
	if op.id == "receiveStripeEvent" && !strings.HasPrefix(p.rule, "header:") {
		// Signed with the server's secret, so that the body's rules are
		// what the request is judged on.
		header = []string{"Stripe-Signature", signed(b, fuzzWebhookSecret, time.Now())}
	}
	res := f.client(t, op, role).Raw(op.method, p.target(), p.ctype, body, header...)
	f.world.learn(op, res)
	if op.id == "enrolInProgramme" && res.Status/100 == 2 {
		// The employee's new invitations are what the /me/enrolments
		// operations (which run next) answer.
		mine := f.world.clients["employee"].For(t).Raw("GET", "/api/v1/me/programmes", "", nil)
		f.world.learnEnrolments(mine.Body)
	}
	f.sent++
	f.statuses[res.Status/100]++
	if res.Status/100 == 2 {
		f.succeeded[op.id]++
	}
	describe := func() string {
		rule := "none (fits the schema)"
		if p.rule != "" {
			rule = p.rule + " at " + p.where
		}
		return fmt.Sprintf("%s %s as %s\n  rule broken: %s\n  headers: %q content-type: %q\n  body: %s\n  answer %d: %s\n  replay: TAIWA_FUZZ_SEED=%d go test -run 'TestOpenAPIFuzz/%s/%s' ./internal/api/",
			op.method, shortText(p.target(), 300), role, rule, header, p.ctype, shortText(strconv.Quote(string(b)), 400),
			res.Status, shortText(string(res.Body), 400), f.seed, op.id, role)
	}
	if f.verbose {
		t.Logf("%s %s [%s %s] → %d %s", op.method, shortText(p.target(), 200), p.rule, p.where, res.Status, shortText(string(res.Body), 200))
	}
	switch {
	case res.Status >= 500:
		t.Errorf("fuzz: 5xx: %s", describe())
	case res.Status/100 == 2 && !op.admits(role):
		t.Errorf("fuzz: a role the operation does not admit was answered %d: %s", res.Status, describe())
	case res.Status/100 == 2 && p.rule != "" && !f.lenient(op, p.rule):
		t.Errorf("fuzz: a request that breaks the schema was accepted: %s", describe())
	}
	return res
}

// sendTwins sends a request with lowercase times, then its uppercase twin:
// the lowercase one must not be refused as malformed (400) when the twin
// is not.
func (f *fuzzer) sendTwins(t *testing.T, op *fuzzOp, role string, low *fuzzPlan) {
	t.Helper()
	upper := *low
	upper.query, upper.body = slices.Clone(low.query), deepCopy(low.body)
	for i, s := range upper.qsites {
		if isDateTime(s.schema) {
			upper.query[i][1] = strings.ToUpper(upper.query[i][1])
		}
	}
	if upper.isJSON() {
		for _, s := range upper.sites {
			if v, ok := at(upper.body, s.path).(string); ok && isDateTime(s.schema) && len(s.path) > 0 {
				setAt(upper.body, s.path, strings.ToUpper(v))
			}
		}
	}
	lr := f.send(t, op, role, low)
	ur := f.send(t, op, role, &upper)
	if lr.Status == http.StatusBadRequest && ur.Status != http.StatusBadRequest {
		t.Errorf("fuzz: %s %s as %s: a time with lowercase t/z was refused (400 %s) where its uppercase twin was answered %d",
			op.method, low.target(), role, shortText(string(lr.Body), 300), ur.Status)
	}
}

// lenient reports whether the product may accept the broken rule.
func (f *fuzzer) lenient(op *fuzzOp, rule string) bool {
	for i, l := range fuzzLenient {
		if (l.op == "*" || l.op == op.id) && l.rule == rule {
			f.lenientUsed[i]++
			return true
		}
	}
	return false
}

// shortText keeps at most n bytes of s for a message.
func shortText(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}
