package demo

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/programme"
)

// demoStep is one programme step row to insert.
type demoStep struct {
	enrolment, employee uuid.UUID
	seq                 int
	key                 string
	due                 time.Time
	deadline            *time.Time
	state               string
	invites             int
	next                *time.Time
	reason              string
	booking             uuid.NullUUID
}

// stepBatch collects step rows for one bulk insert.
type stepBatch struct {
	companyID uuid.UUID
	rows      []demoStep
}

// plan adds the template's steps for one enrolment, each in the state
// pick gives it (by seq, from 1).
func (b *stepBatch) plan(t programme.Template, enrolment, employee uuid.UUID, anchors map[string]time.Time, pick func(seq int, s *demoStep)) error {
	steps, err := t.Plan(anchors)
	if err != nil {
		return err
	}
	for _, p := range steps {
		s := demoStep{enrolment: enrolment, employee: employee, seq: p.Seq, key: p.Key, due: p.DueOn, deadline: p.Deadline, state: programme.StepScheduled}
		pick(p.Seq, &s)
		b.rows = append(b.rows, s)
	}
	return nil
}

func (b *stepBatch) insert(ctx context.Context, tx *sqlx.Tx) error {
	n := len(b.rows)
	enr, emp, keys, states, reasons, bookings := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	seqs, invites := make([]int64, n), make([]int64, n)
	dues, deadlines, nexts := make([]string, n), make([]string, n), make([]string, n)
	opt := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	for i, s := range b.rows {
		enr[i], emp[i], keys[i], states[i], reasons[i] = s.enrolment.String(), s.employee.String(), s.key, s.state, s.reason
		seqs[i], invites[i] = int64(s.seq), int64(s.invites)
		dues[i], deadlines[i], nexts[i] = s.due.Format(time.DateOnly), opt(s.deadline), opt(s.next)
		if s.booking.Valid {
			bookings[i] = s.booking.UUID.String()
		}
	}
	_, err := tx.ExecContext(ctx, `
		INSERT INTO programme_steps (company_id, enrolment_id, employee_user_id, seq, step_key, due_on, deadline_on, state,
			invite_count, next_invite_on, decline_reason, booking_id, invited_at)
		SELECT $1, u.enr::uuid, u.emp::uuid, u.seq, u.key, u.due::date, NULLIF(u.dl, '')::date, u.state,
			u.inv, NULLIF(u.nxt, '')::date, NULLIF(u.reason, ''), NULLIF(u.bk, '')::uuid,
			CASE WHEN u.inv > 0 THEN u.due::date + time '10:00' END
		FROM unnest($2::text[], $3::text[], $4::int[], $5::text[], $6::text[], $7::text[], $8::text[], $9::int[], $10::text[], $11::text[], $12::text[])
			AS u(enr, emp, seq, key, due, dl, state, inv, nxt, reason, bk)`,
		b.companyID, pq.Array(enr), pq.Array(emp), pq.Array(seqs), pq.Array(keys), pq.Array(dues), pq.Array(deadlines),
		pq.Array(states), pq.Array(invites), pq.Array(nexts), pq.Array(reasons), pq.Array(bookings))
	if err != nil {
		return fmt.Errorf("programme steps: %w", err)
	}
	return nil
}

// demoPerson is an employee with their completed and upcoming sessions.
type demoPerson struct {
	ID       uuid.UUID      `db:"user_id"`
	Held     pq.StringArray `db:"held"`
	Upcoming pq.StringArray `db:"upcoming"`
	NextAt   *time.Time     `db:"next_at"`
}

// people lists a company's active employees (optionally of a department
// subtree) with their completed and upcoming (confirmed) bookings.
func people(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, subtree string, now time.Time) ([]demoPerson, error) {
	var out []demoPerson
	err := tx.SelectContext(ctx, &out, `
		SELECT e.user_id,
			COALESCE(array_agg(b.id::text ORDER BY b.starts_at) FILTER (WHERE b.status = 'completed'), '{}') AS held,
			COALESCE(array_agg(b.id::text ORDER BY b.starts_at) FILTER (WHERE b.status = 'confirmed' AND b.starts_at > $3), '{}') AS upcoming,
			min(b.starts_at) FILTER (WHERE b.status = 'confirmed' AND b.starts_at > $3) AS next_at
		FROM employees e LEFT JOIN departments d ON d.company_id = e.company_id AND d.id = e.department_id
		LEFT JOIN bookings b ON b.company_id = e.company_id AND b.employee_user_id = e.user_id
		WHERE e.company_id = $1 AND ($2 = '' OR d.path = $2 OR d.path LIKE $2 || '/%')
		GROUP BY e.user_id ORDER BY e.user_id`, companyID, subtree, now)
	return out, err
}

func demoProgramme(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, template, name, mode, dept string, createdAt time.Time) (uuid.UUID, error) {
	var id uuid.UUID
	err := tx.GetContext(ctx, &id, `INSERT INTO programmes (company_id, template, name, mode, department_id, created_by, created_at)
		SELECT $1, $2, $3, $4, (SELECT id FROM departments WHERE company_id = $1 AND path = $5),
			(SELECT id FROM users WHERE company_id = $1 AND role = 'company_admin' ORDER BY created_at LIMIT 1), $6
		RETURNING id`, companyID, template, name, mode, dept, createdAt)
	return id, err
}

func demoEnrolment(ctx context.Context, tx *sqlx.Tx, companyID, programmeID, employee uuid.UUID, mode, status string, anchors map[string]time.Time, at time.Time) (uuid.UUID, error) {
	a := map[string]string{}
	for k, v := range anchors {
		a[k] = v.Format(time.DateOnly)
	}
	raw, _ := json.Marshal(a)
	var id uuid.UUID
	err := tx.GetContext(ctx, &id, `INSERT INTO programme_enrolments (company_id, programme_id, mode, employee_user_id, status, anchors, created_at, answered_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, CASE WHEN $5 IN ('pending', 'invited') THEN NULL ELSE $7::timestamptz + interval '2 days' END) RETURNING id`,
		companyID, programmeID, mode, employee, status, raw, at)
	return id, err
}

// seedProgrammes fills the demo's programmes (docs/programmes.md): at
// サンプル商事 a named return-to-work programme (accepted enrolments with
// steps held, booked, invited, declined and scheduled; one awaiting the
// employee's answer) and an open high-stress follow-up invited to 開発本部
// with steps in every state; at みなと物流 a small open onboarding
// programme whose uptake is suppressed. Held steps use the employee's own
// completed demo sessions, booked ones their upcoming sessions.
func seedProgrammes(ctx context.Context, tx *sqlx.Tx, r *rand.Rand, now time.Time) (int, error) {
	today := programme.Today(now)
	var sample, minato uuid.UUID
	if err := tx.GetContext(ctx, &sample, `SELECT id FROM companies WHERE name = $1`, sampleShoji.name); err != nil {
		return 0, err
	}
	if err := tx.GetContext(ctx, &minato, `SELECT id FROM companies WHERE name = $1`, minatoLogistics.name); err != nil {
		return 0, err
	}
	n, err := seedReturnToWork(ctx, tx, sample, now, today)
	if err != nil {
		return 0, fmt.Errorf("return to work: %w", err)
	}
	m, err := seedHighStress(ctx, tx, r, sample, now, today)
	if err != nil {
		return 0, fmt.Errorf("high-stress follow-up: %w", err)
	}
	k, err := seedSmallOpen(ctx, tx, r, minato, now, today)
	if err != nil {
		return 0, fmt.Errorf("onboarding: %w", err)
	}
	return n + m + k, nil
}

func dptr(t time.Time) *time.Time { return &t }

func bookingRef(id string) uuid.NullUUID {
	u, err := uuid.Parse(id)
	return uuid.NullUUID{UUID: u, Valid: err == nil}
}

// seedReturnToWork: A accepted (held, booked, scheduled ×2), B pending,
// C accepted with a declined step awaiting re-invitation, D accepted with
// an invited step.
func seedReturnToWork(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, now, today time.Time) (int, error) {
	t, _ := programme.TemplateByCode(programme.TemplateReturnToWork)
	pid, err := demoProgramme(ctx, tx, companyID, t.Code, "復職支援（2026年度）", programme.ModeNamed, "", now.AddDate(0, -6, 0))
	if err != nil {
		return 0, err
	}
	all, err := people(ctx, tx, companyID, "", now)
	if err != nil {
		return 0, err
	}
	var a *demoPerson
	var rest []demoPerson
	for i := range all {
		p := all[i]
		if a == nil && len(p.Held) > 0 && p.NextAt != nil && p.NextAt.Before(now.AddDate(0, 0, 6)) {
			a = &all[i]
			continue
		}
		if len(rest) < 3 && len(p.Upcoming) == 0 {
			rest = append(rest, p)
		}
	}
	if a == nil || len(rest) < 3 {
		return 0, fmt.Errorf("no suitable employees")
	}
	b := stepBatch{companyID: companyID}
	// A: back two days after the next session; the pre-leave session held.
	ret := programme.Today(*a.NextAt).AddDate(0, 0, 2)
	anchors := map[string]time.Time{programme.AnchorLeave: ret.AddDate(0, -4, 0), programme.AnchorReturn: ret}
	id, err := demoEnrolment(ctx, tx, companyID, pid, a.ID, programme.ModeNamed, programme.StatusAccepted, anchors, now.AddDate(0, -5, 0))
	if err != nil {
		return 0, err
	}
	if err := b.plan(t, id, a.ID, anchors, func(seq int, s *demoStep) {
		switch seq {
		case 1:
			s.state, s.invites, s.booking = programme.StepHeld, 1, bookingRef(a.Held[len(a.Held)-1])
		case 2:
			s.state, s.invites, s.booking = programme.StepBooked, 1, bookingRef(a.Upcoming[0])
		}
	}); err != nil {
		return 0, err
	}
	// B: pending, leave next month.
	anchors = map[string]time.Time{programme.AnchorLeave: today.AddDate(0, 1, 0), programme.AnchorReturn: today.AddDate(0, 4, 0)}
	if id, err = demoEnrolment(ctx, tx, companyID, pid, rest[0].ID, programme.ModeNamed, programme.StatusPending, anchors, now.AddDate(0, 0, -3)); err != nil {
		return 0, err
	}
	if err := b.plan(t, id, rest[0].ID, anchors, func(int, *demoStep) {}); err != nil {
		return 0, err
	}
	// C: returned 40 days ago; the 1-month session declined, re-invited soon.
	anchors = map[string]time.Time{programme.AnchorLeave: today.AddDate(0, -5, 0), programme.AnchorReturn: today.AddDate(0, 0, -40)}
	if id, err = demoEnrolment(ctx, tx, companyID, pid, rest[1].ID, programme.ModeNamed, programme.StatusAccepted, anchors, now.AddDate(0, -6, 0)); err != nil {
		return 0, err
	}
	if err := b.plan(t, id, rest[1].ID, anchors, func(seq int, s *demoStep) {
		switch seq {
		case 1, 2:
			s.state, s.invites = programme.StepClosed, 1
		case 3:
			s.state, s.invites, s.next, s.reason = programme.StepDeclined, 1, dptr(today.AddDate(0, 0, 4)), "no_time"
		}
	}); err != nil {
		return 0, err
	}
	// D: back in three days; the pre-return session invited.
	anchors = map[string]time.Time{programme.AnchorLeave: today.AddDate(0, -3, 0), programme.AnchorReturn: today.AddDate(0, 0, 3)}
	if id, err = demoEnrolment(ctx, tx, companyID, pid, rest[2].ID, programme.ModeNamed, programme.StatusAccepted, anchors, now.AddDate(0, -4, 0)); err != nil {
		return 0, err
	}
	if err := b.plan(t, id, rest[2].ID, anchors, func(seq int, s *demoStep) {
		switch seq {
		case 1:
			s.state, s.invites = programme.StepClosed, 3
		case 2:
			s.state, s.invites = programme.StepInvited, 1
		}
	}); err != nil {
		return 0, err
	}
	return 1, b.insert(ctx, tx)
}

// seedHighStress invites 開発本部 (over a hundred people); thirty join,
// preferring those with completed sessions, and their steps take every
// state.
func seedHighStress(ctx context.Context, tx *sqlx.Tx, r *rand.Rand, companyID uuid.UUID, now, today time.Time) (int, error) {
	t, _ := programme.TemplateByCode(programme.TemplateHighStress)
	const dept = "開発本部"
	pid, err := demoProgramme(ctx, tx, companyID, t.Code, "高ストレス者フォローアップ（2026年度）", programme.ModeOpen, dept, now.AddDate(0, -5, 0))
	if err != nil {
		return 0, err
	}
	group, err := people(ctx, tx, companyID, dept, now)
	if err != nil {
		return 0, err
	}
	r.Shuffle(len(group), func(i, j int) { group[i], group[j] = group[j], group[i] })
	// Joiners: first those with two or more completed sessions.
	var joiners, others []demoPerson
	for _, p := range group {
		if len(p.Held) >= 2 && len(joiners) < 14 {
			joiners = append(joiners, p)
		} else {
			others = append(others, p)
		}
	}
	// Then a few with an upcoming session (their step is booked), then anyone.
	var rest []demoPerson
	for _, p := range others {
		if len(p.Upcoming) > 0 && len(joiners) < 18 {
			joiners = append(joiners, p)
		} else {
			rest = append(rest, p)
		}
	}
	others = rest
	for len(joiners) < 30 && len(others) > 0 {
		joiners, others = append(joiners, others[0]), others[1:]
	}
	b := stepBatch{companyID: companyID}
	for i, p := range joiners {
		interview := today.AddDate(0, -4, -r.IntN(20))
		anchors := map[string]time.Time{programme.AnchorInterview: interview}
		id, err := demoEnrolment(ctx, tx, companyID, pid, p.ID, programme.ModeOpen, programme.StatusJoined, anchors, now.AddDate(0, -4, -25))
		if err != nil {
			return 0, err
		}
		if err := b.plan(t, id, p.ID, anchors, func(seq int, s *demoStep) { highStressState(i, seq, p, s, today) }); err != nil {
			return 0, err
		}
	}
	for i, p := range others {
		status := programme.StatusInvited
		if i%9 == 0 {
			status = programme.StatusDeclined
		}
		if _, err := demoEnrolment(ctx, tx, companyID, pid, p.ID, programme.ModeOpen, status, nil, now.AddDate(0, -4, -25)); err != nil {
			return 0, err
		}
	}
	return 1, b.insert(ctx, tx)
}

// highStressState gives the i-th joiner's step seq its demo state: held
// (their own completed sessions), booked (their next session), invited,
// declined (re-invited later), closed after the limit, or scheduled.
func highStressState(i, seq int, p demoPerson, s *demoStep, today time.Time) {
	if seq == 3 {
		return // six months on: scheduled
	}
	if len(p.Held) >= seq && i < 14 {
		s.state, s.invites, s.booking = programme.StepHeld, 1, bookingRef(p.Held[seq-1])
		return
	}
	switch {
	case seq == 2 && len(p.Upcoming) > 0:
		s.state, s.invites, s.booking = programme.StepBooked, 1, bookingRef(p.Upcoming[0])
	case i%4 == 0:
		s.state, s.invites = programme.StepClosed, 3 // declined three times: never pushed further
	case i%4 == 1:
		s.state, s.invites, s.next, s.reason = programme.StepDeclined, 1, dptr(today.AddDate(0, 0, 3+i%10)), "not_needed"
	default:
		s.state, s.invites = programme.StepInvited, 1
	}
}

// seedSmallOpen invites みなと物流's 管理部 (about a dozen people) to
// onboarding check-ins; three join, so the uptake is suppressed.
func seedSmallOpen(ctx context.Context, tx *sqlx.Tx, r *rand.Rand, companyID uuid.UUID, now, today time.Time) (int, error) {
	t, _ := programme.TemplateByCode(programme.TemplateOnboarding)
	const dept = "管理部"
	pid, err := demoProgramme(ctx, tx, companyID, t.Code, "入社後フォロー（管理部）", programme.ModeOpen, dept, now.AddDate(0, -2, 0))
	if err != nil {
		return 0, err
	}
	group, err := people(ctx, tx, companyID, dept, now)
	if err != nil {
		return 0, err
	}
	b := stepBatch{companyID: companyID}
	for i, p := range group {
		if i >= 3 {
			if _, err := demoEnrolment(ctx, tx, companyID, pid, p.ID, programme.ModeOpen, programme.StatusInvited, nil, now.AddDate(0, -2, 0)); err != nil {
				return 0, err
			}
			continue
		}
		start := today.AddDate(0, -1, -r.IntN(10)-5)
		anchors := map[string]time.Time{programme.AnchorStart: start}
		id, err := demoEnrolment(ctx, tx, companyID, pid, p.ID, programme.ModeOpen, programme.StatusJoined, anchors, now.AddDate(0, -2, 0))
		if err != nil {
			return 0, err
		}
		if err := b.plan(t, id, p.ID, anchors, func(seq int, s *demoStep) {
			if seq == 1 {
				s.state, s.invites = programme.StepInvited, 1
			}
		}); err != nil {
			return 0, err
		}
	}
	return 1, b.insert(ctx, tx)
}
