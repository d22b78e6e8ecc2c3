package matching

import (
	"container/heap"
	"slices"
)

// better is Rank's order: higher score first, ties by id.
func better(a, b Scored) int {
	switch {
	case a.Score > b.Score:
		return -1
	case a.Score < b.Score:
		return 1
	}
	return slices.Compare(a.Candidate.ID[:], b.Candidate.ID[:])
}

// worstFirst is a heap whose root is the worst of the k kept so far.
type worstFirst []Scored

func (h worstFirst) Len() int           { return len(h) }
func (h worstFirst) Less(i, j int) bool { return better(h[i], h[j]) > 0 }
func (h worstFirst) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *worstFirst) Push(x any)        { *h = append(*h, x.(Scored)) }
func (h *worstFirst) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// topK returns the k best of all in Rank's order, the same as sorting all
// and keeping the first k, in O(n log k): a request scores thousands of
// candidates but keeps DiversityPool of them. The order is total (ids are
// unique), so the result does not depend on the input's order.
func topK(all []Scored, k int) []Scored {
	if k >= len(all) {
		out := slices.Clone(all)
		slices.SortFunc(out, better)
		return out
	}
	if k <= 0 {
		return nil
	}
	h := make(worstFirst, k)
	copy(h, all[:k])
	heap.Init(&h)
	for _, s := range all[k:] {
		if better(s, h[0]) < 0 {
			h[0] = s
			heap.Fix(&h, 0)
		}
	}
	slices.SortFunc(h, better)
	return h
}
