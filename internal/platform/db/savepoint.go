package db

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// Savepoint runs fn under a savepoint of tx. If fn fails with a domain error
// (a rule, or a constraint mapped by MapError), only fn's writes are rolled
// back and the error comes back as refused, with tx still usable: one bad
// line of a batch does not spoil the others. Any other failure comes back as
// err and should abort the whole transaction.
func Savepoint(ctx context.Context, tx *sqlx.Tx, fn func() error) (refused, err error) {
	if _, err := tx.ExecContext(ctx, `SAVEPOINT taiwa_sp`); err != nil {
		return nil, err
	}
	ferr := fn()
	if ferr == nil {
		_, err := tx.ExecContext(ctx, `RELEASE SAVEPOINT taiwa_sp`)
		return nil, err
	}
	mapped := MapError(ferr)
	if _, ok := apperr.As(mapped); !ok {
		return nil, ferr
	}
	if _, err := tx.ExecContext(ctx, `ROLLBACK TO SAVEPOINT taiwa_sp`); err != nil {
		return nil, err
	}
	return mapped, nil
}
