package api

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 1 << 20

// decodeJSON reads the body into v, answering 400 with the offending field
// for malformed JSON, a wrong type or a missing body.
func decodeJSON(c echo.Context, v any) error {
	ct := c.Request().Header.Get(echo.HeaderContentType)
	if ct != "" && !strings.HasPrefix(ct, echo.MIMEApplicationJSON) {
		return apperr.Invalid("send the body as application/json", map[string]string{"body": "must be JSON"})
	}
	dec := json.NewDecoder(io.LimitReader(c.Request().Body, maxJSONBody+1))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var se *json.SyntaxError
		switch {
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				field = "body"
			}
			return apperr.Field(field, "must be of type "+jsonType(te.Type.Kind().String()))
		case errors.As(err, &se), errors.Is(err, io.ErrUnexpectedEOF):
			return apperr.Field("body", "is not valid JSON")
		case errors.Is(err, io.EOF):
			return apperr.Field("body", "is empty; send a JSON object")
		default:
			return apperr.Field("body", "could not be read: "+err.Error())
		}
	}
	if dec.More() {
		return apperr.Field("body", "must hold exactly one JSON value")
	}
	return nil
}

func jsonType(kind string) string {
	switch kind {
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	case "slice", "array":
		return "array"
	case "map", "struct":
		return "object"
	case "bool":
		return "boolean"
	}
	return kind
}

// pathID parses a path parameter as an id. A malformed id can name no
// resource, so it answers 404 like a missing one.
func pathID(c echo.Context, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return uuid.Nil, apperr.NotFound(strings.TrimSuffix(name, "_id"))
	}
	return id, nil
}

// Page is API.md's list envelope.
type Page[T any] struct {
	Items   []T `json:"items"`
	Total   int `json:"total"`
	Page    int `json:"page"`
	PerPage int `json:"per_page"`
}

// pageParams reads page and per_page (per_page at most 100).
func pageParams(c echo.Context) (page, perPage int, err error) {
	page, perPage = 1, 20
	if s := c.QueryParam("page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100000 {
			return 0, 0, apperr.Field("page", "must be a whole number from 1")
		}
		page = n
	}
	if s := c.QueryParam("per_page"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return 0, 0, apperr.Field("per_page", "must be a whole number from 1 to 100")
		}
		perPage = n
	}
	return page, perPage, nil
}
