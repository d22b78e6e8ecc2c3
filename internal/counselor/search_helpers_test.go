package counselor_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/meili"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// searchEnv is a database with a search index of its own: Engine searches
// Meilisearch (falling back when it fails), Fallback always PostgreSQL.
type searchEnv struct {
	t        *testing.T
	env      *dbtest.Env
	ix       *meili.Index
	Engine   *counselor.Service
	Fallback *counselor.Service
	worker   *outbox.Worker
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func newSearchEnv(t *testing.T) *searchEnv {
	t.Helper()
	return searchEnvOn(t, dbtest.New(t))
}

// searchEnvOn is a searchEnv on env's database.
func searchEnvOn(t *testing.T, env *dbtest.Env) *searchEnv {
	t.Helper()
	s := dbtest.Meilisearch(t)
	ix := meili.New(s.URL, s.Key, s.Index)
	ix.Log = quiet
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_ = ix.DeleteIndex(ctx)
	})
	e := &searchEnv{t: t, env: env, ix: ix,
		Engine:   &counselor.Service{DB: env.DB, Engine: ix},
		Fallback: &counselor.Service{DB: env.DB},
	}
	e.worker = &outbox.Worker{DB: env.DB, Log: quiet, Remotes: map[string]outbox.Remote{counselor.IndexKind: e.Engine.HandleIndex}}
	if _, _, err := e.Engine.PrepareSearch(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// demoSearchSeed is the demo data with some counsellors given ratings
// and free slots (with ties, so the id tie-break matters).
var demoSearchSeed = dbtest.Seed{Name: "demo-search", Fill: func(ctx context.Context, d *db.DB) error {
	if err := demo.SeedDemo(ctx, d, quiet); err != nil {
		return err
	}
	return d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE counselors SET
		rating_avg = CASE WHEN get_byte(uuid_send(id), 0) % 4 = 0 THEN NULL ELSE 3 + (get_byte(uuid_send(id), 1) % 5) * 0.5 END,
		rating_count = get_byte(uuid_send(id), 2) % 40,
		next_available_at = CASE WHEN get_byte(uuid_send(id), 3) % 3 = 0 THEN NULL
		                         ELSE date_trunc('hour', now()) + (get_byte(uuid_send(id), 4) % 60) * interval '1 day' END`)
		return err
	})
}}

// newDemoSearchEnv is a searchEnv on a copy of demoSearchSeed, every
// counsellor indexed.
func newDemoSearchEnv(t *testing.T) *searchEnv {
	t.Helper()
	e := searchEnvOn(t, dbtest.NewFrom(t, demoSearchSeed))
	if _, err := e.Engine.Reindex(context.Background()); err != nil {
		t.Fatal(err)
	}
	return e
}

// change runs q and enqueues the counsellor's index row in one
// transaction, as the domain does; drain applies it.
func (e *searchEnv) change(id uuid.UUID, q string, args ...any) {
	e.t.Helper()
	err := e.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		if _, err := tx.Exec(q, args...); err != nil {
			return err
		}
		return counselor.EnqueueIndex(context.Background(), tx, id)
	})
	if err != nil {
		e.t.Fatal(err)
	}
}

func (e *searchEnv) drain() int {
	e.t.Helper()
	n, err := e.worker.Drain(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

var employee = auth.Principal{UserID: uuid.New(), Role: auth.RoleEmployee}

// search parses query as the API would and runs it on svc.
func search(t *testing.T, svc *counselor.Service, query string) counselor.SearchResult {
	t.Helper()
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatal(err)
	}
	q, err := counselor.ParseSearchQuery(v)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	res, err := svc.Search(context.Background(), employee, q)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return res
}

func ids(res counselor.SearchResult) []string {
	out := make([]string, len(res.Items))
	for i, l := range res.Items {
		out[i] = l.ID.String()
	}
	return out
}

func idSet(res counselor.SearchResult) map[uuid.UUID]counselor.Listing {
	m := map[uuid.UUID]counselor.Listing{}
	for _, l := range res.Items {
		m[l.ID] = l
	}
	return m
}

func describe(res counselor.SearchResult) string {
	return fmt.Sprintf("engine=%s total=%d items=%d", res.Engine, res.Total, len(res.Items))
}
