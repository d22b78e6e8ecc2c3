package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// Disabling and enabling users: operators from their user list, company
// admins from the roster. Each action has a confirmation page (GET) and
// does its work on POST only.

// userPages are parsed with the others (render.go).
var userPages = []string{pageUsers, pageUserConfirm}

const (
	pageUsers       = "operator_users"
	pageUserConfirm = "user_confirm"
	usersPerPage    = 50
)

// registerUsers adds the user lifecycle pages.
func (s *Server) registerUsers(e *echo.Echo) {
	operator := requireRoles(auth.RoleOperator)
	admin := requireRoles(auth.RoleCompanyAdmin)
	e.GET("/operator/users", s.userList, operator)
	e.GET("/operator/users/:id/:verb", s.userConfirm, operator)
	e.POST("/operator/users/:id/:verb", s.userAct, operator)
	e.GET("/company/employees/:id/:verb", s.userConfirm, admin)
	e.POST("/company/employees/:id/:verb", s.userAct, admin)
}

// usersPage is the operators' list of users.
type usersPage struct {
	Format
	PeopleFormat
	Q     string
	Users []account.UserState
	Page  int
	Pages int
	Total int
}

// PageURL is the list URL of page n with the current search.
func (u usersPage) PageURL(n int) string {
	q := url.Values{}
	if u.Q != "" {
		q.Set("q", u.Q)
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(q) == 0 {
		return "/operator/users"
	}
	return "/operator/users?" + q.Encode()
}

func (s *Server) userList(c echo.Context) error {
	p, _ := principalOf(c)
	u := usersPage{Q: strings.TrimSpace(c.QueryParam("q")), Page: 1}
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 && n <= 100000 {
		u.Page = n
	}
	items, total, err := s.Accounts.ListUsers(c.Request().Context(), p, u.Q, u.Page, usersPerPage)
	if err != nil {
		return err
	}
	u.Users, u.Total = items, total
	u.Pages = max(1, (total+usersPerPage-1)/usersPerPage)
	return s.render(c, http.StatusOK, pageUsers, u)
}

// userConfirmPage asks before a user is disabled or enabled.
type userConfirmPage struct {
	Format
	User   account.UserState
	Verb   string // disable or enable
	Action string // where the form posts
	Back   string // the list it came from
}

// userTarget reads the path: the verb and the user the actor may manage.
func (s *Server) userTarget(c echo.Context) (userConfirmPage, error) {
	p, _ := principalOf(c)
	verb := c.Param("verb")
	if verb != "disable" && verb != "enable" {
		return userConfirmPage{}, apperr.NotFound("page")
	}
	id, err := uuid.Parse(c.Param("id"))
	if err != nil {
		return userConfirmPage{}, apperr.NotFound("user")
	}
	u, err := s.Accounts.Manageable(c.Request().Context(), p, id)
	if err != nil {
		return userConfirmPage{}, err
	}
	back := "/operator/users"
	if strings.HasPrefix(c.Request().URL.Path, "/company/") {
		back = "/company/employees"
	}
	return userConfirmPage{User: u, Verb: verb, Action: back + "/" + id.String() + "/" + verb, Back: back}, nil
}

func (s *Server) userConfirm(c echo.Context) error {
	page, err := s.userTarget(c)
	if err != nil {
		return err
	}
	return s.render(c, http.StatusOK, pageUserConfirm, page)
}

func (s *Server) userAct(c echo.Context) error {
	page, err := s.userTarget(c)
	if err != nil {
		return err
	}
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	success := "flash_user_enabled"
	if page.Verb == "disable" {
		success = "flash_user_disabled"
		_, err = s.Accounts.Disable(ctx, p, page.User.ID)
	} else {
		_, err = s.Accounts.Enable(ctx, p, page.User.ID)
	}
	if apperr.Is(err, apperr.CodeUnprocessable) && hasReasonKey(err) {
		s.setFlash(c, "error", reasonKey(err, ""))
		return c.Redirect(http.StatusSeeOther, page.Back)
	}
	if err != nil {
		return err
	}
	s.setFlash(c, "success", success)
	return c.Redirect(http.StatusSeeOther, page.Back)
}
