package account

import (
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// The reasons account refuses a sign-in, a second factor or a change, as
// the API answers them (apperr.Error.Reason).
const (
	ReasonInvalidCredentials                 = auth.ReasonInvalidCredentials // the email or password is wrong
	ReasonInvalidLink          apperr.Reason = "invalid_link"                // a mailed link is invalid, used or expired
	ReasonEmailTaken           apperr.Reason = "email_taken"                 // a user with the email exists
	ReasonInvalidChallenge     apperr.Reason = "invalid_challenge"           // the sign-in challenge is unknown, used or expired
	ReasonInvalidCode          apperr.Reason = "invalid_code"                // a second-factor code is wrong or used
	ReasonTOTPEnrolled         apperr.Reason = "totp_enrolled"               // an authenticator app is already set up
	ReasonNoSecondFactor       apperr.Reason = "no_second_factor"            // the account has no second factor yet
	ReasonSecondFactorRequired apperr.Reason = "second_factor_required"      // the account must keep a second factor
	ReasonOwnAccount           apperr.Reason = "own_account"                 // an operator may not reset their own second factor
	ReasonPasskeyRefused       apperr.Reason = "passkey_refused"             // the passkey could not be verified
	ReasonPasskeyExists        apperr.Reason = "passkey_exists"              // the passkey is already registered
	ReasonNoPasskey            apperr.Reason = "no_passkey"                  // the account has no passkey
)
