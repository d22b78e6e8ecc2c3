package app

import (
	"mime"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/input"
)

// checkInput refuses a request whose query parameters or form fields hold
// invalid UTF-8, NUL or control characters (400 naming the field) before
// any handler runs, for the API and the web alike: such text never reaches
// PostgreSQL or a page. JSON bodies are checked by the API's decoder, CSV
// cells by the import.
func checkInput(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if err := input.Values(c.QueryParams()); err != nil {
			return err
		}
		if isForm(c.Request()) {
			form, err := c.FormParams()
			if err != nil {
				return apperr.Invalid("the form could not be read", nil).Wrap(err)
			}
			if err := input.Values(form); err != nil {
				return err
			}
		}
		return next(c)
	}
}

// isForm reports whether r carries form fields (urlencoded or multipart).
func isForm(r *http.Request) bool {
	if r.Method != http.MethodPost && r.Method != http.MethodPut && r.Method != http.MethodPatch {
		return false
	}
	mt, _, err := mime.ParseMediaType(r.Header.Get(echo.HeaderContentType))
	return err == nil && (mt == echo.MIMEApplicationForm || mt == echo.MIMEMultipartForm)
}
