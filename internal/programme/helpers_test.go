package programme_test

import (
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// hasField reports whether err is a 400 naming field.
func hasField(err error, field string) bool {
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.CodeInvalid {
		return false
	}
	_, ok = e.Fields[field]
	return ok
}
