package store

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal"
)

// RotateResult counts what RotateKeys did.
type RotateResult struct {
	Resealed   int `json:"resealed"`
	Unreadable int `json:"unreadable"` // guard keys no configured key opens: left as they are
}

// RotateKeys re-seals every company's guard key not sealed with keys'
// current key, batch rows per short system-scope transaction (rows locked
// by a report request in flight are skipped this pass and taken by the
// next). It is idempotent: keys already under the current key are never
// selected. The guard key itself never changes, so the stored history
// keeps matching.
func RotateKeys(ctx context.Context, d *db.DB, keys *seal.Keyring, batch int) (RotateResult, error) {
	var res RotateResult
	if keys == nil {
		return res, errNoKeys
	}
	if batch <= 0 {
		batch = 500
	}
	current := seal.Prefix(keys.Current())
	for pass := 0; pass < 5; pass++ {
		after, skipped := uuid.Nil, 0
		for {
			type row struct {
				CompanyID uuid.UUID `db:"company_id"`
				Sealed    []byte    `db:"sealed_key"`
			}
			var rows []row
			unreadable := 0
			err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
				rows, unreadable = rows[:0], 0
				if err := tx.SelectContext(ctx, &rows, `
					SELECT company_id, sealed_key FROM report_keys
					WHERE substring(sealed_key FROM 1 FOR $1) <> $2 AND company_id > $3
					ORDER BY company_id LIMIT $4 FOR UPDATE SKIP LOCKED`, len(current), current, after, batch); err != nil {
					return err
				}
				for _, r := range rows {
					out, changed, err := keys.Reseal(r.Sealed, keyAAD(r.CompanyID))
					if err != nil {
						unreadable++
						continue
					}
					if !changed {
						continue
					}
					if _, err := tx.ExecContext(ctx, `UPDATE report_keys SET sealed_key = $2, updated_at = now() WHERE company_id = $1`,
						r.CompanyID, out); err != nil {
						return err
					}
					res.Resealed++
				}
				return nil
			})
			if err != nil {
				return res, fmt.Errorf("report store: rotate: %w", err)
			}
			skipped += unreadable
			if len(rows) < batch {
				break
			}
			after = rows[len(rows)-1].CompanyID
		}
		var left int
		if err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			return tx.GetContext(ctx, &left, `SELECT count(*) FROM report_keys WHERE substring(sealed_key FROM 1 FOR $1) <> $2`, len(current), current)
		}); err != nil {
			return res, fmt.Errorf("report store: rotate: %w", err)
		}
		if left <= skipped {
			res.Unreadable = skipped
			break
		}
		res.Unreadable = skipped
	}
	return res, nil
}
