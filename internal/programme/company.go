package programme

import (
	"context"
	"fmt"
	"strings"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// Create starts a programme for companyID (HR of that company, or an
// operator).
func (s *Service) Create(ctx context.Context, actor auth.Principal, companyID uuid.UUID, n NewProgramme) (Programme, error) {
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return Programme{}, err
	}
	t, ok := TemplateByCode(n.Template)
	fields := map[string]string{}
	if !ok {
		fields["template"] = "must be one of high_stress_followup, return_to_work, onboarding, exit_interview"
	}
	switch {
	case n.Mode != ModeNamed && n.Mode != ModeOpen:
		fields["mode"] = "must be named or open"
	case ok && n.Mode == ModeOpen && !t.Open:
		fields["mode"] = n.Template + " runs only as named enrolments (its dates are each person's)"
	case n.Mode == ModeNamed && n.DepartmentID != uuid.Nil:
		fields["department_id"] = "is only for open invitations"
	}
	n.Name = strings.TrimSpace(n.Name)
	if n.Name == "" && ok {
		n.Name = Label(t.Code, actor.Locale)
	}
	if len([]rune(n.Name)) > 200 {
		fields["name"] = "must be at most 200 characters"
	}
	if len(fields) > 0 {
		return Programme{}, fieldsError(fields)
	}
	var p Programme
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		if n.DepartmentID != uuid.Nil {
			if err := departmentExists(ctx, tx, companyID, n.DepartmentID); err != nil {
				return err
			}
		}
		dept := uuid.NullUUID{UUID: n.DepartmentID, Valid: n.DepartmentID != uuid.Nil}
		if err := tx.GetContext(ctx, &p, `INSERT INTO programmes AS p (company_id, template, name, mode, department_id, created_by)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING `+programmeColumns,
			companyID, n.Template, n.Name, n.Mode, dept, actor.UserID); err != nil {
			return err
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "programme.create", CompanyID: companyID,
			TargetType: "programme", TargetID: p.ID.String(), Details: map[string]any{"template": p.Template, "mode": p.Mode}})
	})
	return p, err
}

func departmentExists(ctx context.Context, tx *sqlx.Tx, companyID, id uuid.UUID) error {
	var ok bool
	if err := tx.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM departments WHERE company_id = $1 AND id = $2)`, companyID, id); err != nil {
		return err
	}
	if !ok {
		return apperr.Field("department_id", "is not a department of this company")
	}
	return nil
}

// List is the company's programmes, newest first.
func (s *Service) List(ctx context.Context, actor auth.Principal, companyID uuid.UUID) ([]Programme, error) {
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return nil, err
	}
	var out []Programme
	err = s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		out, err = ListTx(ctx, tx, companyID)
		return err
	})
	return out, err
}

func getProgramme(ctx context.Context, tx *sqlx.Tx, companyID, id uuid.UUID) (Programme, error) {
	var p Programme
	err := tx.GetContext(ctx, &p, `SELECT `+programmeColumns+` FROM programmes p WHERE p.company_id = $1 AND p.id = $2`, companyID, id)
	if db.IsNoRows(err) {
		return p, apperr.NotFound("programme")
	}
	return p, err
}

// Get is one programme as HR sees it: a named programme's enrolments
// (accepted ones with each step's held/not-held state), or an open
// programme's suppressed uptake.
func (s *Service) Get(ctx context.Context, actor auth.Principal, companyID, id uuid.UUID) (Detail, error) {
	scope, err := actor.CompanyScope(companyID)
	if err != nil {
		return Detail{}, err
	}
	var d Detail
	if err := s.DB.InTx(ctx, scope, func(tx *sqlx.Tx) error {
		d.Programme, err = getProgramme(ctx, tx, companyID, id)
		return err
	}); err != nil {
		return d, err
	}
	// The steps (and an open programme's enrolments) are out of HR's
	// reach in the database: read them in the platform's scope and keep
	// only what HR may see.
	var minGroup, n int
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := settle(ctx, tx, companyID); err != nil {
			return err
		}
		if d.Mode == ModeOpen {
			minGroup, n, err = invited(ctx, tx, companyID, id)
			return err
		}
		d.Enrolments, err = namedForHR(ctx, tx, companyID, id)
		d.Enrolled = len(d.Enrolments)
		return err
	})
	if err == nil && d.Mode == ModeOpen {
		var u Uptake
		u, err = s.uptakeOf(ctx, companyID, id, minGroup, n)
		d.Uptake = &u
	}
	return d, err
}

func namedForHR(ctx context.Context, tx *sqlx.Tx, companyID, programmeID uuid.UUID) ([]HREnrolment, error) {
	var rows []struct {
		ID       uuid.UUID `db:"id"`
		Employee uuid.UUID `db:"employee_user_id"`
		Name     string    `db:"name"`
		Status   string    `db:"status"`
	}
	if err := tx.SelectContext(ctx, &rows, `SELECT e.id, e.employee_user_id, u.name, e.status
		FROM programme_enrolments e JOIN users u ON u.id = e.employee_user_id
		WHERE e.company_id = $1 AND e.programme_id = $2 AND e.mode = 'named' ORDER BY u.name, e.id`, companyID, programmeID); err != nil {
		return nil, err
	}
	var steps []struct {
		EnrolmentID uuid.UUID `db:"enrolment_id"`
		Step
	}
	if err := tx.SelectContext(ctx, &steps, `SELECT s.enrolment_id, s.id, s.seq, s.step_key, s.due_on, s.deadline_on, s.state,
		s.invite_count, s.next_invite_on, s.decline_reason, s.booking_id
		FROM programme_steps s JOIN programme_enrolments e ON e.company_id = s.company_id AND e.id = s.enrolment_id
		WHERE s.company_id = $1 AND e.programme_id = $2 AND e.status = 'accepted' ORDER BY s.enrolment_id, s.seq`, companyID, programmeID); err != nil {
		return nil, err
	}
	byEnrolment := map[uuid.UUID][]HRStep{}
	for _, st := range steps {
		state := "not_held"
		if st.State == StepHeld {
			state = "held"
		}
		byEnrolment[st.EnrolmentID] = append(byEnrolment[st.EnrolmentID], HRStep{Key: st.Key, DueMonth: monthString(st.DueOn), State: state})
	}
	out := make([]HREnrolment, 0, len(rows))
	for _, r := range rows {
		e := HREnrolment{ID: r.ID, EmployeeUserID: r.Employee, EmployeeName: r.Name, Accepted: r.Status == StatusAccepted, Steps: []HRStep{}}
		if e.Accepted {
			e.Steps = append(e.Steps, byEnrolment[r.ID]...)
		}
		out = append(out, e)
	}
	return out, nil
}

// invited counts an open programme's invited employees (HR's own
// invitation) and reads the company's min_group.
func invited(ctx context.Context, tx *sqlx.Tx, companyID, programmeID uuid.UUID) (minGroup, n int, err error) {
	var c struct {
		MinGroup int `db:"min_group"`
		Invited  int `db:"invited"`
	}
	err = tx.GetContext(ctx, &c, `SELECT (SELECT min_group FROM companies WHERE id = $1) AS min_group,
		count(DISTINCT e.employee_user_id) AS invited
		FROM programme_enrolments e WHERE e.company_id = $1 AND e.programme_id = $2`, companyID, programmeID)
	if err != nil {
		return 0, 0, fmt.Errorf("programme: invited: %w", err)
	}
	return c.MinGroup, c.Invited, nil
}

// settle brings booked steps up to date with their bookings: a completed
// booking makes the step held; a cancelled or missed one puts the step
// back to invited so the employee may book again.
func settle(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID) error {
	_, err := tx.ExecContext(ctx, `UPDATE programme_steps s SET
		state = CASE WHEN b.status = 'completed' THEN 'held' ELSE 'invited' END,
		booking_id = CASE WHEN b.status = 'completed' THEN s.booking_id END,
		updated_at = now()
		FROM bookings b WHERE s.state = 'booked' AND b.company_id = s.company_id AND b.id = s.booking_id
		AND b.status <> 'confirmed' AND ($1::uuid IS NULL OR s.company_id = $1)`, uuid.NullUUID{UUID: companyID, Valid: companyID != uuid.Nil})
	if err != nil {
		return fmt.Errorf("programme: settle: %w", err)
	}
	return nil
}
