package company

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"golang.org/x/text/unicode/norm"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/input"
)

// ImportColumns is the roster CSV header of API.md, plus the optional
// status column: an employee marked as left is disabled.
var ImportColumns = []string{"email", "name", "department", "age_band", "tenure_band", "job_family", "employee_code", "status"}

// importHeaders are the header names accepted for each column besides
// the column's own code: the UI's names of the columns in Japanese and in
// English (the roster table's headings), and the usual words of HR's own
// files. Headers are compared after NFKC folding (full-width letters,
// half-width katakana), case and surrounding space aside.
var importHeaders = map[string]string{
	"メールアドレス": "email", "メール": "email", "eメール": "email", "e-mail": "email", "email address": "email", "mail": "email",
	"氏名": "name", "名前": "name", "社員名": "name", "従業員名": "name", "full name": "name",
	"部署": "department", "所属": "department", "部署名": "department", "所属部署": "department",
	"年代": "age_band", "age band": "age_band",
	"勤続年数": "tenure_band", "勤続": "tenure_band", "tenure": "tenure_band", "tenure band": "tenure_band",
	"職種": "job_family", "job family": "job_family",
	"社員番号": "employee_code", "従業員番号": "employee_code", "社員コード": "employee_code", "employee code": "employee_code",
	"在籍状況": "status", "状態": "status", "在籍": "status", "ステータス": "status", "在籍区分": "status",
}

// ImportColumnOf is the column a roster header cell names (its code, or
// one of importHeaders); ok is false for anything else.
func ImportColumnOf(header string) (column string, ok bool) {
	h := strings.ToLower(strings.TrimSpace(norm.NFKC.String(header)))
	if oneOf(h, ImportColumns) {
		return h, true
	}
	column, ok = importHeaders[h]
	return column, ok
}

// ImportFileError says why a whole roster file was refused, as a code
// with what the UI needs to say it in the user's language (the API's
// answer carries the English text).
type ImportFileError struct {
	Code   string // one of the ImportFile… constants
	Line   int    // the line at fault, if one
	Column string // the column at fault (its code), if one
	Header string // the header cell as written, for an unknown one
	Value  string // the status value, for ImportFileStatus
	Max    int    // the line limit, for ImportFileTooManyLines
}

func (e *ImportFileError) Error() string { return "roster file: " + e.Code }

// Reasons a whole roster file is refused.
const (
	ImportFileUnreadable      = "unreadable"       // the upload could not be read
	ImportFileNotUTF8         = "not_utf8"         // not UTF-8 text
	ImportFileEmpty           = "empty"            // no header line
	ImportFileHeaderNotCSV    = "header_not_csv"   // the header line is not valid CSV
	ImportFileUnknownColumn   = "unknown_column"   // a header cell names no column
	ImportFileDuplicateColumn = "duplicate_column" // two header cells name one column
	ImportFileMissingColumn   = "missing_column"   // email or name has no column
	ImportFileTooManyLines    = "too_many_lines"   // over MaxImportRows lines
	ImportFileStatus          = "status"           // a status cell is neither active nor left
)

// fileError is the 400 of a refused file: problem is the English text of
// the file field, fe the reason for the UI.
func fileError(fe *ImportFileError, problem string) error {
	e := apperr.Field("file", problem)
	e.Err = fe
	return e
}

// Roster statuses of the status column, with the labels HR's own files
// use (在籍/退職); an empty cell changes nothing.
var rosterStatuses = map[string]bool{
	"active": false, "在籍": false, "在籍中": false, "在職": false, "在職中": false,
	"left": true, "退職": true, "退職済": true, "退職済み": true, "退社": true,
}

// RosterStatusOf reads a status cell: left reports an employee who has
// left (to be disabled); ok is false for anything but active or left and
// their Japanese labels.
func RosterStatusOf(v string) (left, ok bool) {
	left, ok = rosterStatuses[strings.ToLower(strings.TrimSpace(v))]
	return left, ok
}

// MaxImportRows bounds one file.
const MaxImportRows = 50_000

// ImportResult reports what an import did. A bad line never stops the good
// ones; each bad line says why.
type ImportResult struct {
	Created  int           `json:"created"`
	Updated  int           `json:"updated"`
	Disabled int           `json:"disabled"` // marked as left, and so disabled
	Errors   []ImportError `json:"errors"`
}

// ImportError is one refused line: the reason as a code (with the column
// at fault and what the UI needs to say it in the user's language) and as
// English text.
type ImportError struct {
	Line      int    `json:"line"`
	Code      string `json:"code"`                 // one of the ImportCode… constants
	Column    string `json:"column,omitempty"`     // the CSV column at fault
	Value     string `json:"value,omitempty"`      // the refused value, for bands
	OtherLine int    `json:"other_line,omitempty"` // the line it repeats, for duplicates
	Max       int    `json:"max,omitempty"`        // the limit, for lengths
	Message   string `json:"message"`
}

// The reasons a line is refused.
const (
	ImportCodeNotCSV     = "not_csv"       // the line is not valid CSV
	ImportCodeFields     = "fields"        // another number of fields than the header
	ImportCodeText       = "text"          // NUL, control characters
	ImportCodeRequired   = "required"      // email or name empty
	ImportCodeEmail      = "email"         // not an email address
	ImportCodeTooLong    = "too_long"      // over Max characters
	ImportCodeDepartment = "department"    // not a department path
	ImportCodeBand       = "band"          // not an age or tenure band
	ImportCodeDuplicate  = "duplicate"     // the email or employee code of OtherLine again
	ImportCodeTaken      = "taken"         // the email or employee code belongs to someone else
	ImportCodeRefused    = "refused"       // the database refused the line (Message says why)
	ImportCodeNotRoster  = "not_on_roster" // marked as left but not on the roster
	ImportCodeStatus     = "status"        // not a roster status (the whole file is refused, 422)
)

// lineError is a refused line before its number is known.
type lineError ImportError

func (e *lineError) Error() string { return e.Message }

// ImportOptions tune an import.
type ImportOptions struct {
	Invite bool // mail new employees an invitation
}

type importRow struct {
	line                    int
	email, name             string
	department              []string
	ageBand, tenureBand     *string
	jobFamily, employeeCode string
	left                    bool // the status column says the employee has left
}

type existing struct {
	UserID       uuid.UUID     `db:"user_id"`
	Email        string        `db:"email"`
	Name         string        `db:"name"`
	DepartmentID uuid.NullUUID `db:"department_id"`
	AgeBand      *string       `db:"age_band"`
	TenureBand   *string       `db:"tenure_band"`
	JobFamily    string        `db:"job_family"`
	EmployeeCode string        `db:"employee_code"`
	Disabled     bool          `db:"disabled"`
}

// ImportEmployees creates or updates the roster from CSV. It runs in one
// transaction with a savepoint per line: a bad line is rolled back alone and
// reported, good lines are kept, and a failure of the whole request leaves
// nothing behind. Importing the same file again changes nothing.
func (s *Service) ImportEmployees(ctx context.Context, actor auth.Principal, companyID uuid.UUID, r io.Reader, opt ImportOptions) (ImportResult, error) {
	if err := actor.Require(auth.RoleCompanyAdmin, auth.RoleOperator); err != nil {
		return ImportResult{}, err
	}
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return ImportResult{}, err
	}
	rows, res, err := parseRoster(r)
	if err != nil {
		return ImportResult{}, err
	}
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		c, err := getCompany(ctx, tx, companyID)
		if err != nil {
			return err
		}
		depts, err := loadDepartments(ctx, tx, companyID)
		if err != nil {
			return err
		}
		var current []existing
		if err := tx.SelectContext(ctx, &current, `
			SELECT e.user_id, u.email, u.name, e.department_id, e.age_band, e.tenure_band, e.job_family, e.employee_code,
			       u.disabled_at IS NOT NULL AS disabled
			FROM employees e JOIN users u ON u.id = e.user_id WHERE e.company_id = $1`, companyID); err != nil {
			return err
		}
		byEmail := make(map[string]existing, len(current))
		for _, e := range current {
			byEmail[e.Email] = e
		}
		// Changed employees one by one (rare), then new ones in batches.
		var fresh []importRow
		for _, row := range rows {
			cur, ok := byEmail[row.email]
			if !ok && row.left {
				res.Errors = append(res.Errors, ImportError{Line: row.line, Code: ImportCodeNotRoster, Column: "status",
					Message: "status: the employee is marked as left but is not on the roster"})
				continue
			}
			if !ok {
				fresh = append(fresh, row)
				continue
			}
			if err := s.importOne(ctx, tx, c, &depts, byEmail, row, opt, &res); err != nil {
				return err
			}
			if row.left && !cur.Disabled {
				if err := account.DisableTx(ctx, tx, actor, cur.UserID, account.ViaImport); err != nil {
					return err
				}
				res.Disabled++
			}
		}
		for start := 0; start < len(fresh); start += importBatch {
			chunk := fresh[start:min(start+importBatch, len(fresh))]
			if err := s.importFresh(ctx, tx, c, &depts, byEmail, chunk, opt, &res); err != nil {
				return err
			}
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "employee.import", CompanyID: companyID, TargetType: "company", TargetID: companyID.String(),
			Details: map[string]any{"created": res.Created, "updated": res.Updated, "disabled": res.Disabled, "errors": len(res.Errors)}})
	})
	if err != nil {
		return ImportResult{}, err
	}
	sortErrors(res.Errors)
	return res, nil
}

// importBatch is how many new employees go in with one statement per table.
const importBatch = 1000

// importOne imports a row under its own savepoint: a refused row is rolled
// back alone and reported. Only unexpected errors abort the import.
func (s *Service) importOne(ctx context.Context, tx *sqlx.Tx, c Company, depts *departmentCache, byEmail map[string]existing, row importRow, opt ImportOptions, res *ImportResult) error {
	var created, updated bool
	refused, err := db.Savepoint(ctx, tx, func() (err error) {
		created, updated, err = s.importRow(ctx, tx, c, *depts, byEmail, row, opt)
		return err
	})
	if err != nil {
		return err
	}
	if refused != nil {
		res.Errors = append(res.Errors, rowError(row.line, refused))
		// The cache may hold departments of the rolled-back row.
		*depts, err = loadDepartments(ctx, tx, c.ID)
		return err
	}
	if created {
		res.Created++
	}
	if updated {
		res.Updated++
	}
	return nil
}

// importFresh inserts new employees with one statement per table. Rows the
// rules refuse (a taken email or employee code) are reported; if the
// database refuses the batch for any other reason, it is rolled back and its
// rows go one by one, so the per-row messages are exact.
func (s *Service) importFresh(ctx context.Context, tx *sqlx.Tx, c Company, depts *departmentCache, byEmail map[string]existing, rows []importRow, opt ImportOptions, res *ImportResult) error {
	var created int
	var lineErrs []ImportError
	refused, err := db.Savepoint(ctx, tx, func() (err error) {
		created, lineErrs, err = s.insertFresh(ctx, tx, c, *depts, rows, opt)
		return err
	})
	if err != nil {
		return err
	}
	if refused == nil {
		res.Created += created
		res.Errors = append(res.Errors, lineErrs...)
		return nil
	}
	if *depts, err = loadDepartments(ctx, tx, c.ID); err != nil {
		return err
	}
	for _, row := range rows {
		if err := s.importOne(ctx, tx, c, depts, byEmail, row, opt, res); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) insertFresh(ctx context.Context, tx *sqlx.Tx, c Company, depts departmentCache, rows []importRow, opt ImportOptions) (int, []ImportError, error) {
	var used []string
	if err := tx.SelectContext(ctx, &used, `SELECT employee_code FROM employees WHERE company_id = $1 AND employee_code <> ''`, c.ID); err != nil {
		return 0, nil, err
	}
	codeTaken := make(map[string]bool, len(used))
	for _, code := range used {
		codeTaken[code] = true
	}
	var lineErrs []ImportError
	byEmail := make(map[string]importRow, len(rows))
	deptOf := make(map[string]uuid.NullUUID, len(rows))
	var emails, names []string
	for _, row := range rows {
		if row.employeeCode != "" && codeTaken[row.employeeCode] {
			lineErrs = append(lineErrs, ImportError{Line: row.line, Code: ImportCodeTaken, Column: "employee_code",
				Message: "employee_code: is already used by another employee"})
			continue
		}
		byEmail[row.email] = row
		emails, names = append(emails, row.email), append(names, row.name)
	}
	users, taken, err := account.CreateInvitedUsers(ctx, tx, c.ID, auth.RoleEmployee, emails, names)
	if err != nil {
		return 0, nil, err
	}
	for e := range taken {
		lineErrs = append(lineErrs, ImportError{Line: byEmail[e].line, Code: ImportCodeTaken, Column: "email",
			Message: "email: belongs to an account outside this company's roster"})
	}
	// Departments only for rows that were kept: a refused row leaves nothing.
	for _, u := range users {
		dept, err := depts.ensurePath(ctx, tx, c.ID, byEmail[u.Email].department)
		if err != nil {
			return 0, nil, err
		}
		deptOf[u.Email] = dept
	}
	n := len(users)
	ids, deptIDs, ages, tenures, jobs, codes := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	for i, u := range users {
		row := byEmail[u.Email]
		ids[i], jobs[i], codes[i] = u.ID.String(), row.jobFamily, row.employeeCode
		if d := deptOf[u.Email]; d.Valid {
			deptIDs[i] = d.UUID.String()
		}
		if row.ageBand != nil {
			ages[i] = *row.ageBand
		}
		if row.tenureBand != nil {
			tenures[i] = *row.tenureBand
		}
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO employees (company_id, user_id, department_id, age_band, tenure_band, job_family, employee_code)
		SELECT $1, u::uuid, NULLIF(d, '')::uuid, NULLIF(a, ''), NULLIF(t, ''), j, k
		FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS x(u, d, a, t, j, k)`,
		c.ID, pq.Array(ids), pq.Array(deptIDs), pq.Array(ages), pq.Array(tenures), pq.Array(jobs), pq.Array(codes)); err != nil {
		return 0, nil, err
	}
	if opt.Invite {
		if err := s.Accounts.SendInvitations(ctx, tx, users, c.Name); err != nil {
			return 0, nil, err
		}
	}
	return n, lineErrs, nil
}

// rowError is a line the database refused (a rolled-back savepoint).
func rowError(line int, err error) ImportError {
	e, ok := apperr.As(err)
	switch {
	case !ok:
		return ImportError{Line: line, Code: ImportCodeRefused, Message: "could not be saved"}
	case e.Reason == db.ReasonAlreadyExists:
		return ImportError{Line: line, Code: ImportCodeTaken, Column: "employee_code", Message: "employee_code: is already used by another employee"}
	}
	return ImportError{Line: line, Code: ImportCodeRefused, Message: e.Message}
}

func sortErrors(errs []ImportError) {
	for i := 1; i < len(errs); i++ {
		for j := i; j > 0 && errs[j].Line < errs[j-1].Line; j-- {
			errs[j], errs[j-1] = errs[j-1], errs[j]
		}
	}
}

func (s *Service) importRow(ctx context.Context, tx *sqlx.Tx, c Company, depts departmentCache, byEmail map[string]existing, row importRow, opt ImportOptions) (created, updated bool, err error) {
	dept, err := depts.ensurePath(ctx, tx, c.ID, row.department)
	if err != nil {
		return false, false, err
	}
	if cur, ok := byEmail[row.email]; ok {
		if cur.Name == row.name && cur.DepartmentID == dept && eqPtr(cur.AgeBand, row.ageBand) && eqPtr(cur.TenureBand, row.tenureBand) &&
			cur.JobFamily == row.jobFamily && cur.EmployeeCode == row.employeeCode {
			return false, false, nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE users SET name = $2 WHERE id = $1 AND name <> $2`, cur.UserID, row.name); err != nil {
			return false, false, err
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE employees SET department_id = $3, age_band = $4, tenure_band = $5, job_family = $6, employee_code = $7, updated_at = now()
			WHERE company_id = $1 AND user_id = $2`, c.ID, cur.UserID, dept, row.ageBand, row.tenureBand, row.jobFamily, row.employeeCode); err != nil {
			return false, false, err
		}
		return false, true, nil
	}
	u, err := account.CreateUser(ctx, tx, account.NewUser{CompanyID: c.ID, Email: row.email, Name: row.name, Role: auth.RoleEmployee})
	if err != nil {
		if apperr.Is(err, apperr.CodeConflict) {
			return false, false, apperr.Field("email", "belongs to an account outside this company's roster")
		}
		return false, false, err
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO employees (company_id, user_id, department_id, age_band, tenure_band, job_family, employee_code)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, c.ID, u.ID, dept, row.ageBand, row.tenureBand, row.jobFamily, row.employeeCode); err != nil {
		return false, false, err
	}
	if opt.Invite {
		if err := s.Accounts.SendInvitation(ctx, tx, u, c.Name); err != nil {
			return false, false, err
		}
	}
	return true, false, nil
}

func eqPtr(a, b *string) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	return *a == *b
}

// parseRoster reads and validates the CSV. A bad header fails the whole
// file (400); a bad line becomes an ImportError and the rest go on.
func parseRoster(r io.Reader) ([]importRow, ImportResult, error) {
	res := ImportResult{Errors: []ImportError{}}
	data, err := io.ReadAll(io.LimitReader(r, 32<<20))
	if err != nil {
		return nil, res, fileError(&ImportFileError{Code: ImportFileUnreadable}, "could not be read")
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")) // Excel's UTF-8 BOM
	if !utf8.Valid(data) {
		return nil, res, fileError(&ImportFileError{Code: ImportFileNotUTF8}, "must be UTF-8 text (save the CSV as UTF-8)")
	}
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.TrimLeadingSpace = true
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, res, fileError(&ImportFileError{Code: ImportFileEmpty}, "is empty; the first line must be the header "+strings.Join(ImportColumns, ","))
	}
	if err != nil {
		return nil, res, fileError(&ImportFileError{Code: ImportFileHeaderNotCSV, Line: 1}, "line 1: "+err.Error())
	}
	col := map[string]int{}
	for i, cell := range header {
		h, ok := ImportColumnOf(cell)
		if !ok {
			return nil, res, fileError(&ImportFileError{Code: ImportFileUnknownColumn, Line: 1, Header: strings.TrimSpace(cell)},
				fmt.Sprintf("line 1: unknown column %q; the columns are %s", strings.TrimSpace(cell), strings.Join(ImportColumns, ",")))
		}
		if _, dup := col[h]; dup {
			return nil, res, fileError(&ImportFileError{Code: ImportFileDuplicateColumn, Line: 1, Column: h},
				fmt.Sprintf("line 1: column %q appears twice", h))
		}
		col[h] = i
	}
	for _, req := range []string{"email", "name"} {
		if _, ok := col[req]; !ok {
			return nil, res, fileError(&ImportFileError{Code: ImportFileMissingColumn, Line: 1, Column: req}, "line 1: the header needs the column "+req)
		}
	}
	seen := map[string]int{}
	codes := map[string]int{}
	var rows []importRow
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				res.Errors = append(res.Errors, ImportError{Line: pe.StartLine, Code: ImportCodeNotCSV, Message: "not valid CSV: " + pe.Err.Error()})
				continue
			}
			return nil, res, apperr.Field("file", err.Error())
		}
		if len(rows)+len(res.Errors) >= MaxImportRows {
			return nil, res, fileError(&ImportFileError{Code: ImportFileTooManyLines, Max: MaxImportRows}, fmt.Sprintf("has more than %d lines; split it", MaxImportRows))
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		row, lerr := parseRow(rec, col, line)
		if lerr != nil && lerr.Column == "status" {
			// A lifecycle column is never half-applied: a typo would keep
			// a leaver signed in, or sign out someone still here.
			return nil, res, &apperr.Error{Code: apperr.CodeUnprocessable, Reason: ReasonInvalidStatus,
				Message: fmt.Sprintf("line %d: %s; nothing was imported", line, lerr.Message),
				Fields:  map[string]string{"status": fmt.Sprintf("line %d: %s", line, lerr.Message)},
				Err:     &ImportFileError{Code: ImportFileStatus, Line: line, Column: "status", Value: lerr.Value}}
		}
		if lerr == nil {
			if first, dup := seen[row.email]; dup {
				lerr = &lineError{Code: ImportCodeDuplicate, Column: "email", OtherLine: first,
					Message: fmt.Sprintf("email: appears already on line %d", first)}
			} else if first, dup := codes[row.employeeCode]; dup && row.employeeCode != "" {
				lerr = &lineError{Code: ImportCodeDuplicate, Column: "employee_code", OtherLine: first,
					Message: fmt.Sprintf("employee_code: appears already on line %d", first)}
			}
		}
		if lerr != nil {
			e := ImportError(*lerr)
			e.Line = line
			res.Errors = append(res.Errors, e)
			continue
		}
		seen[row.email] = line
		if row.employeeCode != "" {
			codes[row.employeeCode] = line
		}
		rows = append(rows, row)
	}
	return rows, res, nil
}

func parseRow(rec []string, col map[string]int, line int) (importRow, *lineError) {
	get := func(name string) string {
		if i, ok := col[name]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	if len(rec) != len(col) {
		return importRow{}, &lineError{Code: ImportCodeFields, Max: len(col), Value: fmt.Sprint(len(rec)),
			Message: fmt.Sprintf("has %d fields, the header has %d", len(rec), len(col))}
	}
	for _, name := range ImportColumns {
		if i, ok := col[name]; ok {
			if p := input.Problem(rec[i]); p != "" {
				return importRow{}, &lineError{Code: ImportCodeText, Column: name, Message: name + ": " + p}
			}
		}
	}
	row := importRow{line: line, jobFamily: get("job_family"), employeeCode: get("employee_code")}
	var err error
	for _, req := range []string{"email", "name"} {
		if get(req) == "" {
			return row, &lineError{Code: ImportCodeRequired, Column: req, Message: req + ": is required"}
		}
	}
	if row.email, err = account.NormalizeEmail("email", get("email")); err != nil {
		return row, &lineError{Code: ImportCodeEmail, Column: "email", Message: err.(*apperr.Error).Message}
	}
	if row.name, err = account.CheckName("name", get("name")); err != nil {
		return row, &lineError{Code: ImportCodeTooLong, Column: "name", Max: 200, Message: err.(*apperr.Error).Message}
	}
	if row.department, err = ParseDepartmentPath(get("department")); err != nil {
		return row, &lineError{Code: ImportCodeDepartment, Column: "department", Message: err.(*apperr.Error).Message}
	}
	if v := get("age_band"); v != "" {
		band, ok := AgeBandOf(v)
		if !ok {
			return row, &lineError{Code: ImportCodeBand, Column: "age_band", Value: v,
				Message: fmt.Sprintf("age_band: %q is not one of %s (or 20代 … 70代)", v, strings.Join(AgeBands, ", "))}
		}
		row.ageBand = &band
	}
	if v := get("tenure_band"); v != "" {
		band, ok := TenureBandOf(v)
		if !ok {
			return row, &lineError{Code: ImportCodeBand, Column: "tenure_band", Value: v,
				Message: fmt.Sprintf("tenure_band: %q is not one of %s (or 0〜2年, 3〜5年, 6〜10年, 11年以上)", v, strings.Join(TenureBands, ", "))}
		}
		row.tenureBand = &band
	}
	if v := get("status"); v != "" {
		left, ok := RosterStatusOf(v)
		if !ok {
			return row, &lineError{Code: ImportCodeStatus, Column: "status", Value: v,
				Message: fmt.Sprintf("status: %q is not active or left (or 在籍, 退職)", v)}
		}
		row.left = left
	}
	for _, c := range []struct {
		name  string
		value string
		max   int
	}{{"job_family", row.jobFamily, 100}, {"employee_code", row.employeeCode, 64}} {
		if utf8.RuneCountInString(c.value) > c.max {
			return row, &lineError{Code: ImportCodeTooLong, Column: c.name, Max: c.max,
				Message: fmt.Sprintf("%s: must be at most %d characters", c.name, c.max)}
		}
	}
	return row, nil
}
