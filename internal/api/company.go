package api

import (
	"mime"
	"net/http"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

func invalid(fields map[string]string) error {
	return apperr.Invalid("some fields are not valid", fields)
}

func (s *Server) companyList(c echo.Context) error {
	list, err := s.Companies.List(c.Request().Context(), principal(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[company.Company]{Items: list, Total: len(list), Page: 1, PerPage: len(list)})
}

func (s *Server) companyCreate(c echo.Context) error {
	var in company.NewCompany
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	co, err := s.Companies.Create(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, co)
}

func (s *Server) companyGet(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	co, err := s.Companies.Get(c.Request().Context(), principal(c), cid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, co)
}

func (s *Server) companyAdminCreate(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	var in company.NewAdmin
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	u, err := s.Companies.CreateAdmin(c.Request().Context(), principal(c), cid, in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, userJSON(u))
}

func (s *Server) departmentList(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	list, err := s.Companies.Departments(c.Request().Context(), principal(c), cid)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[company.Department]{Items: list, Total: len(list), Page: 1, PerPage: len(list)})
}

// maxImportBody bounds a roster upload (50,000 lines fit well within it).
const maxImportBody = 32 << 20

func (s *Server) employeeImport(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	if err := checkCSVContentType(c.Request().Header.Get(echo.HeaderContentType)); err != nil {
		return err
	}
	invite := true
	if v := c.QueryParam("invite"); v != "" {
		if invite, err = strconv.ParseBool(v); err != nil {
			return apperr.Field("invite", "must be true or false")
		}
	}
	body := http.MaxBytesReader(c.Response(), c.Request().Body, maxImportBody)
	res, err := s.Companies.ImportEmployees(c.Request().Context(), principal(c), cid, body, company.ImportOptions{Invite: invite})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, res)
}

// checkCSVContentType accepts text/csv with no charset or UTF-8 (400
// otherwise, as for JSON bodies); a missing Content-Type is read as CSV.
func checkCSVContentType(ct string) error {
	if ct == "" {
		return nil
	}
	mt, params, err := mime.ParseMediaType(ct)
	ok := err == nil && mt == "text/csv"
	for k, v := range params {
		ok = ok && k == "charset" && strings.EqualFold(v, "utf-8")
	}
	if !ok {
		return apperr.Invalid("send the roster as text/csv (charset utf-8)", map[string]string{"body": "must be CSV: Content-Type text/csv, charset utf-8 if any"})
	}
	return nil
}

func (s *Server) employeeList(c echo.Context) error {
	cid, err := pathID(c, "cid")
	if err != nil {
		return err
	}
	page, perPage, err := pageParams(c)
	if err != nil {
		return err
	}
	f := company.EmployeeFilter{Q: c.QueryParam("q"), Page: page, PerPage: perPage}
	if d := c.QueryParam("department_id"); d != "" {
		if f.DepartmentID, err = uuid.Parse(d); err != nil {
			return apperr.Field("department_id", "must be a department id")
		}
	}
	res, err := s.Companies.ListEmployees(c.Request().Context(), principal(c), cid, f)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, Page[company.Employee]{Items: res.Items, Total: res.Total, Page: page, PerPage: perPage})
}

func (s *Server) counselorCreate(c echo.Context) error {
	var in counselor.NewAccount
	if err := decodeJSON(c, &in); err != nil {
		return err
	}
	co, err := s.Counselors.CreateAccount(c.Request().Context(), principal(c), in)
	if err != nil {
		return err
	}
	return c.JSON(http.StatusCreated, co)
}
