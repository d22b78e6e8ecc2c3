package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/report"
)

// Latest is a company's newest published release: which month and when.
type Latest struct {
	Month      report.Month
	ReleasedAt time.Time
}

// LatestRelease is companyID's newest release (ok false before the first)
// for HR of that company or an operator. Releases are read in the
// platform's scope once the actor's company was checked, as Report does;
// only the month and time leave, never a number.
func (s *Service) LatestRelease(ctx context.Context, actor auth.Principal, companyID uuid.UUID) (l Latest, ok bool, err error) {
	if _, err := actor.CompanyScope(companyID); err != nil {
		return l, false, err
	}
	if err := actor.Require(auth.RoleCompanyAdmin, auth.RoleOperator); err != nil {
		return l, false, err
	}
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var row struct {
			Month int       `db:"month"`
			At    time.Time `db:"released_at"`
		}
		err := tx.GetContext(ctx, &row, `SELECT month, released_at FROM report_releases
			WHERE company_id = $1 ORDER BY month DESC LIMIT 1`, companyID)
		if db.IsNoRows(err) {
			return nil
		}
		if err != nil {
			return err
		}
		l, ok = Latest{Month: report.Month(row.Month), ReleasedAt: row.At.UTC()}, true
		return nil
	})
	if err != nil {
		return Latest{}, false, fmt.Errorf("report store: latest release: %w", err)
	}
	return l, ok, nil
}
