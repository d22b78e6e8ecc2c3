package web

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

const rosterPerPage = 25

// rosterPage is the roster with its filter, pages and the last import.
type rosterPage struct {
	Format
	PeopleFormat
	Q            string
	DepartmentID string
	Departments  []company.Department
	Page         int
	Pages        int
	Total        int
	Employees    []company.Employee
	Import       *company.ImportResult
	ImportErrors formErrors
	ImportFile   string // domain message about the file as a whole
	// ImportFileError says, when known, why the whole file was refused
	// (shown in the reader's language instead of ImportFile).
	ImportFileError *company.ImportFileError
}

// PageURL is the roster URL of page n with the current filter.
func (r rosterPage) PageURL(n int) string {
	q := url.Values{}
	if r.Q != "" {
		q.Set("q", r.Q)
	}
	if r.DepartmentID != "" {
		q.Set("department_id", r.DepartmentID)
	}
	if n > 1 {
		q.Set("page", strconv.Itoa(n))
	}
	if len(q) == 0 {
		return "/company/employees"
	}
	return "/company/employees?" + q.Encode()
}

// loadRoster fills the roster part of the page for the admin's own company.
func (s *Server) loadRoster(c echo.Context, r *rosterPage) error {
	p, _ := principalOf(c)
	ctx := c.Request().Context()
	f := company.EmployeeFilter{Q: r.Q, Page: r.Page, PerPage: rosterPerPage}
	if r.DepartmentID != "" {
		id, err := uuid.Parse(r.DepartmentID)
		if err != nil {
			return apperr.Field("department_id", "must be a department id")
		}
		f.DepartmentID = id
	}
	depts, err := s.Companies.Departments(ctx, p, p.CompanyID)
	if err != nil {
		return err
	}
	res, err := s.Companies.ListEmployees(ctx, p, p.CompanyID, f)
	if err != nil {
		return err
	}
	r.Departments, r.Employees, r.Total = depts, res.Items, res.Total
	r.Pages = (res.Total + rosterPerPage - 1) / rosterPerPage
	if r.Pages == 0 {
		r.Pages = 1
	}
	return nil
}

func (s *Server) employeeList(c echo.Context) error {
	r := rosterPage{Q: strings.TrimSpace(c.QueryParam("q")), DepartmentID: c.QueryParam("department_id"), Page: 1, ImportErrors: formErrors{}}
	if n, err := strconv.Atoi(c.QueryParam("page")); err == nil && n > 1 {
		r.Page = n
	}
	if err := s.loadRoster(c, &r); err != nil {
		return err
	}
	if isHTMX(c) {
		return s.renderPartial(c, http.StatusOK, pageEmployees, "roster", r)
	}
	return s.render(c, http.StatusOK, pageEmployees, r)
}

// employeeImport takes a roster CSV upload. Good lines are saved, bad lines
// are listed with their line numbers; the roster below is refreshed.
func (s *Server) employeeImport(c echo.Context) error {
	p, _ := principalOf(c)
	r := rosterPage{Page: 1, ImportErrors: formErrors{}}
	status := http.StatusOK
	fh, err := c.FormFile("file")
	if err != nil {
		r.ImportErrors.add("file", "import_file_required")
		status = http.StatusBadRequest
	} else {
		file, err := fh.Open()
		if err != nil {
			return fmt.Errorf("web: open upload: %w", err)
		}
		defer file.Close()
		res, err := s.Companies.ImportEmployees(c.Request().Context(), p, p.CompanyID, file, company.ImportOptions{Invite: true})
		if e, ok := apperr.As(err); ok && e.Code == apperr.CodeInvalid {
			r.ImportErrors.add("file", "import_file_invalid")
			r.ImportFile = e.Fields["file"]
			errors.As(err, &r.ImportFileError)
			status = http.StatusBadRequest
		} else if ok && e.Code == apperr.CodeUnprocessable && e.Fields["status"] != "" {
			// A bad status refuses the whole file: say which line.
			r.ImportErrors.add("file", "import_status_invalid")
			r.ImportFile = e.Fields["status"]
			errors.As(err, &r.ImportFileError)
			status = http.StatusUnprocessableEntity
		} else if err != nil {
			return err
		} else {
			r.Import = &res
		}
	}
	if err := s.loadRoster(c, &r); err != nil {
		return err
	}
	if isHTMX(c) {
		// htmx swaps in only 2xx answers: the result panel carries the error.
		return s.renderPartial(c, http.StatusOK, pageEmployees, "import_response", r)
	}
	return s.render(c, status, pageEmployees, r)
}

// isHTMX reports an htmx request that wants a fragment (a history restore
// wants the whole page).
func isHTMX(c echo.Context) bool {
	h := c.Request().Header
	return h.Get("HX-Request") == "true" && h.Get("HX-History-Restore-Request") != "true"
}
