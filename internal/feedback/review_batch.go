package feedback

import (
	"math/rand/v2"

	"github.com/google/uuid"
)

// DefaultReviewBatch is how many approved reviews of one counsellor must
// wait before any of them is published (docs/reviews.md). Below three, a
// counsellor who saw few sessions between two batches could guess who
// wrote what.
const DefaultReviewBatch = 3

// reviewBatch is the service's batch size: DefaultReviewBatch unless a
// test turns batching off (1) to show what it protects against.
func (s *Service) reviewBatch() int {
	if s.ReviewBatch > 0 {
		return s.ReviewBatch
	}
	return DefaultReviewBatch
}

// NextBatch is the publication rule: given a counsellor's approved
// reviews waiting for publication, it returns all of them in a fresh
// random order when at least size wait, and nothing otherwise. What is
// published together is indistinguishable by time, and the order says
// nothing about the order of approval or of the sessions.
func NextBatch(waiting []uuid.UUID, size int, shuffle func(n int, swap func(i, j int))) []uuid.UUID {
	if size < 1 {
		size = 1
	}
	if len(waiting) < size {
		return nil
	}
	out := append([]uuid.UUID(nil), waiting...)
	if shuffle == nil {
		shuffle = rand.Shuffle // ChaCha8, seeded by the runtime
	}
	shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}
