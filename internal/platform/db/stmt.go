package db

import (
	"context"
	"fmt"
	"sync"

	"github.com/jmoiron/sqlx"
)

// stmtCache holds the statements prepared on the pool, by their text.
// database/sql prepares each one once per connection, the first time a
// transaction on that connection uses it, and keeps it for the connection's
// life: PostgreSQL then parses and plans it once per connection instead of
// once per call (lib/pq otherwise sends every parameterised query as an
// unnamed statement, parsed and planned again each time, row-level security
// policies included).
type stmtCache struct {
	mu sync.Mutex
	m  map[string]*sqlx.Stmt
}

func (c *stmtCache) get(ctx context.Context, d *sqlx.DB, query string) (*sqlx.Stmt, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s, nil
	}
	// Preparing on the pool takes one connection for one round trip; the
	// statement is prepared on other connections on their first use.
	s, err := d.PreparexContext(ctx, query)
	if err != nil {
		return nil, err
	}
	if c.m == nil {
		c.m = make(map[string]*sqlx.Stmt)
	}
	c.m[query] = s
	return s, nil
}

// Stmt returns query as a statement of tx, prepared once per connection.
// Use it for the few statements every request runs (authentication, the
// scope, the hot reads); anything else stays a plain query. The statement
// belongs to tx and closes with it; its preparation stays on the connection.
func (d *DB) Stmt(ctx context.Context, tx *sqlx.Tx, query string) (*sqlx.Stmt, error) {
	if d.stmts == nil {
		return tx.PreparexContext(ctx, query)
	}
	s, err := d.stmts.get(ctx, d.DB, query)
	if err != nil {
		return nil, fmt.Errorf("db: prepare: %w", err)
	}
	return tx.StmtxContext(ctx, s), nil
}

// closeAll closes every statement prepared on the pool.
func (c *stmtCache) closeAll() {
	c.mu.Lock()
	defer c.mu.Unlock()
	for q, s := range c.m {
		_ = s.Close()
		delete(c.m, q)
	}
}
