package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
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

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}

func (s *Service) limit() int {
	if s.Limit > 0 {
		return s.Limit
	}
	return DefaultLimit
}

// queryKey names a query independently of how it was asked: a snapshot
// answers the same months, grain and dimensions.
func queryKey(q report.Query) string {
	dims := make([]string, len(q.By))
	for i, d := range q.By {
		dims[i] = string(d)
	}
	return fmt.Sprintf("%s..%s/%s/%s", q.From, q.To, q.Grain, strings.Join(dims, ","))
}

// query returns r's parsed query, parsing From/To/By when the caller left
// Query empty.
func (r Request) query() (report.Query, error) {
	if len(r.Query.By) > 0 {
		if r.Query.To < r.Query.From || r.Query.Months() > 24 {
			return report.Query{}, apperr.Field("to", "must be within 24 months after from")
		}
		return r.Query, nil
	}
	return report.ParseQuery(r.From, r.To, r.By)
}

// Report serves the company's report for r: HR of that company or an
// operator. Another company's admin gets 404; more than Limit requests a
// minute get 429; a report the differencing guard cannot make safe gets
// 422 would_reveal_individual.
//
// A report whose months are all closed is kept as a snapshot when first
// served and answered from it afterwards (same months, grain, dimensions
// and min_group), with no guard work: it shows the same people again.
// Otherwise the engine builds the table, and the company's guard, locked
// for the request, hides what would differ from earlier reports by a few
// people and records what is shown.
func (s *Service) Report(ctx context.Context, actor auth.Principal, companyID uuid.UUID, r Request) (*Report, error) {
	if _, err := actor.CompanyScope(companyID); err != nil {
		return nil, err
	}
	if err := actor.Require(auth.RoleCompanyAdmin, auth.RoleOperator); err != nil {
		return nil, err
	}
	q, err := r.query()
	if err != nil {
		return nil, err
	}
	now := s.now()
	// The hit commits on its own, so refused and failed requests count.
	if err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		hits, err := ratelimit.Hit(ctx, tx, "report:"+actor.UserID.String(), time.Minute, now)
		if err != nil {
			return err
		}
		if hits > s.limit() {
			return apperr.RateLimited("too many report requests: wait a minute")
		}
		return nil
	}); err != nil {
		return nil, err
	}
	action := "report.view"
	if r.Export {
		action = "report.export"
	}
	details := map[string]any{"from": q.From.String(), "to": q.To.String(), "grain": string(q.Grain), "by": queryDims(q)}
	closed := lastClosed(now)
	var out *Report
	var held *heldGuard
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var err error
		if out, err = s.serve(ctx, tx, companyID, q, closed, now, &held); err != nil {
			return err
		}
		out.From, out.To, out.By = asAsked(r.From, q.From.String()), asAsked(r.To, q.To.String()), asAsked(r.By, queryDims(q))
		details["snapshot"] = out.Snapshot
		details["suppressed_cells"] = suppressedCells(out.Cells)
		return audit.Write(ctx, tx, actor, audit.Event{Action: action, CompanyID: companyID, TargetType: "company",
			TargetID: companyID.String(), Details: details})
	})
	if err == nil {
		s.putGuard(held)
		return out, nil
	}
	if e, ok := apperr.As(err); ok && e.Reason == report.ReasonWouldReveal {
		details["reason"] = e.Reason
		if aerr := audit.WriteAlone(ctx, s.DB, actor, audit.Event{Action: action, CompanyID: companyID, TargetType: "company",
			TargetID: companyID.String(), Outcome: "refused", Details: details}); aerr != nil {
			return nil, errors.Join(err, aerr)
		}
		return nil, apperr.Unprocessable(report.ReasonWouldReveal,
			"this report, combined with reports already shown to your company, could single out fewer than min_group people; choose other months or dimensions")
	}
	return nil, err
}

// serve answers q from a snapshot or builds it through the guard, in tx.
func (s *Service) serve(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, q report.Query, closed report.Month, now time.Time, held **heldGuard) (*Report, error) {
	var minGroup int
	if err := tx.GetContext(ctx, &minGroup, `SELECT min_group FROM companies WHERE id = $1`, companyID); err != nil {
		if db.IsNoRows(err) {
			return nil, apperr.NotFound("company")
		}
		return nil, err
	}
	minGroup = max(minGroup, report.Floor)
	key := queryKey(q)
	whole := q.To <= closed
	if whole {
		if snap, err := readSnapshot(ctx, tx, companyID, key, minGroup); err != nil || snap != nil {
			return snap, err
		}
	}
	b, err := s.build(ctx, tx, companyID, q, minGroup, closed, now)
	if err != nil {
		return nil, err
	}
	h, err := s.lockGuard(ctx, tx, companyID)
	if err != nil {
		return nil, err
	}
	g := h.r
	*held = h
	if whole { // the same report may have been served while this request waited for the guard
		if snap, err := readSnapshot(ctx, tx, companyID, key, minGroup); err != nil || snap != nil {
			return snap, err
		}
	}
	hiddenTotal := b.table.Total().Suppressed // by the table's own rules: nobody or everyone took part
	var out *Report
	switch err := g.Protect(b.table); {
	case err != nil && hiddenTotal:
		// Nothing of such a table is shown: every cell is hidden for the
		// total's reason and the guard learns nothing new.
		out = b.fill(b.table)
		out.Cells = hideAll(out.Cells, b.table.Total().Reason)
		out.Total = out.Cells[len(out.Cells)-1]
	case err != nil:
		return nil, err
	default:
		if added(g, b.table) {
			if err := saveGuard(ctx, tx, h); err != nil {
				return nil, err
			}
		}
		out = b.fill(b.table)
	}
	if whole {
		body, err := encodeSnapshot(out)
		if err != nil {
			return nil, err
		}
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO report_snapshots (company_id, query_key, min_group, body) VALUES ($1, $2, $3, $4)
			ON CONFLICT DO NOTHING`, companyID, key, minGroup, body); err != nil {
			return nil, fmt.Errorf("report store: snapshot: %w", err)
		}
	}
	return out, nil
}

// added records t in the guard and reports whether the guard learned
// anything (a report asked again adds nothing, and is not written back).
func added(g *report.Released, t *report.Table) bool {
	cells, facts, rels := len(g.Cells), len(g.Facts), len(g.Relations)
	g.Add(t)
	return len(g.Cells) != cells || len(g.Facts) != facts || len(g.Relations) != rels
}

// hideAll is cells with every number hidden for reason.
func hideAll(cells []report.Cell, reason report.Reason) []report.Cell {
	out := make([]report.Cell, len(cells))
	for i, c := range cells {
		if !c.Suppressed {
			c = report.Cell{Keys: c.Keys, Suppressed: true, Reason: reason}
		}
		out[i] = c
	}
	return out
}

func asAsked(asked, normal string) string {
	if asked != "" {
		return asked
	}
	return normal
}

func queryDims(q report.Query) string {
	dims := make([]string, len(q.By))
	for i, d := range q.By {
		dims[i] = string(d)
	}
	return strings.Join(dims, ",")
}

func suppressedCells(cells []report.Cell) int {
	n := 0
	for _, c := range cells {
		if c.Suppressed {
			n++
		}
	}
	return n
}

// built is a table before the guard, with what the served report needs.
type built struct {
	companyID uuid.UUID
	q         report.Query
	minGroup  int
	seats     int
	at        time.Time
	table     *report.Table
}

func (b *built) fill(t *report.Table) *Report {
	return &Report{CompanyID: b.companyID, MinGroup: b.minGroup, Dims: b.q.By, Cells: t.Cells, Total: t.Total(),
		GeneratedAt: b.at, Seats: b.seats}
}

// build loads the roster, the activity and the seats and runs the engine.
func (s *Service) build(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, q report.Query, minGroup int, closed report.Month, now time.Time) (*built, error) {
	roster, err := loadRoster(ctx, tx, companyID)
	if err != nil {
		return nil, err
	}
	onRoster := make(map[uuid.UUID]struct{}, len(roster))
	for _, e := range roster {
		if !e.OptedOut {
			onRoster[e.ID] = struct{}{}
		}
	}
	keep := func(id uuid.UUID) bool { _, ok := onRoster[id]; return ok }
	acts, err := loadActivity(ctx, tx, companyID, q.From, q.To, closed, keep)
	if err != nil {
		return nil, err
	}
	seats, err := currentSeats(ctx, tx, companyID, now)
	if err != nil {
		return nil, err
	}
	t := report.Build(report.Policy{MinGroup: minGroup}, q, roster, acts)
	return &built{companyID: companyID, q: q, minGroup: t.MinGroup, seats: seats, at: now, table: t}, nil
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

// readSnapshot returns the stored report for the query, or nil.
func readSnapshot(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, key string, minGroup int) (*Report, error) {
	var body []byte
	err := tx.GetContext(ctx, &body, `SELECT body FROM report_snapshots WHERE company_id = $1 AND query_key = $2 AND min_group = $3`,
		companyID, key, minGroup)
	if db.IsNoRows(err) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("report store: snapshot: %w", err)
	}
	rep, err := decodeSnapshot(body)
	if err != nil {
		return nil, fmt.Errorf("report store: snapshot: %w", err)
	}
	rep.Snapshot = true
	return rep, nil
}
