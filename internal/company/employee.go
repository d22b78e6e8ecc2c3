package company

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// Employee is a roster entry. It deliberately has no session data of any
// kind: the roster is what HR already knows.
type Employee struct {
	UserID       uuid.UUID     `db:"user_id" json:"id"`
	Email        string        `db:"email" json:"email"`
	Name         string        `db:"name" json:"name"`
	DepartmentID uuid.NullUUID `db:"department_id" json:"department_id"`
	Department   string        `db:"department" json:"department"`
	AgeBand      *string       `db:"age_band" json:"age_band"`
	TenureBand   *string       `db:"tenure_band" json:"tenure_band"`
	JobFamily    string        `db:"job_family" json:"job_family"`
	EmployeeCode string        `db:"employee_code" json:"employee_code"`
	Status       string        `db:"status" json:"status"` // invited, active, disabled
}

// Bands of API.md.
var (
	AgeBands    = []string{"20s", "30s", "40s", "50s", "60s", "70s"}
	TenureBands = []string{"0-2y", "3-5y", "6-10y", "11y+"}
)

func oneOf(v string, set []string) bool {
	for _, s := range set {
		if v == s {
			return true
		}
	}
	return false
}

// EmployeeFilter narrows the roster.
type EmployeeFilter struct {
	Q            string    // matches name, email or employee code
	DepartmentID uuid.UUID // this department and everything below it
	Page         int
	PerPage      int
}

// EmployeePage is one page of the roster.
type EmployeePage struct {
	Items []Employee
	Total int
}

// ListEmployees returns a page of the roster, by name.
func (s *Service) ListEmployees(ctx context.Context, actor auth.Principal, companyID uuid.UUID, f EmployeeFilter) (EmployeePage, error) {
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return EmployeePage{}, err
	}
	if utf8.RuneCountInString(f.Q) > 200 {
		return EmployeePage{}, apperr.Field("q", "must be at most 200 characters")
	}
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage < 1 || f.PerPage > 100 {
		f.PerPage = 50
	}
	conds := []string{"e.company_id = $1"}
	args := []any{companyID}
	if q := strings.TrimSpace(f.Q); q != "" {
		args = append(args, "%"+likeEscape(strings.ToLower(q))+"%")
		conds = append(conds, fmt.Sprintf("(lower(u.name) LIKE $%[1]d OR u.email LIKE $%[1]d OR lower(e.employee_code) LIKE $%[1]d)", len(args)))
	}
	if f.DepartmentID != uuid.Nil {
		args = append(args, f.DepartmentID)
		conds = append(conds, fmt.Sprintf(`(d.id = $%[1]d OR d.path LIKE (SELECT replace(replace(path, '%%', '\%%'), '_', '\_') || '/%%' FROM departments WHERE company_id = $1 AND id = $%[1]d))`, len(args)))
	}
	where := strings.Join(conds, " AND ")
	from := ` FROM employees e JOIN users u ON u.id = e.user_id
		LEFT JOIN departments d ON d.company_id = e.company_id AND d.id = e.department_id WHERE ` + where
	page := EmployeePage{Items: []Employee{}}
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &page.Total, `SELECT count(*)`+from, args...); err != nil {
			return err
		}
		args = append(args, f.PerPage, (f.Page-1)*f.PerPage)
		return tx.SelectContext(ctx, &page.Items, `
			SELECT e.user_id, u.email, u.name, e.department_id, COALESCE(d.path, '') AS department,
			       e.age_band, e.tenure_band, e.job_family, e.employee_code,
			       CASE WHEN u.disabled_at IS NOT NULL THEN 'disabled'
			            WHEN u.password_hash IS NULL THEN 'invited' ELSE 'active' END AS status`+
			from+fmt.Sprintf(` ORDER BY u.name, u.email LIMIT $%d OFFSET $%d`, len(args)-1, len(args)), args...)
	})
	return page, err
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}
