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

// HandleIndex is the outbox handler of IndexKind: it reads the
// counsellor's listing in the claiming transaction and upserts it, or
// deletes the document when they are not listed. Without an engine it
// does nothing, so rows do not pile up.
func (s *Service) HandleIndex(ctx context.Context, tx *sqlx.Tx, m outbox.Message) error {
	if s.Engine == nil {
		return nil
	}
	var p struct {
		CounselorID uuid.UUID `json:"counselor_id"`
	}
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return fmt.Errorf("search index: payload %s: %w", m.Payload, err)
	}
	return s.indexCounselors(ctx, tx, []uuid.UUID{p.CounselorID})
}

// indexCounselors brings the documents of ids in line with PostgreSQL.
func (s *Service) indexCounselors(ctx context.Context, tx *sqlx.Tx, ids []uuid.UUID) error {
	cfg, err := searchConfig()
	if err != nil {
		return err
	}
	found, err := loadProjections(ctx, tx, s.now(), ids)
	if err != nil {
		return err
	}
	docs := make([]searchDoc, len(found))
	listed := map[uuid.UUID]bool{}
	for i, p := range found {
		docs[i] = p.document(cfg.Labels)
		listed[p.ID] = true
	}
	var gone []string
	for _, id := range ids {
		if !listed[id] {
			gone = append(gone, id.String())
		}
	}
	if len(docs) > 0 {
		if err := s.Engine.Upsert(ctx, docs); err != nil {
			return err
		}
	}
	return s.Engine.Delete(ctx, gone...)
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

// ErrNoEngine says search has no Meilisearch configured.
var ErrNoEngine = errors.New("search: no Meilisearch configured (TAIWA_MEILISEARCH_URL)")

// Reindex rebuilds the search index from PostgreSQL with no downtime
// (meili.Index.Rebuild: build under another name, swap, drop the old),
// then writes again every counsellor whose index row was enqueued since
// the build began, so a change the worker applied to the old index during
// the build is not lost by the swap.
func (s *Service) Reindex(ctx context.Context) (ReindexStats, error) {
	started := time.Now()
	var st ReindexStats
	if s.Engine == nil {
		return st, ErrNoEngine
	}
	cfg, err := searchConfig()
	if err != nil {
		return st, err
	}
	var since time.Time
	if err := s.DB.GetContext(ctx, &since, `SELECT now()`); err != nil {
		return st, fmt.Errorf("reindex: %w", err)
	}
	since = since.Add(-replayMargin)
	st.Build, err = s.Engine.Rebuild(ctx, cfg.Settings, func(add func(any) error) error {
		n, err := s.eachListingBatch(ctx, func(batch []projection) error {
			docs := make([]searchDoc, len(batch))
			for i, p := range batch {
				docs[i] = p.document(cfg.Labels)
			}
			return add(docs)
		})
		st.Documents = n
		return err
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
			WHERE kind = $1 AND created_at >= $2 AND payload->>'counselor_id' IS NOT NULL`, IndexKind, since)
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

// PrepareSearch readies the engine when the server starts: it applies the
// settings of search/ (idempotent) and, when the live index is missing or
// empty while counsellors are listed, rebuilds it. rebuilt says whether it
// did; stats are the rebuild's.
func (s *Service) PrepareSearch(ctx context.Context) (rebuilt bool, stats ReindexStats, err error) {
	if s.Engine == nil {
		return false, stats, ErrNoEngine
	}
	cfg, err := searchConfig()
	if err != nil {
		return false, stats, err
	}
	docs, err := s.Engine.Count(ctx)
	if err != nil && !errors.Is(err, meili.ErrNoIndex) {
		return false, stats, err
	}
	if err := s.Engine.ApplySettings(ctx, cfg.Settings); err != nil {
		return false, stats, err
	}
	if docs > 0 {
		return false, stats, nil
	}
	var someListed bool
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &someListed, listingCTE+` SELECT EXISTS (SELECT 1 FROM listed)`, listingDay(s.now()))
	})
	if err != nil || !someListed {
		return false, stats, err
	}
	stats, err = s.Reindex(ctx)
	return err == nil, stats, err
}
