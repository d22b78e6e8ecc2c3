package programme

import "time"

// A step's states. held is reached when its linked booking is completed.
const (
	StepScheduled = "scheduled"
	StepInvited   = "invited"
	StepBooked    = "booked"
	StepHeld      = "held"
	StepDeclined  = "declined"
	StepClosed    = "closed"
)

// DeclineReasons are the coded reasons an employee may give; none is
// required and none is ever shown to HR.
var DeclineReasons = []string{"not_needed", "no_time", "other_support", "other"}

// StepStatus is what scheduling needs to know of a step.
type StepStatus struct {
	State        string
	DueOn        time.Time
	Deadline     *time.Time
	NextInviteOn *time.Time
	InviteCount  int
}

// Action is what SendDue does with a step on a given day.
type Action int

// The actions.
const (
	ActNone     Action = iota
	ActInvite          // the due date has come: first invitation
	ActReinvite        // a declined step's re-invitation date has come
	ActClose           // the step's deadline passed before it was booked
)

// open reports whether the step still waits for the employee.
func (s StepStatus) open() bool {
	return s.State == StepScheduled || s.State == StepInvited || s.State == StepDeclined
}

// NextAction is what SendDue does with the step on today (a JST date):
// invite on or after the due date, re-invite a declined step on or after
// its re-invitation date, close an unbooked step once its deadline came;
// nothing before the due date, nothing for a booked, held or closed step.
func NextAction(s StepStatus, today time.Time) Action {
	if s.open() && s.Deadline != nil && !today.Before(*s.Deadline) {
		return ActClose
	}
	switch s.State {
	case StepScheduled:
		if !today.Before(s.DueOn) {
			return ActInvite
		}
	case StepDeclined:
		if s.NextInviteOn != nil && !today.Before(*s.NextInviteOn) {
			return ActReinvite
		}
	}
	return ActNone
}

// AfterDecline is the state of an invited step the employee declines on
// today, after inviteCount invitations: declined with the date of the
// next invitation, or closed when the policy's re-invitations are used up
// or the next one would fall on or after the deadline. Never pushed
// further.
func AfterDecline(p Policy, inviteCount int, deadline *time.Time, today time.Time) (state string, next *time.Time) {
	if inviteCount-1 >= p.MaxReinvites {
		return StepClosed, nil
	}
	n := today.AddDate(0, 0, p.IntervalDays)
	if deadline != nil && !n.Before(*deadline) {
		return StepClosed, nil
	}
	return StepDeclined, &n
}
