package matching

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/counselor"
)

// candidateCache keeps every counsellor's parsed counselor_match line,
// keyed on the row version PostgreSQL gives each row (xmin: the writing
// transaction, new with every UPDATE): a request reads only the ids and
// versions of the counsellors passing its filter and parses just the
// lines that changed since. Parsing every candidate's line on every
// request was 40% of the Go CPU of a recommendation. One entry per
// counsellor: its size is the pool's.
type candidateCache struct {
	mu   sync.RWMutex
	rows map[uuid.UUID]cachedCandidate
}

type cachedCandidate struct {
	version string
	c       Candidate // Exposure left 0: decayed per request from count and at
	count   float64
	at      int64
	// The hard filter's columns not in the packed line (candidatePool
	// filters in Go): status is verified, listed_until and theme_until
	// as YYYY-MM-DD ("-" for none).
	verified    bool
	listedUntil string
	themeUntil  []string
}

// replace keeps only rows (candidatePool's reload: counsellors gone from
// the table are forgotten).
func (cc *candidateCache) replace(rows map[uuid.UUID]cachedCandidate) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	cc.rows = rows
}

// lookup parses an "id version" listing (one per line) and returns, in its
// order, the ids and the cached entries at those versions; missing are the
// ids not cached at their version, missAt their index (entries there are
// zero, version "").
func (cc *candidateCache) lookup(listing string) (ids []uuid.UUID, entries []cachedCandidate, missing []uuid.UUID, missAt map[uuid.UUID]int, err error) {
	n := strings.Count(listing, "\n") + 1
	ids = make([]uuid.UUID, 0, n)
	entries = make([]cachedCandidate, 0, n)
	missAt = map[uuid.UUID]int{}
	cc.mu.RLock()
	defer cc.mu.RUnlock()
	for line := range strings.SplitSeq(listing, "\n") {
		if line == "" {
			continue
		}
		idText, version, ok := strings.Cut(line, " ")
		id, err := uuid.Parse(idText)
		if !ok || err != nil {
			return nil, nil, nil, nil, fmt.Errorf("candidate %q: %v", line, err)
		}
		e, hit := cc.rows[id]
		if !hit || e.version != version {
			e = cachedCandidate{}
			missing = append(missing, id)
			missAt[id] = len(entries)
		}
		ids = append(ids, id)
		entries = append(entries, e)
	}
	return ids, entries, missing, missAt, nil
}

func (cc *candidateCache) put(id uuid.UUID, e cachedCandidate) {
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if cc.rows == nil {
		cc.rows = make(map[uuid.UUID]cachedCandidate)
	}
	cc.rows[id] = e
}

// loadCandidates reads every counsellor that passes the hard constraints,
// with what the model scores: counselor_match's packed line (see
// migrations/00006), parsed once per row version (candidateCache). The
// filtered scan returns only "id version" lines in one text; the lines of
// rows not cached at that version come in a second read.
func (s *Service) loadCandidates(ctx context.Context, tx *sqlx.Tx, sk *Seeker, f *hardFilter, now time.Time) ([]Candidate, error) {
	ids, entries, err := s.cachedRows(ctx, tx, f.where(), f.args...)
	if err != nil {
		return nil, err
	}
	themeBit := bit(counselor.Themes, sk.Theme)
	out := make([]Candidate, 0, len(entries))
	for i, e := range entries {
		if e.version == "" { // gone between the two reads
			continue
		}
		c := e.c
		c.ID = ids[i]
		c.Exposure = decayedExposure(e.count, e.at, now)
		c.Verified, c.Themes = true, themeBit
		out = append(out, c)
	}
	return out, nil
}

// cachedRows lists the id and version of every counselor_match row that
// where (SQL over m) admits, and returns each with its parsed entry from
// the cache; rows not cached at that version are read and parsed in a
// second query. An entry whose version is "" went away between the reads.
func (s *Service) cachedRows(ctx context.Context, tx *sqlx.Tx, where string, args ...any) ([]uuid.UUID, []cachedCandidate, error) {
	var listing string
	if err := tx.GetContext(ctx, &listing, `SELECT coalesce(string_agg(m.counselor_id::text || ' ' || m.xmin::text, E'\n'), '')
		FROM counselor_match m WHERE `+where, args...); err != nil {
		return nil, nil, err
	}
	ids, entries, missing, missAt, err := s.candidates.lookup(listing)
	if err != nil {
		return nil, nil, err
	}
	if len(missing) > 0 {
		if err := s.fillCandidates(ctx, tx, missing, missAt, entries); err != nil {
			return nil, nil, err
		}
	}
	return ids, entries, nil
}

// fillCandidates reads and parses the packed lines of missing, caches them
// and puts them in entries at missAt.
func (s *Service) fillCandidates(ctx context.Context, tx *sqlx.Tx, missing []uuid.UUID, missAt map[uuid.UUID]int, entries []cachedCandidate) error {
	var packed string
	if err := tx.GetContext(ctx, &packed, `SELECT coalesce(string_agg(concat_ws(' ', m.xmin::text, m.status,
			coalesce(to_char(CASE WHEN m.listed_until = 'infinity' THEN '9999-12-31' ELSE m.listed_until END, 'YYYY-MM-DD'), '-'),
			coalesce((SELECT string_agg(coalesce(to_char(CASE WHEN t.d = 'infinity' THEN '9999-12-31' ELSE t.d END, 'YYYY-MM-DD'), '-'), ',' ORDER BY t.i)
			          FROM unnest(m.theme_until) WITH ORDINALITY AS t(d, i)), '-'),
			m.packed), E'\n'), '')
		FROM counselor_match m WHERE m.counselor_id = ANY ($1::uuid[])`, pq.Array(missing)); err != nil {
		return err
	}
	for line := range strings.SplitSeq(packed, "\n") {
		if line == "" {
			continue
		}
		version, rest, _ := strings.Cut(line, " ")
		if _, err := strconv.ParseUint(version, 10, 32); err != nil {
			return fmt.Errorf("candidate %q: version: %w", line, err)
		}
		var e cachedCandidate
		rest, err := parseFilterFields(&e, rest)
		if err != nil {
			return fmt.Errorf("candidate %q: %w", line, err)
		}
		c, err := parseCandidate(rest, time.Unix(0, 0))
		if err != nil {
			return fmt.Errorf("candidate %q: %w", rest, err)
		}
		count, at, err := exposureFields(rest)
		if err != nil {
			return fmt.Errorf("candidate %q: %w", rest, err)
		}
		c.Exposure = 0
		e.version, e.c, e.count, e.at = version, c, count, at
		s.candidates.put(c.ID, e)
		if i, ok := missAt[c.ID]; ok {
			entries[i] = e
		}
	}
	return nil
}
