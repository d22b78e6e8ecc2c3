// Package input refuses text that must never reach the database or a
// page: invalid UTF-8, NUL and other C0 control characters except tab,
// line feed and carriage return. The HTTP layers check every query
// parameter and form field with it before any handler runs, and the
// roster import checks every CSV cell, so bad input is a 400 naming the
// field, never a 500 from PostgreSQL.
package input

import (
	"net/url"
	"sort"
	"unicode/utf8"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// Problem says what is wrong with s, or "" when it is clean text.
func Problem(s string) string {
	if !utf8.ValidString(s) {
		return "must be UTF-8 text"
	}
	for _, r := range s {
		switch {
		case r == 0:
			return "must not contain a NUL character"
		case r < 0x20 && r != '\t' && r != '\n' && r != '\r', r == 0x7f:
			return "must not contain control characters"
		}
	}
	return ""
}

// Values checks every key and value of v (query parameters or form
// fields), in key order, and names the first bad one.
func Values(v url.Values) error {
	keys := make([]string, 0, len(v))
	for k := range v {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if p := Problem(k); p != "" {
			return apperr.Field("parameter", "a parameter name "+p)
		}
		for _, val := range v[k] {
			if p := Problem(val); p != "" {
				return apperr.Field(k, p)
			}
		}
	}
	return nil
}
