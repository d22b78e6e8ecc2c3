package meili

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/meilisearch/meilisearch-go"

	"github.com/taiwa/taiwa/internal/platform/clock"
)

// Timeouts and the health flag's timings. A search takes a few
// milliseconds (docs/benchmarks.md), but an engine's first Japanese query
// after start loads its dictionary and can take most of a second: past
// SearchTimeout PostgreSQL answers, and a hung engine costs one such wait
// per DownFor. Writes (documents, settings, task waits) may take longer.
const (
	SearchTimeout = 2 * time.Second
	AdminTimeout  = 60 * time.Second
	// DownFor is how long callers skip the engine after a failure before
	// trying it again: a dead engine then costs nothing, and a recovered
	// one is used again within this time without anybody's help.
	DownFor = 2 * time.Second
	// healthTTL is how long a /health answer is reused by Healthy.
	healthTTL = time.Second
	// taskPoll is how often a task's state is asked while waiting for it.
	taskPoll = 10 * time.Millisecond
)

// Index is one Meilisearch index (its live name) reached through a client
// that does not stall; it remembers whether the engine answered lately so
// callers can fall back without waiting on a dead engine.
type Index struct {
	URL  string
	Name string
	// Log receives the engine's transitions between up and down; nil
	// means slog.Default().
	Log *slog.Logger
	// Clock times the DownFor pause and the cached /health answer of
	// Healthy: tests move it past them instead of waiting (a clock that
	// stands still keeps a failed engine skipped). nil is the wall clock.
	Clock clock.Clock

	key        string
	searchHTTP *http.Client               // searches go straight through it (SearchInto)
	search     meilisearch.ServiceManager // short timeout: searches, health
	admin      meilisearch.ServiceManager // long timeout: documents, settings, tasks

	state *health // shared by the indexes of one engine (see Sibling)
}

// health is an engine's up/down flag and its cached /health answer.
type health struct {
	downUntil atomic.Int64 // unix nanoseconds; 0: up

	mu        sync.Mutex
	checkedAt time.Time
	healthy   bool
}

// New connects to the engine at url with key (a master or admin key) for
// the index name, through NewHTTPClient (compressed answers unless the
// engine is on loopback, see Gzip). It makes no request: an engine that is
// down now is simply used once it answers.
func New(url, key, name string) *Index {
	return NewGzip(url, key, name, "auto")
}

// NewGzip is New with TAIWA_MEILISEARCH_GZIP's setting (auto, on, off).
func NewGzip(url, key, name, gzip string) *Index {
	gz := Gzip(url, gzip)
	return NewWithClients(url, key, name, NewHTTPClient(SearchTimeout, gz), NewHTTPClient(AdminTimeout, gz))
}

// NewWithClients is New with the HTTP clients of searches and of writes
// given; the benchmarks use it to measure a plain http.Client against
// NewHTTPClient.
func NewWithClients(url, key, name string, search, admin *http.Client) *Index {
	opts := func(c *http.Client) []meilisearch.Option {
		return []meilisearch.Option{
			meilisearch.WithCustomClient(c),
			meilisearch.WithAPIKey(key),
			// Fail fast: the caller falls back (search) or the outbox
			// retries with backoff (writes); the library's own retries
			// would only hold a request for seconds.
			meilisearch.DisableRetries(),
		}
	}
	return &Index{
		URL:        strings.TrimRight(url, "/"),
		Name:       name,
		key:        key,
		searchHTTP: search,
		search:     meilisearch.New(url, opts(search)...),
		admin:      meilisearch.New(url, opts(admin)...),
		state:      &health{},
	}
}

// Sibling is another index on the same engine, sharing the connections and
// the health flag (the reindex builds into one).
func (ix *Index) Sibling(name string) *Index {
	c := *ix
	c.Name = name
	return &c
}

func (ix *Index) log() *slog.Logger {
	if ix.Log != nil {
		return ix.Log
	}
	return slog.Default()
}

// Available reports whether callers should use the engine now: false for
// DownFor after a failure.
func (ix *Index) Available() bool {
	return ix.Clock.Now().UnixNano() >= ix.state.downUntil.Load()
}

// observe records the outcome of a call: a failure marks the engine down
// for DownFor, a success marks it up. A cancelled caller says nothing about
// the engine.
func (ix *Index) observe(ctx context.Context, err error) {
	if err == nil {
		if ix.state.downUntil.Swap(0) != 0 {
			ix.log().Info("meilisearch answers again", "index", ix.Name)
		}
		return
	}
	if ctx.Err() != nil {
		return
	}
	if ix.state.downUntil.Swap(ix.Clock.Now().Add(DownFor).UnixNano()) == 0 {
		ix.log().Warn("meilisearch failed; using PostgreSQL for search for a while", "index", ix.Name, "err", err)
	}
}

// Healthy reports whether the engine answers /health, asking at most once
// per second (for /readyz).
func (ix *Index) Healthy(ctx context.Context) bool {
	h := ix.state
	h.mu.Lock()
	defer h.mu.Unlock()
	if age := ix.Clock.Since(h.checkedAt); age >= 0 && age < healthTTL {
		return h.healthy
	}
	hctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
	defer cancel()
	res, err := ix.search.HealthWithContext(hctx)
	h.healthy = err == nil && res.Status == "available"
	h.checkedAt = ix.Clock.Now()
	return h.healthy
}

// ApplySettings replaces the index's settings with settings (the JSON
// document of PATCH /indexes/{uid}/settings) and waits until they are in
// force. Applying the same settings again changes nothing.
func (ix *Index) ApplySettings(ctx context.Context, settings json.RawMessage) error {
	var s meilisearch.Settings
	if err := json.Unmarshal(settings, &s); err != nil {
		return fmt.Errorf("meili: settings: %w", err)
	}
	info, err := ix.admin.Index(ix.Name).UpdateSettingsWithContext(ctx, &s)
	if err != nil {
		return fmt.Errorf("meili: apply settings to %s: %w", ix.Name, err)
	}
	return ix.wait(ctx, info.TaskUID)
}

// Settings reads the index's settings back.
func (ix *Index) Settings(ctx context.Context) (*meilisearch.Settings, error) {
	return ix.admin.Index(ix.Name).GetSettingsWithContext(ctx)
}

// Upsert adds or replaces documents (a slice of structs or maps with an
// "id") and waits until they are searchable.
func (ix *Index) Upsert(ctx context.Context, docs any) error {
	uid, err := ix.enqueueDocs(ctx, docs)
	if err != nil {
		return err
	}
	return ix.wait(ctx, uid)
}

func (ix *Index) enqueueDocs(ctx context.Context, docs any) (int64, error) {
	pk := "id"
	info, err := ix.admin.Index(ix.Name).AddDocumentsWithContext(ctx, docs, &meilisearch.DocumentOptions{PrimaryKey: &pk})
	if err != nil {
		ix.observe(ctx, err)
		return 0, fmt.Errorf("meili: add documents to %s: %w", ix.Name, err)
	}
	return info.TaskUID, nil
}

// Delete removes documents by id and waits until they are gone. Ids that
// are not in the index are no error.
func (ix *Index) Delete(ctx context.Context, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	info, err := ix.admin.Index(ix.Name).DeleteDocumentsWithContext(ctx, ids, nil)
	if err != nil {
		ix.observe(ctx, err)
		return fmt.Errorf("meili: delete documents from %s: %w", ix.Name, err)
	}
	return ix.wait(ctx, info.TaskUID)
}

// wait blocks until task uid has finished and fails unless it succeeded.
func (ix *Index) wait(ctx context.Context, uid int64) error {
	t, err := ix.admin.WaitForTaskWithContext(ctx, uid, taskPoll)
	if err != nil {
		ix.observe(ctx, err)
		return fmt.Errorf("meili: wait for task %d: %w", uid, err)
	}
	if t.Status != meilisearch.TaskStatusSucceeded {
		return &TaskError{UID: uid, Type: string(t.Type), Index: t.IndexUID, Status: string(t.Status), Code: t.Error.Code, Message: t.Error.Message}
	}
	return nil
}

// TaskError is a task the engine accepted but did not carry out.
type TaskError struct {
	UID                                int64
	Type, Index, Status, Code, Message string
}

func (e *TaskError) Error() string {
	return fmt.Sprintf("meili: task %d (%s on %s) %s: %s (%s)", e.UID, e.Type, e.Index, e.Status, e.Message, e.Code)
}

// ErrNoIndex says the index does not exist (yet).
var ErrNoIndex = errors.New("meili: no such index")

// Count returns how many documents the index holds; ErrNoIndex when it
// does not exist.
func (ix *Index) Count(ctx context.Context) (int64, error) {
	st, err := ix.admin.Index(ix.Name).GetStatsWithContext(ctx, nil)
	if isNotFound(err) {
		return 0, ErrNoIndex
	}
	if err != nil {
		ix.observe(ctx, err)
		return 0, fmt.Errorf("meili: stats of %s: %w", ix.Name, err)
	}
	return st.NumberOfDocuments, nil
}

// DeleteIndex drops the index (tests, and the old copy after a swap).
func (ix *Index) DeleteIndex(ctx context.Context) error {
	info, err := ix.admin.DeleteIndexWithContext(ctx, ix.Name)
	if isNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("meili: delete index %s: %w", ix.Name, err)
	}
	err = ix.wait(ctx, info.TaskUID)
	var te *TaskError
	if errors.As(err, &te) && te.Code == "index_not_found" {
		return nil
	}
	return err
}

func isNotFound(err error) bool {
	var me *meilisearch.Error
	return errors.As(err, &me) && me.StatusCode == http.StatusNotFound
}
