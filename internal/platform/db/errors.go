package db

import (
	"errors"

	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// MapError turns constraint violations into domain errors — the one place
// where PostgreSQL's error codes become meaning. Errors that are already
// domain errors, and unexpected ones, pass through unchanged.
func MapError(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err
	}
	var pe *pq.Error
	if !errors.As(err, &pe) {
		return err
	}
	switch pe.Code {
	case "23505": // unique_violation
		return &apperr.Error{Code: apperr.CodeConflict, Reason: ReasonAlreadyExists, Message: "it already exists", Err: err}
	case "23P01": // exclusion_violation
		return &apperr.Error{Code: apperr.CodeConflict, Reason: ReasonSlotUnavailable, Message: "the time is no longer available", Err: err}
	case "23503": // foreign_key_violation
		return &apperr.Error{Code: apperr.CodeNotFound, Reason: apperr.ReasonNotFound, Message: "a referenced item does not exist", Err: err}
	case "23514", "23502", "22001", "22P02", "22007", "22008", "22003": // check, not null, too long, bad text, bad datetime, out of range
		return &apperr.Error{Code: apperr.CodeInvalid, Reason: apperr.ReasonInvalidInput, Message: "the input was refused: " + pe.Message, Err: err}
	case "40001", "40P01": // serialization failure, deadlock
		return &apperr.Error{Code: apperr.CodeConflict, Reason: apperr.ReasonConflict, Message: "a concurrent change interfered; try again", Err: err}
	}
	return err
}

// ConstraintName returns the violated constraint's name, if err is a
// constraint violation; domain code uses it to name the offending field.
func ConstraintName(err error) string {
	var pe *pq.Error
	if errors.As(err, &pe) {
		return pe.Constraint
	}
	return ""
}

// Retryable reports whether err is PostgreSQL giving up one of two
// transactions that waited on each other (a deadlock or a serialization
// failure): running the whole unit of work again is then safe and
// usually succeeds.
func Retryable(err error) bool {
	var pe *pq.Error
	return errors.As(err, &pe) && (pe.Code == "40001" || pe.Code == "40P01")
}
