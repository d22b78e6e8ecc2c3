package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// readJSONBody reads a request body that must be one strict JSON value:
// application/json (charset utf-8 if any), at most maxJSONBody bytes (413
// beyond), valid UTF-8, no NUL and no lone surrogate in any string, no
// key twice in an object, and nothing after the value. Errors name the
// field (a dotted path) or "body".
func readJSONBody(c echo.Context) ([]byte, error) {
	if err := checkJSONContentType(c.Request().Header.Get(echo.HeaderContentType)); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(io.LimitReader(c.Request().Body, maxJSONBody+1))
	if err != nil {
		return nil, apperr.Field("body", "could not be read")
	}
	if len(body) > maxJSONBody {
		return nil, echo.NewHTTPError(http.StatusRequestEntityTooLarge)
	}
	if err := checkStrictJSON(body); err != nil {
		return nil, err
	}
	return body, nil
}

// checkJSONContentType accepts application/json with no charset or UTF-8
// (400 otherwise, as API.md answers bad input); a missing Content-Type is
// read as JSON.
func checkJSONContentType(ct string) error {
	if ct == "" {
		return nil
	}
	bad := apperr.Invalid("send the body as application/json (charset utf-8)", map[string]string{"body": "must be JSON: Content-Type application/json, charset utf-8 if any"})
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != echo.MIMEApplicationJSON {
		return bad
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return bad
		}
	}
	return nil
}

// checkStrictJSON walks body's tokens once.
func checkStrictJSON(body []byte) error {
	if !utf8.Valid(body) {
		return apperr.Field("body", "must be UTF-8")
	}
	if err := checkSurrogates(body); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := walker{dec: dec}
	if err := w.value(""); err != nil {
		return err
	}
	if rest := bytes.TrimSpace(body[dec.InputOffset():]); len(rest) > 0 {
		return apperr.Field("body", "must hold exactly one JSON value, with nothing after it")
	}
	return nil
}

// walker checks one JSON value's strings and keys, tracking the path.
type walker struct{ dec *json.Decoder }

func (w walker) value(path string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return syntaxError(err)
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			return w.object(path)
		case '[':
			for i := 0; w.dec.More(); i++ {
				if err := w.value(join(path, strconv.Itoa(i))); err != nil {
					return err
				}
			}
			if _, err := w.dec.Token(); err != nil {
				return syntaxError(err)
			}
		}
	case string:
		if strings.ContainsRune(t, 0) {
			return apperr.Field(fieldOr(path), "must not contain a NUL character")
		}
	}
	return nil
}

func (w walker) object(path string) error {
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return syntaxError(err)
		}
		key, _ := tok.(string)
		field := join(path, key)
		if strings.ContainsRune(key, 0) {
			return apperr.Field(fieldOr(path), "a key must not contain a NUL character")
		}
		if seen[key] {
			return apperr.Field(field, "is given twice")
		}
		seen[key] = true
		if err := w.value(field); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil {
		return syntaxError(err)
	}
	return nil
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func fieldOr(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

func syntaxError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return apperr.Field("body", fmt.Sprintf("is not valid JSON (at byte %d)", se.Offset))
	case errors.Is(err, io.EOF):
		return apperr.Field("body", "is empty; send a JSON object")
	}
	return apperr.Field("body", "is not valid JSON")
}

// checkSurrogates refuses \u escapes that are half of a UTF-16 pair
// (Go would read them as U+FFFD and store that silently).
func checkSurrogates(body []byte) error {
	in := false
	for i := 0; i < len(body); i++ {
		switch b := body[i]; {
		case b == '"':
			in = !in
		case in && b == '\\' && i+1 < len(body):
			if body[i+1] != 'u' {
				i++
				continue
			}
			r, ok := hex4(body, i+2)
			if !ok {
				i++
				continue
			}
			switch {
			case r >= 0xD800 && r <= 0xDBFF:
				lo, ok := hex4(body, i+8)
				if i+7 >= len(body) || body[i+6] != '\\' || body[i+7] != 'u' || !ok || lo < 0xDC00 || lo > 0xDFFF {
					return apperr.Field("body", "holds a lone UTF-16 surrogate escape")
				}
				i += 11
			case r >= 0xDC00 && r <= 0xDFFF:
				return apperr.Field("body", "holds a lone UTF-16 surrogate escape")
			default:
				i += 5
			}
		}
	}
	return nil
}

// hex4 reads four hex digits at body[i:].
func hex4(body []byte, i int) (rune, bool) {
	if i+4 > len(body) {
		return 0, false
	}
	n, err := strconv.ParseUint(string(body[i:i+4]), 16, 32)
	return rune(n), err == nil
}
