// Package api is the JSON API of API.md under /api/v1: thin handlers that
// parse, authorise through the route table, call a domain package and
// render. Every route and the roles allowed on it are listed in Routes().
package api

import (
	"context"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/services"
)

// Server holds the domain services the handlers call.
type Server struct {
	// Services are the domain services the handlers call (services.New).
	*services.Services
	// Ready reports each dependency's state for /readyz; ok is false when
	// the service cannot serve (PostgreSQL down).
	Ready func(ctx context.Context) (deps map[string]string, ok bool)
}

// Route is one endpoint and who may call it: nil Roles means public.
type Route struct {
	Method  string
	Path    string
	Handler echo.HandlerFunc
	Roles   []auth.Role
}

var (
	anyone       []auth.Role
	signedIn     = []auth.Role{auth.RoleEmployee, auth.RoleCounselor, auth.RoleCompanyAdmin, auth.RoleOperator}
	operator     = []auth.Role{auth.RoleOperator}
	companyStaff = []auth.Role{auth.RoleCompanyAdmin, auth.RoleOperator}
)

// Routes lists every API endpoint with its permission.
func (s *Server) Routes() []Route {
	routes := []Route{
		{http.MethodGet, "/healthz", s.healthz, anyone},
		{http.MethodGet, "/readyz", s.readyz, anyone},
		{http.MethodGet, "/api/v1/openapi.json", s.openapi, anyone},

		{http.MethodPost, "/api/v1/auth/login", s.login, anyone},
		{http.MethodPost, "/api/v1/auth/logout", s.logout, signedIn},
		{http.MethodPost, "/api/v1/auth/password-reset", s.requestReset, anyone},
		{http.MethodPost, "/api/v1/auth/password", s.setPassword, anyone},
		{http.MethodPost, "/api/v1/auth/mfa", s.mfaComplete, anyone},
		{http.MethodPost, "/api/v1/auth/mfa/totp", s.mfaTOTPEnrol, anyone},
		{http.MethodPost, "/api/v1/auth/mfa/reset", s.userMFAReset, companyStaff},
		{http.MethodGet, "/api/v1/me", s.me, signedIn},
		{http.MethodPost, "/api/v1/me/recovery-codes", s.myRecoveryCodes, signedIn},

		{http.MethodGet, "/api/v1/companies", s.companyList, operator},
		{http.MethodPost, "/api/v1/companies", s.companyCreate, operator},
		{http.MethodGet, "/api/v1/companies/:cid", s.companyGet, companyStaff},
		{http.MethodPost, "/api/v1/companies/:cid/admins", s.companyAdminCreate, operator},
		{http.MethodGet, "/api/v1/companies/:cid/security", s.companySecurityGet, companyStaff},
		{http.MethodPut, "/api/v1/companies/:cid/security", s.companySecurityPut, companyStaff},
		{http.MethodGet, "/api/v1/companies/:cid/departments", s.departmentList, companyStaff},
		{http.MethodPost, "/api/v1/companies/:cid/employees/import", s.employeeImport, companyStaff},
		{http.MethodGet, "/api/v1/companies/:cid/employees", s.employeeList, companyStaff},

		{http.MethodPost, "/api/v1/counselors", s.counselorCreate, operator},
		// Counsellor review (operators); the static /queue wins over /:id.
		{http.MethodGet, "/api/v1/counselors/queue", s.counselorQueue, operator},
		{http.MethodGet, "/api/v1/counselors/:id/review", s.counselorReview, operator},
		{http.MethodPost, "/api/v1/counselors/:id/credentials/:credential_id/verify", s.credentialVerify, operator},
		{http.MethodPost, "/api/v1/counselors/:id/credentials/:credential_id/reject", s.credentialReject, operator},
		{http.MethodPost, "/api/v1/counselors/:id/verify", s.counselorVerify, operator},
		{http.MethodPost, "/api/v1/counselors/:id/suspend", s.counselorSuspend, operator},
		{http.MethodPost, "/api/v1/counselors/:id/reinstate", s.counselorReinstate, operator},
		{http.MethodGet, "/api/v1/counselors/:id/photo", s.counselorPhoto, signedIn},
		// Search (everyone signed in): listed counsellors only.
		{http.MethodGet, "/api/v1/counselors", s.counselorSearch, signedIn},
		{http.MethodGet, "/api/v1/counselors/:id", s.counselorListing, signedIn},

		// The signed-in counsellor's own profile, credentials and photo.
		{http.MethodGet, "/api/v1/me/profile", s.myProfile, counselorOnly},
		{http.MethodPut, "/api/v1/me/profile", s.myProfileUpdate, counselorOnly},
		{http.MethodGet, "/api/v1/me/credentials", s.myCredentials, counselorOnly},
		{http.MethodPost, "/api/v1/me/credentials", s.myCredentialSubmit, counselorOnly},
		{http.MethodPut, "/api/v1/me/photo", s.myPhotoSet, counselorOnly},

		// Availability, slots and bookings (booking.go).
		{http.MethodGet, "/api/v1/me/availability", s.myAvailability, counselorOnly},
		{http.MethodPut, "/api/v1/me/availability", s.myAvailabilitySet, counselorOnly},
		{http.MethodGet, "/api/v1/counselors/:id/slots", s.counselorSlots, signedIn},
		{http.MethodPost, "/api/v1/counselors/:id/waitlist", s.counselorWaitlist, employeeOnly},
		{http.MethodPost, "/api/v1/bookings", s.bookingCreate, employeeOnly},
		{http.MethodGet, "/api/v1/me/bookings", s.myBookings, bookingParties},
		{http.MethodGet, "/api/v1/bookings/:id", s.bookingGet, signedIn},
		{http.MethodGet, "/api/v1/bookings/:id/cancel-preview", s.bookingCancelPreview, bookingReaders},
		{http.MethodPost, "/api/v1/bookings/:id/cancel", s.bookingCancel, bookingParties},
		{http.MethodPost, "/api/v1/bookings/:id/reschedule", s.bookingReschedule, bookingParties},
		{http.MethodPost, "/api/v1/bookings/:id/no-show", s.bookingNoShow, counselorOnly},
		{http.MethodPost, "/api/v1/bookings/:id/complete", s.bookingComplete, counselorOnly},
	}
	routes = append(routes, s.matchingRoutes()...)  // matching.go
	routes = append(routes, s.billingRoutes()...)   // billing.go
	routes = append(routes, s.webhookRoutes()...)   // webhook.go
	routes = append(routes, s.recordRoutes()...)    // record.go
	routes = append(routes, s.feedbackRoutes()...)  // feedback.go
	routes = append(routes, s.reviewRoutes()...)    // review.go
	routes = append(routes, s.auditRoutes()...)     // audit.go
	routes = append(routes, s.programmeRoutes()...) // programme.go
	routes = append(routes, s.reportRoutes()...)    // report.go
	routes = append(routes, s.userRoutes()...)      // user.go
	routes = append(routes, s.timezoneRoutes()...)  // timezone.go
	return routes
}

// Register adds every route to e, each wrapped with its permission check.
func (s *Server) Register(e *echo.Echo) {
	for _, r := range s.Routes() {
		h := r.Handler
		if r.Roles != nil {
			h = s.requireRoles(r.Roles, h)
		}
		e.Add(r.Method, r.Path, h)
	}
}

const principalKey = "taiwa.principal"

// bearerToken returns the token of an "Authorization: Bearer …" header.
func bearerToken(c echo.Context) string {
	return auth.BearerToken(c.Request().Header.Get(echo.HeaderAuthorization))
}

// requireRoles authenticates the bearer token and checks the role: 401
// without a valid session, 403 for a role the route does not allow.
func (s *Server) requireRoles(roles []auth.Role, next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p, err := s.Accounts.Authenticate(c.Request().Context(), bearerToken(c))
		if err != nil {
			return err
		}
		if err := p.Require(roles...); err != nil {
			return err
		}
		c.Set(principalKey, p)
		return next(c)
	}
}

// principal is the authenticated caller; only routes with roles have one.
func principal(c echo.Context) auth.Principal {
	p, _ := c.Get(principalKey).(auth.Principal)
	return p
}
