package api_test

import (
	"context"
	"io"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/record"
)

// urgentAlert saves an urgent record on a held session and answers the
// open alert's id (the raise mails drained).
func urgentAlert(t *testing.T, w *bookingWorld, op *apptest.Client) string {
	t.Helper()
	id := w.session(t, 0, time.Now().Add(-time.Hour), "completed")
	if r := put(w.counselor, "/api/v1/bookings/"+id+"/record", map[string]any{"themes": []string{"mental_health"}, "risk_level": "urgent"}); r.Status != 200 {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	w.h.DrainOutbox()
	var list struct {
		Items []record.Alert `json:"items"`
	}
	if st := op.Do("GET", "/api/v1/risk-alerts?status=open", nil, &list); st != 200 || len(list.Items) != 1 {
		t.Fatalf("alerts: %d %+v", st, list)
	}
	return list.Items[0].ID.String()
}

// TestResolvingWithoutAnOutcomeIs422NamingTheField: the outcome has no
// default; an empty or missing one is refused, the alert stays as it was.
func TestResolvingWithoutAnOutcomeIs422NamingTheField(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 1)
	op := w.h.Operator()
	aid := urgentAlert(t, w, op)
	for _, body := range []map[string]string{{}, {"outcome": ""}, {"outcome": "  "}} {
		var e apptest.APIError
		if st := op.Do("POST", "/api/v1/risk-alerts/"+aid+"/resolve", body, &e); st != 422 || e.Error.Code != "outcome_required" ||
			e.Error.Fields["outcome"] == "" || !strings.Contains(e.Error.Message, "outcome") {
			t.Fatalf("resolve %v: %d %+v", body, st, e)
		}
	}
	var a record.Alert
	if st := op.Do("GET", "/api/v1/risk-alerts/"+aid, nil, &a); st != 200 || a.Status != "open" || a.Outcome != nil {
		t.Fatalf("after refused resolves: %d %+v", st, a)
	}
	if a.Overdue || a.AcknowledgeDueAt.Sub(a.RaisedAt) != record.AcknowledgeWithin || a.ResolveDueAt.Sub(a.RaisedAt) != record.ResolveWithin {
		t.Fatalf("deadlines: %+v", a)
	}
}

// TestUnacknowledgedUrgentAlertIsEscalatedToTheClinicalLeadsOnce: past the
// protocol's hour the clinical leads get one escalation mail each, however
// often (and however concurrently) the sweep and the outbox job run; an
// acknowledged alert is never escalated; who acknowledged is kept.
func TestUnacknowledgedUrgentAlertIsEscalatedToTheClinicalLeadsOnce(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 2)
	w.h.CreateUser(account.NewUser{Email: "lead@taiwa.example", Name: "臨床 責任者", Role: auth.RoleOperator, Password: "operator-pass-2026"})
	owner := ownerDB(t, w.h)
	if _, err := owner.Exec(`UPDATE users SET clinical_lead = true WHERE email = 'lead@taiwa.example'`); err != nil {
		t.Fatal(err)
	}
	op := w.h.Operator()
	late := urgentAlert(t, w, op)
	mails := func(subject string) int {
		t.Helper()
		l, err := mail.ListDevMail(context.Background(), w.h.Env.DB, "lead@taiwa.example", 50)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range l {
			if strings.Contains(m.Subject, subject) {
				n++
			}
		}
		return n
	}
	if n := mails("1 時間以内に対応確認されていません"); n != 0 {
		t.Fatalf("escalated before the deadline: %d", n)
	}
	ctx := context.Background()
	// Not yet due: nothing happens.
	if n, err := w.h.App.Records.EscalateOverdue(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("early sweep: %d, %v", n, err)
	}
	// The alert was raised two hours ago and nobody acknowledged it.
	if _, err := owner.Exec(`UPDATE risk_alerts SET raised_at = now() - interval '2 hours' WHERE id = $1`, late); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	counts := make([]int, 4)
	for i := range counts {
		wg.Go(func() {
			n, err := w.h.App.Records.EscalateOverdue(ctx, time.Now())
			if err != nil {
				t.Error(err)
			}
			counts[i] = n
		})
	}
	wg.Wait()
	if total := counts[0] + counts[1] + counts[2] + counts[3]; total != 1 {
		t.Fatalf("concurrent sweeps escalated %v times in all, want once", counts)
	}
	// The outbox job queued with the alert comes due too: it finds the
	// alert escalated and does nothing more.
	if _, err := owner.Exec(`UPDATE outbox SET next_attempt_at = now() WHERE kind = $1`, record.EscalateKind); err != nil {
		t.Fatal(err)
	}
	w.h.DrainOutbox()
	if n, err := w.h.App.Records.EscalateOverdue(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("a later sweep: %d, %v", n, err)
	}
	w.h.DrainOutbox()
	if n := mails("1 時間以内に対応確認されていません"); n != 1 {
		t.Fatalf("clinical lead got %d escalation mails, want 1", n)
	}
	var esc int
	if err := owner.Get(&esc, `SELECT count(*) FROM audit_log WHERE action = 'risk_alert.escalate' AND target_id = $1`, late); err != nil || esc != 1 {
		t.Fatalf("escalation audit entries: %d, %v", esc, err)
	}
	var a record.Alert
	if st := op.Do("GET", "/api/v1/risk-alerts/"+late, nil, &a); st != 200 || a.EscalatedAt == nil || !a.Overdue || a.OverdueSeconds < 3000 {
		t.Fatalf("escalated alert: %d %+v", st, a)
	}

	// A second urgent alert, acknowledged in time, is never escalated,
	// even when its job runs after the hour.
	w.h.CreateUser(account.NewUser{Email: "op2@taiwa.example", Name: "運用 二郎", Role: auth.RoleOperator, Password: "operator-pass-2026"})
	op2 := w.h.Login("op2@taiwa.example", "operator-pass-2026")
	id2 := w.session(t, 1, time.Now().Add(-3*time.Hour), "completed")
	if r := put(w.counselor, "/api/v1/bookings/"+id2+"/record", map[string]any{"themes": []string{"mental_health"}, "risk_level": "urgent"}); r.Status != 200 {
		t.Fatalf("save: %d %s", r.Status, r.Body)
	}
	var list struct {
		Items []record.Alert `json:"items"`
	}
	if st := op.Do("GET", "/api/v1/risk-alerts?status=open", nil, &list); st != 200 || len(list.Items) != 2 {
		t.Fatalf("alerts: %d %+v", st, list)
	}
	var in string
	for _, it := range list.Items {
		if it.ID.String() != late {
			in = it.ID.String()
		}
	}
	if st := op2.Do("POST", "/api/v1/risk-alerts/"+in+"/acknowledge", nil, &a); st != 200 || a.AcknowledgedByName == nil || *a.AcknowledgedByName != "運用 二郎" {
		t.Fatalf("acknowledge: %d %+v", st, a)
	}
	if _, err := owner.Exec(`UPDATE risk_alerts SET raised_at = now() - interval '3 hours' WHERE id = $1`, in); err != nil {
		t.Fatal(err)
	}
	if _, err := owner.Exec(`UPDATE outbox SET next_attempt_at = now() WHERE kind = $1`, record.EscalateKind); err != nil {
		t.Fatal(err)
	}
	w.h.DrainOutbox()
	if n, err := w.h.App.Records.EscalateOverdue(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("sweep after acknowledgement: %d, %v", n, err)
	}
	w.h.DrainOutbox()
	if n := mails("1 時間以内に対応確認されていません"); n != 1 {
		t.Fatalf("clinical lead got %d escalation mails, want still 1", n)
	}
	if err := owner.Get(&esc, `SELECT count(*) FROM audit_log WHERE action = 'risk_alert.acknowledge' AND target_id = $1 AND actor_user_id IS NOT NULL`, in); err != nil || esc != 1 {
		t.Fatalf("acknowledgement audit entries: %d, %v", esc, err)
	}
}

// TestEscalationMigrationGoesDownAndUpAgain: 00023's Down drops the
// escalation mark and its index, Up brings them back, alerts intact.
func TestEscalationMigrationGoesDownAndUpAgain(t *testing.T) {
	t.Parallel()
	w := newBookingWorld(t, 1)
	op := w.h.Operator()
	aid := urgentAlert(t, w, op)
	owner := ownerDB(t, w.h)
	if _, err := owner.Exec(`UPDATE risk_alerts SET escalated_at = now() WHERE id = $1`, aid); err != nil {
		t.Fatal(err)
	}
	m, err := db.NewMigrator(w.h.Env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	const schema = `SELECT (SELECT count(*) FROM information_schema.columns WHERE table_name = 'risk_alerts' AND column_name = 'escalated_at')
		+ (SELECT count(*) FROM pg_indexes WHERE indexname = 'risk_alerts_unescalated_idx')`
	if err := m.DownTo(ctx, io.Discard, 22); err != nil {
		t.Fatalf("down: %v", err)
	}
	var n int
	if err := owner.Get(&n, schema); err != nil || n != 0 {
		t.Fatalf("after Down: %d left, %v", n, err)
	}
	if err := m.Up(ctx, io.Discard); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if err := owner.Get(&n, schema); err != nil || n != 2 {
		t.Fatalf("after Up: %d, %v", n, err)
	}
	var a record.Alert
	if st := op.Do("GET", "/api/v1/risk-alerts/"+aid, nil, &a); st != 200 || a.Status != "open" || a.EscalatedAt != nil {
		t.Fatalf("alert after Down and Up: %d %+v", st, a)
	}
}
