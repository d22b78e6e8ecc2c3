package counselor

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

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

// engineWriteTimeout bounds one handler's wait on the engine (no
// transaction is open meanwhile).
const engineWriteTimeout = 10 * time.Second

// busyRetry is how long a search row waits when another worker is writing
// the same counsellor's document: the two must not race to the engine, or
// the older document could land last.
const busyRetry = time.Second

type indexPayload struct {
	CounselorID uuid.UUID `json:"counselor_id"`
}

// HandleIndex is the outbox handler (a Remote) of IndexKind. In the
// claiming transaction it takes over every other pending search row of the
// same counsellor (one write covers them all), reads the listing and writes
// (or removes) the fallback's counselor_search row; it then upserts (or
// deletes) the Meilisearch document with no transaction open. When the
// engine is down it hands the engine's part to an IndexEngineKind row
// instead of failing, so the fallback — which answers precisely while the
// engine is down — is never behind.
func (s *Service) HandleIndex(ctx context.Context, tx *sqlx.Tx, m outbox.Message) (outbox.Call, error) {
	return s.prepareIndex(ctx, tx, m, false)
}

// HandleIndexEngine is the outbox handler (a Remote) of IndexEngineKind:
// the engine's part of HandleIndex, failing (and so retried) while the
// engine is down. It rewrites the fallback's row too, which is harmless and
// lets either kind take over the other's pending rows.
func (s *Service) HandleIndexEngine(ctx context.Context, tx *sqlx.Tx, m outbox.Message) (outbox.Call, error) {
	return s.prepareIndex(ctx, tx, m, true)
}

func (s *Service) prepareIndex(ctx context.Context, tx *sqlx.Tx, m outbox.Message, engineOnly bool) (outbox.Call, error) {
	var p indexPayload
	if err := json.Unmarshal(m.Payload, &p); err != nil {
		return nil, fmt.Errorf("search index: payload %s: %w", m.Payload, err)
	}
	if engineOnly && s.Engine == nil {
		return nil, nil
	}
	busy, err := claimCounselorRows(ctx, tx, m.ID, p.CounselorID)
	if err != nil {
		return nil, err
	}
	if busy {
		return nil, outbox.Defer(busyRetry)
	}
	// Read after the takeover: every change whose row was taken over
	// committed before this statement's snapshot.
	found, gone, err := s.loadForIndex(ctx, tx, []uuid.UUID{p.CounselorID})
	if err != nil {
		return nil, err
	}
	if err := s.writeFallback(ctx, tx, found, gone); err != nil {
		return nil, err
	}
	if s.Engine == nil {
		return nil, nil
	}
	return func(ctx context.Context) (outbox.Record, error) {
		if engineOnly {
			return nil, s.writeEngine(ctx, found, gone)
		}
		if s.Engine.Available() {
			if err := s.writeEngine(ctx, found, gone); err == nil {
				return nil, nil
			}
		}
		return func(ctx context.Context, tx *sqlx.Tx) error {
			return outbox.Enqueue(ctx, tx, IndexEngineKind, p, "")
		}, nil
	}, nil
}

// claimCounselorRows serialises the search rows of one counsellor: under a
// transaction lock on the counsellor, it reports busy when another
// worker's lease on a search row of theirs still holds (that worker's
// engine write is under way), and otherwise marks every other pending
// search row of theirs done, as covered by this one.
func claimCounselorRows(ctx context.Context, tx *sqlx.Tx, self int64, counselorID uuid.UUID) (busy bool, err error) {
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('search:' || $1::text, 0))`, counselorID); err != nil {
		return false, err
	}
	// The kinds are spelled out (IndexKind, IndexEngineKind) to match the
	// partial index outbox_search_pending_idx.
	if err := tx.GetContext(ctx, &busy, `
		SELECT EXISTS (SELECT 1 FROM outbox
		               WHERE status = 'pending' AND kind IN ('search.counselor', 'search.counselor.engine')
		                 AND payload->>'counselor_id' = $1 AND id <> $2 AND leased_until > now())`,
		counselorID.String(), self); err != nil || busy {
		return busy, err
	}
	_, err = tx.ExecContext(ctx, `
		UPDATE outbox SET status = 'done', done_at = now(), last_error = 'covered by outbox row ' || $2::text
		WHERE id IN (SELECT id FROM outbox
		             WHERE status = 'pending' AND kind IN ('search.counselor', 'search.counselor.engine')
		               AND payload->>'counselor_id' = $1 AND id <> $2
		             FOR UPDATE SKIP LOCKED)`, counselorID.String(), self)
	return false, err
}

// loadForIndex splits ids into the listed ones' projections and the rest.
func (s *Service) loadForIndex(ctx context.Context, tx *sqlx.Tx, ids []uuid.UUID) (found []projection, gone []uuid.UUID, err error) {
	found, err = loadProjections(ctx, tx, s.Clock.Now(), ids)
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
