package programme

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// NewEnrolment is HR's request to enrol one named employee (by id or
// e-mail) with the template's anchor dates.
type NewEnrolment struct {
	EmployeeUserID uuid.UUID
	Email          string
	Anchors        map[string]string
}

// NewInvitation is HR's request to invite a group to an open programme:
// a department and everything below it (uuid.Nil: the programme's
// department, or every employee), with optional common anchors.
type NewInvitation struct {
	DepartmentID uuid.UUID
	Anchors      map[string]string
}

// Enrol adds a named employee of companyID to a named programme, pending
// their acceptance, and mails them. HR sees the enrolment as not
// accepted until they accept.
func (s *Service) Enrol(ctx context.Context, actor auth.Principal, companyID, programmeID uuid.UUID, n NewEnrolment) (HREnrolment, error) {
	if _, err := actor.CompanyScope(companyID); err != nil {
		return HREnrolment{}, err
	}
	if n.EmployeeUserID == uuid.Nil && strings.TrimSpace(n.Email) == "" {
		return HREnrolment{}, apperr.Field("employee_user_id", "is required (or email)")
	}
	anchors, err := ParseAnchors(n.Anchors)
	if err != nil {
		return HREnrolment{}, err
	}
	var out HREnrolment
	// Enrolling writes steps, which HR may not touch in the database: the
	// work runs in the platform's scope, every query bound to companyID.
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		p, err := getProgramme(ctx, tx, companyID, programmeID)
		if err != nil {
			return err
		}
		if p.Mode != ModeNamed {
			return apperr.Conflict(ReasonOpenProgramme, "an open programme invites a group: send department_id instead")
		}
		t, _ := TemplateByCode(p.Template)
		plan, err := t.Plan(anchors)
		if err != nil {
			return err
		}
		r, err := findEmployee(ctx, tx, companyID, n)
		if err != nil {
			return err
		}
		id, err := s.insertEnrolment(ctx, tx, companyID, p, r.UserID, StatusPending, anchors)
		if err != nil {
			return err
		}
		if err := s.insertSteps(ctx, tx, companyID, id, r.UserID, plan); err != nil {
			return err
		}
		out = HREnrolment{ID: id, EmployeeUserID: r.UserID, EmployeeName: r.Name, Steps: []HRStep{}}
		if err := s.mailEnrolment(ctx, tx, "programme_enrolment", r, p, id); err != nil {
			return err
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "programme.enrol", CompanyID: companyID,
			TargetType: "programme_enrolment", TargetID: id.String(), Details: map[string]any{"programme": p.ID.String()}})
	})
	return out, err
}

// recipient is an employee to mail.
type recipient struct {
	UserID uuid.UUID `db:"id"`
	Email  string    `db:"email"`
	Name   string    `db:"name"`
	Locale string    `db:"locale"`
}

func findEmployee(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, n NewEnrolment) (recipient, error) {
	var r recipient
	err := tx.GetContext(ctx, &r, `SELECT u.id, u.email, u.name, u.locale FROM employees e JOIN users u ON u.id = e.user_id
		WHERE e.company_id = $1 AND u.disabled_at IS NULL AND (u.id = $2 OR ($2 IS NULL AND u.email = lower($3)))`,
		companyID, uuid.NullUUID{UUID: n.EmployeeUserID, Valid: n.EmployeeUserID != uuid.Nil}, strings.TrimSpace(n.Email))
	if db.IsNoRows(err) {
		return r, apperr.NotFound("employee").Because(ReasonEmployeeNotFound)
	}
	return r, err
}

func (s *Service) insertEnrolment(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, p Programme, employee uuid.UUID, status string, anchors map[string]time.Time) (uuid.UUID, error) {
	a, err := json.Marshal(formatAnchors(anchors))
	if err != nil {
		return uuid.Nil, err
	}
	var id uuid.UUID
	err = tx.GetContext(ctx, &id, `INSERT INTO programme_enrolments (company_id, programme_id, mode, employee_user_id, status, anchors)
		VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`, companyID, p.ID, p.Mode, employee, status, a)
	if err != nil {
		if e, ok := apperr.As(db.MapError(err)); ok && e.Code == apperr.CodeConflict {
			return uuid.Nil, apperr.Conflict(ReasonAlreadyEnrolled, "this employee is already enrolled in the programme")
		}
		return uuid.Nil, fmt.Errorf("programme: enrol: %w", err)
	}
	return id, nil
}

// insertSteps writes the planned steps; a step whose deadline has already
// come is born closed.
func (s *Service) insertSteps(ctx context.Context, tx *sqlx.Tx, companyID, enrolmentID, employee uuid.UUID, plan []PlannedStep) error {
	today := Today(s.Clock.Now())
	for _, st := range plan {
		state := StepScheduled
		if st.Deadline != nil && !today.Before(*st.Deadline) {
			state = StepClosed
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO programme_steps (company_id, enrolment_id, employee_user_id, seq, step_key, due_on, deadline_on, state)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, companyID, enrolmentID, employee, st.Seq, st.Key, st.DueOn, st.Deadline, state); err != nil {
			return fmt.Errorf("programme: steps: %w", err)
		}
	}
	return nil
}

// Invite invites a group to an open programme: every active employee of
// the department subtree not yet invited gets an invitation mail. It
// answers how many were newly invited (HR knows the group anyway); who
// joins is never shown.
func (s *Service) Invite(ctx context.Context, actor auth.Principal, companyID, programmeID uuid.UUID, n NewInvitation) (int, error) {
	if _, err := actor.CompanyScope(companyID); err != nil {
		return 0, err
	}
	anchors, err := ParseAnchors(n.Anchors)
	if err != nil {
		return 0, err
	}
	count := 0
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		p, err := getProgramme(ctx, tx, companyID, programmeID)
		if err != nil {
			return err
		}
		if p.Mode != ModeOpen {
			return apperr.Conflict(ReasonNamedProgramme, "a named programme enrols one employee at a time: send employee_user_id")
		}
		if len(anchors) > 0 {
			t, _ := TemplateByCode(p.Template)
			if _, err := t.Plan(anchors); err != nil {
				return err
			}
		}
		dept := n.DepartmentID
		if dept == uuid.Nil && p.DepartmentID.Valid {
			dept = p.DepartmentID.UUID
		}
		if dept != uuid.Nil {
			if err := departmentExists(ctx, tx, companyID, dept); err != nil {
				return err
			}
		}
		a, err := json.Marshal(formatAnchors(anchors))
		if err != nil {
			return err
		}
		var invited []struct {
			ID uuid.UUID `db:"enrolment_id"`
			recipient
		}
		if err := tx.SelectContext(ctx, &invited, `
			WITH root AS (SELECT path FROM departments WHERE company_id = $1 AND id = $2),
			ins AS (
				INSERT INTO programme_enrolments (company_id, programme_id, mode, employee_user_id, status, anchors)
				SELECT $1, $3, 'open', e.user_id, 'invited', $4
				FROM employees e JOIN users u ON u.id = e.user_id
				LEFT JOIN departments d ON d.company_id = e.company_id AND d.id = e.department_id
				WHERE e.company_id = $1 AND u.disabled_at IS NULL
				  AND ($2::uuid IS NULL OR d.path = (SELECT path FROM root) OR d.path LIKE (SELECT path FROM root) || '/%')
				ON CONFLICT (company_id, programme_id, employee_user_id) DO NOTHING
				RETURNING id, employee_user_id)
			SELECT ins.id AS enrolment_id, u.id, u.email, u.name, u.locale FROM ins JOIN users u ON u.id = ins.employee_user_id`,
			companyID, uuid.NullUUID{UUID: dept, Valid: dept != uuid.Nil}, p.ID, a); err != nil {
			return fmt.Errorf("programme: invite: %w", err)
		}
		for _, r := range invited {
			if err := s.mailEnrolment(ctx, tx, "programme_invitation", r.recipient, p, r.ID); err != nil {
				return err
			}
		}
		count = len(invited)
		return audit.Write(ctx, tx, actor, audit.Event{Action: "programme.invite", CompanyID: companyID,
			TargetType: "programme", TargetID: p.ID.String(), Details: map[string]any{"invited": count}})
	})
	return count, err
}
