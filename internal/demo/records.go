package demo

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/seal"
	"github.com/taiwa/taiwa/internal/record"
)

// recordSession is a completed demo session the records are written for.
type recordSession struct {
	CompanyID   uuid.UUID `db:"company_id"`
	ID          uuid.UUID `db:"id"`
	CounselorID uuid.UUID `db:"counselor_id"`
	CounselorU  uuid.UUID `db:"counselor_user_id"`
	EmployeeU   uuid.UUID `db:"employee_user_id"`
	Theme       string    `db:"theme"`
	Start       time.Time `db:"starts_at"`
	Company     string    `db:"company"`
	Dept        string    `db:"dept"`
}

// Invented summaries the counsellor prepared for the employee (Japanese).
var demoSharedSummaries = []string{
	"今後のキャリアの方向性を整理しました。次回までに、やりたいことを 3 つ書き出してみましょう。",
	"業務量が増えている状況を確認しました。優先順位を上司と話し合うことをお勧めします。",
	"睡眠のリズムを整えることから始めましょう。2 週間後にもう一度お話ししましょう。",
	"チーム内のコミュニケーションについて整理しました。次回は具体的な伝え方を練習します。",
	"異動後の不安について話しました。慣れるまでの目安を一緒に確認できました。",
}

// Invented private notes, sealed (never stored in plain text).
var demoPrivateNotes = []string{
	"初回。表情は硬めだが話し始めると明瞭。次回は家庭の状況も確認する。",
	"前回より落ち着いている。残業時間は月 40 時間前後とのこと。",
	"上司との関係に言及あり。具体的なエピソードは次回。",
	"転職も視野に入れているが迷いが大きい。価値観の整理を続ける。",
}

// seedRecords writes records for most past completed demo sessions (the
// heldAwaiting sessions are still confirmed and stay without one): themes
// matching the booking, risk mostly none/low, a few moderate, two high and
// one urgent with an open alert; サンプル商事's storyDept reports rising
// workload over the last six months. Notes are sealed when keys is set. The
// operator is the clinical lead.
func seedRecords(ctx context.Context, tx *sqlx.Tx, r *rand.Rand, now time.Time, keys *seal.Keyring) (int, error) {
	if _, err := tx.ExecContext(ctx, `UPDATE users SET clinical_lead = true WHERE email = $1`, OperatorEmail); err != nil {
		return 0, err
	}
	var held []recordSession
	if err := tx.SelectContext(ctx, &held, `
		SELECT b.company_id, b.id, b.counselor_id, b.counselor_user_id, b.employee_user_id, b.theme, b.starts_at,
		       c.name AS company, COALESCE(d.path, '') AS dept
		FROM bookings b
		JOIN companies c ON c.id = b.company_id
		JOIN employees e ON e.company_id = b.company_id AND e.user_id = b.employee_user_id
		LEFT JOIN departments d ON d.company_id = e.company_id AND d.id = e.department_id
		WHERE b.status = 'completed' ORDER BY b.starts_at, b.id`); err != nil {
		return 0, fmt.Errorf("records: %w", err)
	}
	var cols [13][]string
	clinical := func(theme string) bool { return theme == "mental_health" || theme == "high_stress_followup" }
	// The most recent held clinical session carries the demo's one urgent
	// record, so the clinical lead's queue always has an open alert.
	urgent := -1
	for i := len(held) - 1; i >= 0 && urgent < 0; i-- {
		if clinical(held[i].Theme) {
			urgent = i
		}
	}
	n, highs := 0, 0
	for i, h := range held {
		if i != urgent && r.IntN(10) == 0 { // a few held sessions never got a record
			continue
		}
		risk := recPick(r, []string{"none", "none", "none", "low", "low", "low", "moderate"})
		switch {
		case i == urgent:
			risk = "urgent"
		case clinical(h.Theme) && highs < 2 && now.Sub(h.Start) < 40*24*time.Hour:
			risk = "high"
			highs++
		}
		obs := observationsFor(r, h, now)
		var summary *string
		if r.IntN(3) == 0 {
			summary = &demoSharedSummaries[r.IntN(len(demoSharedSummaries))]
		}
		notes := ""
		if keys != nil && r.IntN(2) == 0 {
			sealed, err := keys.Seal([]byte(demoPrivateNotes[r.IntN(len(demoPrivateNotes))]), record.NotesAAD(h.CompanyID, h.ID))
			if err != nil {
				return 0, err
			}
			notes = `\x` + fmt.Sprintf("%x", sealed)
		}
		created := h.Start.Add(90 * time.Minute)
		row := []string{h.CompanyID.String(), h.ID.String(), h.CounselorID.String(), h.CounselorU.String(), h.EmployeeU.String(),
			recArray([]string{h.Theme}), risk, fmt.Sprint(r.IntN(3) == 0 || risk == "moderate" || risk == "high" || risk == "urgent"),
			recArray(obs), recDeref(summary), notes, created.Format(time.RFC3339), created.Add(record.EditWindow).Format(time.RFC3339)}
		for j, v := range row {
			cols[j] = append(cols[j], v)
		}
		n++
	}
	if n == 0 {
		return 0, nil
	}
	args := make([]any, len(cols))
	for i, c := range cols {
		args[i] = pq.Array(c)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO session_records (company_id, booking_id, counselor_id, counselor_user_id, employee_user_id, themes, risk_level,
		       follow_up, observations, shared_summary, private_notes, created_at, updated_at, locks_at)
		SELECT c::uuid, b::uuid, co::uuid, cu::uuid, eu::uuid, th::text[], rl, fu::boolean, ob::text[], NULLIF(ss, ''),
		       NULLIF(pn, '')::bytea, ca::timestamptz, ca::timestamptz, la::timestamptz
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[],
		            $10::text[], $11::text[], $12::text[], $13::text[]) AS t(c, b, co, cu, eu, th, rl, fu, ob, ss, pn, ca, la)`, args...); err != nil {
		return 0, fmt.Errorf("records: insert: %w", err)
	}
	// Alerts: the urgent one stays open; the high ones were handled.
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO risk_alerts (company_id, booking_id, counselor_id, risk_level, status, raised_at, acknowledged_at, resolved_at, outcome)
		SELECT company_id, booking_id, counselor_id, risk_level,
		       CASE risk_level WHEN 'urgent' THEN 'open' ELSE 'resolved' END, created_at,
		       CASE risk_level WHEN 'high' THEN created_at + interval '40 minutes' END,
		       CASE risk_level WHEN 'high' THEN created_at + interval '1 day' END,
		       CASE risk_level WHEN 'high' THEN 'contacted_counselor' END
		FROM session_records WHERE risk_level IN ('high', 'urgent')`); err != nil {
		return 0, fmt.Errorf("records: alerts: %w", err)
	}
	return n, nil
}

// observationsFor tells the demo's story: in サンプル商事's storyDept
// (and only there) workload comes up more every month of the last six,
// from one session in six to most of them; elsewhere an observation now
// and then.
func observationsFor(r *rand.Rand, h recordSession, now time.Time) []string {
	var obs []string
	if h.Company == sampleShoji.name && h.Dept == storyDept {
		t := now.In(jst)
		s := h.Start.In(jst)
		ago := (t.Year()-s.Year())*12 + int(t.Month()) - int(s.Month()) // calendar months ago
		p := 0.15
		if ago < 6 {
			p = 0.85 - 0.12*float64(ago)
		}
		if r.Float64() < p {
			obs = append(obs, "workload")
		}
		if r.IntN(5) == 0 {
			obs = append(obs, "work_life")
		}
	} else if r.IntN(4) == 0 {
		obs = append(obs, recPick(r, record.Observations))
	}
	return obs
}

func recPick(r *rand.Rand, from []string) string { return from[r.IntN(len(from))] }

func recDeref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// pqArray writes a text[] literal of simple codes.
func recArray(a []string) string { return "{" + strings.Join(a, ",") + "}" }
