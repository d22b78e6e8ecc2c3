package matching

import (
	"hash/fnv"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/counselor"
)

// BenchmarkRankPool is the Go part of a pooled recommendation over 10,000
// counsellors with no database: the hard filter over the in-memory pool
// (filterPool) and the model (Rank), for a profile with no hard
// preference (about 5,700 pass, as in BenchmarkRecommend).
func BenchmarkRankPool(b *testing.B) {
	now := time.Now()
	today := counselor.Today(now)
	r := rand.New(rand.NewPCG(1, 2))
	rows := make([]cachedCandidate, 10_000)
	themes := make([]string, len(counselor.Themes))
	for i := range themes {
		themes[i] = "9999-12-31"
	}
	for i := range rows {
		e := &rows[i]
		e.verified, e.listedUntil, e.themeUntil = true, "9999-12-31", themes
		if r.IntN(100) < 43 {
			e.listedUntil = "2000-01-01"
		}
		c := &e.c
		c.ID = uuid.New()
		c.Gender = []string{"female", "male"}[r.IntN(2)]
		c.AgeBand = counselor.AgeBands[r.IntN(len(counselor.AgeBands))]
		c.Languages, c.Formats, c.Industries, c.JobFunctions = 1+r.Uint32N(3), 1+r.Uint32N(7), r.Uint32N(1<<10), r.Uint32N(1<<8)
		c.Years, c.RatingAvg, c.RatingCount = r.IntN(30), 3+r.Float64()*2, r.IntN(40)
		c.NextAvailable = now.Add(time.Duration(1+r.IntN(300)) * time.Hour)
		c.VerifiedAt = now.Add(-time.Duration(r.IntN(400*24)) * time.Hour)
		c.HasFit = true
		for k := range c.Values {
			c.Values[k] = int8(1 + r.IntN(5))
		}
		for k := range c.Style {
			c.Style[k] = int8(1 + r.IntN(5))
		}
		c.TimeOfDay = 1 + r.Uint32N(7)
		e.count, e.at = r.Float64()*3, now.Unix()-int64(r.IntN(3600))
	}
	_ = today
	sk := &Seeker{ID: uuid.New(), Theme: "engagement"}
	for k := range sk.Values {
		sk.Values[k] = 3
	}
	for k := range sk.Style {
		sk.Style[k] = 3
	}
	var n int
	for b.Loop() {
		cands := filterPool(rows, sk, nil, now)
		n = len(cands)
		_ = Rank(sk, cands, DefaultOptions(now))
	}
	b.ReportMetric(float64(n), "candidates")
}

// jitter is FNV-1a over both ids, as hash/fnv computes it.
func TestJitterIsFNV1aOfBothIDs(t *testing.T) {
	t.Parallel()
	for range 100 {
		a, b := uuid.New(), uuid.New()
		h := fnv.New64a()
		_, _ = h.Write(a[:])
		_, _ = h.Write(b[:])
		if want := float64(h.Sum64()>>11) / float64(1<<53); jitter(a, b) != want {
			t.Fatalf("jitter(%s, %s) = %v, want %v", a, b, jitter(a, b), want)
		}
	}
}
