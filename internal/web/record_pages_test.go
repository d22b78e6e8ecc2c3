package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/db"
)

var alertLink = regexp.MustCompile(`href="(/operator/alerts/[0-9a-f-]{36})"`)

// TestCounselorWritesARecordAndTheOperatorHandlesTheUrgentAlert walks the
// record form (errors beside the fields, the entered values kept), the
// edit window, and the operators' queue that shows no note text.
func TestCounselorWritesARecordAndTheOperatorHandlesTheUrgentAlert(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	b := w.book(t, empEmail, time.Hour)
	// The session was held two hours ago.
	err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(`UPDATE bookings SET starts_at = now() - interval '2 hours', ends_at = now() - interval '70 minutes',
		blocked_until = now() - interval '60 minutes' WHERE id = $1`, b.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	c := newBrowser(t, h)
	c.login(cEmail, counselorPass)
	list := c.get("/counselor/sessions")
	path := "/counselor/sessions/" + b.ID.String() + "/record"
	mustContain(t, list, `href="`+path+`"`, "記録を書く")

	tok := c.csrf(path)
	const marker = "WEB-PRIVATE-MARKER-77"
	bad := c.post(path, url.Values{"_csrf": {tok}, "risk": {"low"}, "summary": {"要約です"}, "notes": {marker}})
	if bad.Status != http.StatusBadRequest {
		t.Fatalf("record without themes: %d", bad.Status)
	}
	mustContain(t, bad, `id="err-themes"`, "テーマを 1 つ以上選んでください", "要約です", marker)

	ok := c.post(path, url.Values{"_csrf": {tok}, "themes": {"career", "work_life"}, "risk": {"urgent"}, "followup": {"1"},
		"observations": {"workload"}, "summary": {"要約です"}, "notes": {marker}})
	if ok.Status != http.StatusSeeOther || ok.location() != path {
		t.Fatalf("save: %d → %s", ok.Status, ok.location())
	}
	shown := c.get(path)
	mustContain(t, shown, "記録を保存しました", "編集可能: あと 7 日", marker, `value="work_life" checked`, `value="urgent" checked`)

	h.DrainOutbox()
	op := newBrowser(t, h)
	op.login("operator@taiwa.example", "operator-pass-2026")
	queue := op.get("/operator/alerts")
	mustContain(t, queue, "田中 誠", "緊急", "未対応")
	mustNotContain(t, queue, marker, "要約です")
	m := alertLink.FindStringSubmatch(queue.Body)
	if m == nil {
		t.Fatalf("no alert link in the queue:\n%s", queue.Body)
	}
	detail := op.get(m[1])
	mustContain(t, detail, "1 時間以内に担当カウンセラーへ連絡", "119", "tanaka@c.example")
	mustNotContain(t, detail, marker, "要約です")
	atok := op.csrf(m[1])
	if p := op.post(m[1]+"/resolve", url.Values{"_csrf": {atok}, "outcome": {"employee_safe"}}); p.Status != http.StatusSeeOther {
		t.Fatalf("resolve: %d", p.Status)
	}
	mustContain(t, op.get(m[1]), "解決済み", "相談者の安全を確認した")

	// The company admin and the employee cannot open the record page.
	hr := newBrowser(t, h)
	hr.login(w.f.AdminEmail, w.f.AdminPass)
	if p := hr.get(path); p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
		t.Fatalf("company admin opens the record page: %d", p.Status)
	}
	if p := hr.get("/operator/alerts"); p.Status != http.StatusForbidden && p.Status != http.StatusNotFound {
		t.Fatalf("company admin opens the alert queue: %d", p.Status)
	}
}
