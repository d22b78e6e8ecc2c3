package web_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/apptest"
)

// auditTable is the audit page's table of entries alone (the filters name
// every action too).
func auditTable(t *testing.T, p page) page {
	t.Helper()
	i := strings.Index(p.Body, `id="audit-list"`)
	if i < 0 {
		t.Fatalf("no audit table (status %d):\n%s", p.Status, p.Body)
	}
	j := strings.Index(p.Body[i:], "</table>")
	return page{Status: p.Status, Header: p.Header, Body: p.Body[i : i+j]}
}

// TestAuditLogShowsLabelsAndFiltersByPersonAndAction: entries read in
// plain words (緊急アラートの閲覧 / Viewed an urgent alert), the person is
// chosen from the actors by name and email, the action from labelled
// choices, and the filters keep what was chosen.
func TestAuditLogShowsLabelsAndFiltersByPersonAndAction(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	w := newBookingWorld(t, h, allDay())
	path := overdueAlert(t, w, 2*time.Hour)
	op := newBrowser(t, h)
	op.login("operator@taiwa.example", "operator-pass-2026")
	op.get(path) // audited as risk_alert.read
	emp := newBrowser(t, h)
	emp.login(empEmail, empPass)

	all := op.get("/operator/audit")
	mustContain(t, all, `<datalist id="audit-actors">`, `<option value="operator@taiwa.example">`, `<option value="`+empEmail+`">社員 一郎 (`,
		`<option value="risk_alert.read">緊急アラートの閲覧</option>`, `<option value="">すべての操作</option>`)
	mustNotContain(t, all, `<option value="risk_alert.read" selected>`)
	mustContain(t, auditTable(t, all), "緊急アラートの閲覧", "サインイン")

	p := op.get("/operator/audit?actor=operator%40taiwa.example&action=risk_alert.read")
	if p.Status != http.StatusOK {
		t.Fatalf("filtered: %d", p.Status)
	}
	mustContain(t, p, `<option value="risk_alert.read" selected>緊急アラートの閲覧</option>`, `value="operator@taiwa.example"`)
	rows := auditTable(t, p)
	mustContain(t, rows, "緊急アラートの閲覧", `title="risk_alert.read"`)
	mustNotContain(t, rows, "サインイン", empEmail)

	byEmployee := auditTable(t, op.get("/operator/audit?actor="+empEmail))
	mustContain(t, byEmployee, "サインイン", empEmail)
	mustNotContain(t, byEmployee, "緊急アラートの閲覧")

	en := newBrowser(t, h)
	en.login("operator@taiwa.example", "operator-pass-2026")
	toEnglish(t, en, "/operator/audit")
	pe := en.get("/operator/audit?action=risk_alert.read")
	mustContain(t, pe, `<option value="risk_alert.read" selected>Viewed an urgent alert</option>`, "All actions")
	mustContain(t, auditTable(t, pe), "Viewed an urgent alert")
}
