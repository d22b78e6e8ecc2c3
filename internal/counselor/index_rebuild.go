package counselor

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/meili"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// ReindexStats tells what a Reindex did.
type ReindexStats struct {
	Documents int           `json:"documents"` // listed counsellors written to the new index
	Replayed  int           `json:"replayed"`  // counsellors changed during the build, written again
	Build     string        `json:"build"`     // the build index's name
	Elapsed   time.Duration `json:"elapsed"`
}

// reindexBatch is how many documents go to the engine per request.
const reindexBatch = 1000

// replayMargin reaches back before the build's start for index changes of
// transactions that began earlier but committed during the build.
const replayMargin = time.Minute

// Reindex rebuilds both copies of the listings from PostgreSQL's truth
// with no downtime: the fallback's counselor_search table in one
// transaction, and the Meilisearch index (when configured) through
// meili.Index.Rebuild (build under another name, swap, drop the old).
// Then it writes again every counsellor whose index row was enqueued since
// the build began, so a change the worker applied to the old copy during
// the build is not lost by the swap.
func (s *Service) Reindex(ctx context.Context) (ReindexStats, error) {
	started := time.Now()
	var st ReindexStats
	cfg, err := searchConfig()
	if err != nil {
		return st, err
	}
	var since time.Time
	if err := s.DB.GetContext(ctx, &since, `SELECT now()`); err != nil {
		return st, fmt.Errorf("reindex: %w", err)
	}
	since = since.Add(-replayMargin)
	var rows []fallbackRow
	collect := func(add func(any) error) error {
		n, err := s.eachListingBatch(ctx, func(batch []projection) error {
			docs := make([]searchDoc, len(batch))
			for i, p := range batch {
				rows = append(rows, p.fallbackRow())
				docs[i] = p.document(cfg.Labels)
			}
			if add == nil {
				return nil
			}
			return add(docs)
		})
		st.Documents = n
		return err
	}
	if s.Engine != nil {
		st.Build, err = s.Engine.Rebuild(ctx, cfg.Settings, collect)
	} else {
		err = collect(nil)
	}
	if err != nil {
		return st, fmt.Errorf("reindex: %w", err)
	}
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM counselor_search`); err != nil {
			return err
		}
		return writeFallbackRows(ctx, tx, rows)
	})
	if err != nil {
		return st, fmt.Errorf("reindex: %w", err)
	}
	if st.Replayed, err = s.replayIndexRows(ctx, since); err != nil {
		return st, fmt.Errorf("reindex: replay: %w", err)
	}
	st.Elapsed = time.Since(started)
	return st, nil
}

// eachListingBatch reads every listed counsellor in id order, reindexBatch
// at a time, and returns how many there were.
func (s *Service) eachListingBatch(ctx context.Context, fn func([]projection) error) (int, error) {
	n, after := 0, uuid.Nil
	for {
		var batch []projection
		err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			var err error
			batch, err = loadProjectionsAfter(ctx, tx, s.Clock.Now(), after, reindexBatch)
			return err
		})
		if err != nil || len(batch) == 0 {
			return n, err
		}
		if err := fn(batch); err != nil {
			return n, err
		}
		n += len(batch)
		after = batch[len(batch)-1].ID
		if len(batch) < reindexBatch {
			return n, nil
		}
	}
}

// replayIndexRows re-applies the index rows enqueued since since, whatever
// their state, and returns how many counsellors it wrote.
func (s *Service) replayIndexRows(ctx context.Context, since time.Time) (int, error) {
	var raw []string
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &raw, `
			SELECT DISTINCT payload->>'counselor_id' FROM outbox
			WHERE kind IN ($1, $2) AND created_at >= $3 AND payload->>'counselor_id' IS NOT NULL`, IndexKind, IndexEngineKind, since)
	})
	if err != nil {
		return 0, err
	}
	var ids []uuid.UUID
	for _, r := range raw {
		if id, err := uuid.Parse(r); err == nil {
			ids = append(ids, id)
		}
	}
	// One order for every replay: each takes its counsellors' locks in it.
	slices.SortFunc(ids, func(a, b uuid.UUID) int { return bytes.Compare(a[:], b[:]) })
	for batch := range slices.Chunk(ids, reindexBatch) {
		for len(batch) > 0 {
			busy, err := s.replayBatch(ctx, batch)
			if err != nil {
				return 0, err
			}
			if len(busy) > 0 {
				select {
				case <-ctx.Done():
					return 0, ctx.Err()
				case <-time.After(replayBusyWait):
				}
			}
			batch = busy
		}
	}
	return len(ids), nil
}

// replayBusyWait is how long the replay waits before trying again the
// counsellors whose document a worker is writing.
const replayBusyWait = 50 * time.Millisecond

// replayBatch writes ids' listings to both copies as the worker's
// HandleIndex does, so that the replay and the worker never race to the
// engine (the older document could land last and a change be lost: seen
// when a counsellor was reinstated while a reindex replayed them). Under
// each counsellor's search lock it leaves out those whose document another
// worker is writing (returned as busy, to try again) and, for the others,
// puts in a search row of its own, leased as a worker's would be, that
// covers their other pending rows; it reads the listings and writes the
// fallback, commits, writes the engine with no transaction open, and marks
// its rows done. A replay that stops midway leaves its rows to the worker
// when their lease ends; one whose engine write failed hands them to the
// worker at once.
func (s *Service) replayBatch(ctx context.Context, ids []uuid.UUID) (busy []uuid.UUID, err error) {
	var (
		rows        []int64
		found       []projection
		gone, ready []uuid.UUID
	)
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		busy, rows, ready = nil, nil, nil
		for _, id := range ids {
			var row int64
			if err := tx.GetContext(ctx, &row, `
				INSERT INTO outbox (kind, payload, attempts, leased_until, next_attempt_at)
				VALUES ($1, jsonb_build_object('counselor_id', $2::text), 1,
				        now() + $3 * interval '1 millisecond', now() + $3 * interval '1 millisecond')
				RETURNING id`, IndexKind, id.String(), outbox.DefaultLease.Milliseconds()); err != nil {
				return err
			}
			b, err := claimCounselorRows(ctx, tx, row, id)
			if err != nil {
				return err
			}
			if b {
				busy = append(busy, id)
				if _, err := tx.ExecContext(ctx, `DELETE FROM outbox WHERE id = $1`, row); err != nil {
					return err
				}
				continue
			}
			rows, ready = append(rows, row), append(ready, id)
		}
		if len(ready) == 0 {
			return nil
		}
		var err error
		if found, gone, err = s.loadForIndex(ctx, tx, ready); err != nil {
			return err
		}
		return s.writeFallback(ctx, tx, found, gone)
	})
	if err != nil || len(ready) == 0 {
		return busy, err
	}
	var werr error
	if s.Engine != nil {
		werr = s.writeEngine(ctx, found, gone)
	}
	rctx := context.WithoutCancel(ctx) // record the outcome even when stopping
	err = s.DB.InTx(rctx, db.System, func(tx *sqlx.Tx) error {
		if werr != nil {
			_, err := tx.ExecContext(rctx, `
				UPDATE outbox SET leased_until = NULL, next_attempt_at = now(), last_error = $2
				WHERE id = ANY($1) AND status = 'pending'`, pq.Array(rows), "reindex replay: "+werr.Error())
			return err
		}
		_, err := tx.ExecContext(rctx, `
			UPDATE outbox SET status = 'done', done_at = now(), leased_until = NULL
			WHERE id = ANY($1) AND status = 'pending'`, pq.Array(rows))
		return err
	})
	return busy, err
}

// PrepareSearch readies search when the server starts: it applies the
// settings of search/ to the engine (idempotent) and rebuilds both copies
// when the engine's index or the fallback's table is missing or empty
// while counsellors are listed. rebuilt says whether it did; stats are the
// rebuild's. Without an engine only the table is looked at.
func (s *Service) PrepareSearch(ctx context.Context) (rebuilt bool, stats ReindexStats, err error) {
	cfg, err := searchConfig()
	if err != nil {
		return false, stats, err
	}
	empty := false
	if s.Engine != nil {
		docs, err := s.Engine.Count(ctx)
		if err != nil && !errors.Is(err, meili.ErrNoIndex) {
			return false, stats, err
		}
		if err := s.Engine.ApplySettings(ctx, cfg.Settings); err != nil {
			return false, stats, err
		}
		empty = docs == 0
		// The engine loads its Japanese dictionary on the first Japanese
		// query (~0.6 s): pay that here, not in an employee's search.
		_, _ = s.Engine.Search(ctx, meili.Query{Q: "対話", Page: 1, PerPage: 1})
	}
	var tableEmpty, someListed bool
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &tableEmpty, `SELECT NOT EXISTS (SELECT 1 FROM counselor_search)`); err != nil {
			return err
		}
		return tx.GetContext(ctx, &someListed, listingCTE+` SELECT EXISTS (SELECT 1 FROM listed)`, listingDay(s.Clock.Now()))
	})
	if err != nil || !someListed || !(empty || tableEmpty) {
		return false, stats, err
	}
	stats, err = s.Reindex(ctx)
	return err == nil, stats, err
}
