package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/record"
)

type recordJSON struct {
	BookingID       string    `json:"booking_id"`
	Themes          []string  `json:"themes"`
	RiskLevel       string    `json:"risk_level"`
	FollowUp        bool      `json:"follow_up"`
	Observations    []string  `json:"observations"`
	SharedSummary   *string   `json:"shared_summary"`
	PrivateNotes    *string   `json:"private_notes"`
	LocksAt         time.Time `json:"locks_at"`
	Locked          bool      `json:"locked"`
	NotesUnreadable bool      `json:"notes_unreadable"`
	Amendments      []struct {
		Seq int `json:"seq"`
	} `json:"amendments"`
}

// session inserts a booking of employee i with the world's counsellor at
// start, with status, and returns its id.
func (w *bookingWorld) session(t *testing.T, i int, start time.Time, status string) string {
	t.Helper()
	var id string
	err := w.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&id, `
			INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, starts_at, ends_at, blocked_until, theme, format, status)
			SELECT $1, e.id, c.id, c.user_id, $3, $3::timestamptz + interval '50 minutes', $3::timestamptz + interval '60 minutes', 'career', 'video', $4
			FROM users e, counselors c WHERE e.email = $2 AND c.id = $5 RETURNING id`,
			w.companyID, w.emails[i], start, status, w.cid)
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// otherCounselor adds a second verified counsellor and signs them in.
func (w *bookingWorld) otherCounselor(t *testing.T) *apptest.Client {
	t.Helper()
	u := w.h.CreateUser(account.NewUser{Email: "counselor002@taiwa.example", Name: "別の カウンセラー", Role: auth.RoleCounselor, Password: "employee-pass-2026"})
	err := w.h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`INSERT INTO counselors (user_id, status, display_name, themes, formats, verified_at)
			VALUES ($1, 'verified', '別の 人', '{career}', '{video}', now())`, u.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w.h.Login("counselor002@taiwa.example", "employee-pass-2026")
}

func put(c *apptest.Client, path string, body any) apptest.Response {
	b, _ := json.Marshal(body)
	return c.Raw("PUT", path, "application/json", bytes.NewReader(b))
}

func str(s string) *string { return &s }

func TestRecordRefusesBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 1)
	id := w.session(t, 0, time.Now().Add(-2*time.Hour), "completed")
	long := func(n int) string { return strings.Repeat("あ", n) }
	cases := []struct {
		name  string
		body  string
		field string
	}{
		{"no themes", `{"themes":[],"risk_level":"none"}`, "themes"},
		{"themes missing", `{"risk_level":"none"}`, "themes"},
		{"unknown theme", `{"themes":["astrology"],"risk_level":"none"}`, "themes"},
		{"duplicate theme", `{"themes":["career","career"],"risk_level":"none"}`, "themes"},
		{"themes not an array", `{"themes":"career","risk_level":"none"}`, "themes"},
		{"unknown risk level", `{"themes":["career"],"risk_level":"extreme"}`, "risk_level"},
		{"risk level missing", `{"themes":["career"]}`, "risk_level"},
		{"unknown observation", `{"themes":["career"],"risk_level":"low","observations":["weather"]}`, "observations"},
		{"summary too long", `{"themes":["career"],"risk_level":"low","shared_summary":"` + long(record.MaxSummary+1) + `"}`, "shared_summary"},
		{"notes too long", `{"themes":["career"],"risk_level":"low","private_notes":"` + long(record.MaxNotes+1) + `"}`, "private_notes"},
		{"control character", `{"themes":["career"],"risk_level":"low","private_notes":"a\u0000b"}`, "private_notes"},
		{"unknown field", `{"themes":["career"],"risk_level":"low","diagnosis":"x"}`, "diagnosis"},
		{"follow_up not boolean", `{"themes":["career"],"risk_level":"low","follow_up":"yes"}`, "follow_up"},
		{"not JSON", `{"themes":`, "body"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := w.counselor.Raw("PUT", "/api/v1/bookings/"+id+"/record", "application/json", strings.NewReader(tc.body))
			var e apptest.APIError
			decode(t, r.Body, &e)
			if r.Status != 400 || e.Error.Fields[tc.field] == "" {
				t.Fatalf("status %d fields %v, want 400 naming %s", r.Status, e.Error.Fields, tc.field)
			}
		})
	}
	if st := w.counselor.Do("GET", "/api/v1/bookings/"+id+"/record", nil, nil); st != 404 {
		t.Fatalf("a refused record was stored: GET %d", st)
	}
}

func TestRecordOnlyForAHeldSession(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 1)
	body := map[string]any{"themes": []string{"career"}, "risk_level": "none"}
	cases := []struct {
		status string
		start  time.Time
		code   string
	}{
		{"confirmed", time.Now().Add(time.Hour), "not_started"},
		{"cancelled", time.Now().Add(-72 * time.Hour), "not_held"},
		{"late_cancelled", time.Now().Add(-48 * time.Hour), "not_held"},
		{"no_show", time.Now().Add(-24 * time.Hour), "not_held"},
	}
	for _, tc := range cases {
		id := w.session(t, 0, tc.start, tc.status)
		r := put(w.counselor, "/api/v1/bookings/"+id+"/record", body)
		var e apptest.APIError
		decode(t, r.Body, &e)
		if r.Status != 409 || e.Error.Code != tc.code {
			t.Errorf("%s: %d %s, want 409 %s", tc.status, r.Status, e.Error.Code, tc.code)
		}
	}
	// A confirmed session that has started: writing the record means it
	// was held, so it becomes completed.
	id := w.session(t, 0, time.Now().Add(-10*time.Minute), "confirmed")
	if r := put(w.counselor, "/api/v1/bookings/"+id+"/record", body); r.Status != 200 {
		t.Fatalf("record of a started session: %d %s", r.Status, r.Body)
	}
	var status string
	if err := ownerDB(t, w.h).Get(&status, `SELECT status FROM bookings WHERE id = $1 AND completed_at IS NOT NULL`, id); err != nil || status != "completed" {
		t.Fatalf("booking status %q, %v; want completed", status, err)
	}
}

func TestRecordEditsInPlaceForSevenDaysThenAppendsAmendments(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 1)
	id := w.session(t, 0, time.Now().Add(-3*time.Hour), "completed")
	path := "/api/v1/bookings/" + id + "/record"
	var rec recordJSON
	r := put(w.counselor, path, map[string]any{"themes": []string{"career"}, "risk_level": "low", "follow_up": true,
		"observations": []string{"workload"}, "shared_summary": "次回までに上司と面談する", "private_notes": "初回ノート"})
	decode(t, r.Body, &rec)
	if r.Status != 200 || rec.PrivateNotes == nil || *rec.PrivateNotes != "初回ノート" || rec.Locked {
		t.Fatalf("first save: %d %s", r.Status, r.Body)
	}
	if d := time.Until(rec.LocksAt); d < 6*24*time.Hour || d > 7*24*time.Hour {
		t.Fatalf("locks_at %v, want 7 days after the first save", rec.LocksAt)
	}
	// Within the window: overwritten; an absent summary is kept, "" clears notes.
	r = put(w.counselor, path, map[string]any{"themes": []string{"career", "work_life"}, "risk_level": "moderate", "private_notes": ""})
	rec = recordJSON{}
	decode(t, r.Body, &rec)
	if r.Status != 200 || rec.RiskLevel != "moderate" || rec.SharedSummary == nil || *rec.SharedSummary != "次回までに上司と面談する" ||
		rec.PrivateNotes != nil || len(rec.Amendments) != 0 || len(rec.Observations) != 0 {
		t.Fatalf("edit in window: %d %s", r.Status, r.Body)
	}
	// Eight days later the record is locked: a save appends an amendment.
	svc := *w.h.App.Records
	svc.Clock = func() time.Time { return time.Now().Add(8 * 24 * time.Hour) }
	p := counselorPrincipal(t, w)
	bid := uuid.MustParse(id)
	got, err := svc.Save(context.Background(), p, bid, record.Input{Themes: []string{"mental_health"}, RiskLevel: "high",
		PrivateNotes: str("追記ノート")})
	if err != nil {
		t.Fatal(err)
	}
	if !got.Locked || len(got.Amendments) != 1 || got.Amendments[0].Seq != 1 || got.RiskLevel != "high" ||
		got.PrivateNotes == nil || *got.PrivateNotes != "追記ノート" || got.SharedSummary == nil {
		t.Fatalf("amendment: %+v", got)
	}
	got, err = svc.Save(context.Background(), p, bid, record.Input{Themes: []string{"mental_health"}, RiskLevel: "moderate", SharedSummary: str("")})
	if err != nil || len(got.Amendments) != 2 || got.SharedSummary != nil || got.PrivateNotes == nil || *got.PrivateNotes != "追記ノート" {
		t.Fatalf("second amendment (notes carried over, summary cleared): %+v, %v", got, err)
	}
	// The original row is untouched.
	var orig struct {
		Themes pq.StringArray `db:"themes"`
		Risk   string         `db:"risk_level"`
	}
	if err := ownerDB(t, w.h).Get(&orig, `SELECT themes, risk_level FROM session_records WHERE booking_id = $1`, id); err != nil {
		t.Fatal(err)
	}
	if strings.Join(orig.Themes, ",") != "career,work_life" || orig.Risk != "moderate" {
		t.Fatalf("original changed: %+v", orig)
	}
	// The API and the employee's summary show the effective version.
	rec = recordJSON{}
	if st := w.counselor.Do("GET", path, nil, &rec); st != 200 || rec.RiskLevel != "moderate" || len(rec.Amendments) != 2 || rec.Themes[0] != "mental_health" {
		t.Fatalf("GET after amendments: %d %+v", st, rec)
	}
	sum, err := w.h.App.Records.SummaryFor(context.Background(), employeePrincipal(t, w, 0), bid)
	if err != nil || sum.SharedSummary != nil || sum.Themes[0] != "mental_health" {
		t.Fatalf("employee summary: %+v %v", sum, err)
	}
	// The application role cannot rewrite an amendment.
	_, err = w.h.Env.DB.Exec(`UPDATE session_record_amendments SET risk_level = 'none'`)
	if err == nil {
		t.Fatal("the app role updated an amendment")
	}
}

func principalOf(t *testing.T, w *bookingWorld, email string) auth.Principal {
	t.Helper()
	var p auth.Principal
	var role string
	var company uuid.NullUUID
	err := ownerDB(t, w.h).QueryRow(`SELECT id, role, company_id FROM users WHERE email = $1`, email).Scan(&p.UserID, &role, &company)
	if err != nil {
		t.Fatal(err)
	}
	p.Role, p.CompanyID, p.Email = auth.Role(role), company.UUID, email
	return p
}

func counselorPrincipal(t *testing.T, w *bookingWorld) auth.Principal {
	return principalOf(t, w, "counselor001@taiwa.example")
}

func employeePrincipal(t *testing.T, w *bookingWorld, i int) auth.Principal {
	return principalOf(t, w, w.emails[i])
}

func TestUrgentRecordAlertsTheClinicalLeadAndNeverTheCompany(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 1)
	op := w.h.Operator()
	w.h.CreateUser(account.NewUser{Email: "lead@taiwa.example", Name: "臨床 責任者", Role: auth.RoleOperator, Password: "operator-pass-2026"})
	if _, err := ownerDB(t, w.h).Exec(`UPDATE users SET clinical_lead = true WHERE email = 'lead@taiwa.example'`); err != nil {
		t.Fatal(err)
	}
	id := w.session(t, 0, time.Now().Add(-time.Hour), "completed")
	const marker = "URGENT-MARKER-4711"
	r := put(w.counselor, "/api/v1/bookings/"+id+"/record", map[string]any{"themes": []string{"mental_health"}, "risk_level": "urgent",
		"private_notes": marker, "shared_summary": marker})
	if r.Status != 200 {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	// Saving again at urgent does not raise a second alert.
	if r := put(w.counselor, "/api/v1/bookings/"+id+"/record", map[string]any{"themes": []string{"mental_health"}, "risk_level": "urgent"}); r.Status != 200 {
		t.Fatal(r.Status)
	}
	w.h.DrainOutbox()
	lead, err := mail.ListDevMail(context.Background(), w.h.Env.DB, "lead@taiwa.example", 10)
	if err != nil || len(lead) != 1 {
		t.Fatalf("clinical lead mails: %d, %v", len(lead), err)
	}
	m, err := mail.GetDevMail(context.Background(), w.h.Env.DB, lead[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(m.Text, marker) || strings.Contains(m.Subject, marker) || !strings.Contains(m.Text, "/operator/alerts/") {
		t.Fatalf("alert mail: %s\n%s", m.Subject, m.Text)
	}
	for _, addr := range []string{"operator@taiwa.example", "hr@sample-shoji.example", w.emails[0]} {
		if l, _ := mail.ListDevMail(context.Background(), w.h.Env.DB, addr, 10); len(l) != 0 {
			t.Errorf("%s got %d mails; only the clinical lead is told", addr, len(l))
		}
	}
	var list struct {
		Items []record.Alert `json:"items"`
		Total int            `json:"total"`
	}
	if st := op.Do("GET", "/api/v1/risk-alerts?status=open", nil, &list); st != 200 || list.Total != 1 || list.Items[0].RiskLevel != "urgent" {
		t.Fatalf("alerts: %d %+v", st, list)
	}
	aid := list.Items[0].ID.String()
	if !strings.Contains(m.Text, aid) {
		t.Fatalf("the mail does not link alert %s", aid)
	}
	if st := w.admin.Do("GET", "/api/v1/risk-alerts", nil, nil); st != 403 {
		t.Fatalf("company admin reads alerts: %d", st)
	}
	var a record.Alert
	if st := op.Do("POST", "/api/v1/risk-alerts/"+aid+"/acknowledge", nil, &a); st != 200 || a.Status != "acknowledged" {
		t.Fatalf("acknowledge: %d %+v", st, a)
	}
	var e apptest.APIError
	if st := op.Do("POST", "/api/v1/risk-alerts/"+aid+"/resolve", map[string]string{"outcome": "forgot"}, &e); st != 400 || e.Error.Fields["outcome"] == "" {
		t.Fatalf("bad outcome: %d %+v", st, e)
	}
	if st := op.Do("POST", "/api/v1/risk-alerts/"+aid+"/resolve", map[string]string{"outcome": "contacted_counselor"}, &a); st != 200 || a.Status != "resolved" {
		t.Fatalf("resolve: %d %+v", st, a)
	}
	if st := op.Do("POST", "/api/v1/risk-alerts/"+aid+"/resolve", map[string]string{"outcome": "other"}, &e); st != 409 || e.Error.Code != "alert_resolved" {
		t.Fatalf("resolve twice: %d %+v", st, e)
	}
	var n int
	if err := ownerDB(t, w.h).Get(&n, `SELECT count(*) FROM audit_log WHERE action IN ('risk_alert.raise', 'risk_alert.acknowledge', 'risk_alert.resolve')`); err != nil || n != 3 {
		t.Fatalf("alert audit entries: %d, %v", n, err)
	}
}
