package demo

import (
	"context"
	"math/rand/v2"
	"time"

	"github.com/jmoiron/sqlx"
)

// seedProgrammes fills the demo's programmes.
func seedProgrammes(ctx context.Context, tx *sqlx.Tx, r *rand.Rand, now time.Time) (int, error) {
	return 0, nil
}
