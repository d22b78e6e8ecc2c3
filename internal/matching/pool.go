package matching

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/counselor"
)

// CandidatesChannel is the channel migrations/00026 notifies on after every
// statement that writes counselor_match.
const CandidatesChannel = "taiwa_counselor_match"

// candidatePool is every counselor_match row, parsed, in memory: while a
// listener on CandidatesChannel is connected (WatchCandidates), a request
// filters and scores this copy and sends no candidate query at all. Every
// notification (one per writing statement, delivered after the writer's
// commit) and every loss or return of the listener's connection bumps gen;
// a snapshot is used only at the gen read before it was loaded, so a
// change committed after a snapshot's reads always makes the next request
// reload (only the rows whose xmin changed are parsed again). Between a
// commit and its notification's arrival (milliseconds) a request may rank
// with the rows as they were; the listings it answers with are read fresh.
type candidatePool struct {
	live atomic.Bool   // a listener is connected and listening
	gen  atomic.Uint64 // bumped per notification and connection event
	mu   sync.Mutex    // one reload at a time
	snap atomic.Pointer[poolSnapshot]
}

type poolSnapshot struct {
	gen  uint64
	rows []cachedCandidate // with c.ID set; filter fields included
}

// WatchCandidates listens for counselor_match changes on url (a
// connection string) until ctx ends; meanwhile Recommend ranks from the
// in-memory pool. Every serving process runs it beside FlushExposureLoop.
func (s *Service) WatchCandidates(ctx context.Context, url string, log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p := &s.pool
	l := pq.NewListener(url, time.Second, time.Minute, func(ev pq.ListenerEventType, err error) {
		switch ev {
		case pq.ListenerEventReconnected:
			p.gen.Add(1)
			p.live.Store(true)
		case pq.ListenerEventDisconnected, pq.ListenerEventConnectionAttemptFailed:
			p.live.Store(false)
			p.gen.Add(1)
		}
		if err != nil {
			log.Warn("recommendations: candidate listener", "event", int(ev), "err", err)
		}
	})
	defer func() {
		p.live.Store(false)
		p.gen.Add(1)
		_ = l.Close()
	}()
	if err := l.Listen(CandidatesChannel); err != nil {
		log.Warn("recommendations: LISTEN failed; reading candidates per request", "err", err)
	} else {
		p.gen.Add(1)
		p.live.Store(true)
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.Notify: // nil after a reconnection: counted too
			p.gen.Add(1)
		}
	}
}

// pooled returns the in-memory pool for this request, reloading the rows
// that changed if a notification arrived since; ok false when no listener
// is connected (the caller reads the table instead).
func (s *Service) pooled(ctx context.Context, tx *sqlx.Tx) (rows []cachedCandidate, ok bool, err error) {
	p := &s.pool
	if !p.live.Load() {
		return nil, false, nil
	}
	g := p.gen.Load()
	if sn := p.snap.Load(); sn != nil && sn.gen == g {
		return sn.rows, true, nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	g = p.gen.Load() // read before the reload's statements take their snapshots
	if sn := p.snap.Load(); sn != nil && sn.gen == g {
		return sn.rows, true, nil
	}
	rows, err = s.reloadPool(ctx, tx)
	if err != nil {
		return nil, false, err
	}
	p.snap.Store(&poolSnapshot{gen: g, rows: rows})
	return rows, true, nil
}

// reloadPool reads "id version" for every counselor_match row and parses,
// through candidateCache, only the rows whose version it has not seen.
func (s *Service) reloadPool(ctx context.Context, tx *sqlx.Tx) ([]cachedCandidate, error) {
	ids, entries, err := s.cachedRows(ctx, tx, "true")
	if err != nil {
		return nil, err
	}
	out := entries[:0]
	keep := make(map[uuid.UUID]cachedCandidate, len(entries))
	for i, e := range entries {
		if e.version == "" { // gone between the two reads
			continue
		}
		e.c.ID = ids[i]
		keep[ids[i]] = e
		out = append(out, e)
	}
	s.candidates.replace(keep) // forget counsellors no longer in the table
	return out, nil
}

// filterPool is loadCandidates' SQL filter (newHardFilter) in Go, over the
// pool: listed today, the theme's credential valid today, verified, a free
// slot after now, not dismissed, and each hard preference in force.
func filterPool(rows []cachedCandidate, sk *Seeker, dismissed []uuid.UUID, now time.Time) []Candidate {
	today := counselor.Today(now)
	ti := slices.Index(counselor.Themes, sk.Theme)
	themeBit := bit(counselor.Themes, sk.Theme)
	out := make([]Candidate, 0, len(rows))
	for i := range rows {
		e := &rows[i]
		c := &e.c
		switch {
		case !e.verified, e.listedUntil < today, ti < 0, ti >= len(e.themeUntil), e.themeUntil[ti] < today,
			!c.NextAvailable.After(now),
			sk.Gender != "" && c.Gender != sk.Gender,
			sk.Languages != 0 && c.Languages&sk.Languages == 0,
			sk.Formats != 0 && c.Formats&sk.Formats == 0:
			continue
		}
		if len(dismissed) > 0 && slices.Contains(dismissed, c.ID) {
			continue
		}
		out = append(out, *c)
		o := &out[len(out)-1]
		o.Exposure = decayedExposure(e.count, e.at, now)
		o.Verified, o.Themes = true, themeBit
	}
	return out
}

// parseFilterFields reads the filter fields fillCandidates puts before the
// packed line: status, listed_until and the themes' last valid days
// (YYYY-MM-DD, "-" for none, infinity as 9999-12-31; the days
// comma-separated in theme order).
func parseFilterFields(e *cachedCandidate, line string) (rest string, err error) {
	f := fieldReader{rest: line}
	e.verified = f.next() == "verified"
	e.listedUntil = f.next()
	themes := f.next()
	if f.err != nil {
		return "", fmt.Errorf("filter fields: %w", f.err)
	}
	e.themeUntil = strings.Split(themes, ",")
	return f.rest, nil
}
