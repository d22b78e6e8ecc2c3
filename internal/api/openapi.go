package api

import (
	_ "embed"
	"net/http"

	"github.com/labstack/echo/v4"
)

// OpenAPI is the API's OpenAPI 3.1 document; a test keeps its paths in step
// with Routes().
//
//go:embed openapi.json
var OpenAPI []byte

// OpenAPIDocument returns a copy of the OpenAPI 3.1 document, for the test
// harness that checks every answer against it.
func OpenAPIDocument() []byte {
	return append([]byte(nil), OpenAPI...)
}

func (s *Server) openapi(c echo.Context) error {
	return c.Blob(http.StatusOK, echo.MIMEApplicationJSON, OpenAPI)
}
