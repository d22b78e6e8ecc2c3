// Package programme runs a company's follow-up programmes from templates
// drawn from occupational-health practice (high-stress follow-up, return
// to work, onboarding check-ins, exit interviews): named enrolments that
// the employee accepts first, and open invitations whose members HR never
// sees. Each step is invited by mail at its due date; a decline is
// recorded and re-invited after a set interval a limited number of times,
// never pushed.
//
// What HR may see is decided here and again in the database
// (migrations/00010_programmes.sql): a company admin reads programmes and
// named enrolments, never a step row and never an open programme's
// enrolments. Held/not-held states of accepted named enrolments and the
// suppressed uptake of open programmes are computed in the platform's
// scope after the admin's company was checked, and only those results
// leave this package. docs/programmes.md has the rules.
package programme

import (
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

// Service runs programmes.
type Service struct {
	DB      *db.DB
	Mail    *mail.Composer
	BaseURL string
	// Clock is the services' one clock (tests fix or move it); nil is
	// the wall clock.
	Clock clock.Clock
	// Uptake reads open programmes' released uptake; nil shows none.
	Uptake UptakeSource
	// Bookings books a step's session (BookStep); nil refuses it.
	Bookings *booking.Service
}

// The modes.
const (
	ModeNamed = "named"
	ModeOpen  = "open"
)

// Enrolment statuses (named: pending → accepted | declined, accepted →
// withdrawn; open: invited → joined | declined, joined → withdrawn).
const (
	StatusPending   = "pending"
	StatusAccepted  = "accepted"
	StatusInvited   = "invited"
	StatusJoined    = "joined"
	StatusDeclined  = "declined"
	StatusWithdrawn = "withdrawn"
)

// active reports whether an enrolment's steps are invited.
func active(status string) bool { return status == StatusAccepted || status == StatusJoined }

// Programme is one company's run of a template.
type Programme struct {
	ID           uuid.UUID     `db:"id" json:"id"`
	CompanyID    uuid.UUID     `db:"company_id" json:"company_id"`
	Template     string        `db:"template" json:"template"`
	Name         string        `db:"name" json:"name"`
	Mode         string        `db:"mode" json:"mode"`
	DepartmentID uuid.NullUUID `db:"department_id" json:"department_id"`
	CreatedAt    time.Time     `db:"created_at" json:"created_at"`
	// Enrolled counts a named programme's enrolments (HR chose them);
	// always 0 for an open one.
	Enrolled int `db:"enrolled" json:"enrolled"`
}

const programmeColumns = `p.id, p.company_id, p.template, p.name, p.mode, p.department_id, p.created_at`

// NewProgramme is HR's request to start a programme.
type NewProgramme struct {
	Template     string
	Name         string
	Mode         string
	DepartmentID uuid.UUID // open mode: the default group (uuid.Nil: everyone)
}

// HRStep is all HR learns of one step of an accepted named enrolment.
type HRStep struct {
	Key      string `json:"key"`
	DueMonth string `json:"due_month"`
	State    string `json:"state"` // held | not_held
}

// HREnrolment is a named enrolment as HR sees it: until the employee
// accepted, only that it is not accepted (pending and declined look the
// same).
type HREnrolment struct {
	ID             uuid.UUID `json:"id"`
	EmployeeUserID uuid.UUID `json:"employee_user_id"`
	EmployeeName   string    `json:"employee_name"`
	Accepted       bool      `json:"accepted"`
	Steps          []HRStep  `json:"steps"`
}

// Detail is one programme as HR sees it: named enrolments or, for an
// open programme, the suppressed uptake.
type Detail struct {
	Programme
	Enrolments []HREnrolment `json:"enrolments,omitempty"`
	Uptake     *Uptake       `json:"uptake,omitempty"`
}

// Step is one step as its employee sees it.
type Step struct {
	ID            uuid.UUID     `db:"id" json:"id"`
	EnrolmentID   uuid.UUID     `db:"enrolment_id" json:"-"`
	Seq           int           `db:"seq" json:"seq"`
	Key           string        `db:"step_key" json:"key"`
	DueOn         time.Time     `db:"due_on" json:"-"`
	Deadline      *time.Time    `db:"deadline_on" json:"-"`
	State         string        `db:"state" json:"state"`
	InviteCount   int           `db:"invite_count" json:"invite_count"`
	NextInviteOn  *time.Time    `db:"next_invite_on" json:"-"`
	DeclineReason *string       `db:"decline_reason" json:"decline_reason"`
	BookingID     uuid.NullUUID `db:"booking_id" json:"booking_id"`
	// The dates as YYYY-MM-DD for JSON.
	Due      string  `db:"-" json:"due_on"`
	Until    *string `db:"-" json:"deadline_on"`
	Reinvite *string `db:"-" json:"next_invite_on"`
}

func (st *Step) fill() {
	st.Due = dateString(st.DueOn)
	if st.Deadline != nil {
		v := dateString(*st.Deadline)
		st.Until = &v
	}
	if st.NextInviteOn != nil {
		v := dateString(*st.NextInviteOn)
		st.Reinvite = &v
	}
}

// Enrolment is one programme invitation as its employee sees it, with the
// exact text of what HR would see (Disclosure) for a named one.
type Enrolment struct {
	ID            uuid.UUID `db:"id" json:"id"`
	ProgrammeID   uuid.UUID `db:"programme_id" json:"programme_id"`
	ProgrammeName string    `db:"name" json:"programme_name"`
	Template      string    `db:"template" json:"template"`
	Mode          string    `db:"mode" json:"mode"`
	Status        string    `db:"status" json:"status"`
	CreatedAt     time.Time `db:"created_at" json:"created_at"`
	Theme         string    `db:"-" json:"theme"`
	Disclosure    string    `db:"-" json:"disclosure"`
	Steps         []Step    `db:"-" json:"steps"`
}

func fieldsError(fields map[string]string) error {
	return apperr.Invalid("some fields are not valid", fields)
}
