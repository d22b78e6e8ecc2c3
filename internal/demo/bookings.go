package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/booking"
)

// A year of sessions for サンプル商事 and みなと物流: held, cancelled (in
// time and late), no-shows, a few held in the last days still waiting for
// their record, and upcoming ones; the first employees of each company have
// at least one held and one upcoming session, so signing in as any of them
// shows a history. Every session sits in a free slot of its counsellor's
// schedule (computed by booking.ComputeSlots), so no two overlap. Rows are
// written directly: no mail goes out for them.

const (
	// withHistory is how many employees of each company (emp0001 …) are
	// given a held and an upcoming session.
	withHistory = 50
	// heldAwaiting is how many sessions held in the last days are still
	// confirmed, waiting for the counsellor's record.
	heldAwaiting = 8
)

// bookingVolume is a company's extra sessions beyond those of withHistory:
// past ones over the year, recent ones over the last six months (so that
// a six-month report of サンプル商事 publishes most large departments)
// and upcoming ones.
var bookingVolume = map[string]struct{ past, recent, upcoming int }{
	sampleShoji.name:     {past: 420, recent: 280, upcoming: 30},
	minatoLogistics.name: {past: 160, upcoming: 10},
}

// bookingEmployee is a demo employee as the booking seed needs them.
type bookingEmployee struct {
	CompanyID  uuid.UUID `db:"company_id"`
	UserID     uuid.UUID `db:"user_id"`
	ContractID uuid.UUID `db:"contract_id"`
	Company    string    `db:"company"`
	Dept       string    `db:"dept"`
	busy       []booking.Interval
}

// bookingRow is one session to insert.
type bookingRow struct {
	companyID, id, employee, counselor, counselorUser, contract uuid.UUID
	start, end, blocked, created                                time.Time
	theme, format, status, cancelledBy                          string
	sequence                                                    int
	cancelledAt, completedAt                                    time.Time // zero: none
}

// bookingSeed generates the sessions with its own random source, so it does
// not disturb the rest of the demo's draws.
type bookingSeed struct {
	r          *rand.Rand
	now        time.Time
	counselors []*bookingCounselor
	rows       []bookingRow
}

// seedBookings fills every verified demo counsellor's schedule, generates
// the sessions, inserts them and sets next_available_at.
func seedBookings(ctx context.Context, tx *sqlx.Tx, now time.Time) (int, error) {
	s := &bookingSeed{r: rand.New(rand.NewPCG(seed, 4)), now: now}
	var err error
	if s.counselors, err = loadBookingCounselors(ctx, tx); err != nil {
		return 0, err
	}
	today := now.In(jst)
	for _, c := range s.counselors {
		c.avail = newAvailability(s.r, c.Timezone, today)
		if err := c.avail.Validate(); err != nil {
			return 0, fmt.Errorf("demo schedule of %s: %w", c.ID, err)
		}
	}
	if err := insertAvailability(ctx, tx, s.counselors); err != nil {
		return 0, err
	}
	var emps []*bookingEmployee
	if err := tx.SelectContext(ctx, &emps, `
		SELECT e.company_id, e.user_id, k.id AS contract_id, c.name AS company, COALESCE(d.path, '') AS dept
		FROM employees e JOIN users u ON u.id = e.user_id JOIN companies c ON c.id = e.company_id
		JOIN contracts k ON k.company_id = e.company_id AND k.status = 'active'
		LEFT JOIN departments d ON d.company_id = e.company_id AND d.id = e.department_id
		WHERE c.name = ANY($1)
		ORDER BY c.name, u.email`, pq.Array([]string{sampleShoji.name, minatoLogistics.name})); err != nil {
		return 0, fmt.Errorf("load demo employees: %w", err)
	}
	byCompany := map[string][]*bookingEmployee{}
	for _, e := range emps {
		byCompany[e.Company] = append(byCompany[e.Company], e)
	}
	for _, name := range []string{sampleShoji.name, minatoLogistics.name} {
		v := bookingVolume[name]
		s.company(byCompany[name], v.past, v.recent, v.upcoming)
	}
	s.story(byCompany[sampleShoji.name])
	s.held(emps)
	if err := insertBookings(ctx, tx, s.rows); err != nil {
		return 0, err
	}
	return len(s.rows), s.setNextAvailable(ctx, tx)
}

// company generates one company's sessions.
func (s *bookingSeed) company(emps []*bookingEmployee, past, recentPast, upcoming int) {
	yearAgo, recent := s.now.AddDate(-1, 0, 0), s.now.Add(-4*24*time.Hour)
	for i, e := range emps[:min(withHistory, len(emps))] {
		s.past(e, yearAgo, recent, booking.StatusCompleted)
		s.upcoming(e)
		if i == 0 { // the README's emp0001 has two sessions ahead
			s.upcoming(e)
		}
	}
	for range past {
		s.past(emps[s.r.IntN(len(emps))], yearAgo, recent, pastStatus(s.r))
	}
	for range recentPast {
		s.past(emps[s.r.IntN(len(emps))], s.now.AddDate(0, -6, 0), recent, pastStatus(s.r))
	}
	for range upcoming {
		s.upcoming(emps[s.r.IntN(len(emps))])
	}
}

// held generates sessions of the last days that are still confirmed.
func (s *bookingSeed) held(emps []*bookingEmployee) {
	for range heldAwaiting {
		s.past(emps[s.r.IntN(len(emps))], s.now.Add(-4*24*time.Hour), s.now.Add(-2*time.Hour), booking.StatusConfirmed)
	}
}

func pastStatus(r *rand.Rand) string {
	return []string{booking.StatusCompleted, booking.StatusCancelled, booking.StatusLateCancelled, booking.StatusNoShow}[weighted(r, []int{84, 8, 4, 4})]
}

// The report story: in サンプル商事, storyDept's sessions about stress
// and mental health grow month by month over the last six months
// (storyExtra[i] more in the month i months before the current one), and
// its records mention workload more and more (records.go).
const storyDept = "営業部/東京支店"

var (
	storyExtra  = []int{12, 10, 8, 6, 4, 2}
	storyThemes = []string{"high_stress_followup", "mental_health"}
)

// story adds storyDept's rising stress sessions, each month's in that
// calendar month (Japan time) and before the last day.
func (s *bookingSeed) story(emps []*bookingEmployee) {
	var dept []*bookingEmployee
	for _, e := range emps {
		if e.Dept == storyDept {
			dept = append(dept, e)
		}
	}
	if len(dept) == 0 {
		return
	}
	t := s.now.In(jst)
	current := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, jst)
	for ago, n := range storyExtra {
		from := current.AddDate(0, -ago, 0)
		to := from.AddDate(0, 1, 0)
		if yesterday := s.now.Add(-24 * time.Hour); yesterday.Before(to) {
			to = yesterday
		}
		if !from.Before(to.Add(-6 * time.Hour)) {
			continue
		}
		for range n {
			s.pastTheme(dept[s.r.IntN(len(dept))], from, to, booking.StatusCompleted, storyThemes[s.r.IntN(len(storyThemes))])
		}
	}
}

// past places a session for e in [from, to) with a random counsellor.
func (s *bookingSeed) past(e *bookingEmployee, from, to time.Time, status string) {
	s.pastTheme(e, from, to, status, "")
}

// pastTheme is past with a counsellor who offers theme ("": any theme).
func (s *bookingSeed) pastTheme(e *bookingEmployee, from, to time.Time, status, theme string) {
	for range 40 {
		c := s.counselors[s.r.IntN(len(s.counselors))]
		if theme != "" && !slices.Contains(c.Themes, theme) {
			continue
		}
		day := from.Add(time.Duration(s.r.Int64N(int64(to.Sub(from)))))
		// The past as it was: no notice or horizon, only the weekly ranges.
		a := c.avail
		a.MinNoticeMinutes, a.HorizonDays, a.Overrides = 0, 100000, nil
		slots := booking.ComputeSlots(a, c.busy, day, day.Add(24*time.Hour), day)
		slots = slices.DeleteFunc(slots, func(sl booking.Slot) bool { return !sl.End.Before(to) })
		if len(slots) == 0 {
			continue
		}
		sl := slots[s.r.IntN(len(slots))]
		if s.add(c, e, sl, status, theme) {
			return
		}
	}
}

// upcoming books e into a free slot of the next two weeks, as the
// counsellor's real schedule allows now.
func (s *bookingSeed) upcoming(e *bookingEmployee) {
	for range 40 {
		c := s.counselors[s.r.IntN(len(s.counselors))]
		slots := booking.ComputeSlots(c.avail, c.busy, s.now, s.now.Add(14*24*time.Hour), s.now)
		if len(slots) < 3 { // leave every counsellor free slots
			continue
		}
		if s.add(c, e, slots[s.r.IntN(len(slots))], booking.StatusConfirmed, "") {
			return
		}
	}
}

// add records a session unless it overlaps one of e's own; theme ""
// draws one of the counsellor's.
func (s *bookingSeed) add(c *bookingCounselor, e *bookingEmployee, sl booking.Slot, status, theme string) bool {
	for _, b := range e.busy {
		if sl.Start.Before(b.End) && b.Start.Before(sl.End) {
			return false
		}
	}
	blocked := sl.End.Add(time.Duration(c.avail.BufferMinutes) * time.Minute)
	c.busy = append(c.busy, booking.Interval{Start: sl.Start, End: blocked})
	e.busy = append(e.busy, booking.Interval(sl))
	r := s.r
	row := bookingRow{companyID: e.CompanyID, id: uuid.New(), employee: e.UserID, counselor: c.ID, counselorUser: c.UserID,
		contract: e.ContractID, start: sl.Start, end: sl.End, blocked: blocked, status: status,
		theme: theme, format: c.Formats[r.IntN(len(c.Formats))]}
	if theme == "" {
		row.theme = c.Themes[r.IntN(len(c.Themes))]
	}
	row.created = sl.Start.Add(-time.Duration(2+r.IntN(20)) * 24 * time.Hour)
	if status == booking.StatusConfirmed && sl.Start.After(s.now) {
		row.created = s.now.Add(-time.Duration(1+r.IntN(10*24)) * time.Hour)
		if row.created.After(sl.Start) {
			row.created = sl.Start.Add(-time.Hour)
		}
	}
	if r.IntN(10) == 0 { // moved once
		row.sequence = 1
	}
	switch status {
	case booking.StatusCompleted:
		row.completedAt = sl.End.Add(time.Duration(5+r.IntN(240)) * time.Minute)
	case booking.StatusCancelled:
		row.cancelledBy = []string{"employee", "counselor"}[weighted(r, []int{4, 1})]
		row.cancelledAt = sl.Start.Add(-time.Duration(25+r.IntN(24*5)) * time.Hour)
		row.sequence++
	case booking.StatusLateCancelled:
		row.cancelledBy = "employee"
		row.cancelledAt = sl.Start.Add(-time.Duration(1+r.IntN(20)) * time.Hour)
		row.sequence++
	}
	if !row.cancelledAt.IsZero() && !row.created.Before(row.cancelledAt) {
		row.created = row.cancelledAt.Add(-24 * time.Hour)
	}
	s.rows = append(s.rows, row)
	return true
}

// setNextAvailable stores each counsellor's first free slot, as the
// booking service would compute it; the reindex after seeding carries it
// into search.
func (s *bookingSeed) setNextAvailable(ctx context.Context, tx *sqlx.Tx) error {
	var ids, next []string
	for _, c := range s.counselors {
		slots := booking.ComputeSlots(c.avail, c.busy, s.now, s.now.Add(time.Duration(c.avail.HorizonDays)*24*time.Hour), s.now)
		if len(slots) > 0 {
			ids, next = append(ids, c.ID.String()), append(next, slots[0].Start.Format(time.RFC3339))
		}
	}
	if _, err := tx.ExecContext(ctx, `
		UPDATE counselors c SET next_available_at = t.next::timestamptz
		FROM unnest($1::text[], $2::text[]) AS t(id, next) WHERE c.id = t.id::uuid`, pq.Array(ids), pq.Array(next)); err != nil {
		return fmt.Errorf("set next_available_at: %w", err)
	}
	return nil
}

// insertBookings writes rows in chunks, one statement each.
func insertBookings(ctx context.Context, tx *sqlx.Tx, rows []bookingRow) error {
	ts := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	for lo := 0; lo < len(rows); lo += chunk {
		part := rows[lo:min(lo+chunk, len(rows))]
		var cols [16][]string
		seqs := make([]int64, len(part))
		for i, b := range part {
			for j, v := range []string{b.companyID.String(), b.id.String(), b.employee.String(), b.counselor.String(),
				b.counselorUser.String(), b.contract.String(), ts(b.start), ts(b.end), ts(b.blocked), b.theme, b.format,
				b.status, b.cancelledBy, ts(b.cancelledAt), ts(b.completedAt), ts(b.created)} {
				cols[j] = append(cols[j], v)
			}
			seqs[i] = int64(b.sequence)
		}
		args := make([]any, 0, 17)
		for _, c := range cols {
			args = append(args, pq.Array(c))
		}
		args = append(args, pq.Array(seqs))
		if _, err := tx.ExecContext(ctx, `
			INSERT INTO bookings (company_id, id, employee_user_id, counselor_id, counselor_user_id, contract_id,
			                      starts_at, ends_at, blocked_until, theme, format, status, cancelled_by, cancelled_at,
			                      completed_at, created_at, updated_at, meeting_url, sequence)
			SELECT company_id::uuid, id::uuid, employee::uuid, counselor::uuid, counselor_user::uuid, contract::uuid,
			       s::timestamptz, e::timestamptz, b::timestamptz, theme, format, status, NULLIF(cby, ''),
			       NULLIF(ca, '')::timestamptz, NULLIF(co, '')::timestamptz, cr::timestamptz,
			       GREATEST(cr::timestamptz, COALESCE(NULLIF(ca, '')::timestamptz, NULLIF(co, '')::timestamptz, cr::timestamptz)),
			       '/meet/' || id, seq
			FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
			            $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[],
			            $17::int[])
			  AS t(company_id, id, employee, counselor, counselor_user, contract, s, e, b, theme, format, status, cby, ca, co, cr, seq)`,
			args...); err != nil {
			return fmt.Errorf("insert bookings: %w", err)
		}
	}
	return nil
}
