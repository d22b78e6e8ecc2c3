// Package auth names who is acting: the roles of API.md and the signed-in
// principal, and turns a principal into the database scope it may use.
package auth

import (
	"strings"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// ReasonInvalidCredentials refuses a sign-in's email and password (401).
// It lives here, not in account which raises it, because the error handler
// tells it from a refused bearer token (RFC 6750's invalid_token).
const ReasonInvalidCredentials apperr.Reason = "invalid_credentials"

// Role is one of the four kinds of user.
type Role string

// The roles of API.md.
const (
	RoleEmployee     Role = "employee"
	RoleCounselor    Role = "counselor"
	RoleCompanyAdmin Role = "company_admin"
	RoleOperator     Role = "operator"
)

// Valid reports whether r is one of the four roles.
func (r Role) Valid() bool {
	switch r {
	case RoleEmployee, RoleCounselor, RoleCompanyAdmin, RoleOperator:
		return true
	}
	return false
}

// Principal is the signed-in user behind a request.
type Principal struct {
	UserID    uuid.UUID
	Role      Role
	CompanyID uuid.UUID // uuid.Nil for counsellors and operators
	Email     string
	Name      string
	Locale    string
	Timezone  string // IANA zone the user sees times in ("" reads as Asia/Tokyo)
	SessionID uuid.UUID
}

// Scope is the database scope of the principal's own company.
func (p Principal) Scope() db.Scope {
	return db.Scope{CompanyID: p.CompanyID, UserID: p.UserID, Role: string(p.Role)}
}

// CompanyScope returns the scope to act on companyID's data, or not_found
// when the principal has no business there: another company's resources
// answer 404, never 403, so their existence is not revealed.
func (p Principal) CompanyScope(companyID uuid.UUID) (db.Scope, error) {
	switch {
	case p.Role == RoleOperator:
	case p.CompanyID != uuid.Nil && p.CompanyID == companyID:
	default:
		return db.Scope{}, apperr.NotFound("company")
	}
	return db.Scope{CompanyID: companyID, UserID: p.UserID, Role: string(p.Role)}, nil
}

// Require answers forbidden unless the principal has one of roles.
func (p Principal) Require(roles ...Role) error {
	for _, r := range roles {
		if p.Role == r {
			return nil
		}
	}
	return apperr.Forbidden("this action is not available to your role")
}

// BearerToken returns the token of an Authorization header's value
// ("Bearer …", the scheme in any case), or "" for any other scheme: the
// API authenticates with it and the error handler's 401 challenge asks
// whether one came.
func BearerToken(authorization string) string {
	if len(authorization) > 7 && strings.EqualFold(authorization[:7], "bearer ") {
		return strings.TrimSpace(authorization[7:])
	}
	return ""
}
