package api_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/api"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/devenv"
	"github.com/taiwa/taiwa/internal/record"
)

// The attack tests: what a counsellor writes in private notes reaches no
// one else — not the company admin, the employee or another counsellor
// through any GET the API has, nor a database dump — a sealed value moved
// onto another row does not open, and the audit trail cannot be erased by
// the application.

const (
	noteMarker  = "PRIVATE-NOTE-MARKER-8d1f"
	amendMarker = "AMENDED-NOTE-MARKER-3c7a"
	summaryMark = "SHARED-SUMMARY-VISIBLE-51e2"
)

// attackWorld has one record with notes and one amended record with notes.
type attackWorld struct {
	*bookingWorld
	recordID, amendedID string
}

func newAttackWorld(t *testing.T) attackWorld {
	t.Helper()
	w := newBookingWorld(t, 2)
	a := attackWorld{bookingWorld: w}
	a.recordID = w.session(t, 0, time.Now().Add(-2*time.Hour), "confirmed")
	a.amendedID = w.session(t, 1, time.Now().Add(-5*time.Hour), "completed")
	body := map[string]any{"themes": []string{"career"}, "risk_level": "low", "follow_up": true,
		"observations": []string{"workload"}, "shared_summary": summaryMark, "private_notes": noteMarker}
	for _, id := range []string{a.recordID, a.amendedID} {
		if r := put(w.counselor, "/api/v1/bookings/"+id+"/record", body); r.Status != 200 {
			t.Fatalf("save: %d %s", r.Status, r.Body)
		}
	}
	svc := *w.h.App.Records
	svc.Clock = func() time.Time { return time.Now().Add(10 * 24 * time.Hour) }
	_, err := svc.Save(context.Background(), counselorPrincipal(t, w), uuid.MustParse(a.amendedID),
		record.Input{Themes: []string{"career"}, RiskLevel: "moderate", PrivateNotes: str(amendMarker)})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var routeParam = regexp.MustCompile(`:[a-z_]+`)

// walkGETs calls every GET route role may use, with each real id in every
// path parameter (a company's own id in :cid), and returns the bodies.
func walkGETs(t *testing.T, c *apptest.Client, role auth.Role, companyID string, ids []string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, r := range (&api.Server{}).Routes() {
		if r.Method != "GET" || (r.Roles != nil && !containsRole(r.Roles, role)) {
			continue
		}
		for _, id := range ids {
			path := strings.ReplaceAll(r.Path, ":cid", companyID)
			path = routeParam.ReplaceAllString(path, id)
			if _, done := out[path]; done {
				continue
			}
			resp := c.Raw("GET", path, "", nil)
			if resp.Status >= 500 {
				t.Errorf("%s GET %s: %d", role, path, resp.Status)
			}
			out[path] = resp.Body
		}
	}
	return out
}

func containsRole(roles []auth.Role, r auth.Role) bool {
	for _, x := range roles {
		if x == r {
			return true
		}
	}
	return false
}

func TestPrivateNotesReachNoOneButTheirCounselor(t *testing.T) {
	t.Parallel()
	a := newAttackWorld(t)
	w := a.bookingWorld
	other := w.otherCounselor(t)
	var empID, cuID string
	owner := ownerDB(t, w.h)
	if err := owner.Get(&empID, `SELECT id FROM users WHERE email = $1`, w.emails[0]); err != nil {
		t.Fatal(err)
	}
	if err := owner.Get(&cuID, `SELECT user_id FROM counselors WHERE id = $1`, w.cid); err != nil {
		t.Fatal(err)
	}
	ids := []string{a.recordID, a.amendedID, w.companyID.String(), empID, w.cid, cuID}
	callers := []struct {
		role auth.Role
		c    *apptest.Client
	}{
		{auth.RoleCompanyAdmin, w.admin},
		{auth.RoleEmployee, w.employee(0)},
		{auth.RoleEmployee, w.employee(1)},
		{auth.RoleCounselor, other},
	}
	walked := 0
	for _, caller := range callers {
		for path, body := range walkGETs(t, caller.c, caller.role, w.companyID.String(), ids) {
			walked++
			for _, m := range []string{noteMarker, amendMarker} {
				if bytes.Contains(body, []byte(m)) {
					t.Errorf("%s read the private notes at GET %s", caller.role, path)
				}
			}
		}
	}
	if walked < 20 {
		t.Fatalf("walked only %d answers", walked)
	}
	// The booking's own counsellor does read them (so the markers are real).
	var rec recordJSON
	if st := w.counselor.Do("GET", "/api/v1/bookings/"+a.amendedID+"/record", nil, &rec); st != 200 || rec.PrivateNotes == nil || *rec.PrivateNotes != amendMarker {
		t.Fatalf("own counsellor: %d %+v", st, rec)
	}
	// Every refused read of a record left a denied audit entry.
	var denied int
	if err := owner.Get(&denied, `SELECT count(DISTINCT actor_role) FROM audit_log WHERE action = 'record.read' AND outcome = 'denied'
		AND target_id = $1`, a.recordID); err != nil || denied != 3 {
		t.Fatalf("denied record.read by %d roles, %v; want company_admin, employee and counselor", denied, err)
	}
}

func TestAnotherCounselorGets404AndTheAttemptIsAudited(t *testing.T) {
	t.Parallel()
	a := newAttackWorld(t)
	other := a.otherCounselor(t)
	for _, m := range []string{"GET", "PUT"} {
		var r apptest.Response
		if m == "GET" {
			r = other.Raw("GET", "/api/v1/bookings/"+a.recordID+"/record", "", nil)
		} else {
			r = put(other, "/api/v1/bookings/"+a.recordID+"/record", map[string]any{"themes": []string{"career"}, "risk_level": "none"})
		}
		if r.Status != 404 || bytes.Contains(r.Body, []byte(noteMarker)) {
			t.Fatalf("%s by another counsellor: %d %s", m, r.Status, r.Body)
		}
	}
	// Logged in the actor's own scope (a counsellor has no company), never
	// the booking's owner: the entry is no existence oracle.
	var n int
	if err := ownerDB(t, a.h).Get(&n, `
		SELECT count(*) FROM audit_log a JOIN users u ON u.id = a.actor_user_id
		WHERE u.email = 'counselor002@taiwa.example' AND a.outcome = 'denied' AND a.target_id = $1
		  AND a.action IN ('record.read', 'record.write') AND a.company_id IS NULL`, a.recordID); err != nil || n != 2 {
		t.Fatalf("denied audit entries: %d, %v", n, err)
	}
	// The operator is refused too: records are the counsellor's alone.
	if st := a.h.Operator().Do("GET", "/api/v1/bookings/"+a.recordID+"/record", nil, nil); st != 404 {
		t.Fatalf("operator: %d", st)
	}
}

func TestASealedNoteCopiedOntoAnotherRowDoesNotOpen(t *testing.T) {
	t.Parallel()
	a := newAttackWorld(t)
	owner := ownerDB(t, a.h)
	// As the database owner, copy record A's sealed notes onto record B.
	if _, err := owner.Exec(`UPDATE session_records SET private_notes = (SELECT private_notes FROM session_records WHERE booking_id = $1)
		WHERE booking_id = $2`, a.recordID, a.amendedID); err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	if err := owner.Get(&sealed, `SELECT private_notes FROM session_records WHERE booking_id = $1`, a.amendedID); err != nil {
		t.Fatal(err)
	}
	if _, err := a.h.App.Records.Keys.Open(sealed, record.NotesAAD(a.companyID, uuid.MustParse(a.amendedID))); err == nil {
		t.Fatal("a sealed value opened on another row")
	}
	// Copy an amendment's notes onto the original of the same booking:
	// the seq is bound too. Drop the amendment's effect by reading the
	// original through a record that has none.
	if _, err := owner.Exec(`UPDATE session_records SET private_notes = (SELECT private_notes FROM session_record_amendments WHERE booking_id = $1)
		WHERE booking_id = $2`, a.amendedID, a.recordID); err != nil {
		t.Fatal(err)
	}
	var rec recordJSON
	r := a.counselor.Raw("GET", "/api/v1/bookings/"+a.recordID+"/record", "", nil)
	decode(t, r.Body, &rec)
	if r.Status != 200 || !rec.NotesUnreadable || rec.PrivateNotes != nil || bytes.Contains(r.Body, []byte(amendMarker)) {
		t.Fatalf("moved notes: %d %s", r.Status, r.Body)
	}
	// The amended record's effective notes (the amendment's) still open.
	rec = recordJSON{}
	if st := a.counselor.Do("GET", "/api/v1/bookings/"+a.amendedID+"/record", nil, &rec); st != 200 || rec.PrivateNotes == nil || *rec.PrivateNotes != amendMarker {
		t.Fatalf("amended record: %d %+v", st, rec)
	}
	var n int
	if err := owner.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'record.notes_unreadable' AND target_id = $1`, a.recordID); err != nil || n != 1 {
		t.Fatalf("notes_unreadable audit entries: %d, %v", n, err)
	}
}

func TestADatabaseDumpRevealsNoPrivateNote(t *testing.T) {
	t.Parallel()
	a := newAttackWorld(t)
	bin, err := devenv.FindPostgresBin()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(filepath.Join(bin, "pg_dump"), "--data-only", "--dbname="+a.h.Env.SuperURL)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("pg_dump: %v: %s", err, stderr.String())
	}
	dump := out.Bytes()
	if !bytes.Contains(dump, []byte(summaryMark)) {
		t.Fatal("the dump does not hold the records' plain columns: it proves nothing")
	}
	for _, m := range []string{noteMarker, amendMarker} {
		if bytes.Contains(dump, []byte(m)) || bytes.Contains(dump, []byte(hex.EncodeToString([]byte(m)))) {
			t.Errorf("the dump holds %s", m)
		}
	}
	if !bytes.Contains(dump, []byte(hex.EncodeToString([]byte("tw1.test1.")))) {
		t.Error("the dump holds no sealed value")
	}
}

func TestTheApplicationRoleCannotEraseTheAuditTrailOrConsents(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	app := appDB(t, h)
	if _, err := app.Exec(`INSERT INTO audit_log (actor_role, action, target_type, target_id, outcome, details)
		VALUES ('system', 'test.entry', 'test', '1', 'ok', '{}')`); err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{
		`DELETE FROM audit_log`,
		`UPDATE audit_log SET action = 'x'`,
		`TRUNCATE audit_log`,
		`DELETE FROM consents`,
		`UPDATE consents SET granted = NOT granted`,
		`TRUNCATE consents`,
		`DELETE FROM session_record_amendments`,
		`UPDATE session_record_amendments SET risk_level = 'none'`,
		`TRUNCATE session_record_amendments`,
	} {
		if _, err := app.Exec(q); err == nil {
			t.Errorf("the application role ran %q", q)
		}
	}
	var n int
	if err := app.Get(&n, `SELECT count(*) FROM audit_log WHERE action = 'test.entry'`); err != nil || n != 1 {
		t.Fatalf("audit entry: %d, %v", n, err)
	}
}
