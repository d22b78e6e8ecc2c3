package counselor

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/meili"
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
	for batch := range slices.Chunk(ids, reindexBatch) {
		err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error { return s.indexCounselors(ctx, tx, batch) })
		if err != nil {
			return 0, err
		}
	}
	return len(ids), nil
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
