package web

import (
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// formErrors maps a field name to the message id shown next to it; the
// key "" is a message for the whole form.
type formErrors map[string]string

func (f formErrors) add(field, key string) {
	if _, ok := f[field]; !ok {
		f[field] = key
	}
}

// addDomain records a domain 400's field problems: each field the form
// shows gets its message id from keys, anything else becomes a message for
// the whole form, and there is always at least one message.
func (f formErrors) addDomain(fields map[string]string, keys map[string]string) {
	for field := range fields {
		key, ok := keys[field]
		if !ok {
			field, key = "", "field_invalid"
		}
		f.add(field, key)
	}
	if !f.Any() {
		f.add("", "field_invalid")
	}
}

// Any reports whether there is at least one error.
func (f formErrors) Any() bool { return len(f) > 0 }

// required records field as missing when v is blank.
func (f formErrors) required(field, v string) {
	if strings.TrimSpace(v) == "" {
		f.add(field, "field_required")
	}
}

// intIn parses v as a whole number in [min, max], recording key otherwise.
func (f formErrors) intIn(field, v string, min, max int, key string) int {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil || n < min || n > max {
		f.add(field, key)
		return 0
	}
	return n
}

// text records key for field when v is not clean text: invalid UTF-8 or a
// control character (tabs and line breaks are allowed where multiline),
// which no page means to store and the database refuses.
func (f formErrors) text(field, v string, multiline bool, key string) {
	if !utf8.ValidString(v) {
		f.add(field, key)
		return
	}
	for _, r := range v {
		if unicode.IsControl(r) && !(multiline && (r == '\n' || r == '\r' || r == '\t')) {
			f.add(field, key)
			return
		}
	}
}
