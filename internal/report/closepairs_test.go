package report

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestClosePairsMatchesBruteForce checks the filtered search against
// comparing every pair, on families of overlapping sets built to have
// many close pairs (subsets, supersets, small swaps), empty and short
// sets, and large element values (keyed hashes) as well as small ones.
func TestClosePairsMatchesBruteForce(t *testing.T) {
	for _, tc := range []struct {
		name  string
		k     int
		hash  bool
		nSets int
	}{
		{"k=10 small elements", 10, false, 300},
		{"k=10 hashed elements", 10, true, 300},
		{"k=15 small elements", 15, false, 200},
		{"k=2 small elements", 2, false, 200},
		{"k=1 finds nothing", 1, false, 50},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := rand.New(rand.NewPCG(uint64(tc.k), uint64(tc.nSets)))
			mix := func(e uint64) uint64 {
				if tc.hash {
					return e*0xD6E8FEB86659FD93 ^ 0xA5A5A5A5
				}
				return e
			}
			var sets []memberSet
			for len(sets) < tc.nSets {
				var s memberSet
				switch {
				case len(sets) > 0 && r.IntN(3) > 0:
					// A variation of an earlier set: drop and add a few.
					base := sets[r.IntN(len(sets))]
					for _, e := range base {
						if r.IntN(12) > 0 {
							s = append(s, e)
						}
					}
					for range r.IntN(tc.k + 2) {
						s = append(s, mix(uint64(r.IntN(120))))
					}
				default:
					for range r.IntN(60) {
						s = append(s, mix(uint64(r.IntN(120))))
					}
				}
				slices.Sort(s)
				sets = append(sets, slices.Compact(s))
			}
			brute := func(xs, ys []memberSet, same bool) [][2]int {
				var out [][2]int
				for i := range xs {
					for j := range ys {
						if same && j <= i {
							continue
						}
						if d := symDiff(xs[i], ys[j], 1<<30); d >= 1 && d < tc.k {
							out = append(out, [2]int{i, j})
						}
					}
				}
				return out
			}
			sortPairs := func(ps [][2]int) [][2]int {
				slices.SortFunc(ps, func(a, b [2]int) int {
					if a[0] != b[0] {
						return a[0] - b[0]
					}
					return a[1] - b[1]
				})
				return ps
			}
			want := brute(sets, sets, true)
			if got := sortPairs(closePairs(sets, sets, tc.k, true)); !slices.Equal(got, want) {
				t.Errorf("same: %d pairs, want %d", len(got), len(want))
			}
			defer func(n int) { parallelSets = n }(parallelSets)
			parallelSets = 1 // in parallel chunks (with GOMAXPROCS ≥ 2)
			if got := sortPairs(closePairs(sets, sets, tc.k, true)); !slices.Equal(got, want) {
				t.Errorf("same, in chunks: %d pairs, want %d", len(got), len(want))
			}
			parallelSets = 4096
			if !tc.hash { // the in-table search holds employee indices in 32 bits
				small := make([][]uint32, len(sets))
				for i, s := range sets {
					for _, e := range s {
						small[i] = append(small[i], uint32(e))
					}
				}
				if got := sortPairs(closePairs(small, small, tc.k, true)); !slices.Equal(got, want) {
					t.Errorf("same, 32 bits: %d pairs, want %d", len(got), len(want))
				}
			}
			xs, ys := sets[:tc.nSets/2], sets[tc.nSets/2:]
			want = brute(xs, ys, false)
			if got := sortPairs(closePairs(xs, ys, tc.k, false)); !slices.Equal(got, want) {
				t.Errorf("two collections: %d pairs, want %d", len(got), len(want))
			}
			if tc.k > 1 && len(want) == 0 {
				t.Error("no close pairs generated: the test proves nothing")
			}
		})
	}
}

// TestMemberSetsMatchOneByOne checks the one-pass member sets against the
// per-node ones, raw and hashed.
func TestMemberSetsMatchOneByOne(t *testing.T) {
	w := randomOrg(3)
	for _, by := range []string{"department,month", "age_band,theme"} {
		tbl := Build(Policy{unprotected: true}, query(t, "2026-01", "2026-03", by), w.roster, w.acts)
		var nodes []int
		for n := range tbl.nodes {
			if n%3 != 1 { // a sparse selection, cells and categories
				nodes = append(nodes, n)
			}
		}
		hashes := make([]uint64, len(tbl.ids))
		for i := range hashes {
			hashes[i] = uint64(i)*0x9E3779B97F4A7C15 + 7
		}
		raw, hashed := tbl.memberSets(nodes, nil), tbl.memberSets(nodes, hashes)
		defer func(n int) { parallelMembers = n }(parallelMembers)
		parallelMembers = 1 // in parallel halves (with GOMAXPROCS ≥ 2)
		if halves := memberSetsOf[uint64](tbl, nodes, nil); !slices.EqualFunc(halves, raw, slices.Equal) {
			t.Fatalf("%s: member sets filled in halves differ", by)
		}
		parallelMembers = 1 << 16
		for i, n := range nodes {
			if want := tbl.memberSet(n, nil); !slices.Equal(raw[i], want) {
				t.Fatalf("%s node %d: %v, want %v", by, n, raw[i], want)
			}
			if want := tbl.memberSet(n, func(i int32) uint64 { return hashes[i] }); !slices.Equal(hashed[i], want) {
				t.Fatalf("%s node %d hashed: %v, want %v", by, n, hashed[i], want)
			}
		}
	}
}
