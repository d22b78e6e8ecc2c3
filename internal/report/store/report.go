package store

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/japan"
	"github.com/taiwa/taiwa/internal/platform/ratelimit"
	"github.com/taiwa/taiwa/internal/report"
)

// Report serves the company's report for r from its stored releases: HR
// of that company or an operator. Another company's admin gets 404; more
// than Limit requests a minute get 429; a range with no release at all
// gets 422 not_released naming from. Nothing is computed from raw data
// and nothing is drawn: asking again answers the same numbers.
func (s *Service) Report(ctx context.Context, actor auth.Principal, companyID uuid.UUID, r Request) (*report.Body, error) {
	if _, err := actor.CompanyScope(companyID); err != nil {
		return nil, err
	}
	if err := actor.Require(auth.RoleCompanyAdmin, auth.RoleOperator); err != nil {
		return nil, err
	}
	q := r.Query
	if len(q.By) == 0 {
		var err error
		if q, err = report.ParseQuery(r.From, r.To, r.By); err != nil {
			return nil, err
		}
	}
	now := s.Clock.Now()
	// The hit commits on its own, so a request that fails later still
	// counts; one refused here does not (the window is full already).
	if err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		wait, err := ratelimit.Take(ctx, tx, now, ratelimit.Limit{Key: "report:" + actor.UserID.String(), Max: s.limit(), Window: time.Minute})
		if err != nil {
			return err
		}
		if wait > 0 {
			return apperr.RateLimitedFor("too many report requests: wait a minute", wait)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	action := "report.view"
	if r.Export {
		action = "report.export"
	}
	var body *report.Body
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var minGroup int
		if err := tx.GetContext(ctx, &minGroup, `SELECT min_group FROM companies WHERE id = $1`, companyID); err != nil {
			if db.IsNoRows(err) {
				return apperr.NotFound("company")
			}
			return err
		}
		rels, err := readReleases(ctx, tx, companyID, q.From, q.To)
		if err != nil {
			return err
		}
		seats, err := currentSeats(ctx, tx, companyID, now)
		if err != nil {
			return err
		}
		if body, err = report.Read(report.ReadInput{Query: q, MinGroup: minGroup, Seats: seats, Releases: rels}); err != nil {
			return err
		}
		body.From, body.To = asAsked(r.From, body.From), asAsked(r.To, body.To)
		released := 0
		for _, m := range body.Months {
			if m.Released {
				released++
			}
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: action, CompanyID: companyID, TargetType: "company",
			TargetID: companyID.String(), Details: map[string]any{"from": q.From.String(), "to": q.To.String(),
				"grain": string(q.Grain), "by": body.By, "released_months": released}})
	})
	if err != nil {
		return nil, err
	}
	return body, nil
}

func asAsked(asked, normal string) string {
	if asked != "" {
		return asked
	}
	return normal
}

// currentSeats is the seats of the contract in force today (Japan time).
func currentSeats(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, now time.Time) (int, error) {
	var seats int
	today := now.In(japan.Zone).Format(time.DateOnly)
	err := tx.GetContext(ctx, &seats, `
		SELECT seats FROM contracts
		WHERE company_id = $1 AND status IN ('trial', 'active') AND starts_on <= $2::date AND (ends_on IS NULL OR ends_on >= $2::date)
		ORDER BY starts_on DESC, created_at DESC LIMIT 1`, companyID, today)
	if db.IsNoRows(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("report store: seats: %w", err)
	}
	return seats, nil
}

// ProgrammeUptake is an open programme's uptake as its latest release
// holds it (false when no release has it yet). The caller has authorised
// the actor for the company; this reads in the platform's scope.
func (s *Service) ProgrammeUptake(ctx context.Context, companyID, programmeID uuid.UUID) (report.Uptake, report.Month, bool, error) {
	var row struct {
		Month int    `db:"month"`
		Item  []byte `db:"item"`
	}
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &row, `
			SELECT r.month, p.item FROM report_releases r,
			  LATERAL jsonb_array_elements(r.body->'programmes') AS p(item)
			WHERE r.company_id = $1 AND p.item->>'programme' = $2::text
			ORDER BY r.month DESC LIMIT 1`, companyID, programmeID)
	})
	if db.IsNoRows(err) {
		return report.Uptake{}, 0, false, nil
	}
	if err != nil {
		return report.Uptake{}, 0, false, fmt.Errorf("report store: uptake: %w", err)
	}
	var u report.Uptake
	if err := jsonUnmarshal(row.Item, &u); err != nil {
		return report.Uptake{}, 0, false, err
	}
	return u, report.Month(row.Month), true, nil
}
