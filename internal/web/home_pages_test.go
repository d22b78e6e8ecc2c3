package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/record"
	"github.com/taiwa/taiwa/internal/report"
)

const demoPass = "demo-pass-2026"

// sysGet runs one query in the platform's scope for a test's expectation.
func sysGet(t *testing.T, h *apptest.Harness, dest any, q string, args ...any) {
	t.Helper()
	if err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(dest, q, args...)
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// sysSelect is sysGet for a list.
func sysSelect(t *testing.T, h *apptest.Harness, dest any, q string, args ...any) {
	t.Helper()
	if err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Select(dest, q, args...)
	}); err != nil {
		t.Fatalf("%s: %v", q, err)
	}
}

// TestHomesSayWhatIsNextOnTheDemo signs in as the demo's people and checks
// that each home shows what the data says comes next for them, counted
// from the database rather than assumed.
func TestHomesSayWhatIsNextOnTheDemo(t *testing.T) {
	t.Parallel()
	h, cid := newReportDemo(t)
	now := time.Now()

	t.Run("employee without a questionnaire sees both upcoming sessions and the questionnaire's entry", func(t *testing.T) {
		var upcoming []uuid.UUID
		sysSelect(t, h, &upcoming, `SELECT b.id FROM bookings b JOIN users u ON u.id = b.employee_user_id
			WHERE u.email = 'emp0001@sample-shoji.example' AND b.status = 'confirmed' AND b.ends_at >= $1 ORDER BY b.starts_at`, now)
		if len(upcoming) < 2 {
			t.Fatalf("the demo gives emp0001 %d upcoming sessions, the README promises two", len(upcoming))
		}
		emp := newBrowser(t, h)
		emp.login("emp0001@sample-shoji.example", demoPass)
		home := emp.get("/employee")
		mustContain(t, home, `id="next-session"`, `id="next-countdown"`, "あと", `href="/sessions/`+upcoming[0].String()+`"`,
			`id="upcoming-list"`, `href="/sessions/`+upcoming[1].String()+`"`,
			`id="fit-cta"`, "あなたに合うカウンセラーを見つける", `<a href="/recommendations"`)
		mustNotContain(t, home, `id="next-none"`, `id="home-recs"`)
	})

	t.Run("employee with a questionnaire sees three recommendations", func(t *testing.T) {
		if _, err := h.App.Counselors.Reindex(context.Background()); err != nil {
			t.Fatal(err)
		}
		emp := newBrowser(t, h)
		emp.login("emp0002@sample-shoji.example", demoPass)
		home := emp.get("/employee")
		mustContain(t, home, `id="home-recs"`, "あなたへのおすすめ", "おすすめをすべて見る")
		if n := strings.Count(home.Body, `class="home-rec"`); n != 3 {
			t.Errorf("%d recommendations on the home, want 3", n)
		}
	})

	t.Run("employee with an open invitation sees it", func(t *testing.T) {
		// Which employee the seed leaves undecided varies: ask the data.
		var row struct {
			Email string `db:"email"`
			Name  string `db:"name"`
		}
		sysGet(t, h, &row, `SELECT u.email, p.name FROM programme_enrolments e JOIN programmes p ON p.company_id = e.company_id AND p.id = e.programme_id
			JOIN users u ON u.id = e.employee_user_id WHERE e.mode = 'named' AND e.status = 'pending' ORDER BY u.email LIMIT 1`)
		name := row.Name
		emp := newBrowser(t, h)
		emp.login(row.Email, demoPass)
		mustContain(t, emp.get("/employee"), `id="invitations"`, "回答待ちのご案内", name, `href="/programmes"`)
	})

	t.Run("employee with a held unrated session is asked to rate it", func(t *testing.T) {
		var row struct {
			Email string    `db:"email"`
			ID    uuid.UUID `db:"id"`
		}
		sysGet(t, h, &row, `SELECT u.email, b.id FROM bookings b JOIN users u ON u.id = b.employee_user_id
			WHERE b.status = 'completed' AND u.email LIKE '%@sample-shoji.example'
			  AND NOT EXISTS (SELECT 1 FROM session_feedback f WHERE f.booking_id = b.id)
			ORDER BY b.starts_at DESC LIMIT 1`)
		emp := newBrowser(t, h)
		emp.login(row.Email, demoPass)
		mustContain(t, emp.get("/employee"), `id="to-rate"`, `href="/sessions/`+row.ID.String()+`/feedback"`)
	})

	t.Run("published counsellor sees records due and no onboarding", func(t *testing.T) {
		var due struct {
			Email string    `db:"email"`
			ID    uuid.UUID `db:"id"`
		}
		sysGet(t, h, &due, `SELECT u.email, b.id FROM bookings b JOIN users u ON u.id = b.counselor_user_id
			WHERE (b.status = 'completed' OR (b.status = 'confirmed' AND b.ends_at <= $1))
			  AND NOT EXISTS (SELECT 1 FROM session_records r WHERE r.booking_id = b.id)
			ORDER BY b.starts_at DESC LIMIT 1`, now)
		var first uuid.UUID
		sysGet(t, h, &first, `SELECT b.id FROM bookings b JOIN users u ON u.id = b.counselor_user_id
			WHERE u.email = $2 AND (b.status = 'completed' OR (b.status = 'confirmed' AND b.ends_at <= $1))
			  AND NOT EXISTS (SELECT 1 FROM session_records r WHERE r.booking_id = b.id)
			ORDER BY b.starts_at, b.id LIMIT 1`, now, due.Email)
		co := newBrowser(t, h)
		co.login(due.Email, demoPass)
		home := co.get("/counselor")
		mustContain(t, home, `id="records-due"`, `href="/counselor/sessions/`+first.String()+`/record"`, `id="today"`,
			"今日の面談と、記録や確認が必要なことをまとめています。", `id="counselor-status"`, "公開中")
		mustNotContain(t, home, "Taiwa へのご参加ありがとうございます", "現在、運営による審査中です")
	})

	t.Run("pending counsellor sees onboarding", func(t *testing.T) {
		co := newBrowser(t, h)
		co.login("pending01@taiwa.example", demoPass)
		home := co.get("/counselor")
		mustContain(t, home, "Taiwa へのご参加ありがとうございます", "現在、運営による審査中です", "掲載に向けて必要なこと", `id="records-due"`)
	})

	t.Run("company admin sees the latest release, invoices due and programmes", func(t *testing.T) {
		var month int
		sysGet(t, h, &month, `SELECT max(month) FROM report_releases WHERE company_id = $1`, cid)
		var unpaid []struct {
			ID     uuid.UUID `db:"id"`
			Total  int64     `db:"total_jpy"`
			Period string    `db:"period"`
		}
		sysSelect(t, h, &unpaid, `SELECT id, total_jpy, period FROM invoices WHERE company_id = $1 AND status IN ('not_sent', 'open') ORDER BY due_on`, cid)
		if len(unpaid) == 0 {
			t.Fatal("the README promises open invoices")
		}
		var overdue bool
		sysGet(t, h, &overdue, `SELECT EXISTS (SELECT 1 FROM invoices WHERE company_id = $1 AND status = 'open' AND due_on < (now() AT TIME ZONE 'Asia/Tokyo')::date)`, cid)
		var programmes []string
		sysSelect(t, h, &programmes, `SELECT name FROM programmes WHERE company_id = $1`, cid)
		hr := newBrowser(t, h)
		hr.login("hr@sample-shoji.example", demoPass)
		home := hr.get("/company")
		m := report.Month(month)
		mustContain(t, home, `id="latest-report"`, fmt.Sprintf("%d年%d月", month/12, month%12+1),
			"/company/reports?by=department&amp;from="+m.String()+"&amp;to="+m.String(), `id="invoices-due"`)
		if overdue != strings.Contains(home.Body, "期限超過") {
			t.Errorf("an invoice past its due date: %v, but the overdue flag shown: %v", overdue, !overdue)
		}
		for _, inv := range unpaid {
			mustContain(t, home, `href="/company/invoices/`+inv.ID.String()+`"`)
		}
		for _, name := range programmes {
			mustContain(t, home, name)
		}
		mustContain(t, home, `id="employee-count"`, `id="billing-links"`)
	})

	t.Run("operator sees the review queue, urgent alerts, the last billing run and payouts due", func(t *testing.T) {
		var want struct {
			Pending int   `db:"pending"`
			Urgent  int   `db:"urgent"`
			Payouts int64 `db:"payouts"`
		}
		sysGet(t, h, &want, `SELECT (SELECT count(*) FROM credentials WHERE status = 'pending') AS pending,
			(SELECT count(*) FROM risk_alerts WHERE status = 'open' AND risk_level = 'urgent') AS urgent,
			(SELECT COALESCE(sum(amount_jpy), 0) FROM payouts WHERE status = 'due') AS payouts`)
		if want.Urgent == 0 {
			t.Fatal("the README promises an open urgent alert")
		}
		op := newBrowser(t, h)
		op.login("operator@taiwa.example", demoPass)
		home := op.get("/operator/companies")
		mustContain(t, home, `id="operator-next"`, `companies-table`,
			fmt.Sprintf(`<h3>審査待ちの資格</h3>
      <p class="home-count">%d</p>`, want.Pending),
			fmt.Sprintf(`<h3>未対応の緊急アラート</h3>
      <p class="home-count">%d</p>`, want.Urgent),
			`id="ops-billing"`, `id="ops-payouts"`)
		if want.Payouts == 0 {
			mustContain(t, home, "未払いの支払いはありません。")
		}
	})
}

// TestHomeCountsDownJoinsAndFlagsAlerts uses a small world whose times are
// set exactly: the countdown's words, the join button while the room is
// open, the counsellor's today with join, an urgent record that shows on
// the counsellor's home (row-level security lets them read their own
// alert) and on the operators', flagged once past the protocol's hour.
func TestHomeCountsDownJoinsAndFlagsAlerts(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	next := w.book(t, empEmail, 0)
	later := w.book(t, empEmail, 0)
	held := w.book(t, empEmail, 0)
	now := time.Now()
	moveSession(t, h, next.ID, now.Add(2*24*time.Hour+3*time.Hour+30*time.Minute))
	moveSession(t, h, later.ID, now.Add(5*24*time.Hour))
	moveSession(t, h, held.ID, now.Add(-3*time.Hour))

	emp := newBrowser(t, h)
	emp.login(empEmail, empPass)
	home := emp.get("/employee")
	mustContain(t, home, `<time datetime="`, "あと2日 3時間", `href="/sessions/`+next.ID.String()+`"`, `href="/sessions/`+later.ID.String()+`"`,
		`id="to-rate"`, `href="/sessions/`+held.ID.String()+`/feedback"`)
	mustNotContain(t, home, `href="/meet/`)
	en := newBrowser(t, h)
	en.login(emp2Email, empPass)
	en.post("/lang", url.Values{"_csrf": {en.csrf("/employee")}, "lang": {"en"}, "next": {"/employee"}})
	mustContain(t, en.get("/employee"), "Your next session", "You have no sessions planned.", "Find a counsellor")
	emp.post("/lang", url.Values{"_csrf": {emp.csrf("/employee")}, "lang": {"en"}, "next": {"/employee"}})
	mustContain(t, emp.get("/employee"), "in 2 d 3 h", "Please rate your sessions")
	emp.post("/lang", url.Values{"_csrf": {emp.csrf("/employee")}, "lang": {"ja"}, "next": {"/employee"}})

	// The room opens shortly before the start: join appears on the next session.
	start := now.Add(5 * time.Minute)
	if jst := time.FixedZone("JST", 9*3600); start.In(jst).YearDay() != now.In(jst).YearDay() {
		start = now.Add(-5 * time.Minute) // keep it "today" in Tokyo near midnight
	}
	moveSession(t, h, next.ID, start)
	home = emp.get("/employee")
	mustContain(t, home, `href="/meet/`+next.ID.String()+`"`, "面談室に入る")

	co := newBrowser(t, h)
	co.login(cEmail, counselorPass)
	chome := co.get("/counselor")
	mustContain(t, chome, `id="today-`+next.ID.String()+`"`, `href="/meet/`+next.ID.String()+`"`,
		`id="records-due"`, `href="/counselor/sessions/`+held.ID.String()+`/record"`)
	mustNotContain(t, chome, `id="own-alerts"`)

	cp := principal(t, h, cEmail, counselorPass)
	if _, err := h.App.Records.Save(context.Background(), cp, held.ID, record.Input{Themes: []string{"career"}, RiskLevel: "urgent"}); err != nil {
		t.Fatalf("urgent record: %v", err)
	}
	h.DrainOutbox()
	chome = co.get("/counselor")
	mustContain(t, chome, `id="own-alerts"`, "未確認 1 件", "緊急")
	mustNotContain(t, chome, `href="/counselor/sessions/`+held.ID.String()+`/record" role="button"`)

	op := newBrowser(t, h)
	op.login("operator@taiwa.example", "operator-pass-2026")
	mustContain(t, op.get("/operator/companies"), `<h3>未対応の緊急アラート</h3>
      <p class="home-count">1</p>`, "緊急アラートは1時間以内に対応を始めます。")
	if err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`UPDATE risk_alerts SET raised_at = $1 WHERE booking_id = $2`, time.Now().Add(-record.AcknowledgeWithin-time.Minute), held.ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	mustContain(t, op.get("/operator/companies"), `id="ops-alerts-overdue"`, "1時間を超えて未対応：1 件")
}
