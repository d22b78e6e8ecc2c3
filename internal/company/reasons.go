package company

import "github.com/taiwa/taiwa/internal/platform/apperr"

// The reasons the roster import refuses a change, as the API answers them.
const (
	ReasonInvalidStatus apperr.Reason = "invalid_status" // a row's status change is not allowed
)
