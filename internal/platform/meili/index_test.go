package meili_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/meili"
	"github.com/taiwa/taiwa/internal/platform/wait"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newIndex(t *testing.T) *meili.Index {
	t.Helper()
	s := dbtest.Meilisearch(t)
	// These tests check what the engine answers, not how fast: searches get
	// the admin timeout, so a loaded CI machine cannot turn the product's
	// 2 s search cut-off (the fallback behind it is tested in internal/api) into
	// a failure here.
	ix := meili.NewWithClients(s.URL, s.Key, s.Index, meili.NewHTTPClient(meili.AdminTimeout, false), meili.NewHTTPClient(meili.AdminTimeout, false))
	ix.Log = quiet
	t.Cleanup(func() { _ = ix.DeleteIndex(context.Background()) })
	return ix
}

type doc struct {
	ID    string   `json:"id"`
	Name  string   `json:"name"`
	Tags  []string `json:"tags"`
	Score int      `json:"score"`
}

var settings = json.RawMessage(`{"filterableAttributes": ["tags", "score"], "sortableAttributes": ["score", "id"],
	"faceting": {"maxValuesPerFacet": 10, "sortFacetValuesBy": {"*": "count"}}}`)

func TestUpsertSearchAndDeleteWaitForTheirTasks(t *testing.T) {
	t.Parallel()
	ix := newIndex(t)
	ctx := context.Background()
	if err := ix.ApplySettings(ctx, settings); err != nil {
		t.Fatal(err)
	}
	docs := []doc{{"a", "佐藤 恵子", []string{"x", "y"}, 3}, {"b", "田中 誠", []string{"y"}, 5}, {"c", "鈴木 直美", []string{"z"}, 1}}
	if err := ix.Upsert(ctx, docs); err != nil {
		t.Fatal(err)
	}
	// No wait between the write and the read: Upsert returned once searchable.
	r, err := ix.Search(ctx, meili.Query{Filter: []string{meili.Any("tags", []string{"y"}), meili.Range("score", 2, 10)},
		Sort: []string{"score:desc"}, Facets: []string{"tags"}, Page: 1, PerPage: 10})
	if err != nil {
		t.Fatal(err)
	}
	var got []doc
	for _, h := range r.Hits {
		var d doc
		_ = json.Unmarshal(h, &d)
		got = append(got, d)
	}
	if r.Total != 2 || len(got) != 2 || got[0].ID != "b" || got[1].ID != "a" {
		t.Fatalf("search: total %d, hits %+v", r.Total, got)
	}
	if r.Facets["tags"]["y"] != 2 || r.Facets["tags"]["x"] != 1 || r.Facets["tags"]["z"] != 0 {
		t.Fatalf("facets %v", r.Facets)
	}
	if err := ix.Delete(ctx, "a", "missing"); err != nil {
		t.Fatal(err)
	}
	if n, err := ix.Count(ctx); err != nil || n != 2 {
		t.Fatalf("count after delete: %d %v", n, err)
	}
	if r, err := ix.Search(ctx, meili.Query{Q: "さとう", Page: 1, PerPage: 10}); err != nil || r.Total != 0 {
		t.Fatalf("deleted document still found: %+v %v", r, err)
	}
}

func TestAFailedTaskIsAnError(t *testing.T) {
	t.Parallel()
	ix := newIndex(t)
	ctx := context.Background()
	// An id with a space is refused by the engine, but only when the task
	// runs: the request itself is accepted.
	err := ix.Upsert(ctx, []doc{{ID: "not valid!", Name: "x"}})
	var te *meili.TaskError
	if !errors.As(err, &te) || te.Status != "failed" || te.Code != "invalid_document_id" {
		t.Fatalf("upsert of a bad document: %v", err)
	}
	if err := ix.ApplySettings(ctx, json.RawMessage(`{"rankingRules": ["nonsense:sideways"]}`)); err == nil {
		t.Fatal("bad settings were accepted")
	}
	if !ix.Available() {
		t.Fatal("a refused write marked the engine down")
	}
}

func TestADeadEngineIsSkippedForAWhileThenTriedAgain(t *testing.T) {
	t.Parallel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close() // nothing listens there now
	ix := meili.New("http://"+addr, "key", "counselors")
	ix.Log = quiet
	now := clock.NewManual(time.Now())
	ix.Clock = now.Clock()
	ctx := wait.Context(t, 0)
	if !ix.Available() {
		t.Fatal("a fresh index is not available")
	}
	// A refused connection fails the search itself, at once: the error is
	// the refusal, not the test's deadline or the search timeout.
	_, err = ix.Search(ctx, meili.Query{Page: 1, PerPage: 1})
	if err == nil {
		t.Fatal("search on a dead engine succeeded")
	}
	if !errors.Is(err, syscall.ECONNREFUSED) || ctx.Err() != nil {
		t.Errorf("search on a dead engine: %v (test context: %v); want the connection refused", err, ctx.Err())
	}
	if ix.Available() {
		t.Fatal("the engine is not marked down after a failure")
	}
	if ix.Healthy(ctx) {
		t.Fatal("a dead engine is healthy")
	}
	// Siblings share the flag: a rebuild sees what searches saw.
	if ix.Sibling("other").Available() {
		t.Fatal("a sibling index ignores the engine's state")
	}
	now.Advance(meili.DownFor - time.Millisecond)
	if ix.Available() {
		t.Fatalf("available again before DownFor (%s) has passed", meili.DownFor)
	}
	now.Advance(time.Millisecond)
	if !ix.Available() {
		t.Fatalf("still down once DownFor (%s) has passed", meili.DownFor)
	}
	// A cancelled caller does not mark the engine down.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, _ = ix.Search(cctx, meili.Query{Page: 1, PerPage: 1})
	if !ix.Available() {
		t.Fatal("a cancelled request marked the engine down")
	}
}

func TestHealthyAnswersForALiveEngine(t *testing.T) {
	t.Parallel()
	ix := newIndex(t)
	if !ix.Healthy(context.Background()) {
		t.Fatal("a live engine is not healthy")
	}
}

func TestRebuildSwapsAFullCopyIn(t *testing.T) {
	t.Parallel()
	ix := newIndex(t)
	ctx := context.Background()
	if err := ix.Upsert(ctx, []doc{{ID: "old", Name: "old"}}); err != nil {
		t.Fatal(err)
	}
	build, err := ix.Rebuild(ctx, settings, func(add func(any) error) error {
		for i := range 3 {
			if err := add([]doc{{ID: string(rune('a' + i)), Name: "new", Score: i}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, err := ix.Count(ctx); err != nil || n != 3 {
		t.Fatalf("live index holds %d documents (%v), want the 3 built", n, err)
	}
	if _, err := ix.Sibling(build).Count(ctx); !errors.Is(err, meili.ErrNoIndex) {
		t.Fatalf("the old copy %s was not dropped: %v", build, err)
	}
	got, err := ix.Settings(ctx)
	if err != nil || len(got.SortableAttributes) != 2 {
		t.Fatalf("the built index's settings did not come along: %+v %v", got, err)
	}
	// A failing fill leaves the live index as it was.
	boom := errors.New("boom")
	if _, err := ix.Rebuild(ctx, settings, func(func(any) error) error { return boom }); !errors.Is(err, boom) {
		t.Fatalf("rebuild with a failing fill: %v", err)
	}
	if n, _ := ix.Count(ctx); n != 3 {
		t.Fatalf("a failed rebuild changed the live index: %d documents", n)
	}
}
