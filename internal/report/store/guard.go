package store

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal"
	"github.com/taiwa/taiwa/internal/report"
)

// keyAAD binds a sealed guard key to its company's row.
func keyAAD(companyID uuid.UUID) []byte { return seal.AAD("report_keys", companyID.String()) }

// errNoKeys: without the note keyring the guard key cannot be kept sealed,
// and a report without the guard is not served.
var errNoKeys = errors.New("report store: no note keys configured (TAIWA_NOTE_KEYS): the differencing guard's key is sealed with them")

// guardKey returns the company's 32-byte guard key, making it on first use.
func (s *Service) guardKey(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) ([]byte, error) {
	if s.Keys == nil {
		return nil, errNoKeys
	}
	var sealed []byte
	err := tx.GetContext(ctx, &sealed, `SELECT sealed_key FROM report_keys WHERE company_id = $1`, companyID)
	if db.IsNoRows(err) {
		key := make([]byte, 32)
		if _, err := rand.Read(key); err != nil {
			return nil, err
		}
		if sealed, err = s.Keys.Seal(key, keyAAD(companyID)); err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO report_keys (company_id, sealed_key) VALUES ($1, $2) ON CONFLICT (company_id) DO NOTHING`,
			companyID, sealed); err != nil {
			return nil, fmt.Errorf("report store: guard key: %w", err)
		}
		err = tx.GetContext(ctx, &sealed, `SELECT sealed_key FROM report_keys WHERE company_id = $1`, companyID)
	}
	if err != nil {
		return nil, fmt.Errorf("report store: guard key: %w", err)
	}
	key, err := s.Keys.Open(sealed, keyAAD(companyID))
	if err != nil {
		return nil, fmt.Errorf("report store: guard key: %w", err)
	}
	return key, nil
}

// lockGuard loads the company's Released set FOR UPDATE: every report
// request of the company's admins waits here for the one before it, so
// they all extend one history.
//
// The decoded set of the last request is kept in memory with the row's
// version (releases): under the row lock, an equal version proves it is
// what the row holds, so the state (megabytes for a large company) is
// read and decoded only after another process wrote it. The caller puts
// the set back with putGuard once its transaction has committed.
func (s *Service) lockGuard(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) (*heldGuard, error) {
	if _, err := tx.ExecContext(ctx, `INSERT INTO report_guard (company_id, state) VALUES ($1, '') ON CONFLICT (company_id) DO NOTHING`, companyID); err != nil {
		return nil, fmt.Errorf("report store: guard: %w", err)
	}
	h := &heldGuard{company: companyID}
	if err := tx.GetContext(ctx, &h.version, `SELECT releases FROM report_guard WHERE company_id = $1 FOR UPDATE`, companyID); err != nil {
		return nil, fmt.Errorf("report store: guard: %w", err)
	}
	if h.r = s.takeGuard(companyID, h.version); h.r != nil {
		return h, nil
	}
	var state []byte
	if err := tx.GetContext(ctx, &state, `SELECT state FROM report_guard WHERE company_id = $1`, companyID); err != nil {
		return nil, fmt.Errorf("report store: guard: %w", err)
	}
	r, err := decodeGuard(state)
	if err != nil {
		return nil, fmt.Errorf("report store: guard: %w", err)
	}
	if r.Key, err = s.guardKey(ctx, tx, companyID); err != nil {
		return nil, err
	}
	h.r = r
	return h, nil
}

// heldGuard is a company's guard locked for one request.
type heldGuard struct {
	company uuid.UUID
	version int // releases, as the row will hold it once the request commits
	r       *report.Released
}

// saveGuard stores the extended Released set (never its key).
func saveGuard(ctx context.Context, tx *sqlx.Tx, h *heldGuard) error {
	_, err := tx.ExecContext(ctx, `UPDATE report_guard SET state = $2, releases = releases + 1, updated_at = now() WHERE company_id = $1`,
		h.company, encodeGuard(h.r))
	if err != nil {
		return fmt.Errorf("report store: guard: %w", err)
	}
	h.version++
	return nil
}

// maxCachedGuards bounds the decoded guards kept in memory.
const maxCachedGuards = 32

// takeGuard removes and returns the kept set of company when it is of
// version; a set in use is never shared.
func (s *Service) takeGuard(company uuid.UUID, version int) *report.Released {
	s.mu.Lock()
	defer s.mu.Unlock()
	h, ok := s.guards[company]
	delete(s.guards, company)
	if !ok || h.version != version {
		return nil
	}
	return h.r
}

// putGuard keeps h after its transaction committed.
func (s *Service) putGuard(h *heldGuard) {
	if h == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.guards == nil || len(s.guards) >= maxCachedGuards {
		s.guards = map[uuid.UUID]*heldGuard{}
	}
	s.guards[h.company] = h
}
