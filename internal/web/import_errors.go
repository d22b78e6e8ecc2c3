package web

import (
	"strings"

	"github.com/taiwa/taiwa/internal/company"
)

// importColumnKeys name the roster CSV's columns as the roster table does.
var importColumnKeys = map[string]string{
	"email": "col_email", "name": "col_name", "department": "col_department", "age_band": "col_age_band",
	"tenure_band": "col_tenure_band", "job_family": "col_job_family", "employee_code": "col_code", "status": "col_status",
}

// importCodeKeys say each reason a roster line is refused.
var importCodeKeys = map[string]string{
	company.ImportCodeNotCSV: "import_err_not_csv", company.ImportCodeFields: "import_err_fields",
	company.ImportCodeText: "import_err_text", company.ImportCodeRequired: "import_err_required",
	company.ImportCodeEmail: "import_err_email", company.ImportCodeTooLong: "import_err_too_long",
	company.ImportCodeDepartment: "import_err_department", company.ImportCodeDuplicate: "import_err_duplicate",
	company.ImportCodeTaken: "import_err_taken", company.ImportCodeRefused: "import_err_refused",
	company.ImportCodeNotRoster: "import_err_not_on_roster",
}

// ImportMessage says why a roster line was refused, in the reader's
// language and with the UI's names for columns and bands.
func (v rosterPage) ImportMessage(e company.ImportError) string {
	col := v.label(importColumnKeys, e.Column)
	if e.Code == company.ImportCodeBand {
		if e.Column == "age_band" {
			return v.T("import_err_age_band", "Value", e.Value)
		}
		return v.T("import_err_tenure_band", "Value", e.Value)
	}
	key, ok := importCodeKeys[e.Code]
	if !ok {
		return e.Message
	}
	return v.T(key, "Column", col, "Value", e.Value, "Max", e.Max, "Line", e.OtherLine)
}

// importFileKeys say each reason a whole roster file is refused.
var importFileKeys = map[string]string{
	company.ImportFileUnreadable: "import_file_unreadable", company.ImportFileNotUTF8: "import_file_not_utf8",
	company.ImportFileEmpty: "import_file_empty", company.ImportFileHeaderNotCSV: "import_file_header_not_csv",
	company.ImportFileUnknownColumn: "import_file_unknown_column", company.ImportFileDuplicateColumn: "import_file_duplicate_column",
	company.ImportFileMissingColumn: "import_file_missing_column", company.ImportFileTooManyLines: "import_file_too_many_lines",
	company.ImportFileStatus: "import_file_status",
}

// ImportFileMessage says why a whole roster file was refused, in the
// reader's language, naming the line and the column as the UI does (and
// the columns the header may use).
func (v rosterPage) ImportFileMessage(e *company.ImportFileError) string {
	key, ok := importFileKeys[e.Code]
	if !ok {
		return e.Code
	}
	return v.T(key, "Line", e.Line, "Column", v.label(importColumnKeys, e.Column), "Header", e.Header,
		"Value", e.Value, "Max", e.Max, "Columns", v.ImportHeaderNames())
}

// ImportHeaderNames lists the roster columns by the UI's names, in the
// page's language: what a header line may say.
func (v rosterPage) ImportHeaderNames() string {
	names := make([]string, 0, len(company.ImportColumns))
	for _, c := range company.ImportColumns {
		names = append(names, v.label(importColumnKeys, c))
	}
	return strings.Join(names, v.T("list_separator"))
}
