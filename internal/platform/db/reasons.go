package db

import "github.com/taiwa/taiwa/internal/platform/apperr"

// The reasons MapError gives constraint errors that are not generic.
const (
	ReasonAlreadyExists   apperr.Reason = "already_exists"   // a unique constraint refused the row
	ReasonSlotUnavailable apperr.Reason = "slot_unavailable" // an exclusion constraint refused an overlapping time
)
