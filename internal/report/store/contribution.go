package store

import (
	"context"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/report"
)

// Contribution tells the signed-in employee how their sessions count: the
// department key they count under after the roll-up, their bands, their
// own months and sessions, and which published releases counted them (a
// release published while they were opted out did not). No one else's
// numbers, and nothing is audited as a report (it is their own data).
func (s *Service) Contribution(ctx context.Context, actor auth.Principal) (*Contribution, error) {
	if err := actor.Require(auth.RoleEmployee); err != nil {
		return nil, err
	}
	cur := currentMonth(s.Clock.Now())
	from := cur - 23
	c := &Contribution{Privacy: report.Guarantee()}
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var row struct {
			MinGroup   int    `db:"min_group"`
			Department string `db:"department"`
			AgeBand    string `db:"age_band"`
			TenureBand string `db:"tenure_band"`
			OptedOut   bool   `db:"report_opt_out"`
		}
		err := tx.GetContext(ctx, &row, `
			SELECT c.min_group, COALESCE(d.path, '') AS department, COALESCE(e.age_band, '') AS age_band,
			       COALESCE(e.tenure_band, '') AS tenure_band, e.report_opt_out
			FROM employees e
			JOIN companies c ON c.id = e.company_id
			LEFT JOIN departments d ON d.company_id = e.company_id AND d.id = e.department_id
			WHERE e.company_id = $1 AND e.user_id = $2`, actor.CompanyID, actor.UserID)
		if db.IsNoRows(err) {
			return apperr.NotFound("employee")
		}
		if err != nil {
			return err
		}
		c.MinGroup = report.MinGroup(row.MinGroup)
		c.OptedOut, c.AgeBand, c.TenureBand = row.OptedOut, row.AgeBand, row.TenureBand
		// The roll-up depends on the roster's shape only.
		roster, err := loadRoster(ctx, tx, actor.CompanyID)
		if err != nil {
			return err
		}
		c.Department = report.DepartmentKey(c.MinGroup, roster, row.Department)
		c.RolledUp = row.Department != "" && c.Department != row.Department
		var months []struct {
			Month    int   `db:"month"`
			Sessions int   `db:"sessions"`
			Released *bool `db:"released"` // nil: no release yet; false: published while opted out
		}
		if err := tx.SelectContext(ctx, &months, `
			SELECT s.month, s.sessions,
			       (SELECT NOT COALESCE((SELECT k.granted FROM consents k
			                WHERE k.company_id = $1 AND k.employee_user_id = $2 AND k.item = 'report_opt_out'
			                  AND k.at <= r.released_at ORDER BY k.id DESC LIMIT 1), false)
			        FROM report_releases r WHERE r.company_id = $1 AND r.month = s.month) AS released
			FROM (SELECT (extract(year FROM l)::int * 12 + extract(month FROM l)::int - 1) AS month, count(*)::int AS sessions
			      FROM (SELECT starts_at AT TIME ZONE 'Asia/Tokyo' AS l FROM bookings
			            WHERE company_id = $1 AND employee_user_id = $2 AND status = 'completed'
			              AND starts_at >= $3 AND starts_at < $4) b
			      GROUP BY 1) s
			ORDER BY s.month`, actor.CompanyID, actor.UserID, monthStart(from), monthStart(cur+1)); err != nil {
			return err
		}
		for _, m := range months {
			label := report.Month(m.Month).String()
			c.Months = append(c.Months, label)
			c.Sessions += m.Sessions
			switch {
			case m.Released == nil:
				c.Pending = append(c.Pending, label)
			case *m.Released:
				c.Counted = append(c.Counted, label)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return c, nil
}
