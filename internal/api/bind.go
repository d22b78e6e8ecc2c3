package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// maxJSONBody bounds every JSON request body.
const maxJSONBody = 1 << 20

// decodeJSON reads the strict JSON body (readJSONBody) into v, answering
// 400 with the offending field for malformed JSON, a wrong type or a
// missing body, 413 when too large and 415 for another media type.
func decodeJSON(c echo.Context, v any) error {
	body, err := readJSONBody(c)
	if err != nil {
		return err
	}
	return unmarshalJSON(body, v, false)
}

// unmarshalJSON decodes a checked body; strict refuses unknown fields.
func unmarshalJSON(body []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		var pe *time.ParseError
		switch {
		case errors.As(err, &te):
			field := te.Field
			if field == "" {
				field = "body"
			}
			return apperr.Field(field, "must be of type "+jsonType(te.Type.Kind().String()))
		case errors.As(err, &pe):
			return apperr.Field("body", "holds a time that is not RFC 3339 with an offset")
		case strings.HasPrefix(err.Error(), "json: unknown field "):
			name := strings.TrimPrefix(err.Error(), "json: unknown field ")
			if n, err := strconv.Unquote(name); err == nil {
				name = n
			}
			return apperr.Field(name, "is not a known field")
		default:
			return apperr.Field("body", "is not valid JSON for this request")
		}
	}
	return nil
}

// decodeRequired is decodeStrictJSON that also refuses a body leaving out
// (or sending null for) any of the fields named: where Go's zero value is
// itself a valid answer (0 minutes, an empty list, UTC), an absent field
// must not be read as that.
func decodeRequired(c echo.Context, v any, fields ...string) error {
	body, err := readJSONBody(c)
	if err != nil {
		return err
	}
	if err := unmarshalJSON(body, v, true); err != nil {
		return err
	}
	var present map[string]json.RawMessage
	_ = json.Unmarshal(body, &present) // the body decoded above: an object or null
	missing := map[string]string{}
	for _, f := range fields {
		if raw, ok := present[f]; !ok || string(raw) == "null" {
			missing[f] = "is required"
		}
	}
	if len(missing) > 0 {
		return apperr.Invalid("some required fields are missing", missing)
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
