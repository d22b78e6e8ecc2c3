package matching

import (
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/uuid"
)

// topK keeps exactly what a full sort would keep first, in the same order,
// ties on score included, for every k around the input's size.
func TestTopKEqualsTheFirstKOfAFullSort(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(17, 1))
	for _, n := range []int{0, 1, 2, 9, 60, 61, 500} {
		cands := make([]Candidate, n)
		all := make([]Scored, n)
		for i := range all {
			cands[i].ID = uuid.New()
			// few distinct scores: many ties, ordered by id
			all[i] = Scored{Candidate: &cands[i], Score: float64(r.IntN(7))}
		}
		sorted := slices.Clone(all)
		slices.SortFunc(sorted, better)
		for _, k := range []int{0, 1, 10, DiversityPool, n - 1, n, n + 1} {
			got := topK(all, k)
			want := sorted[:max(0, min(k, n))]
			if len(got) != len(want) {
				t.Fatalf("n=%d k=%d: %d kept, want %d", n, k, len(got), len(want))
			}
			for i := range want {
				if got[i].Candidate != want[i].Candidate {
					t.Fatalf("n=%d k=%d: position %d differs", n, k, i)
				}
			}
		}
	}
}
