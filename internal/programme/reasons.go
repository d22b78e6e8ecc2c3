package programme

import "github.com/taiwa/taiwa/internal/platform/apperr"

// The reasons programme refuses an enrolment or a step action, as the API
// answers them.
const (
	ReasonWrongMode          apperr.Reason = "wrong_mode"           // the action is not for the programme's mode
	ReasonWrongState         apperr.Reason = "wrong_state"          // the action is not for the enrolment's status
	ReasonEnrolmentNotActive apperr.Reason = "enrolment_not_active" // the enrolment is not accepted or joined
	ReasonStepNotInvited     apperr.Reason = "step_not_invited"     // only an invited step can be declined
	ReasonStepNotBookable    apperr.Reason = "step_not_bookable"    // the step cannot take a booking
	ReasonOpenProgramme      apperr.Reason = "open_programme"       // an open programme invites a department
	ReasonNamedProgramme     apperr.Reason = "named_programme"      // a named programme enrols one employee
	ReasonAlreadyEnrolled    apperr.Reason = "already_enrolled"     // the employee is already enrolled
	ReasonEmployeeNotFound   apperr.Reason = "employee_not_found"   // no active employee of the company matches (a finer reason, Why: the API answers not_found)
)
