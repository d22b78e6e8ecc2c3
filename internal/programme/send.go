package programme

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

// mailData is what the programme mail templates read. It names the
// programme and the step, never HR's reasons or anyone else.
type mailData struct {
	Name      string
	Programme string
	Template  string
	Step      string
	DueOn     string
	Reinvite  bool
	Link      string
}

func (s *Service) link(path string) string { return strings.TrimRight(s.BaseURL, "/") + path }

// mailEnrolment mails a named enrolment ("programme_enrolment") or an
// open invitation ("programme_invitation"), once per enrolment.
func (s *Service) mailEnrolment(ctx context.Context, tx *sqlx.Tx, tmpl string, r recipient, p Programme, enrolmentID uuid.UUID) error {
	if s.Mail == nil {
		return fmt.Errorf("programme: no mail composer")
	}
	d := mailData{Name: r.Name, Programme: p.Name, Template: Label(p.Template, r.Locale), Link: s.link("/programmes")}
	msg, err := s.Mail.Compose(tmpl, r.Locale, r.Email, d)
	if err != nil {
		return err
	}
	return mail.Enqueue(ctx, tx, msg, "programme.enrolment:"+enrolmentID.String())
}

// dueRow is a step SendDue may act on.
type dueRow struct {
	ID           uuid.UUID  `db:"step_id"`
	CompanyID    uuid.UUID  `db:"company_id"`
	Key          string     `db:"step_key"`
	State        string     `db:"state"`
	DueOn        time.Time  `db:"due_on"`
	Deadline     *time.Time `db:"deadline_on"`
	NextInviteOn *time.Time `db:"next_invite_on"`
	InviteCount  int        `db:"invite_count"`
	Programme    string     `db:"programme"`
	Template     string     `db:"template"`
	recipient
}

// SendDue invites every step whose due date (or re-invitation date) has
// come, once, and closes unbooked steps whose deadline passed; only
// steps of accepted or joined enrolments. Housekeeping calls it hourly;
// running it again the same day does nothing more (the step's state moves
// in the same transaction as the mail, which also carries a dedupe key
// per step and invitation number). It returns how many invitations it
// queued.
func (s *Service) SendDue(ctx context.Context, now time.Time) (int, error) {
	today := Today(now)
	sent := 0
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := settle(ctx, tx, uuid.Nil); err != nil {
			return err
		}
		var rows []dueRow
		if err := tx.SelectContext(ctx, &rows, `SELECT s.id AS step_id, s.company_id, s.step_key, s.state, s.due_on, s.deadline_on, s.next_invite_on, s.invite_count,
			p.name AS programme, p.template, u.id, u.email, u.name, u.locale
			FROM programme_steps s
			JOIN programme_enrolments e ON e.company_id = s.company_id AND e.id = s.enrolment_id
			JOIN programmes p ON p.company_id = e.company_id AND p.id = e.programme_id
			JOIN users u ON u.id = s.employee_user_id
			WHERE e.status IN ('accepted', 'joined') AND u.disabled_at IS NULL
			  AND ((s.state = 'scheduled' AND s.due_on <= $1) OR (s.state = 'declined' AND s.next_invite_on <= $1)
			       OR (s.state IN ('scheduled', 'invited', 'declined') AND s.deadline_on <= $1))
			ORDER BY s.due_on, s.id
			FOR UPDATE OF s SKIP LOCKED`, today); err != nil {
			return fmt.Errorf("programme: due steps: %w", err)
		}
		for _, r := range rows {
			st := StepStatus{State: r.State, DueOn: r.DueOn, Deadline: r.Deadline, NextInviteOn: r.NextInviteOn, InviteCount: r.InviteCount}
			switch NextAction(st, today) {
			case ActClose:
				if _, err := tx.ExecContext(ctx, `UPDATE programme_steps SET state = 'closed', next_invite_on = NULL, updated_at = now()
					WHERE company_id = $1 AND id = $2`, r.CompanyID, r.ID); err != nil {
					return err
				}
			case ActInvite, ActReinvite:
				if err := s.inviteStep(ctx, tx, r, now); err != nil {
					return err
				}
				sent++
			}
		}
		return nil
	})
	return sent, err
}

// inviteStep marks the step invited and queues its mail.
func (s *Service) inviteStep(ctx context.Context, tx *sqlx.Tx, r dueRow, now time.Time) error {
	n := r.InviteCount + 1
	if _, err := tx.ExecContext(ctx, `UPDATE programme_steps SET state = 'invited', invite_count = $3, next_invite_on = NULL,
		invited_at = $4, updated_at = now() WHERE company_id = $1 AND id = $2`, r.CompanyID, r.ID, n, now); err != nil {
		return err
	}
	if s.Mail == nil {
		return fmt.Errorf("programme: no mail composer")
	}
	d := mailData{Name: r.Name, Programme: r.Programme, Template: Label(r.Template, r.Locale), Step: Label(r.Key, r.Locale),
		DueOn: dateString(r.DueOn), Reinvite: n > 1, Link: s.link("/programmes")}
	tmpl := "programme_step"
	if n > 1 {
		tmpl = "programme_reinvite"
	}
	msg, err := s.Mail.Compose(tmpl, r.Locale, r.Email, d)
	if err != nil {
		return err
	}
	return mail.Enqueue(ctx, tx, msg, fmt.Sprintf("programme.step:%s:%d", r.ID, n))
}
