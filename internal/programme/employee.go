package programme

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/consent"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

const enrolmentColumns = `e.id, e.programme_id, p.name, p.template, e.mode, e.status, e.created_at`

const stepColumns = `s.id, s.enrolment_id, s.seq, s.step_key, s.due_on, s.deadline_on, s.state, s.invite_count,
	s.next_invite_on, s.decline_reason, s.booking_id`

func employeeOnly(actor auth.Principal) error {
	if actor.Role != auth.RoleEmployee || actor.CompanyID == uuid.Nil {
		return apperr.Forbidden("programmes are for employees")
	}
	return nil
}

// Mine lists the employee's programme invitations and enrolments with
// their steps, newest first.
func (s *Service) Mine(ctx context.Context, actor auth.Principal) ([]Enrolment, error) {
	if err := employeeOnly(actor); err != nil {
		return nil, err
	}
	out := []Enrolment{}
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if err := settle(ctx, tx, actor.CompanyID); err != nil {
			return err
		}
		if err := tx.SelectContext(ctx, &out, `SELECT `+enrolmentColumns+` FROM programme_enrolments e
			JOIN programmes p ON p.company_id = e.company_id AND p.id = e.programme_id
			WHERE e.company_id = $1 AND e.employee_user_id = $2 ORDER BY e.created_at DESC, e.id`, actor.CompanyID, actor.UserID); err != nil {
			return err
		}
		return s.fillEnrolments(ctx, tx, actor, out)
	})
	return out, err
}

// fillEnrolments adds steps, theme and the disclosure text.
func (s *Service) fillEnrolments(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, list []Enrolment) error {
	var steps []Step
	if err := tx.SelectContext(ctx, &steps, `SELECT `+stepColumns+` FROM programme_steps s
		WHERE s.company_id = $1 AND s.employee_user_id = $2 ORDER BY s.enrolment_id, s.seq`, actor.CompanyID, actor.UserID); err != nil {
		return err
	}
	var minGroup int
	if err := tx.GetContext(ctx, &minGroup, `SELECT min_group FROM companies WHERE id = $1`, actor.CompanyID); err != nil {
		return err
	}
	for i := range list {
		e := &list[i]
		e.Steps = []Step{}
		for _, st := range steps {
			if st.EnrolmentID == e.ID {
				st.fill()
				e.Steps = append(e.Steps, st)
			}
		}
		t, _ := TemplateByCode(e.Template)
		e.Theme = t.Theme
		if e.Mode == ModeNamed {
			e.Disclosure = Disclosure(actor.Locale, e.ProgrammeName, e.Template, e.Steps)
		} else {
			e.Disclosure = OpenNotice(actor.Locale, minGroup)
		}
	}
	return nil
}

// Enrolment answer actions.
const (
	ActionAccept   = "accept"
	ActionDecline  = "decline"
	ActionWithdraw = "withdraw"
	ActionJoin     = "join"
)

// transitions: mode → action → from statuses → to status.
var transitions = map[string]map[string]struct {
	from []string
	to   string
}{
	ModeNamed: {
		ActionAccept:   {[]string{StatusPending, StatusDeclined, StatusWithdrawn}, StatusAccepted},
		ActionDecline:  {[]string{StatusPending}, StatusDeclined},
		ActionWithdraw: {[]string{StatusAccepted}, StatusWithdrawn},
	},
	ModeOpen: {
		ActionJoin:     {[]string{StatusInvited, StatusDeclined, StatusWithdrawn}, StatusJoined},
		ActionDecline:  {[]string{StatusInvited}, StatusDeclined},
		ActionWithdraw: {[]string{StatusJoined}, StatusWithdrawn},
	},
}

// Answer applies the employee's accept, decline, withdraw (named) or
// join, decline, withdraw (open) to their own enrolment. A named
// enrolment's answer is a consent: stored with the exact text shown (the
// Disclosure) through the consent ledger, audited there.
func (s *Service) Answer(ctx context.Context, actor auth.Principal, enrolmentID uuid.UUID, action string) (Enrolment, error) {
	if err := employeeOnly(actor); err != nil {
		return Enrolment{}, err
	}
	var out Enrolment
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		e, err := s.ownEnrolment(ctx, tx, actor, enrolmentID, true)
		if err != nil {
			return err
		}
		tr, ok := transitions[e.Mode][action]
		if !ok {
			return apperr.Conflict(ReasonWrongMode, "this action is not available for a "+e.Mode+" programme")
		}
		if !slices.Contains(tr.from, e.Status) {
			return apperr.Conflict(ReasonWrongState, "the enrolment is "+e.Status)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE programme_enrolments SET status = $3, answered_at = now()
			WHERE company_id = $1 AND id = $2`, actor.CompanyID, e.ID, tr.to); err != nil {
			return err
		}
		if e.Mode == ModeNamed {
			if _, err := consent.Append(ctx, tx, actor, consent.Consent{CompanyID: actor.CompanyID, EmployeeUserID: actor.UserID,
				Item: consent.ItemProgrammeEnrolment, Subject: e.ID.String(), Granted: tr.to == StatusAccepted, Text: e.Disclosure}); err != nil {
				return err
			}
		}
		if action == ActionJoin && len(e.Steps) == 0 {
			if err := s.planJoin(ctx, tx, actor, e); err != nil {
				return err
			}
		}
		if tr.to == StatusAccepted || tr.to == StatusJoined {
			if err := s.closePassed(ctx, tx, actor, e.ID); err != nil {
				return err
			}
		}
		out, err = s.ownEnrolment(ctx, tx, actor, enrolmentID, false)
		return err
	})
	return out, err
}

// ownEnrolment loads one of the employee's enrolments with its steps.
func (s *Service) ownEnrolment(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, id uuid.UUID, lock bool) (Enrolment, error) {
	if err := settle(ctx, tx, actor.CompanyID); err != nil {
		return Enrolment{}, err
	}
	q := `SELECT ` + enrolmentColumns + ` FROM programme_enrolments e
		JOIN programmes p ON p.company_id = e.company_id AND p.id = e.programme_id
		WHERE e.company_id = $1 AND e.employee_user_id = $2 AND e.id = $3`
	if lock {
		q += ` FOR UPDATE OF e`
	}
	var e Enrolment
	err := tx.GetContext(ctx, &e, q, actor.CompanyID, actor.UserID, id)
	if db.IsNoRows(err) {
		return e, apperr.NotFound("enrolment")
	}
	if err != nil {
		return e, err
	}
	list := []Enrolment{e}
	if err := s.fillEnrolments(ctx, tx, actor, list); err != nil {
		return e, err
	}
	return list[0], nil
}

// planJoin writes an open enrolment's steps on joining: from the anchors
// HR gave with the invitation, else from today.
func (s *Service) planJoin(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, e Enrolment) error {
	var raw []byte
	if err := tx.GetContext(ctx, &raw, `SELECT anchors FROM programme_enrolments WHERE company_id = $1 AND id = $2`, actor.CompanyID, e.ID); err != nil {
		return err
	}
	var given map[string]string
	if err := json.Unmarshal(raw, &given); err != nil {
		return fmt.Errorf("programme: anchors: %w", err)
	}
	anchors, err := ParseAnchors(given)
	if err != nil {
		return err
	}
	t, _ := TemplateByCode(e.Template)
	if len(anchors) == 0 {
		today := Today(s.Clock.Now())
		for _, a := range t.Anchors {
			anchors[a] = today
		}
	}
	plan, err := t.Plan(anchors)
	if err != nil {
		return err
	}
	return s.insertSteps(ctx, tx, actor.CompanyID, e.ID, actor.UserID, plan)
}

// closePassed closes the open steps whose deadline has come.
func (s *Service) closePassed(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, enrolmentID uuid.UUID) error {
	_, err := tx.ExecContext(ctx, `UPDATE programme_steps SET state = 'closed', next_invite_on = NULL, updated_at = now()
		WHERE company_id = $1 AND enrolment_id = $2 AND state IN ('scheduled', 'invited', 'declined') AND deadline_on <= $3`,
		actor.CompanyID, enrolmentID, Today(s.Clock.Now()))
	return err
}

// ownStep loads one of the employee's steps (settled) with its template
// and enrolment status, locked.
func (s *Service) ownStep(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, id uuid.UUID) (Step, Template, error) {
	if err := settle(ctx, tx, actor.CompanyID); err != nil {
		return Step{}, Template{}, err
	}
	var row struct {
		Step
		Template string `db:"template"`
		Status   string `db:"status"`
	}
	err := tx.GetContext(ctx, &row, `SELECT `+stepColumns+`, p.template, e.status FROM programme_steps s
		JOIN programme_enrolments e ON e.company_id = s.company_id AND e.id = s.enrolment_id
		JOIN programmes p ON p.company_id = e.company_id AND p.id = e.programme_id
		WHERE s.company_id = $1 AND s.employee_user_id = $2 AND s.id = $3 FOR UPDATE OF s`, actor.CompanyID, actor.UserID, id)
	if db.IsNoRows(err) {
		return Step{}, Template{}, apperr.NotFound("programme step")
	}
	if err != nil {
		return Step{}, Template{}, err
	}
	if !active(row.Status) {
		return Step{}, Template{}, apperr.Conflict(ReasonEnrolmentNotActive, "accept or join the programme first")
	}
	t, _ := TemplateByCode(row.Template)
	row.Step.fill()
	return row.Step, t, nil
}

// DeclineStep records the employee's decline of an invited step, with an
// optional coded reason; the step is invited again after the template's
// interval, a limited number of times, then closes. HR never sees it.
func (s *Service) DeclineStep(ctx context.Context, actor auth.Principal, stepID uuid.UUID, reason string) (Step, error) {
	if err := employeeOnly(actor); err != nil {
		return Step{}, err
	}
	if reason != "" && !slices.Contains(DeclineReasons, reason) {
		return Step{}, apperr.Field("reason", "must be one of not_needed, no_time, other_support, other")
	}
	var out Step
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		st, t, err := s.ownStep(ctx, tx, actor, stepID)
		if err != nil {
			return err
		}
		if st.State != StepInvited {
			return apperr.Conflict(ReasonStepNotInvited, "only an invited step can be declined; this one is "+st.State)
		}
		state, next := AfterDecline(t.Policy, st.InviteCount, st.Deadline, Today(s.Clock.Now()))
		return tx.GetContext(ctx, &out, `UPDATE programme_steps s SET state = $3, next_invite_on = $4, decline_reason = $5, updated_at = now()
			WHERE company_id = $1 AND id = $2 RETURNING `+stepColumns,
			actor.CompanyID, st.ID, state, next, nullString(reason))
	})
	out.fill()
	return out, err
}

func nullString(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// LinkBooking ties the employee's own confirmed booking to their own
// invited (or declined) step: the step is then booked, and held once the
// session is completed. Linking the same booking again changes nothing.
func (s *Service) LinkBooking(ctx context.Context, actor auth.Principal, stepID, bookingID uuid.UUID) (Step, error) {
	if err := employeeOnly(actor); err != nil {
		return Step{}, err
	}
	var out Step
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		st, _, err := s.ownStep(ctx, tx, actor, stepID)
		if err != nil {
			return err
		}
		out, err = linkStep(ctx, tx, actor, st, bookingID)
		return err
	})
	out.fill()
	return out, err
}

// bookable refuses a step that cannot take a booking (409 step_not_bookable).
func bookable(st Step) error {
	if st.State != StepInvited && st.State != StepDeclined {
		return apperr.Conflict(ReasonStepNotBookable, "this step is "+st.State)
	}
	return nil
}

// linkStep ties bookingID to st (loaded and locked by ownStep in tx): the
// employee's own confirmed booking only.
func linkStep(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, st Step, bookingID uuid.UUID) (Step, error) {
	if st.BookingID.Valid && st.BookingID.UUID == bookingID && (st.State == StepBooked || st.State == StepHeld) {
		return st, nil
	}
	if err := bookable(st); err != nil {
		return Step{}, err
	}
	var status string
	err := tx.GetContext(ctx, &status, `SELECT status FROM bookings WHERE company_id = $1 AND id = $2 AND employee_user_id = $3`,
		actor.CompanyID, bookingID, actor.UserID)
	if db.IsNoRows(err) {
		return Step{}, apperr.NotFound("booking")
	}
	if err != nil {
		return Step{}, err
	}
	if status != "confirmed" {
		return Step{}, apperr.Conflict(booking.ReasonBookingNotConfirmed, "the booking is "+status)
	}
	var out Step
	err = tx.GetContext(ctx, &out, `UPDATE programme_steps s SET state = 'booked', booking_id = $3, next_invite_on = NULL, updated_at = now()
		WHERE company_id = $1 AND id = $2 RETURNING `+stepColumns, actor.CompanyID, st.ID, bookingID)
	return out, err
}

// BookStep books a session for the employee's own step of an active
// enrolment and links it, as one unit of work: the step is checked (404
// not theirs, 409 enrolment_not_active or step_not_bookable) before the
// booking rules run, and the booking and the step's link are written in
// the booking's transaction, so either both stand or neither does. The
// booking's own rules, answers and Idempotency-Key are Book's.
func (s *Service) BookStep(ctx context.Context, actor auth.Principal, stepID uuid.UUID, in booking.NewBooking, idempotencyKey string) (booking.Booking, error) {
	if err := employeeOnly(actor); err != nil {
		return booking.Booking{}, err
	}
	if s.Bookings == nil {
		return booking.Booking{}, errors.New("programme: BookStep needs the booking service")
	}
	var st Step
	return s.Bookings.BookWithin(ctx, actor, in, idempotencyKey, booking.Within{
		Before: func(ctx context.Context, tx *sqlx.Tx) error {
			var err error
			if st, _, err = s.ownStep(ctx, tx, actor, stepID); err != nil {
				return err
			}
			return bookable(st)
		},
		After: func(ctx context.Context, tx *sqlx.Tx, b booking.Booking) error {
			_, err := linkStep(ctx, tx, actor, st, b.ID)
			return err
		},
	})
}
