package input

import (
	"strings"
	"time"
)

// Instant reads an RFC 3339 time with an offset, the way every HTTP input
// of Taiwa takes one: a lowercase "t" and "z" are accepted (RFC 3339
// §5.6), an offset outside ±23:59 (which Go reads and PostgreSQL refuses)
// or a year outside 1900–9999 is not.
func Instant(v string) (time.Time, bool) {
	t, err := time.Parse(time.RFC3339, strings.ToUpper(v))
	if err != nil {
		return time.Time{}, false
	}
	if _, off := t.Zone(); off <= -24*3600 || off >= 24*3600 || t.Year() < 1900 || t.Year() > 9999 {
		return time.Time{}, false
	}
	return t, true
}
