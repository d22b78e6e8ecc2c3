package counselor_test

import (
	"context"
	"errors"
	"slices"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/meili"
	"github.com/taiwa/taiwa/internal/platform/wait"
)

// TestReindexSwapsWithoutDowntimeAndLosesNoConcurrentChange rebuilds the
// index while searches run and while counsellors are suspended and
// reinstated, each change applied to the index at once by the worker as
// in production. During the build every search answers from Meilisearch;
// afterwards, with nothing left in the outbox, the index must agree with
// PostgreSQL exactly: a change the worker applied to the old index during
// the build must have been replayed onto the new one, and the replay must
// not race the worker to the engine (an older document landing last lost
// a reinstated counsellor under load before the replay took the worker's
// lease).
func TestReindexSwapsWithoutDowntimeAndLosesNoConcurrentChange(t *testing.T) {
	t.Parallel()
	e := newDemoSearchEnv(t)
	ctx := context.Background()
	var targets []string
	for _, l := range search(t, e.Fallback, "per_page=12&sort=experience").Items {
		targets = append(targets, l.ID.String())
	}

	done := make(chan struct{})
	var wg sync.WaitGroup
	var searches, changes atomic.Int64
	errs := make(chan error, 100)
	wg.Add(2)
	go func() { // searcher: the live name must answer throughout
		defer wg.Done()
		q, _ := counselor.ParseSearchQuery(nil)
		for {
			select {
			case <-done:
				return
			default:
			}
			res, err := e.Engine.Search(ctx, employee, q)
			switch {
			case err != nil:
				errs <- err
			case res.Engine != counselor.EngineMeilisearch:
				errs <- errors.New("search fell back to PostgreSQL during the reindex")
			case res.Total < demo.DemoCounselors-len(targets) || res.Total > demo.DemoCounselors:
				errs <- errors.New("search answered a partial index during the reindex")
			}
			searches.Add(1)
		}
	}()
	go func() { // changer: suspend and reinstate, each applied at once
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			id := targets[i%len(targets)]
			status := []string{"suspended", "verified"}[(i/len(targets))%2]
			e.change(uuid.MustParse(id), `UPDATE counselors SET status = $2 WHERE id = $1`, id, status)
			e.drain()
			changes.Add(1)
		}
	}()
	var st counselor.ReindexStats
	var err error
	for range 2 {
		if st, err = e.Engine.Reindex(ctx); err != nil {
			break
		}
	}
	close(done)
	wg.Wait()
	close(errs)
	if err != nil {
		t.Fatal(err)
	}
	for err := range errs {
		t.Fatal(err)
	}
	// Settle: a search row another writer's lease put off (outbox.Defer)
	// is pending but not yet due; wait until the worker has applied every
	// search row, as it would in production.
	wait.Until(wait.Context(t, 0), t, "every search row applied", func() bool {
		e.drain()
		var pending int
		if err := e.env.DB.System().GetContext(ctx, &pending, `SELECT count(*) FROM outbox
			WHERE status = 'pending' AND kind IN ($1, $2)`, counselor.IndexKind, counselor.IndexEngineKind); err != nil {
			t.Fatal(err)
		}
		return pending == 0
	})
	t.Logf("reindex %+v; %d searches and %d changes during two rebuilds", st, searches.Load(), changes.Load())
	if searches.Load() == 0 || changes.Load() == 0 {
		t.Fatal("nothing ran during the rebuild")
	}
	engine := search(t, e.Engine, "per_page=100&sort=experience")
	truth := search(t, e.Fallback, "per_page=100&sort=experience")
	if engine.Total != truth.Total || !slices.Equal(ids(engine), ids(truth)) {
		t.Fatalf("index and PostgreSQL disagree after the reindex: %s vs %s", describe(engine), describe(truth))
	}
	if n, err := e.ix.Count(ctx); err != nil || int(n) != truth.Total {
		t.Fatalf("index holds %d documents (%v), PostgreSQL lists %d", n, err, truth.Total)
	}
	if st.Documents < demo.DemoCounselors-len(targets) || st.Replayed == 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestReindexCreatesAMissingIndexAndDropsStaleBuilds(t *testing.T) {
	t.Parallel()
	e := newDemoSearchEnv(t)
	ctx := context.Background()
	if err := e.ix.DeleteIndex(ctx); err != nil {
		t.Fatal(err)
	}
	stale := e.ix.Sibling(e.ix.Name + "_build_1")
	if err := stale.Upsert(ctx, []map[string]string{{"id": "x"}}); err != nil {
		t.Fatal(err)
	}
	// A fallback answers while the index is missing, and the engine is
	// skipped for a while after the failure.
	if res := search(t, e.Engine, ""); res.Engine != counselor.EnginePostgres || res.Total != demo.DemoCounselors {
		t.Fatalf("with the index missing: %s", describe(res))
	}
	if e.ix.Available() {
		t.Fatal("the engine is not marked down after a failed search")
	}
	rebuilt, st, err := e.Engine.PrepareSearch(ctx)
	if err != nil || !rebuilt || st.Documents != demo.DemoCounselors {
		t.Fatalf("PrepareSearch on an empty index: rebuilt=%v %+v %v", rebuilt, st, err)
	}
	if _, err := stale.Count(ctx); !errors.Is(err, meili.ErrNoIndex) {
		t.Fatalf("stale build index still there: %v", err)
	}
	if rebuilt, _, err := e.Engine.PrepareSearch(ctx); err != nil || rebuilt {
		t.Fatalf("PrepareSearch on a full index rebuilt it again: %v %v", rebuilt, err)
	}
}
