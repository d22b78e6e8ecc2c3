package web_test

import (
	"net/http"
	"testing"
)

func TestOperatorBrowsesTheAuditLogAndEachUserSeesTheirOwnActivity(t *testing.T) {
	t.Parallel()
	w := newMoneyWorld(t)
	emp := newBrowser(t, w.h)
	emp.login("emp@billing.example", billPass)
	op := newBrowser(t, w.h)
	op.login("op@billing.example", billPass)

	p := op.get("/operator/audit?action=auth.login&actor=emp@billing.example")
	if p.Status != http.StatusOK {
		t.Fatalf("audit log: %d", p.Status)
	}
	mustContain(t, p, `id="audit-list"`, "emp@billing.example", `value="auth.login"`)
	mustNotContain(t, p, "hr0@billing.example")
	if bad := op.get("/operator/audit?from=yesterday"); bad.Status != http.StatusBadRequest {
		t.Errorf("bad filter: %d, want 400", bad.Status)
	} else {
		mustContain(t, bad, `id="filter-error-from"`)
	}
	if r := emp.get("/operator/audit"); r.Status == http.StatusOK {
		t.Errorf("an employee opens the audit log: %d", r.Status)
	}
	a := emp.get("/me/activity")
	mustContain(t, a, `id="activity-list"`, "サインイン")
	mustNotContain(t, a, "op@billing.example", "監査ログを見た")
}
