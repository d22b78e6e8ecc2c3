package record

import "github.com/taiwa/taiwa/internal/platform/apperr"

// The reasons record refuses a record or alert change, as the API answers
// them.
const (
	ReasonNotStarted       apperr.Reason = "not_started"        // the session has not started
	ReasonNotHeld          apperr.Reason = "not_held"           // the session was not held
	ReasonNotesUnreadable  apperr.Reason = "notes_unreadable"   // the stored private notes cannot be opened
	ReasonRecordNotWritten apperr.Reason = "record_not_written" // no record is written yet
	ReasonOutcomeRequired  apperr.Reason = "outcome_required"   // resolving an alert needs an outcome
	ReasonAlertResolved    apperr.Reason = "alert_resolved"     // the alert is already resolved
)
