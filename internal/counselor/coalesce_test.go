package counselor_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// Five changes of one counsellor queue five search rows; the worker writes
// the counsellor's document once, with the last change, and marks the other
// rows as covered. The engine write runs with no transaction open.
func TestSearchRowsOfOneCounsellorCoalesceAndTheEngineWriteHoldsNoTransaction(t *testing.T) {
	t.Parallel()
	e := newDemoSearchEnv(t)
	var id uuid.UUID
	if err := e.env.DB.Get(&id, `SELECT counselor_id FROM counselor_search ORDER BY counselor_id LIMIT 1`); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		e.change(id, `UPDATE counselors SET display_name = $2 WHERE id = $1`, id, fmt.Sprintf("合流テスト%d", i))
	}
	calls, openDuringCall := 0, -1
	e.worker.Remotes[counselor.IndexKind] = func(ctx context.Context, tx *sqlx.Tx, m outbox.Message) (outbox.Call, error) {
		call, err := e.Engine.HandleIndex(ctx, tx, m)
		if call == nil || err != nil {
			return call, err
		}
		calls++
		return func(ctx context.Context) (outbox.Record, error) {
			if err := e.env.DB.System().GetContext(ctx, &openDuringCall, `
				SELECT count(*) FROM pg_stat_activity
				WHERE datname = current_database() AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'`); err != nil {
				return nil, err
			}
			return call(ctx)
		}, nil
	}
	if n := e.drain(); n != 1 {
		t.Errorf("Drain processed %d rows, want 1 (the other four covered by it)", n)
	}
	if calls != 1 || openDuringCall != 0 {
		t.Errorf("engine calls = %d (want 1), sessions idle in transaction during it = %d (want 0)", calls, openDuringCall)
	}
	var rows []struct {
		Status  string  `db:"status"`
		Covered *string `db:"last_error"`
	}
	if err := e.env.DB.Select(&rows, `SELECT status, last_error FROM outbox WHERE kind = $1 AND payload->>'counselor_id' = $2 ORDER BY id`, counselor.IndexKind, id.String()); err != nil {
		t.Fatal(err)
	}
	covered := 0
	for _, r := range rows {
		if r.Status != "done" {
			t.Errorf("row %+v, want done", r)
		}
		if r.Covered != nil {
			covered++
		}
	}
	if len(rows) != 5 || covered != 4 {
		t.Errorf("%d rows, %d covered by another; want 5 and 4", len(rows), covered)
	}
	res := search(t, e.Engine, "q=合流テスト4")
	if res.Engine != "meilisearch" || res.Total != 1 || res.Items[0].ID != id {
		t.Fatalf("search for the last name: %s %d %v, want the counsellor from meilisearch", res.Engine, res.Total, ids(res))
	}
}
