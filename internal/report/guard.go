package report

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"

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
	Reason     Reason // why it was hidden, given again when it stays hidden
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
			t.sup.hide(n, cmp.Or(r.Facts[i].Reason, ReasonComplementary))
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
	sets := r.hashedSets(t)
	for n, nd := range t.nodes {
		if q := t.quantities()[n]; !r.hasFact(q) {
			r.facts[q] = len(r.Facts)
			f := Fact{Quantity: q, Hidden: nd.hidden, Employees: nd.emp, Sessions: nd.sess}
			if nd.hidden {
				f.Reason = nd.reason
			}
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
		s := sets[n]
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
		for cell := range t.cells {
			base := t.quantity(nodeOf(cell, -1))
			qs[nodeOf(cell, -1)] = base
			for cat := range nCats - 1 {
				qs[nodeOf(cell, cat)] = base + " cat=" + strconv.Itoa(cat)
			}
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
	if cat >= 0 {
		return t.quantity(nodeOf(cell, -1)) + " cat=" + strconv.Itoa(cat)
	}
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
	return b.String()
}

// conflicts lists the table's published nodes too close to released ones.
func (r *Released) conflicts(t *Table) ([]Conflict, []int) {
	all := r.hashedSets(t)
	var sets []memberSet
	var owner []int
	for n := range t.nodes {
		if !t.nodes[n].hidden {
			sets = append(sets, all[n])
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

// hashedSets returns, by node, the keyed-hash member sets of every node
// of t published now. They are computed once per table and key: nodes
// only ever become hidden, so later calls (Protect's rounds, Add) reuse
// them.
func (r *Released) hashedSets(t *Table) []memberSet {
	if t.hsets != nil && string(r.Key) == t.hkey {
		return t.hsets
	}
	hs := make([]uint64, len(t.ids))
	m := hmac.New(sha256.New, r.Key)
	var sum [sha256.Size]byte
	for i, id := range t.ids {
		m.Reset()
		m.Write(id[:])
		hs[i] = binary.BigEndian.Uint64(m.Sum(sum[:0]))
	}
	var nodes []int
	for n := range t.nodes {
		if !t.nodes[n].hidden {
			nodes = append(nodes, n)
		}
	}
	t.hsets = make([]memberSet, len(t.nodes))
	for i, s := range t.memberSets(nodes, hs) {
		t.hsets[nodes[i]] = s
	}
	t.hkey = string(r.Key)
	return t.hsets
}

// memberSets lists the members of nodes (ascending node numbers), as
// employee indices or, with hashes, as keyed hashes; each set ascending,
// all in one backing array. One pass over a cell's members fills every
// listed node of the cell; with hashes the pass goes over the employees
// in hash order instead, so that no set needs sorting.
func (t *Table) memberSets(nodes []int, hashes []uint64) []memberSet {
	return memberSetsOf[uint64](t, nodes, hashes)
}

// memberSetsOf is memberSets with the elements' type chosen: employee
// indices fit in 32 bits, which halves the memory the in-table search
// goes through.
func memberSetsOf[E elem](t *Table, nodes []int, hashes []uint64) [][]E {
	type run struct {
		cell int
		want [nCats]int32 // position in out + 1, by category + 1
	}
	var runs []run
	total := 0
	out := make([][]E, len(nodes))
	for j, n := range nodes {
		if len(runs) == 0 || runs[len(runs)-1].cell != n/nCats {
			runs = append(runs, run{cell: n / nCats})
		}
		runs[len(runs)-1].want[n%nCats] = int32(j + 1)
		total += t.nodes[n].emp
	}
	// Each node's set is filled in place at its cursor (no pointer
	// writes in the loop), then sliced out.
	buf := make([]E, total)
	cur := make([]int, len(nodes)+1) // by position + 1; cur[0] is a sink
	at := 0
	for j, n := range nodes {
		cur[j+1] = at
		at += t.nodes[n].emp
	}
	ends := append([]int(nil), cur[1:]...)
	nr := len(RiskBands)
	put := func(want *[nCats]int32, m member, v E) {
		if o := want[0]; o > 0 {
			buf[cur[o]] = v
			cur[o]++
		}
		if o := want[1+int(m.risk)]; o > 0 {
			buf[cur[o]] = v
			cur[o]++
		}
		for obs := m.obs; obs != 0; obs &= obs - 1 {
			if o := want[1+nr+bits.TrailingZeros8(obs)]; o > 0 {
				buf[cur[o]] = v
				cur[o]++
			}
		}
	}
	done := func() [][]E {
		for j := range nodes {
			out[j] = buf[ends[j]:cur[j+1]:cur[j+1]]
		}
		return out
	}
	if hashes == nil {
		// Cells fill disjoint parts of buf and cur: halves run in parallel.
		fillRuns := func(from, to int) {
			for r := from; r < to; r++ {
				for _, m := range t.cells[runs[r].cell].members {
					put(&runs[r].want, m, E(m.idx))
				}
			}
		}
		if h := len(runs) / 2; runtime.GOMAXPROCS(0) > 1 && total >= parallelMembers {
			var wg sync.WaitGroup
			wg.Go(func() { fillRuns(0, h) })
			fillRuns(h, len(runs))
			wg.Wait()
		} else {
			fillRuns(0, len(runs))
		}
		return done()
	}
	// Every membership by employee, then the employees in hash order.
	start := make([]int32, len(hashes)+1)
	for r := range runs {
		for _, m := range t.cells[runs[r].cell].members {
			start[m.idx+1]++
		}
	}
	for i := range hashes {
		start[i+1] += start[i]
	}
	type entry struct {
		run int32
		m   member
	}
	entries := make([]entry, start[len(hashes)])
	fill := slices.Clone(start[:len(hashes)])
	for r := range runs {
		for _, m := range t.cells[runs[r].cell].members {
			entries[fill[m.idx]] = entry{int32(r), m}
			fill[m.idx]++
		}
	}
	byHash := make([]int32, len(hashes))
	for i := range byHash {
		byHash[i] = int32(i)
	}
	slices.SortFunc(byHash, func(a, b int32) int { return cmp.Compare(hashes[a], hashes[b]) })
	for _, i := range byHash {
		for _, en := range entries[start[i]:start[i+1]] {
			put(&runs[en.run].want, en.m, E(hashes[i]))
		}
	}
	return done()
}

// memberSet is a node's members, ascending.
type memberSet = []uint64

// elem is what member sets hold: employee indices or keyed hashes.
type elem interface{ ~uint32 | ~uint64 }

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
// has 1 to k-1 elements; with same (xs is ys) each pair once, i < j.
//
// Prefix filtering: let e be the first element two close sets share, at
// position p of x and q of y (0-based). Every element before it is in one
// set only, so p+q ≤ |x△y| ≤ k-1: e is among the k smallest of both. The
// ys are indexed by their k smallest elements with their positions; each
// x looks up its k smallest, and the first time it meets a y (always
// through their first shared element, so p and q count exactly the
// unshared elements before it) the pair is kept only when p+q plus the
// difference of what is left of the two lengths stays under k, and when
// the sets' bit signatures differ in fewer than k bits. The few candidates
// left are compared exactly, from e on. Two sets that share nothing are
// close only when both are small (|x|+|y| < k): those pairs are compared
// directly (published sets are empty or hold at least k, so there are
// none in practice). No close pair is missed.
func closePairs[E elem](xs, ys [][]E, k int, same bool) [][2]int {
	if k < 1 || len(xs) == 0 || len(ys) == 0 {
		return nil
	}
	if same {
		return append(smallPairs(xs, xs, k, true), selfClosePairs(xs, k)...)
	}
	out := smallPairs(xs, ys, k, false)
	ix := newPrefixIndex(ys, k, nil)
	ysig := signatures(ys)
	stamp := make([]int32, len(ys))
	for j := range stamp {
		stamp[j] = -1
	}
	for i, x := range xs {
		xsig := signature(x)
		for p, e := range x[:min(k, len(x))] {
			for _, ps := range ix.postings(uint64(e)) {
				j, q := int(ps.set), int(ps.pos)
				if stamp[j] == int32(i) {
					continue
				}
				stamp[j] = int32(i)
				if nearSets(x, ys[j], p, q, k, &xsig, &ysig[j]) {
					out = append(out, [2]int{i, j})
				}
			}
		}
	}
	return out
}

// parallelSets is the number of sets from which the in-table search
// runs in parallel chunks (a variable so that tests reach that path).
var parallelSets = 4096

// parallelMembers is the number of memberships from which in-table member
// sets are filled in parallel halves.
var parallelMembers = 1 << 16

// selfClosePairs is closePairs of a collection with itself. Sets are
// ranked by length and each is compared only with those ranked before it,
// no longer than itself: a close shorter y has at most (k-1)/2 elements x
// lacks (|x△y| = |x|-|y| + 2·|y∖x|), so their first shared element is
// among y's (k-1)/2+1 smallest, and the index holds only those.
func selfClosePairs[E elem](sets [][]E, k int) [][2]int {
	byLen := make([]uint64, len(sets))
	for i, s := range sets {
		byLen[i] = uint64(len(s))<<32 | uint64(i)
	}
	slices.Sort(byLen)
	// Everything below is by rank: order[r] is the set of rank r.
	order := make([]int32, len(sets))
	ranked := make([][]E, len(sets))
	lenAt := make([]int32, len(sets))
	for r, v := range byLen {
		order[r] = int32(uint32(v))
		ranked[r] = sets[order[r]]
		lenAt[r] = int32(len(ranked[r]))
	}
	ix := newPrefixIndex(ranked, (k-1)/2+1, nil)
	sig := signatures(ranked)
	// Postings are in rank order, so by length. A close y ranked before x
	// is at most k-1 shorter, and, sharing nothing before position p of x,
	// at least 2p-(k-1) shorter. Ranks only grow within a chunk, so each
	// slot keeps two cursors, set up by a search when a chunk first meets
	// the slot: first (the first posting long enough for x) and end (the
	// first posting of rank r or more). Chunks of ranks run in parallel.
	ip := (k-1)/2 + 1
	scan := func(from, to int) []uint64 {
		var out []uint64
		stamp := make([]int32, len(sets))
		for j := range stamp {
			stamp[j] = -1
		}
		nSlots := len(ix.start) - 1
		first := make([]int32, nSlots)
		end := make([]int32, nSlots)
		seen := make([]bool, nSlots)
		for r := from; r < to; r++ {
			x := ranked[r]
			minLen := int32(len(x) - k + 1)
			for p, e := range x[:min(k, len(x))] {
				slot := ix.slotOf(uint64(e))
				if slot < 0 {
					continue
				}
				post := ix.post[ix.start[slot]:ix.start[slot+1]]
				if !seen[slot] {
					seen[slot] = true
					n, _ := slices.BinarySearchFunc(post, int32(r), func(ps posting, r int32) int { return cmp.Compare(ps.set, r) })
					end[slot] = int32(n)
					f, _ := slices.BinarySearchFunc(post[:n], minLen, func(ps posting, l int32) int { return cmp.Compare(lenAt[ps.set], l) })
					first[slot] = int32(f)
				}
				lo, hi := int(first[slot]), int(end[slot])
				for lo < hi && lenAt[post[lo].set] < minLen {
					lo++
				}
				first[slot] = int32(lo)
				if 2*p > k-1 {
					maxLen := int32(len(x) - (2*p - k + 1))
					for lo < hi && lenAt[post[hi-1].set] > maxLen {
						hi--
					}
				}
				for _, ps := range post[lo:hi] {
					j, q := int(ps.set), int(ps.pos)
					if stamp[j] == int32(r) {
						continue
					}
					stamp[j] = int32(r)
					if nearSets(x, ranked[j], p, q, k, &sig[r], &sig[j]) {
						a, b := uint64(order[r]), uint64(order[j])
						out = append(out, min(a, b)<<32|max(a, b))
					}
				}
			}
			// x's own postings (rank r) come next in their slots.
			for _, e := range x[:min(ip, len(x))] {
				if slot := ix.slotOf(uint64(e)); seen[slot] {
					end[slot]++
				}
			}
		}
		return out
	}
	var out []uint64
	workers := min(runtime.GOMAXPROCS(0), 4)
	if workers < 2 || len(ranked) < parallelSets {
		out = scan(0, len(ranked))
	} else {
		// Later ranks (longer sets) cost more: chunks end at ranks
		// spread by the square root, a rough balance.
		chunks := 4 * workers
		bounds := make([]int, chunks+1)
		for c := range bounds {
			bounds[c] = int(float64(len(ranked)) * math.Sqrt(float64(c)/float64(chunks)))
		}
		bounds[chunks] = len(ranked)
		results := make([][]uint64, chunks)
		next := make(chan int, chunks)
		for c := range chunks {
			next <- c
		}
		close(next)
		var wg sync.WaitGroup
		for range workers {
			wg.Go(func() {
				for c := range next {
					results[c] = scan(bounds[c], bounds[c+1])
				}
			})
		}
		wg.Wait()
		for _, r := range results {
			out = append(out, r...)
		}
	}
	slices.Sort(out)
	pairs := make([][2]int, len(out))
	for i, v := range out {
		pairs[i] = [2]int{int(v >> 32), int(uint32(v))}
	}
	return pairs
}

// smallPairs finds the close pairs of sets whose sizes add up to less
// than k, which need not share an element.
func smallPairs[E elem](xs, ys [][]E, k int, same bool) [][2]int {
	small := func(sets [][]E) (empty, some []int) {
		for i, s := range sets {
			switch {
			case len(s) == 0:
				empty = append(empty, i)
			case len(s) < k:
				some = append(some, i)
			}
		}
		return empty, some
	}
	xe, xn := small(xs)
	ye, yn := small(ys)
	var out [][2]int
	add := func(i, j int) {
		switch {
		case !same:
			out = append(out, [2]int{i, j})
		case i != j:
			out = append(out, [2]int{min(i, j), max(i, j)})
		}
	}
	for _, i := range xn {
		for _, j := range yn {
			if (!same || i < j) && len(xs[i])+len(ys[j]) < k {
				if d := symDiff(xs[i], ys[j], k); d >= 1 && d < k {
					add(i, j)
				}
			}
		}
	}
	// An empty set is close to every set of 1..k-1 elements.
	for _, i := range xe {
		for _, j := range yn {
			add(i, j)
		}
	}
	if !same {
		for _, j := range ye {
			for _, i := range xn {
				add(i, j)
			}
		}
	}
	return out
}

// nearSets reports whether x and y, whose first shared element is at p in x
// and q in y, differ by 1 to k-1 elements: cheap bounds first, then an
// exact count from the shared element on.
func nearSets[E elem](x, y []E, p, q, k int, xsig, ysig *sigBits) bool {
	if len(x)+len(y) < k {
		return false // left to smallPairs
	}
	if p+q+abs((len(x)-p)-(len(y)-q)) >= k {
		return false
	}
	if xsig.diff(ysig) >= k {
		return false
	}
	d := p + q + symDiff(x[p+1:], y[q+1:], k-p-q)
	return d >= 1 && d < k
}

// sigBits is a 256-bit signature of a set: one bit per element's mixed
// value. Each bit set in one signature only stands for at least one
// element in that set only, so the signatures' differing bits bound the
// symmetric difference from below.
type sigBits [4]uint64

func signature[E elem](s []E) sigBits {
	var b sigBits
	for _, e := range s {
		h := (uint64(e) * 0x9E3779B97F4A7C15) >> 56
		b[h>>6] |= 1 << (h & 63)
	}
	return b
}

func signatures[E elem](sets [][]E) []sigBits {
	out := make([]sigBits, len(sets))
	for i, s := range sets {
		out[i] = signature(s)
	}
	return out
}

func (b *sigBits) diff(o *sigBits) int {
	return bits.OnesCount64(b[0]^o[0]) + bits.OnesCount64(b[1]^o[1]) +
		bits.OnesCount64(b[2]^o[2]) + bits.OnesCount64(b[3]^o[3])
}

// posting is one indexed element's place: the set and its position there.
type posting struct{ set, pos int32 }

// prefixIndex maps every element among some sets' k smallest to where it
// occurs (postings in ascending set order), in one flat array. Small
// elements (employee indices) are looked up in a slice, others (keyed
// hashes) through a map.
type prefixIndex struct {
	dense bool
	slot  map[uint64]int32
	start []int32 // slot → first posting; len = slots+1
	post  []posting
}

// newPrefixIndex indexes the first k elements of every set. Postings are
// in ascending set index, or, when order is given, hold the rank r of the
// set order[r] and are in ascending rank.
func newPrefixIndex[E elem](ys [][]E, k int, order []int32) *prefixIndex {
	ix := &prefixIndex{dense: true}
	var maxE uint64
	entries := 0
	for _, y := range ys {
		for _, e := range y[:min(k, len(y))] {
			maxE = max(maxE, uint64(e))
			entries++
		}
	}
	slots := 0
	if maxE < 1<<22 && maxE <= uint64(8*entries+1024) {
		slots = int(maxE) + 1
	} else {
		ix.dense = false
		ix.slot = make(map[uint64]int32, entries)
		for _, y := range ys {
			for _, e := range y[:min(k, len(y))] {
				if _, ok := ix.slot[uint64(e)]; !ok {
					ix.slot[uint64(e)] = int32(slots)
					slots++
				}
			}
		}
	}
	ix.start = make([]int32, slots+1)
	slotOf := func(e uint64) int {
		if ix.dense {
			return int(e)
		}
		return int(ix.slot[e])
	}
	for _, y := range ys {
		for _, e := range y[:min(k, len(y))] {
			ix.start[slotOf(uint64(e))+1]++
		}
	}
	for s := range slots {
		ix.start[s+1] += ix.start[s]
	}
	fill := make([]int32, slots)
	copy(fill, ix.start[:slots])
	ix.post = make([]posting, entries)
	for r := range ys {
		j := r
		if order != nil {
			j = int(order[r])
		}
		y := ys[j]
		for q, e := range y[:min(k, len(y))] {
			s := slotOf(uint64(e))
			ix.post[fill[s]] = posting{int32(r), int32(q)}
			fill[s]++
		}
	}
	return ix
}

// slotOf is e's slot, -1 when no indexed prefix holds e.
func (ix *prefixIndex) slotOf(e uint64) int {
	if ix.dense {
		if e >= uint64(len(ix.start)-1) || ix.start[e] == ix.start[e+1] {
			return -1
		}
		return int(e)
	}
	if v, ok := ix.slot[e]; ok {
		return int(v)
	}
	return -1
}

// postings lists where e occurs among the indexed prefixes.
func (ix *prefixIndex) postings(e uint64) []posting {
	s := ix.slotOf(e)
	if s < 0 {
		return nil
	}
	return ix.post[ix.start[s]:ix.start[s+1]]
}

// symDiff counts the symmetric difference of two ascending sets, stopping
// once it reaches limit.
func symDiff[E elem](x, y []E, limit int) int {
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
