// Package company holds the tenants: companies, their contracts, their
// department tree and their employee roster (including the CSV import).
// Every function that touches tenant data takes the company first and runs
// in that company's database scope, where row-level security applies.
package company

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// PlatformMinGroup is the floor of a report's minimum group size (DEID-2):
// the Japanese stress-check rule for group analysis. No company goes lower.
const PlatformMinGroup = 10

// Service manages companies and their people.
type Service struct {
	DB       *db.DB
	Accounts *account.Service
	Clock    clock.Clock // nil: the wall clock
}

// Company is a tenant with its current contract's plan and seats.
type Company struct {
	ID        uuid.UUID `db:"id" json:"id"`
	Name      string    `db:"name" json:"name"`
	PlanCode  string    `db:"plan_code" json:"plan_code"`
	Seats     int       `db:"seats" json:"seats"`
	MinGroup  int       `db:"min_group" json:"min_group"`
	Employees int       `db:"employees" json:"employees"`
	CreatedAt time.Time `db:"created_at" json:"created_at"`
}

const companySelect = `
	SELECT c.id, c.name, c.min_group, c.created_at,
	       COALESCE(k.plan_code, '') AS plan_code, COALESCE(k.seats, 0) AS seats,
	       (SELECT count(*) FROM employees e WHERE e.company_id = c.id) AS employees
	FROM companies c
	LEFT JOIN LATERAL (
	  SELECT plan_code, seats FROM contracts
	  WHERE company_id = c.id AND status <> 'ended'
	  ORDER BY starts_on DESC LIMIT 1) k ON true`

// NewCompany is the input of Create.
type NewCompany struct {
	Name     string `json:"name"`
	PlanCode string `json:"plan_code"`
	Seats    int    `json:"seats"`
	MinGroup *int   `json:"min_group"`
}

func (n *NewCompany) validate() error {
	f := map[string]string{}
	n.Name = strings.TrimSpace(n.Name)
	switch {
	case n.Name == "":
		f["name"] = "is required"
	case utf8.RuneCountInString(n.Name) > 200:
		f["name"] = "must be at most 200 characters"
	}
	if n.PlanCode == "" {
		f["plan_code"] = "is required"
	}
	if n.Seats < 1 || n.Seats > 1_000_000 {
		f["seats"] = "must be a whole number from 1 to 1000000"
	}
	if n.MinGroup != nil && (*n.MinGroup < PlatformMinGroup || *n.MinGroup > 1000) {
		f["min_group"] = "must be from 10 (the platform floor) to 1000"
	}
	if len(f) > 0 {
		return apperr.Invalid("the company is not valid", f)
	}
	return nil
}

// Create makes a company with its first contract (operators only).
func (s *Service) Create(ctx context.Context, actor auth.Principal, n NewCompany) (Company, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Company{}, err
	}
	if err := n.validate(); err != nil {
		return Company{}, err
	}
	minGroup := PlatformMinGroup
	if n.MinGroup != nil {
		minGroup = *n.MinGroup
	}
	var c Company
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var trial bool
		err := tx.GetContext(ctx, &trial, `SELECT is_trial FROM plans WHERE code = $1 AND active`, n.PlanCode)
		if db.IsNoRows(err) {
			return apperr.Field("plan_code", "is not a known active plan")
		}
		if err != nil {
			return err
		}
		var id uuid.UUID
		if err := tx.GetContext(ctx, &id, `INSERT INTO companies (name, min_group) VALUES ($1, $2) RETURNING id`, n.Name, minGroup); err != nil {
			return err
		}
		status, ends := "active", (*time.Time)(nil)
		start := s.Clock.Now().In(jst)
		if trial {
			status = "trial"
			e := start.AddDate(0, 1, 0)
			ends = &e
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO contracts (company_id, plan_code, seats, starts_on, ends_on, status) VALUES ($1, $2, $3, $4::date, $5::date, $6)`,
			id, n.PlanCode, n.Seats, start.Format(time.DateOnly), dateOrNil(ends), status); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, actor, audit.Event{Action: "company.create", CompanyID: id, TargetType: "company", TargetID: id.String(),
			Details: map[string]any{"plan_code": n.PlanCode, "seats": n.Seats, "min_group": minGroup}}); err != nil {
			return err
		}
		c, err = getCompany(ctx, tx, id)
		return err
	})
	return c, err
}

var jst = time.FixedZone("Asia/Tokyo", 9*60*60)

func dateOrNil(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Format(time.DateOnly)
}

func getCompany(ctx context.Context, tx *sqlx.Tx, id uuid.UUID) (Company, error) {
	var c Company
	err := tx.GetContext(ctx, &c, companySelect+` WHERE c.id = $1`, id)
	if db.IsNoRows(err) {
		return Company{}, apperr.NotFound("company")
	}
	return c, err
}

// Get returns one company the actor may see (another company's: 404).
func (s *Service) Get(ctx context.Context, actor auth.Principal, companyID uuid.UUID) (Company, error) {
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return Company{}, err
	}
	var c Company
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		c, err = getCompany(ctx, tx, companyID)
		return err
	})
	return c, err
}

// GetTx is one company inside the caller's transaction, whose scope must
// be of that company (or an operator's).
func GetTx(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) (Company, error) {
	return getCompany(ctx, tx, companyID)
}

// List returns every company (operators only), by name.
func (s *Service) List(ctx context.Context, actor auth.Principal) ([]Company, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return nil, err
	}
	out := []Company{}
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &out, companySelect+` ORDER BY c.name, c.id`)
	})
	return out, err
}

// NewAdmin is the input of CreateAdmin.
type NewAdmin struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// CreateAdmin adds a company admin (operators only). Without a password the
// admin is invited by mail to set one.
func (s *Service) CreateAdmin(ctx context.Context, actor auth.Principal, companyID uuid.UUID, n NewAdmin) (account.User, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return account.User{}, err
	}
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return account.User{}, err
	}
	var u account.User
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		c, err := getCompany(ctx, tx, companyID)
		if err != nil {
			return err
		}
		u, err = account.CreateUser(ctx, tx, account.NewUser{CompanyID: companyID, Email: n.Email, Name: n.Name, Role: auth.RoleCompanyAdmin, Password: n.Password})
		if err != nil {
			return err
		}
		if n.Password == "" {
			if err := s.Accounts.SendInvitation(ctx, tx, u, c.Name); err != nil {
				return err
			}
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "company.admin_create", CompanyID: companyID, TargetType: "user", TargetID: u.ID.String(),
			Details: map[string]any{"invited": n.Password == ""}})
	})
	return u, err
}
