package record

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal"
)

// sealedColumn is one column of sealed values the rotation walks.
type sealedColumn struct {
	table, column string
	withSeq       bool // the primary key has seq (amendments)
}

var sealedColumns = []sealedColumn{
	{"session_records", "private_notes", false},
	{"session_record_amendments", "private_notes", true},
	{"employee_notes", "notes", false},
}

func (c sealedColumn) aad(companyID, bookingID uuid.UUID, seq int) []byte {
	if c.withSeq {
		return seal.AAD(c.table, c.column, companyID.String(), bookingID.String(), strconv.Itoa(seq))
	}
	return seal.AAD(c.table, c.column, companyID.String(), bookingID.String())
}

// sealedRow is one value to re-seal, with its primary key.
type sealedRow struct {
	CompanyID uuid.UUID `db:"company_id"`
	BookingID uuid.UUID `db:"booking_id"`
	Seq       int       `db:"seq"`
	Value     []byte    `db:"value"`
}

// RotateKeys re-seals every value not under the current key, walking each
// column by primary key in batches, each its own short system-scope
// transaction that skips rows locked by a concurrent writer (the next pass
// takes them). It is idempotent and resumable: values already under the
// current key are never selected. A value that does not open with any
// configured key is counted in Unreadable and left as it is.
func (s *Service) RotateKeys(ctx context.Context, opts RotateOptions) (RotateResult, error) {
	if s.Keys == nil {
		return RotateResult{}, errors.New("record: no note keys configured")
	}
	if opts.Batch <= 0 {
		opts.Batch = 500
	}
	res := RotateResult{ByTable: map[string]int{}}
	for _, c := range sealedColumns {
		for pass := 0; pass < 5; pass++ {
			n, bad, err := s.rotatePass(ctx, c, opts, &res)
			if err != nil {
				return res, err
			}
			left, err := s.countStale(ctx, c)
			if err != nil {
				return res, err
			}
			if opts.Progress != nil {
				fmt.Fprintf(opts.Progress, "%s.%s: pass %d re-sealed %d, unreadable %d, left %d\n", c.table, c.column, pass+1, n, bad, left)
			}
			if left <= bad {
				res.Unreadable += bad
				break
			}
		}
	}
	return res, nil
}

// rotatePass walks column c once in keyset order.
func (s *Service) rotatePass(ctx context.Context, c sealedColumn, opts RotateOptions, res *RotateResult) (resealed, unreadable int, err error) {
	current := seal.Prefix(s.Keys.Current())
	seqCol, seqKey := "0", ""
	if c.withSeq {
		seqCol, seqKey = "seq", ", seq"
	}
	after := sealedRow{}
	for {
		var rows []sealedRow
		err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			rows = rows[:0]
			q := fmt.Sprintf(`
				SELECT company_id, booking_id, %[3]s AS seq, %[2]s AS value FROM %[1]s
				WHERE %[2]s IS NOT NULL AND substring(%[2]s FROM 1 FOR $1) <> $2
				  AND (company_id, booking_id, %[3]s) > ($3, $4, $5)
				ORDER BY company_id, booking_id%[4]s LIMIT $6 FOR UPDATE SKIP LOCKED`, c.table, c.column, seqCol, seqKey)
			if err := tx.SelectContext(ctx, &rows, q, len(current), current, after.CompanyID, after.BookingID, after.Seq, opts.Batch); err != nil {
				return err
			}
			for _, r := range rows {
				out, changed, err := s.Keys.Reseal(r.Value, c.aad(r.CompanyID, r.BookingID, r.Seq))
				if err != nil {
					unreadable++
					continue
				}
				if !changed {
					continue
				}
				upd := fmt.Sprintf(`UPDATE %s SET %s = $1 WHERE company_id = $2 AND booking_id = $3 AND %s = $4`, c.table, c.column, seqCol)
				if _, err := tx.ExecContext(ctx, upd, out, r.CompanyID, r.BookingID, r.Seq); err != nil {
					return err
				}
				resealed++
				res.Resealed++
				res.ByTable[c.table]++
			}
			return nil
		})
		if err != nil {
			return resealed, unreadable, fmt.Errorf("record: rotate %s: %w", c.table, err)
		}
		if len(rows) < opts.Batch {
			return resealed, unreadable, nil
		}
		after = rows[len(rows)-1]
	}
}

// countStale counts c's values not under the current key.
func (s *Service) countStale(ctx context.Context, c sealedColumn) (int, error) {
	current := seal.Prefix(s.Keys.Current())
	var n int
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, fmt.Sprintf(`SELECT count(*) FROM %[1]s WHERE %[2]s IS NOT NULL AND substring(%[2]s FROM 1 FOR $1) <> $2`,
			c.table, c.column), len(current), current)
	})
	return n, err
}
