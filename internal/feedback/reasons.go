package feedback

import "github.com/taiwa/taiwa/internal/platform/apperr"

// The reasons feedback refuses a rating, a share or a moderation, as the
// API answers them.
const (
	ReasonNotStarted       apperr.Reason = "not_started"       // the session has not started
	ReasonNotEnded         apperr.Reason = "not_ended"         // the session is not over
	ReasonNotHeld          apperr.Reason = "not_held"          // the session was not held
	ReasonAlreadyRated     apperr.Reason = "already_rated"     // the session is already rated
	ReasonAlreadyModerated apperr.Reason = "already_moderated" // the review is already moderated
	ReasonNothingToShare   apperr.Reason = "nothing_to_share"  // there is nothing to share yet
)
