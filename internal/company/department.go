package company

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// Department is a node of a company's department tree. Path is the names
// from the root joined by "/" (e.g. 営業部/東京支店).
type Department struct {
	ID        uuid.UUID     `db:"id" json:"id"`
	ParentID  uuid.NullUUID `db:"parent_id" json:"parent_id"`
	Name      string        `db:"name" json:"name"`
	Path      string        `db:"path" json:"path"`
	Employees int           `db:"employees" json:"employees"`
}

// MaxDepartmentDepth bounds a department path.
const MaxDepartmentDepth = 10

// ParseDepartmentPath splits and cleans a path like " 営業部 / 東京支店 ",
// returning its segments; empty input means no department.
func ParseDepartmentPath(p string) ([]string, error) {
	p = strings.TrimSpace(p)
	if p == "" {
		return nil, nil
	}
	parts := strings.Split(p, "/")
	if len(parts) > MaxDepartmentDepth {
		return nil, apperr.Field("department", "has more than 10 levels")
	}
	for i, s := range parts {
		s = strings.TrimSpace(s)
		switch {
		case s == "":
			return nil, apperr.Field("department", "has an empty level (two slashes in a row, or a slash at an end)")
		case utf8.RuneCountInString(s) > 100:
			return nil, apperr.Field("department", "has a level longer than 100 characters")
		}
		parts[i] = s
	}
	return parts, nil
}

// departmentCache maps paths to ids while one import runs.
type departmentCache map[string]uuid.UUID

func loadDepartments(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) (departmentCache, error) {
	var rows []Department
	if err := tx.SelectContext(ctx, &rows, `SELECT id, parent_id, name, path, 0 AS employees FROM departments WHERE company_id = $1`, companyID); err != nil {
		return nil, err
	}
	c := departmentCache{}
	for _, d := range rows {
		c[d.Path] = d.ID
	}
	return c, nil
}

// ensurePath returns the id of the department at parts, creating it and any
// missing ancestors.
func (c departmentCache) ensurePath(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, parts []string) (uuid.NullUUID, error) {
	var parent uuid.NullUUID
	for i := range parts {
		path := strings.Join(parts[:i+1], "/")
		id, ok := c[path]
		if !ok {
			err := tx.GetContext(ctx, &id, `
				INSERT INTO departments (company_id, parent_id, name, path) VALUES ($1, $2, $3, $4)
				ON CONFLICT (company_id, path) DO UPDATE SET name = EXCLUDED.name
				RETURNING id`, companyID, parent, parts[i], path)
			if err != nil {
				return uuid.NullUUID{}, err
			}
			c[path] = id
		}
		parent = uuid.NullUUID{UUID: id, Valid: true}
	}
	return parent, nil
}

// Departments lists a company's tree in path order with head counts.
func (s *Service) Departments(ctx context.Context, actor auth.Principal, companyID uuid.UUID) ([]Department, error) {
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return nil, err
	}
	var out []Department
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		out, err = DepartmentsTx(ctx, tx, companyID)
		return err
	})
	return out, err
}

// DepartmentsTx is Departments inside the caller's transaction, whose
// scope must be of that company (or an operator's).
func DepartmentsTx(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) ([]Department, error) {
	out := []Department{}
	err := tx.SelectContext(ctx, &out, `
		SELECT d.id, d.parent_id, d.name, d.path,
		       (SELECT count(*) FROM employees e WHERE e.company_id = d.company_id AND e.department_id = d.id) AS employees
		FROM departments d WHERE d.company_id = $1 ORDER BY d.path`, companyID)
	return out, err
}
