package counselor

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/meili"
	"github.com/taiwa/taiwa/internal/platform/outbox"
	"github.com/taiwa/taiwa/search"
)

// searchDoc is a listing as the search index stores it: the Listing (so a
// hit needs no database) plus what only searching needs.
type searchDoc struct {
	Listing
	CredentialKinds []string `json:"credential_kinds"`
	// LabelsJA and LabelsEN are the words of the counsellor's codes
	// (themes, credentials, industries, …), so 公認心理師 or "IT" find them.
	LabelsJA []string `json:"labels_ja"`
	LabelsEN []string `json:"labels_en"`
	// ListedUntil (unix seconds) ends the listing by itself when the last
	// credential expires, before any reindex; absent when one never does.
	ListedUntil     *int64 `json:"listed_until,omitempty"`
	NextAvailableTS *int64 `json:"next_available_ts,omitempty"`
}

// document turns a projection into its search document.
func (p projection) document(labels search.Vocabulary) searchDoc {
	l := p.listing()
	d := searchDoc{Listing: l, CredentialKinds: emptyIfNil(p.Kinds), LabelsJA: []string{}, LabelsEN: []string{}, ListedUntil: p.listedUntil()}
	if l.NextAvailableAt != nil {
		ts := l.NextAvailableAt.Unix()
		d.NextAvailableTS = &ts
	}
	add := func(kind string, codes []string) {
		for _, c := range codes {
			ja, en := labels.Words(kind, c)
			for _, w := range ja {
				if !slices.Contains(d.LabelsJA, w) {
					d.LabelsJA = append(d.LabelsJA, w)
				}
			}
			for _, w := range en {
				if !slices.Contains(d.LabelsEN, w) {
					d.LabelsEN = append(d.LabelsEN, w)
				}
			}
		}
	}
	add("themes", l.Themes)
	add("credentials", p.Kinds)
	add("industries", l.Industries)
	add("job_functions", l.JobFunctions)
	add("languages", l.Languages)
	add("formats", l.Formats)
	return d
}

// IndexEngineKind is the outbox kind that brings a listing to Meilisearch
// alone, when HandleIndex found the engine failing: PostgreSQL's copy is
// already written, and the outbox retries the engine with backoff.
const IndexEngineKind = "search.counselor.engine"

// engineWriteTimeout bounds one handler's wait on the engine: the outbox
// row's transaction stays open meanwhile.
const engineWriteTimeout = 10 * time.Second

type indexPayload struct {
	CounselorID uuid.UUID `json:"counselor_id"`
}

// HandleIndex is the outbox handler of IndexKind: in the claiming
// transaction it reads the counsellor's listing and writes (or removes)
// the fallback's counselor_search row, then upserts (or deletes) the
// Meilisearch document. When the engine is down it hands the engine's part
// to an IndexEngineKind row instead of failing, so the fallback — which
// answers precisely while the engine is down — is never behind.
func (s *Service) HandleIndex(ctx context.Context, tx *sqlx.Tx, m outbox.Message) error {
	var p indexPayload
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return fmt.Errorf("search index: payload %s: %w", m.Payload, err)
	}
	ids := []uuid.UUID{p.CounselorID}
	found, gone, err := s.loadForIndex(ctx, tx, ids)
	if err != nil {
		return err
	}
	if err := s.writeFallback(ctx, tx, found, gone); err != nil {
		return err
	}
	if s.Engine == nil {
		return nil
	}
	if s.Engine.Available() {
		if err := s.writeEngine(ctx, found, gone); err == nil {
			return nil
		}
	}
	return outbox.Enqueue(ctx, tx, IndexEngineKind, p, "")
}

// HandleIndexEngine is the outbox handler of IndexEngineKind: the engine's
// part of HandleIndex, failing (and so retried) while the engine is down.
func (s *Service) HandleIndexEngine(ctx context.Context, tx *sqlx.Tx, m outbox.Message) error {
	if s.Engine == nil {
		return nil
	}
	var p indexPayload
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return fmt.Errorf("search index: payload %s: %w", m.Payload, err)
	}
	found, gone, err := s.loadForIndex(ctx, tx, []uuid.UUID{p.CounselorID})
	if err != nil {
		return err
	}
	return s.writeEngine(ctx, found, gone)
}

// indexCounselors brings both copies of ids' listings in line with
// PostgreSQL's truth (the reindex's replay).
func (s *Service) indexCounselors(ctx context.Context, tx *sqlx.Tx, ids []uuid.UUID) error {
	found, gone, err := s.loadForIndex(ctx, tx, ids)
	if err != nil {
		return err
	}
	if err := s.writeFallback(ctx, tx, found, gone); err != nil {
		return err
	}
	if s.Engine == nil {
		return nil
	}
	return s.writeEngine(ctx, found, gone)
}

// loadForIndex splits ids into the listed ones' projections and the rest.
func (s *Service) loadForIndex(ctx context.Context, tx *sqlx.Tx, ids []uuid.UUID) (found []projection, gone []uuid.UUID, err error) {
	found, err = loadProjections(ctx, tx, s.now(), ids)
	if err != nil {
		return nil, nil, err
	}
	listed := map[uuid.UUID]bool{}
	for _, p := range found {
		listed[p.ID] = true
	}
	for _, id := range ids {
		if !listed[id] {
			gone = append(gone, id)
		}
	}
	return found, gone, nil
}

func (s *Service) writeFallback(ctx context.Context, tx *sqlx.Tx, found []projection, gone []uuid.UUID) error {
	rows := make([]fallbackRow, len(found))
	for i, p := range found {
		rows[i] = p.fallbackRow()
	}
	if err := writeFallbackRows(ctx, tx, rows); err != nil {
		return err
	}
	return deleteFallbackRows(ctx, tx, gone)
}

func (s *Service) writeEngine(ctx context.Context, found []projection, gone []uuid.UUID) error {
	cfg, err := searchConfig()
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, engineWriteTimeout)
	defer cancel()
	if len(found) > 0 {
		docs := make([]searchDoc, len(found))
		for i, p := range found {
			docs[i] = p.document(cfg.Labels)
		}
		if err := s.Engine.Upsert(ctx, docs); err != nil {
			return err
		}
	}
	ids := make([]string, len(gone))
	for i, id := range gone {
		ids[i] = id.String()
	}
	return s.Engine.Delete(ctx, ids...)
}

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
			batch, err = loadProjectionsAfter(ctx, tx, s.now(), after, reindexBatch)
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
	}
	var tableEmpty, someListed bool
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &tableEmpty, `SELECT NOT EXISTS (SELECT 1 FROM counselor_search)`); err != nil {
			return err
		}
		return tx.GetContext(ctx, &someListed, listingCTE+` SELECT EXISTS (SELECT 1 FROM listed)`, listingDay(s.now()))
	})
	if err != nil || !someListed || !(empty || tableEmpty) {
		return false, stats, err
	}
	stats, err = s.Reindex(ctx)
	return err == nil, stats, err
}
