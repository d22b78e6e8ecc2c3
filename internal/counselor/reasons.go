package counselor

import "github.com/taiwa/taiwa/internal/platform/apperr"

// The reasons counselor refuses a profile, credential or review change, as
// the API answers them.
const (
	ReasonInvalidMeetingLink        apperr.Reason = "invalid_meeting_link"        // the meeting link is not an allowed https URL
	ReasonCredentialRequired        apperr.Reason = "credential_required"         // a theme needs a verified credential
	ReasonCredentialDuplicate       apperr.Reason = "credential_duplicate"        // the credential is already submitted
	ReasonCredentialAlreadyVerified apperr.Reason = "credential_already_verified" // the credential is already verified
	ReasonCredentialRejected        apperr.Reason = "credential_rejected"         // the credential was rejected
	ReasonCredentialAlreadyRejected apperr.Reason = "credential_already_rejected" // the credential is already rejected
	ReasonNoVerifiedCredential      apperr.Reason = "no_verified_credential"      // the counsellor has no verified, unexpired credential
	ReasonCounselorAlreadyVerified  apperr.Reason = "counselor_already_verified"  // the counsellor is already verified
	ReasonCounselorSuspended        apperr.Reason = "counselor_suspended"         // the counsellor is suspended
	ReasonCounselorAlreadySuspended apperr.Reason = "counselor_already_suspended" // the counsellor is already suspended
	ReasonCounselorNotVerified      apperr.Reason = "counselor_not_verified"      // only a verified counsellor can be suspended
	ReasonCounselorNotSuspended     apperr.Reason = "counselor_not_suspended"     // only a suspended counsellor can be reinstated
)
