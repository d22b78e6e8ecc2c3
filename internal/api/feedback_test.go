package api_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

const fbPass = "feedback-pass-2026"

// fbWorld: company A (hr@a, employees e1@a "秘密 一郎" and e2@a), company B
// (hr@b), counsellors c1 (all sessions) and c2, an operator; e1's sessions:
// held (with a record whose summary carries a marker), future, cancelled,
// confirmed-but-over; e2 one held session.
type fbWorld struct {
	h                                      *apptest.Harness
	companyA, companyB, counselor1         uuid.UUID
	held, future, cancelled, ended, e2Held uuid.UUID
}

const summaryMarker = "SUMMARY-MARKER-7c1f"

func newFBWorld(t *testing.T, opts ...apptest.Options) *fbWorld {
	t.Helper()
	h := apptest.New(t, opts...)
	w := &fbWorld{h: h}
	hash, err := account.HashPassword(fbPass)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	err = h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		pw := dbtest.PasswordHash(hash)
		for i, cid := range []*uuid.UUID{&w.companyA, &w.companyB} {
			*cid = dbtest.Company(t, tx, dbtest.Name(fmt.Sprint("会社", i)))
			dbtest.CompanyAdmin(t, tx, *cid, fmt.Sprintf("hr@%c.example", 'a'+i), pw)
		}
		e1 := dbtest.Employee(t, tx, w.companyA, "e1@a.example", dbtest.Name("秘密 一郎"), pw).UserID
		e2 := dbtest.Employee(t, tx, w.companyA, "e2@a.example", dbtest.Name("二郎"), pw).UserID
		dbtest.Operator(t, tx, "op@x.example", pw)
		var cu [2]uuid.UUID
		var cids [2]uuid.UUID
		for i := range 2 {
			var p auth.Principal
			p, cids[i] = dbtest.Counsellor(t, tx, fmt.Sprintf("c%d@x.example", i+1), dbtest.Name(fmt.Sprint("相談", i)), pw,
				dbtest.DisplayName("カウンセラー"), dbtest.Themes("career"), dbtest.Formats("video"), dbtest.Rate(8000))
			cu[i] = p.UserID
		}
		w.counselor1 = cids[0]
		book := func(emp uuid.UUID, start time.Time, status string) uuid.UUID {
			var id uuid.UUID
			if err == nil {
				err = tx.Get(&id, `INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, starts_at, ends_at, blocked_until, theme, format, status)
					VALUES ($1, $2, $3, $4, $5, $6, $6, 'career', 'video', $7) RETURNING id`, w.companyA, emp, cids[0], cu[0], start, start.Add(50*time.Minute), status)
			}
			return id
		}
		w.held = book(e1, now.Add(-72*time.Hour), "completed")
		w.future = book(e1, now.Add(72*time.Hour), "confirmed")
		w.cancelled = book(e1, now.Add(-96*time.Hour), "cancelled")
		w.ended = book(e1, now.Add(-3*time.Hour), "confirmed")
		w.e2Held = book(e2, now.Add(-120*time.Hour), "completed")
		if err != nil {
			return err
		}
		_, err = tx.Exec(`INSERT INTO session_records (company_id, booking_id, counselor_id, counselor_user_id, employee_user_id, themes, risk_level, follow_up, shared_summary, locks_at)
			VALUES ($1, $2, $3, $4, $5, '{career,work_life}', 'low', true, $6, now() + interval '7 days')`,
			w.companyA, w.held, cids[0], cu[0], e1, "次の一歩を一緒に考えました "+summaryMarker)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func (w *fbWorld) login(email string) *apptest.Client { return w.h.Login(email, fbPass) }

func rating(s, f int) map[string]any {
	return map[string]any{"satisfaction": s, "fit": f, "who5": []int{3, 4, 2, 5, 3}, "comment": "COMMENT-MARKER-91ab"}
}

func TestFeedbackIsGivenOnceAfterTheSessionAndKeepsTheCounsellorsRating(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	e1 := w.login("e1@a.example")
	path := func(id uuid.UUID) string { return "/api/v1/bookings/" + id.String() + "/feedback" }
	var got struct {
		Satisfaction   int `json:"satisfaction"`
		WellbeingIndex int `json:"wellbeing_index"`
	}
	if st := e1.Do("POST", path(w.held), rating(5, 4), &got); st != http.StatusCreated || got.WellbeingIndex != 68 {
		t.Fatalf("rate: %d %+v", st, got)
	}
	for name, tc := range map[string]struct {
		id   uuid.UUID
		code string
	}{
		"again": {w.held, "already_rated"}, "future": {w.future, "not_started"}, "cancelled": {w.cancelled, "not_held"},
	} {
		r := post(e1, path(tc.id), rating(3, 3))
		if e := apiError(t, r); r.Status != http.StatusConflict || e.Error.Code != tc.code {
			t.Errorf("%s: %d %s, want 409 %s", name, r.Status, r.Body, tc.code)
		}
	}
	// A confirmed session that is over counts as held.
	if st := e1.Do("POST", path(w.ended), rating(3, 3), nil); st != http.StatusCreated {
		t.Fatalf("ended session: %d", st)
	}
	var avg string
	var n int
	if err := ownerDB(t, w.h).QueryRow(`SELECT rating_avg::text, rating_count FROM counselors WHERE id = $1`, w.counselor1).Scan(&avg, &n); err != nil || avg != "4.00" || n != 2 {
		t.Fatalf("counsellor rating = %s × %d (%v), want 4.00 × 2", avg, n, err)
	}
	// Another employee, HR, the counsellor and an operator: 404.
	for _, who := range []string{"e2@a.example", "hr@a.example", "c1@x.example", "op@x.example"} {
		if st := w.login(who).Do("GET", path(w.held), nil, nil); st != http.StatusNotFound {
			t.Errorf("%s reads the rating: %d, want 404", who, st)
		}
		if st := w.login(who).Do("POST", path(w.held), rating(1, 1), nil); st != http.StatusNotFound {
			t.Errorf("%s rates: %d, want 404", who, st)
		}
	}
	var mine struct {
		Comment string `json:"comment"`
		WHO5    []int  `json:"who5"`
	}
	if st := e1.Do("GET", path(w.held), nil, &mine); st != http.StatusOK || len(mine.WHO5) != 5 || mine.Comment == "" {
		t.Fatalf("own rating: %d %+v", st, mine)
	}
}

func TestConcurrentFeedbackStoresExactlyOne(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	e2 := w.login("e2@a.example")
	var wg sync.WaitGroup
	statuses := make(chan int, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses <- e2.Do("POST", "/api/v1/bookings/"+w.e2Held.String()+"/feedback", rating(4, 4), nil)
		}()
	}
	wg.Wait()
	close(statuses)
	count := map[int]int{}
	for st := range statuses {
		count[st]++
	}
	if count[http.StatusCreated] != 1 || count[http.StatusConflict] != 7 {
		t.Fatalf("statuses %v, want one 201 and seven 409", count)
	}
}

func TestFeedbackRefusesBadInputNamingTheField(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	e1 := w.login("e1@a.example")
	path := "/api/v1/bookings/" + w.held.String() + "/feedback"
	for _, tc := range []struct {
		body, field string
	}{
		{`{"fit":3,"who5":[1,2,3,4,5]}`, "satisfaction"},
		{`{"satisfaction":6,"fit":3,"who5":[1,2,3,4,5]}`, "satisfaction"},
		{`{"satisfaction":3,"fit":0,"who5":[1,2,3,4,5]}`, "fit"},
		{`{"satisfaction":3,"fit":3,"who5":[1,2,3]}`, "who5"},
		{`{"satisfaction":3,"fit":3,"who5":[1,2,9,4,5]}`, "who5[2]"},
		{`{"satisfaction":3,"fit":3,"who5":[1,2,3,4,5],"comment":"` + strings.Repeat("あ", 2001) + `"}`, "comment"},
		{`{"satisfaction":"five","fit":3,"who5":[1,2,3,4,5]}`, "satisfaction"},
		{`{"satisfaction":3,"fit":3,"who5":[1,2,3,4,5],"stars":5}`, "stars"},
	} {
		r := e1.Raw("POST", path, "application/json", strings.NewReader(tc.body))
		e := apiError(t, r)
		if r.Status != http.StatusBadRequest || e.Error.Fields[tc.field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", tc.body[:min(len(tc.body), 60)], r.Status, r.Body, tc.field)
		}
	}
}

func TestEmployeeNotesAreSealedAndOnlyTheirs(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	e1 := w.login("e1@a.example")
	const marker = "EMPLOYEE-NOTE-MARKER-5d2e"
	path := "/api/v1/bookings/" + w.future.String() + "/notes"
	var n struct {
		Notes string `json:"notes"`
	}
	if st := e1.Do("PUT", path, map[string]string{"notes": "聞きたいこと " + marker}, &n); st != http.StatusOK {
		t.Fatalf("put notes: %d", st)
	}
	if st := e1.Do("GET", path, nil, &n); st != http.StatusOK || !strings.Contains(n.Notes, marker) {
		t.Fatalf("get notes: %d %q", st, n.Notes)
	}
	var raw []byte
	if err := ownerDB(t, w.h).QueryRow(`SELECT notes FROM employee_notes WHERE booking_id = $1`, w.future).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), marker) || !strings.HasPrefix(string(raw), "tw1.") {
		t.Fatalf("notes are not sealed in the database: %q", raw[:20])
	}
	for _, who := range []string{"e2@a.example", "hr@a.example", "hr@b.example", "c1@x.example"} {
		r := w.login(who).Raw("GET", path, "", nil)
		if r.Status != http.StatusNotFound || strings.Contains(string(r.Body), marker) {
			t.Errorf("%s reads the notes: %d", who, r.Status)
		}
	}
	if st := e1.Do("PUT", path, map[string]string{"notes": strings.Repeat("x", 20001)}, nil); st != http.StatusBadRequest {
		t.Errorf("too long notes: %d, want 400", st)
	}
	if st := e1.Do("PUT", path, map[string]string{"notes": ""}, &n); st != http.StatusOK {
		t.Fatalf("delete notes: %d", st)
	}
	var left int
	_ = ownerDB(t, w.h).QueryRow(`SELECT count(*) FROM employee_notes`).Scan(&left)
	if left != 0 {
		t.Fatalf("%d notes left after deleting", left)
	}
}

type sharedItem struct {
	EmployeeName string `json:"employee_name"`
	Item         string `json:"item"`
	SessionMonth string `json:"session_month"`
	Content      string `json:"content"`
}

type summaryJSON struct {
	Themes        []string `json:"themes"`
	SharedSummary string   `json:"shared_summary"`
	Version       string   `json:"consent_text_version"`
	Sharing       []struct {
		Item        string      `json:"item"`
		Shared      bool        `json:"shared"`
		Current     bool        `json:"current"`
		Preview     *sharedItem `json:"preview"`
		ConsentText string      `json:"consent_text"`
	} `json:"sharing"`
}

func TestSharingShowsHRExactlyThePreviewUntilWithdrawn(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	e1 := w.login("e1@a.example")
	base := "/api/v1/bookings/" + w.held.String()
	var sum summaryJSON
	if st := e1.Do("GET", base+"/summary", nil, &sum); st != http.StatusOK || !strings.Contains(sum.SharedSummary, summaryMarker) || len(sum.Sharing) != 3 {
		t.Fatalf("summary: %d %+v", st, sum)
	}
	preview := *sum.Sharing[0].Preview
	if st := e1.Do("GET", "/api/v1/bookings/"+w.future.String()+"/summary", nil, nil); st != http.StatusNotFound {
		t.Errorf("summary without a record: %d, want 404", st)
	}
	hrA, hrB := w.login("hr@a.example"), w.login("hr@b.example")
	var list struct {
		Items []sharedItem `json:"items"`
		Total int          `json:"total"`
	}
	if st := hrA.Do("GET", "/api/v1/companies/"+w.companyA.String()+"/shared", nil, &list); st != http.StatusOK || list.Total != 0 {
		t.Fatalf("before consent HR sees %d %+v", st, list)
	}
	share := map[string]any{"item": "summary", "granted": true, "consent_text_version": sum.Version}
	if st := e1.Do("POST", base+"/sharing", share, nil); st != http.StatusOK {
		t.Fatalf("share: %d", st)
	}
	if st := hrA.Do("GET", "/api/v1/companies/"+w.companyA.String()+"/shared", nil, &list); st != http.StatusOK || len(list.Items) != 1 || list.Items[0] != preview {
		t.Fatalf("HR sees %+v, the employee was shown %+v", list.Items, preview)
	}
	if preview.EmployeeName != "秘密 一郎" || !strings.Contains(preview.Content, summaryMarker) || len(preview.SessionMonth) != 7 {
		t.Fatalf("preview %+v", preview)
	}
	if st := hrB.Do("GET", "/api/v1/companies/"+w.companyA.String()+"/shared", nil, nil); st != http.StatusNotFound {
		t.Errorf("HR of another company: %d, want 404", st)
	}
	// The counsellor amends the summary: HR keeps the consented snapshot.
	if _, err := ownerDB(t, w.h).Exec(`INSERT INTO session_record_amendments (company_id, booking_id, seq, author_user_id, counselor_user_id, themes, risk_level, follow_up, shared_summary)
		SELECT company_id, booking_id, 1, counselor_user_id, counselor_user_id, themes, risk_level, follow_up, 'NEW TEXT' FROM session_records WHERE booking_id = $1`, w.held); err != nil {
		t.Fatal(err)
	}
	_ = e1.Do("GET", base+"/summary", nil, &sum)
	if !sum.Sharing[0].Shared || sum.Sharing[0].Current {
		t.Errorf("after an amendment the item should be shared but not current: %+v", sum.Sharing[0])
	}
	_ = hrA.Do("GET", "/api/v1/companies/"+w.companyA.String()+"/shared", nil, &list)
	if len(list.Items) != 1 || list.Items[0] != preview {
		t.Fatalf("after an amendment HR sees %+v", list.Items)
	}
	share["granted"] = false
	if st := e1.Do("POST", base+"/sharing", share, nil); st != http.StatusOK {
		t.Fatalf("withdraw: %d", st)
	}
	_ = hrA.Do("GET", "/api/v1/companies/"+w.companyA.String()+"/shared", nil, &list)
	if len(list.Items) != 0 {
		t.Fatalf("after withdrawal HR still sees %+v", list.Items)
	}
	r := post(e1, base+"/sharing", map[string]any{"item": "notes", "granted": true, "consent_text_version": "0"})
	if e := apiError(t, r); r.Status != 400 || e.Error.Fields["item"] == "" || e.Error.Fields["consent_text_version"] == "" {
		t.Errorf("bad sharing: %d %s", r.Status, r.Body)
	}
	var consents struct {
		Items []struct {
			Item          string  `json:"item"`
			Granted       bool    `json:"granted"`
			Text          string  `json:"text"`
			SharedContent *string `json:"shared_content"`
		} `json:"items"`
	}
	if st := e1.Do("GET", "/api/v1/me/consents", nil, &consents); st != http.StatusOK || len(consents.Items) != 2 ||
		consents.Items[1].Text != sum.Sharing[0].ConsentText || consents.Items[1].SharedContent == nil || consents.Items[0].Granted {
		t.Fatalf("consent history: %d %+v", st, consents)
	}
	var audited int
	_ = ownerDB(t, w.h).QueryRow(`SELECT count(*) FROM audit_log WHERE action = 'shared.view' AND company_id = $1`, w.companyA).Scan(&audited)
	if audited < 3 {
		t.Errorf("shared.view audited %d times, want each view", audited)
	}
	// The audit log holds no free text: no note, comment or summary.
	const noteMarker = "EMPLOYEE-NOTE-MARKER-5d2e"
	_ = e1.Do("POST", base+"/feedback", rating(4, 4), nil)
	_ = e1.Do("PUT", base+"/notes", map[string]string{"notes": noteMarker}, nil)
	_ = e1.Do("POST", base+"/sharing", map[string]any{"item": "themes", "granted": true, "consent_text_version": sum.Version}, nil)
	rows, err := ownerDB(t, w.h).Query(`SELECT action, details::text || target_id || target_type FROM audit_log`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var action, text string
		if err := rows.Scan(&action, &text); err != nil {
			t.Fatal(err)
		}
		for _, m := range []string{noteMarker, summaryMarker, "COMMENT-MARKER-91ab", "NEW TEXT"} {
			if strings.Contains(text, m) {
				t.Errorf("audit entry %s holds %q", action, m)
			}
		}
	}
}

func TestReportOptOutIsStoredWithTheWordingShown(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	e1 := w.login("e1@a.example")
	var o struct {
		OptOut bool       `json:"opt_out"`
		At     *time.Time `json:"opt_out_at"`
		Text   string     `json:"text"`
	}
	if st := e1.Do("GET", "/api/v1/me/report-opt-out", nil, &o); st != http.StatusOK || o.OptOut || o.Text == "" {
		t.Fatalf("get: %d %+v", st, o)
	}
	shown := o.Text
	if st := e1.Do("PUT", "/api/v1/me/report-opt-out", map[string]bool{"opt_out": true}, &o); st != http.StatusOK || !o.OptOut || o.At == nil {
		t.Fatalf("opt out: %d %+v", st, o)
	}
	var text string
	var granted bool
	if err := ownerDB(t, w.h).QueryRow(`SELECT consent_text, granted FROM consents WHERE item = 'report_opt_out'`).Scan(&text, &granted); err != nil || text != shown || !granted {
		t.Fatalf("consent row: %q %v %v", text, granted, err)
	}
	if st := e1.Do("PUT", "/api/v1/me/report-opt-out", map[string]any{}, nil); st != http.StatusBadRequest {
		t.Errorf("missing opt_out: %d, want 400", st)
	}
	if st := w.login("hr@a.example").Do("PUT", "/api/v1/me/report-opt-out", map[string]bool{"opt_out": true}, nil); st != http.StatusForbidden {
		t.Errorf("HR opts out: %d, want 403", st)
	}
}

func TestAuditLogIsBrowsedByOperatorsAndEachUserSeesTheirOwn(t *testing.T) {
	t.Parallel()
	w := newFBWorld(t)
	e1 := w.login("e1@a.example")
	op := w.login("op@x.example")
	var page struct {
		Items []struct {
			Action     string `json:"action"`
			ActorEmail string `json:"actor_email"`
		} `json:"items"`
		Total int `json:"total"`
	}
	if st := op.Do("GET", "/api/v1/audit?action=auth.login&actor=e1@a.example", nil, &page); st != http.StatusOK || page.Total != 1 || page.Items[0].ActorEmail != "e1@a.example" {
		t.Fatalf("operator filter: %d %+v", st, page)
	}
	if st := op.Do("GET", "/api/v1/audit?action=audit.view", nil, &page); st != http.StatusOK || page.Total < 1 {
		t.Fatalf("viewing the log is not audited: %+v", page)
	}
	for q, field := range map[string]string{"from=yesterday": "from", "company_id=x": "company_id", "per_page=500": "per_page", "action=DROP TABLE": "action", "from=2026-02-01&to=2026-01-01": "to"} {
		r := op.Raw("GET", "/api/v1/audit?"+strings.ReplaceAll(q, " ", "%20"), "", nil)
		if e := apiError(t, r); r.Status != http.StatusBadRequest || e.Error.Fields[field] == "" {
			t.Errorf("%s: %d %s, want 400 naming %s", q, r.Status, r.Body, field)
		}
	}
	if st := e1.Do("GET", "/api/v1/audit", nil, nil); st != http.StatusForbidden {
		t.Errorf("employee browses the audit log: %d", st)
	}
	if st := e1.Do("GET", "/api/v1/me/audit", nil, &page); st != http.StatusOK || page.Total == 0 {
		t.Fatalf("own entries: %d %+v", st, page)
	}
	for _, it := range page.Items {
		if it.ActorEmail != "e1@a.example" {
			t.Fatalf("own entries include %+v", it)
		}
	}
}
