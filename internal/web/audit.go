package web

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// auditPages are parsed with the others (render.go).
var auditPages = []string{pageAudit, pageActivity}

const (
	pageAudit    = "audit_log"
	pageActivity = "activity"
)

// registerAudit adds the operators' audit log and everyone's own activity.
func (s *Server) registerAudit(e *echo.Echo) {
	e.GET("/operator/audit", s.auditShow, requireRoles(auth.RoleOperator))
	e.GET("/me/activity", s.activityShow, requireRoles(auth.RoleEmployee, auth.RoleCounselor, auth.RoleCompanyAdmin, auth.RoleOperator))
}

// maxAuditActors bounds the people the actor filter suggests.
const maxAuditActors = 2000

// auditPage is a page of audit entries; Query keeps the filters.
type auditPage struct {
	Format
	AuditFormat
	Rows        []audit.Row
	Query       url.Values
	Errors      map[string]string
	Page, Pages int
	Base        string
	Zone        *time.Location
	// Actors are the people to choose from for the actor filter.
	Actors []audit.Actor
}

// PageURL is the same view at page n.
func (p auditPage) PageURL(n int) string {
	q := url.Values{}
	for k, v := range p.Query {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(n))
	return p.Base + "?" + q.Encode()
}

func (s *Server) auditShow(c echo.Context) error {
	p, _ := principalOf(c)
	pg := auditPage{Query: c.QueryParams(), Base: "/operator/audit", Zone: employeeZone, Page: 1, Pages: 1}
	actors, err := audit.Actors(c.Request().Context(), s.Accounts.DB, p, maxAuditActors)
	if err != nil {
		return err
	}
	pg.Actors = actors
	f, err := audit.ParseFilter(c.QueryParams())
	if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
		pg.Errors = e.Fields
		return s.render(c, http.StatusBadRequest, pageAudit, pg)
	}
	if err != nil {
		return err
	}
	rows, total, err := audit.List(c.Request().Context(), s.Accounts.DB, p, f)
	if err != nil {
		return err
	}
	pg.Rows, pg.Page, pg.Pages = rows, f.Page, max(1, (total+f.PerPage-1)/f.PerPage)
	return s.render(c, http.StatusOK, pageAudit, pg)
}

func (s *Server) activityShow(c echo.Context) error {
	p, _ := principalOf(c)
	page, _ := strconv.Atoi(c.QueryParam("page"))
	if page < 1 || page > 100000 {
		page = 1
	}
	const perPage = 50
	rows, total, err := audit.Mine(c.Request().Context(), s.Accounts.DB, p, page, perPage)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageActivity, auditPage{Rows: rows, Page: page, Pages: max(1, (total+perPage-1)/perPage),
		Base: "/me/activity", Zone: s.userZone(c)})
}
