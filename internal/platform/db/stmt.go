package db

import (
	"context"
	"database/sql"
	"sync"
	"time"

	"github.com/jmoiron/sqlx"
)

// stmtCache holds the statements prepared on the pool, by their text.
// database/sql prepares each one once per connection, the first time a
// transaction on that connection uses it, and keeps it for the connection's
// life: PostgreSQL then parses and plans it once per connection instead of
// once per call (lib/pq otherwise sends every parameterised query as an
// unnamed statement, parsed and planned again each time, row-level security
// policies included).
//
// A statement is first prepared on the pool in the background: preparing
// needs a connection of its own, and a request that waited for one while
// holding its transaction's connection could wait forever once every
// connection is held that way. Until it is ready, the query runs as before.
type stmtCache struct {
	mu      sync.Mutex
	m       map[string]*sqlx.Stmt
	pending map[string]bool
}

// lookup returns the prepared statement of query, or nil after starting
// its preparation.
func (c *stmtCache) lookup(d *sqlx.DB, query string) *sqlx.Stmt {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[query]; ok {
		return s
	}
	if c.pending[query] {
		return nil
	}
	if c.pending == nil {
		c.pending, c.m = map[string]bool{}, map[string]*sqlx.Stmt{}
	}
	c.pending[query] = true
	go c.prepare(d, query)
	return nil
}

func (c *stmtCache) prepare(d *sqlx.DB, query string) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	s, err := d.PreparexContext(ctx, query)
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.pending, query) // after a failure the next use tries again
	if err == nil {
		c.m[query] = s
	}
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

// txPools maps each transaction InTx has open to the pool it runs on.
var txPools sync.Map // *sqlx.Tx → *DB

// Prepared is a hot statement inside one transaction: prepared once per
// connection when ready, else the plain query on the transaction.
type Prepared struct {
	tx    *sqlx.Tx
	stmt  *sqlx.Stmt // nil: not prepared yet
	query string
}

// Stmt returns query as a statement of tx, prepared once per connection.
// Use it for the few statements every request runs (the scope,
// authentication, the hot reads); anything else stays a plain query.
func (d *DB) Stmt(ctx context.Context, tx *sqlx.Tx, query string) Prepared {
	p := Prepared{tx: tx, query: query}
	// A privileged scope's transaction runs on the system pool: prepare on
	// the pool that owns tx, whichever pool was asked.
	if o, ok := txPools.Load(tx); ok {
		d = o.(*DB)
	}
	if d != nil && d.stmts != nil {
		if s := d.stmts.lookup(d.DB, query); s != nil {
			p.stmt = tx.StmtxContext(ctx, s)
		}
	}
	return p
}

// Prepare is Stmt for code that holds only the transaction: the statement
// is prepared on the pool InTx opened tx on (the plain query otherwise).
func Prepare(ctx context.Context, tx *sqlx.Tx, query string) Prepared {
	var d *DB
	return d.Stmt(ctx, tx, query)
}

// ExecContext runs the statement.
func (p Prepared) ExecContext(ctx context.Context, args ...any) (sql.Result, error) {
	if p.stmt != nil {
		return p.stmt.ExecContext(ctx, args...)
	}
	return p.tx.ExecContext(ctx, p.query, args...)
}

// QueryRowxContext runs the statement for one row.
func (p Prepared) QueryRowxContext(ctx context.Context, args ...any) *sqlx.Row {
	if p.stmt != nil {
		return p.stmt.QueryRowxContext(ctx, args...)
	}
	return p.tx.QueryRowxContext(ctx, p.query, args...)
}

// QueryxContext runs the statement for rows.
func (p Prepared) QueryxContext(ctx context.Context, args ...any) (*sqlx.Rows, error) {
	if p.stmt != nil {
		return p.stmt.QueryxContext(ctx, args...)
	}
	return p.tx.QueryxContext(ctx, p.query, args...)
}

// GetContext scans one row into dest.
func (p Prepared) GetContext(ctx context.Context, dest any, args ...any) error {
	if p.stmt != nil {
		return p.stmt.GetContext(ctx, dest, args...)
	}
	return p.tx.GetContext(ctx, dest, p.query, args...)
}

// SelectContext scans rows into dest.
func (p Prepared) SelectContext(ctx context.Context, dest any, args ...any) error {
	if p.stmt != nil {
		return p.stmt.SelectContext(ctx, dest, args...)
	}
	return p.tx.SelectContext(ctx, dest, p.query, args...)
}
