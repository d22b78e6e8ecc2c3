package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/report"
)

// ReasonNotClosed is the API code of a release asked for a month that has
// not closed yet.
const ReasonNotClosed apperr.Reason = "not_closed"

// ReasonNotACustomer refuses a release for a company with no contract in the
// month.
const ReasonNotACustomer apperr.Reason = "not_a_customer"

// ReleaseResult counts what a release run did.
type ReleaseResult struct {
	Period   string `json:"period"`
	Created  int    `json:"created"`
	Existing int    `json:"existing"`
}

// checkClosed refuses a month that has not closed at now.
func checkClosed(m report.Month, now time.Time) error {
	if m > report.LastClosed(now) {
		msg := fmt.Sprintf("%s closes on %s (Japan time); its release is computed then", m, report.PublishesOn(m).Format(time.DateOnly))
		e := apperr.Unprocessable(ReasonNotClosed, "period: "+msg)
		e.Fields = map[string]string{"period": msg}
		return e
	}
	return nil
}

// Release publishes companyID's release of month m unless it exists, and
// returns the stored release with whether this call made it. The release
// is computed and stored in one transaction under a lock on (company,
// month): a rerun or a concurrent run returns the stored release, and a
// run killed midway leaves none.
func (s *Service) Release(ctx context.Context, companyID uuid.UUID, m report.Month) (report.Published, bool, error) {
	if err := checkClosed(m, s.Clock.Now()); err != nil {
		return report.Published{}, false, err
	}
	var out report.Published
	created := false
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('report_release:' || $1::text || ':' || $2::text, 0))`,
			companyID, int(m)); err != nil {
			return err
		}
		p, ok, err := readRelease(ctx, tx, companyID, m)
		if err != nil || ok {
			out = p
			return err
		}
		rel, err := s.compute(ctx, tx, companyID, m)
		if err != nil {
			return err
		}
		body, err := json.Marshal(rel)
		if err != nil {
			return err
		}
		var at time.Time
		if err := tx.GetContext(ctx, &at, `
			INSERT INTO report_releases (company_id, month, version, rho, body) VALUES ($1, $2, $3, $4, $5)
			RETURNING released_at`, companyID, int(m), rel.Version, rel.Rho, body); err != nil {
			return fmt.Errorf("report store: release: %w", err)
		}
		out, created = report.Published{Release: rel, At: at}, true
		return nil
	})
	return out, created, err
}

// compute loads what the month's release needs and runs the mechanism.
func (s *Service) compute(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, m report.Month) (*report.Release, error) {
	var minGroup int
	if err := tx.GetContext(ctx, &minGroup, `SELECT min_group FROM companies WHERE id = $1`, companyID); err != nil {
		if db.IsNoRows(err) {
			return nil, apperr.NotFound("company")
		}
		return nil, err
	}
	roster, err := loadRoster(ctx, tx, companyID)
	if err != nil {
		return nil, err
	}
	recent := m >= report.LastClosed(s.Clock.Now())-catchUp+1
	acts, err := loadActivity(ctx, tx, companyID, m, recent)
	if err != nil {
		return nil, err
	}
	// Uptake is cumulative and read as of now: only a release published
	// on time (or caught up) carries it, so backfilling old months never
	// publishes fresh noisy copies of today's uptake.
	var progs []report.Invitation
	var ens []report.Enrolment
	if recent {
		if progs, ens, err = loadProgrammes(ctx, tx, companyID); err != nil {
			return nil, err
		}
	}
	return report.Compute(report.Input{Month: m, MinGroup: minGroup, Roster: roster, Activity: acts,
		Programmes: progs, Enrolments: ens, Noise: s.newNoise()}), nil
}

// readRelease reads one stored release.
func readRelease(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, m report.Month) (report.Published, bool, error) {
	var row struct {
		Body []byte    `db:"body"`
		At   time.Time `db:"released_at"`
	}
	err := tx.GetContext(ctx, &row, `SELECT body, released_at FROM report_releases WHERE company_id = $1 AND month = $2`, companyID, int(m))
	if db.IsNoRows(err) {
		return report.Published{}, false, nil
	}
	if err != nil {
		return report.Published{}, false, fmt.Errorf("report store: read release: %w", err)
	}
	var r report.Release
	if err := json.Unmarshal(row.Body, &r); err != nil {
		return report.Published{}, false, fmt.Errorf("report store: release %s: %w", m, err)
	}
	return report.Published{Release: &r, At: row.At}, true, nil
}

// readReleases reads the company's releases of from..to.
func readReleases(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, from, to report.Month) (map[report.Month]report.Published, error) {
	rows, err := tx.QueryContext(ctx, `SELECT month, body, released_at FROM report_releases
		WHERE company_id = $1 AND month BETWEEN $2 AND $3`, companyID, int(from), int(to))
	if err != nil {
		return nil, fmt.Errorf("report store: releases: %w", err)
	}
	defer rows.Close()
	out := map[report.Month]report.Published{}
	for rows.Next() {
		var m int
		var body []byte
		var at time.Time
		if err := rows.Scan(&m, &body, &at); err != nil {
			return nil, fmt.Errorf("report store: releases: %w", err)
		}
		var r report.Release
		if err := json.Unmarshal(body, &r); err != nil {
			return nil, fmt.Errorf("report store: release %d: %w", m, err)
		}
		out[report.Month(m)] = report.Published{Release: &r, At: at}
	}
	return out, rows.Err()
}

// ReleaseMonth publishes month m for every company that existed before it
// ended (or only companyID when given), each in its own transaction, and
// counts what it made and what was there already.
func (s *Service) ReleaseMonth(ctx context.Context, m report.Month, companyID *uuid.UUID) (ReleaseResult, error) {
	res := ReleaseResult{Period: m.String()}
	if err := checkClosed(m, s.Clock.Now()); err != nil {
		return res, err
	}
	var ids []uuid.UUID
	if err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if companyID == nil {
			return tx.SelectContext(ctx, &ids, `SELECT id FROM companies WHERE created_at < $1 ORDER BY id`, monthStart(m+1))
		}
		var existed bool
		if err := tx.GetContext(ctx, &existed, `SELECT created_at < $2 FROM companies WHERE id = $1`, *companyID, monthStart(m+1)); err != nil {
			if db.IsNoRows(err) {
				return apperr.NotFound("company")
			}
			return err
		}
		if !existed {
			msg := "the company was not yet a customer in " + m.String()
			e := apperr.Unprocessable(ReasonNotACustomer, "company_id: "+msg)
			e.Fields = map[string]string{"company_id": msg}
			return e
		}
		ids = []uuid.UUID{*companyID}
		return nil
	}); err != nil {
		return res, err
	}
	for _, id := range ids {
		_, created, err := s.Release(ctx, id, m)
		if err != nil {
			return res, fmt.Errorf("report store: release %s for %s: %w", m, id, err)
		}
		if created {
			res.Created++
		} else {
			res.Existing++
		}
		if s.AfterRelease != nil {
			s.AfterRelease()
		}
	}
	return res, nil
}

// catchUp is how many closed months housekeeping looks back for releases
// not yet made (the server may have been down on the 8th).
const catchUp = 3

// ReleaseDue publishes every release due at now and not yet made: the
// last catchUp closed months of every company that existed before each
// ended. Housekeeping calls it hourly; it is cheap when nothing is due.
func (s *Service) ReleaseDue(ctx context.Context) (int, error) {
	last := report.LastClosed(s.Clock.Now())
	months := make([]int, 0, catchUp)
	ends := make([]time.Time, 0, catchUp)
	for m := last - catchUp + 1; m <= last; m++ {
		months, ends = append(months, int(m)), append(ends, monthStart(m+1))
	}
	var due []struct {
		Company uuid.UUID `db:"id"`
		Month   int       `db:"month"`
	}
	if err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &due, `
			SELECT c.id, m.month FROM companies c
			CROSS JOIN unnest($1::int[], $2::timestamptz[]) AS m(month, ends)
			WHERE c.created_at < m.ends
			  AND NOT EXISTS (SELECT 1 FROM report_releases r WHERE r.company_id = c.id AND r.month = m.month)
			ORDER BY m.month, c.id`, pq.Array(months), pq.Array(ends))
	}); err != nil {
		return 0, fmt.Errorf("report store: due releases: %w", err)
	}
	n := 0
	for _, d := range due {
		if _, created, err := s.Release(ctx, d.Company, report.Month(d.Month)); err != nil {
			return n, err
		} else if created {
			n++
		}
	}
	return n, nil
}

// Publish is the operator's release run (API and CLI alike): month m for
// every company, or one; audited.
func (s *Service) Publish(ctx context.Context, actor auth.Principal, m report.Month, companyID *uuid.UUID) (ReleaseResult, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return ReleaseResult{}, err
	}
	res, err := s.ReleaseMonth(ctx, m, companyID)
	if err != nil {
		return res, err
	}
	ev := audit.Event{Action: "report.release", TargetType: "report_release", TargetID: m.String(),
		Details: map[string]any{"period": m.String(), "created": res.Created, "existing": res.Existing}}
	if companyID != nil {
		ev.CompanyID = *companyID
	}
	return res, audit.WriteAlone(ctx, s.DB, actor, ev)
}

func jsonUnmarshal(b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("report store: decode: %w", err)
	}
	return nil
}
