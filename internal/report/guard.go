package report

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// ReasonWouldReveal is the API's error code for a report the differencing
// guard refuses (422).
const ReasonWouldReveal = "would_reveal_individual"

// Released is everything a company's admins (all of them) have been shown:
// for every published cell and category, its members as keyed hashes.
// The caller loads it before a report and appends what it then shows; it
// holds no employee id, only HMAC-SHA256(Key, id) cut to 64 bits, so a
// stolen copy cannot be joined to the roster without the company's key.
type Released struct {
	Key       []byte
	Cells     []Fingerprint
	Facts     []Fact
	Relations []Relation

	seen  map[uint64]bool // set digests already held, built on demand
	facts map[string]int  // quantity → index in Facts
	rels  map[string]bool // relations already held
}

// Relation is how released quantities add up (Exact) or bound each other
// (a total of distinct people over months or themes lies between the
// largest part and the sum): the audit of later reports combines them
// with the facts, as an attacker holding every report would.
type Relation struct {
	Total string
	Parts []string
	Exact bool
}

// Fact is what a company has been told about one quantity (a cell or a
// category, named independently of the report that showed it): its
// numbers, or that it was hidden. Decisions stick: a quantity once hidden
// stays hidden in every later report, and one once shown is known to the
// audit of every later report, so that two reports cannot be combined to
// recover what either hides.
type Fact struct {
	Quantity   string
	Hidden     bool
	Employees  int
	Sessions   int
	Population int // people the quantity's department and bands cover (cells)
}

// Fingerprint is one released cell: a label for messages and audit, and
// its members' keyed hashes in ascending order.
type Fingerprint struct {
	Label   string
	Members []uint64
}

// Conflict is a cell of a new table whose members differ from a released
// cell's by 1 to min_group-1 people.
type Conflict struct {
	Cell     string // the new cell's label
	Released string // the released cell's label
}

// GuardError carries the conflicts behind a refusal.
type GuardError struct{ Conflicts []Conflict }

func (e *GuardError) Error() string {
	return fmt.Sprintf("%d cells would differ from released cells by fewer than min_group people", len(e.Conflicts))
}

// Check refuses the table (422 would_reveal_individual) when any of its
// published cells differs from a released cell by 1 to min_group-1 people.
// Identical member sets are fine: they show the same people again.
func (r *Released) Check(t *Table) error {
	cs, _ := r.conflicts(t)
	if len(cs) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.CodeUnprocessable, Reason: ReasonWouldReveal,
		Message: "this report would differ from one already shown by fewer than min_group people", Err: &GuardError{Conflicts: cs}}
}

// Protect suppresses the table's cells that conflict with released cells
// (and whatever complementary suppression then needs) instead of refusing
// the whole report; it refuses like Check only when the report's total
// itself would have to go.
func (r *Released) Protect(t *Table) error {
	if t.pol.unprotected {
		return nil
	}
	r.index()
	t.sup.past = r
	t.sup.known = map[int]Fact{}
	for n := range t.nodes {
		i, ok := r.facts[t.quantities()[n]]
		switch {
		case !ok:
		case r.Facts[i].Hidden:
			t.sup.hide(n, ReasonComplementary)
		default:
			t.sup.known[n] = r.Facts[i]
		}
	}
	t.sup.settle()
	for {
		cs, nodes := r.conflicts(t)
		if len(cs) == 0 {
			break
		}
		for _, n := range nodes {
			t.sup.hide(n, ReasonDifferencing)
		}
		t.sup.settle()
	}
	t.publish(t.dims)
	if t.sup.pastExposed {
		return &apperr.Error{Code: apperr.CodeUnprocessable, Reason: ReasonWouldReveal,
			Message: "this report combined with those already shown would reveal a small group"}
	}
	if t.Total().Suppressed {
		return &apperr.Error{Code: apperr.CodeUnprocessable, Reason: ReasonWouldReveal,
			Message: "this report's total would differ from one already shown by fewer than min_group people"}
	}
	return nil
}

func (r *Released) hasFact(q string) bool {
	_, ok := r.facts[q]
	return ok
}

// addRelations records t's groups over quantities.
func (r *Released) addRelations(t *Table) {
	for _, g := range t.sup.groups {
		qs := t.quantities()
		rel := Relation{Total: qs[g.total], Exact: g.additive}
		for _, p := range g.parts {
			rel.Parts = append(rel.Parts, qs[p])
		}
		key := fmt.Sprint(rel)
		if !r.rels[key] {
			r.rels[key] = true
			r.Relations = append(r.Relations, rel)
		}
	}
}

// Add records every published cell and category of t as released.
func (r *Released) Add(t *Table) {
	r.index()
	r.addRelations(t)
	hash := r.hasher(t)
	for n, nd := range t.nodes {
		if q := t.quantities()[n]; !r.hasFact(q) {
			r.facts[q] = len(r.Facts)
			f := Fact{Quantity: q, Hidden: nd.hidden, Employees: nd.emp, Sessions: nd.sess}
			if n%nCats == 0 {
				f.Population = nd.cap
			}
			r.Facts = append(r.Facts, f)
			if nd.hidden {
				r.Facts[len(r.Facts)-1].Employees, r.Facts[len(r.Facts)-1].Sessions = 0, 0
			}
		}
		if nd.hidden {
			continue
		}
		s := t.memberSet(n, hash)
		d := digest(s)
		if r.seen[d] {
			continue
		}
		r.seen[d] = true
		r.Cells = append(r.Cells, Fingerprint{Label: t.label(n), Members: s})
	}
}

func (r *Released) index() {
	if r.seen != nil {
		return
	}
	r.seen = map[uint64]bool{}
	for _, c := range r.Cells {
		r.seen[digest(c.Members)] = true
	}
	r.facts = map[string]int{}
	for i, f := range r.Facts {
		r.facts[f.Quantity] = i
	}
	r.rels = map[string]bool{}
	for _, rel := range r.Relations {
		r.rels[fmt.Sprint(rel)] = true
	}
}

// quantities names every node, once per table.
func (t *Table) quantities() []string {
	if t.qs == nil {
		qs := make([]string, len(t.nodes))
		for n := range qs {
			qs[n] = t.quantity(n)
		}
		t.qs = qs
	}
	return t.qs
}

// quantity names a node independently of the report: the months it
// covers (narrowed by a month key), one key per dimension, the category.
func (t *Table) quantity(n int) string {
	if t.qs != nil {
		return t.qs[n]
	}
	cell, cat := n/nCats, n%nCats-1
	cd := t.cells[cell]
	keys := map[Dim]string{}
	from, to := t.Query.From.String(), t.Query.To.String()
	for i, d := range t.Query.By {
		key := t.dims[i].keys[[2]int{cd.a, cd.b}[i]]
		if d == DimMonth {
			if key != KeyAll {
				f, _, _ := parseBound(key, "", false)
				l, _, _ := parseBound(key, "", true)
				from, to = f.String(), l.String()
			}
			continue
		}
		keys[d] = key
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s..%s", from, to)
	for _, d := range []Dim{DimDepartment, DimAgeBand, DimTenureBand, DimTheme} {
		b.WriteString(" " + string(d) + "=" + cmp.Or(keys[d], KeyAll))
	}
	if cat >= 0 {
		fmt.Fprintf(&b, " cat=%d", cat)
	}
	return b.String()
}

// conflicts lists the table's published nodes too close to released ones.
func (r *Released) conflicts(t *Table) ([]Conflict, []int) {
	hash := r.hasher(t)
	var sets []memberSet
	var owner []int
	for n := range t.nodes {
		if !t.nodes[n].hidden {
			sets = append(sets, t.memberSet(n, hash))
			owner = append(owner, n)
		}
	}
	released := make([]memberSet, len(r.Cells))
	for i, c := range r.Cells {
		released[i] = c.Members
	}
	var cs []Conflict
	var nodes []int
	for _, pr := range closePairs(sets, released, t.MinGroup, false) {
		cs = append(cs, Conflict{Cell: t.label(owner[pr[0]]), Released: r.Cells[pr[1]].Label})
		nodes = append(nodes, owner[pr[0]])
	}
	return cs, nodes
}

// hasher returns the keyed hash of each of t's employees.
func (r *Released) hasher(t *Table) func(int32) uint64 {
	hs := make([]uint64, len(t.ids))
	for i, id := range t.ids {
		m := hmac.New(sha256.New, r.Key)
		m.Write(id[:])
		hs[i] = binary.BigEndian.Uint64(m.Sum(nil))
	}
	return func(i int32) uint64 { return hs[i] }
}

// memberSet is a node's members, ascending.
type memberSet = []uint64

// memberSet lists a node's members, as hashes (or raw indices when hash
// is nil).
func (t *Table) memberSet(n int, hash func(int32) uint64) memberSet {
	cell, cat := n/nCats, n%nCats-1
	nr := len(RiskBands)
	var s memberSet
	for _, m := range t.cells[cell].members {
		switch {
		case cat < 0:
		case cat < nr && int(m.risk) != cat:
			continue
		case cat >= nr && m.obs&(1<<(cat-nr)) == 0:
			continue
		}
		if hash != nil {
			s = append(s, hash(m.idx))
		} else {
			s = append(s, uint64(m.idx))
		}
	}
	slices.Sort(s)
	return s
}

// label names a node for messages: its keys and category.
func (t *Table) label(n int) string {
	cell, cat := n/nCats, n%nCats-1
	cd := t.cells[cell]
	var b strings.Builder
	fmt.Fprintf(&b, "%s..%s by %v: %s", t.Query.From, t.Query.To, t.Query.By, t.dims[0].keys[cd.a])
	if len(t.Query.By) == 2 {
		b.WriteString(" × " + t.dims[1].keys[cd.b])
	}
	if nr := len(RiskBands); cat >= nr {
		b.WriteString(" observation " + Observations[cat-nr])
	} else if cat >= 0 {
		b.WriteString(" risk " + RiskBands[cat])
	}
	return b.String()
}

// closePairs finds the pairs (i of xs, j of ys) whose symmetric difference
// has 1 to k-1 elements; with same (xs is ys) each pair once, i < j. Every
// set holds at least k elements (published), so two close sets share one
// of y's k smallest elements, which is among x's 2k-1 smallest: ys are
// indexed by their k smallest, xs look up their 2k smallest. No close pair
// is missed; the candidates are then compared exactly.
func closePairs(xs, ys []memberSet, k int, same bool) [][2]int {
	idx := map[uint64][]int32{}
	for j, y := range ys {
		for _, e := range y[:min(k, len(y))] {
			idx[e] = append(idx[e], int32(j))
		}
	}
	stamp := make([]int32, len(ys))
	for j := range stamp {
		stamp[j] = -1
	}
	var out [][2]int
	for i, x := range xs {
		for _, e := range x[:min(2*k, len(x))] {
			for _, j32 := range idx[e] {
				j := int(j32)
				if stamp[j] == int32(i) || (same && j <= i) {
					continue
				}
				stamp[j] = int32(i)
				y := ys[j]
				if abs(len(x)-len(y)) >= k {
					continue
				}
				if d := symDiff(x, y, k); d >= 1 && d < k {
					out = append(out, [2]int{i, j})
				}
			}
		}
	}
	return out
}

// symDiff counts the symmetric difference of two ascending sets, stopping
// once it reaches limit.
func symDiff(x, y []uint64, limit int) int {
	d, i, j := 0, 0, 0
	for i < len(x) && j < len(y) && d < limit {
		switch {
		case x[i] == y[j]:
			i++
			j++
		case x[i] < y[j]:
			d++
			i++
		default:
			d++
			j++
		}
	}
	return d + len(x) - i + len(y) - j
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// digest is a 64-bit summary of a set, to skip storing identical sets twice.
func digest(s []uint64) uint64 {
	h := uint64(14695981039346656037)
	for _, e := range s {
		h ^= e
		h *= 1099511628211
	}
	return h ^ uint64(len(s))
}
