package matching

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/db"
)

// ExposureFlushEvery is how often the counts of recommendations shown are
// written to counselor_match (FlushExposureLoop).
const ExposureFlushEvery = 2 * time.Second

// exposureTally counts, in memory, how often each counsellor was
// recommended since the last flush. A recommendation's GET writes nothing
// in its transaction: locking and rewriting ten rows per request made the
// reads contend and bloated counselor_match with dead row versions. The
// fairness term only needs the counts to arrive within seconds; a crash
// loses at most those seconds' counts, never a booking or a record.
type exposureTally struct {
	mu sync.Mutex
	n  map[uuid.UUID]int
}

func (t *exposureTally) add(ids []uuid.UUID) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = make(map[uuid.UUID]int)
	}
	for _, id := range ids {
		t.n[id]++
	}
}

func (t *exposureTally) take() map[uuid.UUID]int {
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.n
	t.n = nil
	return n
}

// putBack returns counts a failed flush could not write.
func (t *exposureTally) putBack(n map[uuid.UUID]int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.n == nil {
		t.n = make(map[uuid.UUID]int, len(n))
	}
	for id, c := range n {
		t.n[id] += c
	}
}

// FlushExposure writes the counts gathered since the last flush in one
// statement: each counsellor's exposure decays to now, then grows by the
// number of times they were shown (as that many one-by-one bumps within
// the same second would). Rows are locked in id order (no deadlocks with a
// concurrent flush of another process).
func (s *Service) FlushExposure(ctx context.Context) error {
	counts := s.exposure.take()
	if len(counts) == 0 {
		return nil
	}
	ids := make([]uuid.UUID, 0, len(counts))
	for id := range counts {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return slices.Compare(a[:], b[:]) })
	n := make([]int64, len(ids))
	for i, id := range ids {
		n[i] = int64(counts[id])
	}
	now := s.Clock.Now().Unix()
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			WITH shown AS (SELECT * FROM unnest($1::uuid[], $2::int8[]) AS s(id, n)),
			locked AS (
				SELECT m.counselor_id, shown.n FROM counselor_match m JOIN shown ON shown.id = m.counselor_id
				ORDER BY m.counselor_id FOR UPDATE OF m)
			UPDATE counselor_match m SET
				-- least(…, 50): exp underflows to an error far below any count that matters
				exposure = m.exposure * exp(-least(greatest(0, $3 - m.exposure_at) / $4::float8, 50)) + locked.n,
				exposure_at = greatest(m.exposure_at, $3)
			FROM locked WHERE m.counselor_id = locked.counselor_id`,
			pq.Array(ids), pq.Array(n), now, exposureTau())
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `SELECT counselor_match_pack(id) FROM unnest($1::uuid[]) AS id`, pq.Array(ids))
		return err
	})
	if err != nil {
		s.exposure.putBack(counts)
	}
	return err
}

// FlushExposureLoop flushes every ExposureFlushEvery until ctx ends, then
// once more with a short deadline of its own so a graceful stop keeps the
// last counts. Every serving process runs it: the counts live in its memory.
func (s *Service) FlushExposureLoop(ctx context.Context) {
	t := time.NewTicker(ExposureFlushEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			fctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = s.FlushExposure(fctx)
			return
		case <-t.C:
			_ = s.FlushExposure(ctx) // a failed flush keeps its counts for the next
		}
	}
}
