package matching

import (
	"math/bits"
)

// CounselorSimilarity is how alike two counsellors look to an employee,
// 0–1: values and style vectors, gender, age band and industries. The
// diversity re-ranking keeps the ten from being near-duplicates by it, and
// the evaluation reports the mean over a list (intra-list similarity).
func CounselorSimilarity(a, b *Candidate) float64 {
	v, st := 0.5, 0.5
	if a.HasFit && b.HasFit {
		v = similarity(a.Values[:], b.Values[:])
		st = similarity(a.Style[:], b.Style[:])
	}
	sim := 0.3*v + 0.2*st
	if a.Gender != "" && a.Gender == b.Gender {
		sim += 0.15
	}
	if a.AgeBand != "" && a.AgeBand == b.AgeBand {
		sim += 0.15
	}
	if u := bits.OnesCount32(a.Industries | b.Industries); u > 0 {
		sim += 0.2 * float64(bits.OnesCount32(a.Industries&b.Industries)) / float64(u)
	}
	return sim
}

// diversify picks limit of pool (sorted best first) by maximal marginal
// relevance: each next pick maximises λ·score − (1−λ)·100·(its greatest
// similarity to those already picked). The first pick is the best score.
func diversify(pool []Scored, limit int, lambda float64) []Scored {
	out := make([]Scored, 0, min(limit, len(pool)))
	used := make([]bool, len(pool))
	maxSim := make([]float64, len(pool))
	for len(out) < limit && len(out) < len(pool) {
		best, bestVal := -1, 0.0
		for i := range pool {
			if used[i] {
				continue
			}
			val := lambda*pool[i].Score - (1-lambda)*100*maxSim[i]
			if best < 0 || val > bestVal {
				best, bestVal = i, val
			}
		}
		used[best] = true
		out = append(out, pool[best])
		for i := range pool {
			if !used[i] {
				if s := CounselorSimilarity(pool[i].Candidate, pool[best].Candidate); s > maxSim[i] {
					maxSim[i] = s
				}
			}
		}
	}
	return out
}

// IntraListSimilarity is the mean pairwise CounselorSimilarity of a list.
func IntraListSimilarity(list []Scored) float64 {
	n, sum := 0, 0.0
	for i := range list {
		for j := i + 1; j < len(list); j++ {
			sum += CounselorSimilarity(list[i].Candidate, list[j].Candidate)
			n++
		}
	}
	if n == 0 {
		return 0
	}
	return sum / float64(n)
}
