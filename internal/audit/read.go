package audit

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/input"
	"github.com/taiwa/taiwa/internal/platform/japan"
)

// jst is the zone of date-only filters (a day in Japan).
var jst = japan.Zone // the platform's calendar

var (
	codePattern    = regexp.MustCompile(`^[a-z][a-z0-9_.]{0,60}$`)
	outcomePattern = regexp.MustCompile(`^[a-z][a-z_]{0,30}$`)
)

// Filter narrows the operators' view of the audit log. Zero values do not
// filter.
type Filter struct {
	ActorID    uuid.UUID // actor= a user id …
	ActorEmail string    // … or an email address
	Action     string    // an exact action, or a prefix ending in "." (e.g. "auth.")
	CompanyID  uuid.UUID
	TargetType string
	TargetID   string
	Outcome    string
	From, To   time.Time // From inclusive, To exclusive
	Page       int
	PerPage    int
}

// ParseFilter reads the audit query (actor, action, company_id,
// target_type, target_id, outcome, from, to, page, per_page); a bad value
// is a 400 naming its field. from and to are YYYY-MM-DD (a day in Japan,
// to inclusive) or RFC 3339 times.
func ParseFilter(q url.Values) (Filter, error) {
	f := Filter{Page: 1, PerPage: 50}
	fields := map[string]string{}
	if v := strings.TrimSpace(q.Get("actor")); v != "" {
		if id, err := uuid.Parse(v); err == nil {
			f.ActorID = id
		} else if strings.Contains(v, "@") && len(v) <= 254 {
			f.ActorEmail = strings.ToLower(v)
		} else {
			fields["actor"] = "must be a user id or an email address"
		}
	}
	if v := strings.TrimSpace(q.Get("action")); v != "" {
		if !codePattern.MatchString(v) {
			fields["action"] = "must be an action code such as auth.login, or a prefix such as auth."
		}
		f.Action = v
	}
	if v := strings.TrimSpace(q.Get("company_id")); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			fields["company_id"] = "must be a company id"
		}
		f.CompanyID = id
	}
	if v := strings.TrimSpace(q.Get("target_type")); v != "" {
		if !codePattern.MatchString(v) {
			fields["target_type"] = "must be a target code such as booking"
		}
		f.TargetType = v
	}
	if v := strings.TrimSpace(q.Get("target_id")); v != "" {
		if len(v) > 200 {
			fields["target_id"] = "must be at most 200 characters"
		}
		f.TargetID = v
	}
	if v := strings.TrimSpace(q.Get("outcome")); v != "" {
		if !outcomePattern.MatchString(v) {
			fields["outcome"] = "must be an outcome code such as ok or denied"
		}
		f.Outcome = v
	}
	var err error
	if f.From, err = parseBound(q.Get("from"), false); err != nil {
		fields["from"] = err.Error()
	}
	if f.To, err = parseBound(q.Get("to"), true); err != nil {
		fields["to"] = err.Error()
	}
	if !f.From.IsZero() && !f.To.IsZero() && !f.From.Before(f.To) && fields["to"] == "" {
		fields["to"] = "must not be before from"
	}
	if v := q.Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100000 {
			fields["page"] = "must be a whole number from 1"
		}
		f.Page = n
	}
	if v := q.Get("per_page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			fields["per_page"] = "must be a whole number from 1 to 100"
		}
		f.PerPage = n
	}
	if len(fields) > 0 {
		return Filter{}, apperr.Invalid("the audit filter has problems", fields)
	}
	return f, nil
}

// parseBound reads a day (YYYY-MM-DD, Japan) or an RFC 3339 time; a day
// used as an upper bound includes the whole day.
func parseBound(v string, upper bool) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, nil
	}
	if d, err := time.ParseInLocation("2006-01-02", v, jst); err == nil {
		if upper {
			d = d.AddDate(0, 0, 1)
		}
		return d, nil
	}
	t, ok := input.Instant(v)
	if !ok {
		return time.Time{}, fmt.Errorf("must be a day (YYYY-MM-DD) or an RFC 3339 time")
	}
	return t, nil
}

// Active reports whether any filter is set (pages aside).
func (f Filter) Active() bool {
	return f.ActorID != uuid.Nil || f.ActorEmail != "" || f.Action != "" || f.CompanyID != uuid.Nil ||
		f.TargetType != "" || f.TargetID != "" || f.Outcome != "" || !f.From.IsZero() || !f.To.IsZero()
}

// Row is an entry as the audit log's pages show it: with the actor's name
// and email and the company's name.
type Row struct {
	Entry
	ActorName   string `db:"actor_name" json:"actor_name"`
	ActorEmail  string `db:"actor_email" json:"actor_email"`
	CompanyName string `db:"company_name" json:"company_name"`
}

const rowColumns = `a.id, a.at, a.actor_user_id, a.actor_role, a.company_id, a.action, a.target_type, a.target_id, a.outcome, a.details,
	COALESCE(u.name, '') AS actor_name, COALESCE(u.email, '') AS actor_email, COALESCE(c.name, '') AS company_name`

const rowJoins = ` FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id LEFT JOIN companies c ON c.id = a.company_id`

func (f Filter) where() (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.ActorID != uuid.Nil {
		add("a.actor_user_id = $%d", f.ActorID)
	}
	if f.ActorEmail != "" {
		add("a.actor_user_id IN (SELECT id FROM users WHERE lower(email) = $%d)", f.ActorEmail)
	}
	if strings.HasSuffix(f.Action, ".") {
		add("starts_with(a.action, $%d)", f.Action)
	} else if f.Action != "" {
		add("a.action = $%d", f.Action)
	}
	if f.CompanyID != uuid.Nil {
		add("a.company_id = $%d", f.CompanyID)
	}
	if f.TargetType != "" {
		add("a.target_type = $%d", f.TargetType)
	}
	if f.TargetID != "" {
		add("a.target_id = $%d", f.TargetID)
	}
	if f.Outcome != "" {
		add("a.outcome = $%d", f.Outcome)
	}
	if !f.From.IsZero() {
		add("a.at >= $%d", f.From)
	}
	if !f.To.IsZero() {
		add("a.at < $%d", f.To)
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// List is the operators' view of the audit log, newest first, with the
// total matching. The view itself is audited (audit.view).
func List(ctx context.Context, d *db.DB, actor auth.Principal, f Filter) ([]Row, int, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return nil, 0, err
	}
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage < 1 || f.PerPage > 100 {
		f.PerPage = 50
	}
	where, args := f.where()
	var rows []Row
	var total int
	err := d.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &total, `SELECT count(*) FROM audit_log a`+where, args...); err != nil {
			return fmt.Errorf("audit: count: %w", err)
		}
		n := len(args)
		q := `SELECT ` + rowColumns + rowJoins + where + fmt.Sprintf(` ORDER BY a.at DESC, a.id DESC LIMIT $%d OFFSET $%d`, n+1, n+2)
		if err := tx.SelectContext(ctx, &rows, q, append(args, f.PerPage, (f.Page-1)*f.PerPage)...); err != nil {
			return fmt.Errorf("audit: list: %w", err)
		}
		return Write(ctx, tx, actor, Event{Action: "audit.view", TargetType: "audit_log",
			Details: map[string]any{"page": f.Page, "filtered": f.Active(), "rows": len(rows)}})
	})
	if err != nil {
		return nil, 0, err
	}
	return decodeRows(rows), total, nil
}

// Mine is the signed-in user's own entries, newest first (RLS agrees:
// each user reads only their own rows).
func Mine(ctx context.Context, d *db.DB, actor auth.Principal, page, perPage int) ([]Row, int, error) {
	if actor.UserID == uuid.Nil {
		return nil, 0, apperr.Unauthorized(apperr.ReasonUnauthorized, "sign in first")
	}
	var rows []Row
	var total int
	err := d.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &total, `SELECT count(*) FROM audit_log WHERE actor_user_id = $1`, actor.UserID); err != nil {
			return fmt.Errorf("audit: count own: %w", err)
		}
		return tx.SelectContext(ctx, &rows, `SELECT `+rowColumns+rowJoins+`
			WHERE a.actor_user_id = $1 ORDER BY a.at DESC, a.id DESC LIMIT $2 OFFSET $3`,
			actor.UserID, perPage, (page-1)*perPage)
	})
	if err != nil {
		return nil, 0, fmt.Errorf("audit: own entries: %w", err)
	}
	rows = decodeRows(rows)
	if actor.Role != auth.RoleOperator {
		rows = ownTenantOnly(rows, actor.CompanyID)
	}
	return rows, total, nil
}

// ownTenantOnly blanks the company of every entry that is not the actor's
// own company: a user's view never names another tenant (entries written
// before refused accesses were logged in the actor's scope named the
// target's owner).
func ownTenantOnly(rows []Row, own uuid.UUID) []Row {
	for i := range rows {
		if rows[i].CompanyID.Valid && rows[i].CompanyID.UUID != own {
			rows[i].CompanyID = uuid.NullUUID{}
			rows[i].CompanyName = ""
		}
	}
	return rows
}

func decodeRows(rows []Row) []Row {
	for i := range rows {
		if len(rows[i].RawDetails) > 2 {
			_ = json.Unmarshal(rows[i].RawDetails, &rows[i].Details)
		}
	}
	return rows
}

// Actor is a user who appears in the audit log, for choosing whose
// entries to see by name and email rather than by id.
type Actor struct {
	ID    uuid.UUID `db:"id" json:"id"`
	Name  string    `db:"name" json:"name"`
	Email string    `db:"email" json:"email"`
	Role  string    `db:"role" json:"role"`
}

// Actors lists (for operators) up to limit users with entries in the log:
// the platform's staff first, then company admins, counsellors and
// employees, each by name.
func Actors(ctx context.Context, d *db.DB, actor auth.Principal, limit int) ([]Actor, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return nil, err
	}
	out := []Actor{}
	err := d.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, `
			SELECT u.id, u.name, u.email, u.role FROM users u
			WHERE EXISTS (SELECT 1 FROM audit_log a WHERE a.actor_user_id = u.id)
			ORDER BY array_position(ARRAY['operator', 'company_admin', 'counselor', 'employee'], u.role::text), u.name, u.email
			LIMIT $1`, limit)
	})
	if err != nil {
		return nil, fmt.Errorf("audit: actors: %w", err)
	}
	return out, nil
}
