package counselor_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// wantCode fails unless err is an apperr with code and API code reason.
func wantCode(t *testing.T, what string, err error, code apperr.Code, reason string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != code || (reason != "" && e.APICode() != reason) {
		t.Fatalf("%s: err = %v, want %s %s", what, err, code, reason)
	}
}

func (f *fixture) audited(action, targetID string) int {
	f.t.Helper()
	var n int
	if err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &n, `SELECT count(*) FROM audit_log WHERE action = $1 AND target_id = $2 AND actor_user_id = $3`,
			action, targetID, f.op.UserID)
	}); err != nil {
		f.t.Fatal(err)
	}
	return n
}

func TestCredentialReviewTransitions(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	cr := f.credential(p, c, "certified_public_psychologist", "", false)

	got, err := f.svc.VerifyCredential(ctx, f.op, c.ID, cr.ID)
	if err != nil || got.Status != "verified" || got.VerifiedAt == nil {
		t.Fatalf("verify: %+v (%v)", got, err)
	}
	if f.audited("counselor.credential.verify", cr.ID.String()) != 1 || f.indexed(c.ID) != 1 {
		t.Fatal("verifying was not audited or did not queue a reindex")
	}
	_, err = f.svc.VerifyCredential(ctx, f.op, c.ID, cr.ID)
	wantCode(t, "verify twice", err, apperr.CodeConflict, "credential_already_verified")

	_, err = f.svc.RejectCredential(ctx, f.op, c.ID, cr.ID, "   ")
	wantCode(t, "reject without a reason", err, apperr.CodeInvalid, "")
	if fieldsOf(err)["reason"] == "" {
		t.Fatalf("reject without a reason does not name the field: %v", err)
	}
	_, err = f.svc.RejectCredential(ctx, f.op, c.ID, cr.ID, strings.Repeat("理", 501))
	wantCode(t, "reject with a long reason", err, apperr.CodeInvalid, "")
	_, err = f.svc.RejectCredential(ctx, f.op, c.ID, cr.ID, "番号\x00")
	wantCode(t, "reject with a NUL in the reason", err, apperr.CodeInvalid, "")

	got, err = f.svc.RejectCredential(ctx, f.op, c.ID, cr.ID, " 登録が抹消されています ")
	if err != nil || got.Status != "rejected" || got.RejectedReason == nil || *got.RejectedReason != "登録が抹消されています" || got.VerifiedAt != nil {
		t.Fatalf("revoke a verified credential: %+v (%v)", got, err)
	}
	if f.indexed(c.ID) != 2 {
		t.Fatal("revoking did not queue a reindex")
	}
	_, err = f.svc.RejectCredential(ctx, f.op, c.ID, cr.ID, "again")
	wantCode(t, "reject twice", err, apperr.CodeConflict, "credential_already_rejected")
	_, err = f.svc.VerifyCredential(ctx, f.op, c.ID, cr.ID)
	wantCode(t, "verify a rejected credential", err, apperr.CodeConflict, "credential_rejected")

	list, _ := f.svc.MyCredentials(ctx, p)
	if len(list) != 1 || list[0].Status != "rejected" || *list[0].RejectedReason != "登録が抹消されています" {
		t.Fatalf("the counsellor sees %+v", list)
	}
}

func TestCredentialReviewAnswersNotFoundForAnotherCounsellorsCredential(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pa, a := f.counselor()
	pb, b := f.counselor()
	crB := f.credential(pb, b, "icf_coach", "", false)
	f.credential(pa, a, "icf_coach", "", false)
	_, err := f.svc.VerifyCredential(ctx, f.op, a.ID, crB.ID)
	wantCode(t, "verify B's credential under A", err, apperr.CodeNotFound, "")
	_, err = f.svc.RejectCredential(ctx, f.op, a.ID, crB.ID, "x")
	wantCode(t, "reject B's credential under A", err, apperr.CodeNotFound, "")
	_, err = f.svc.VerifyCredential(ctx, f.op, uuid.New(), crB.ID)
	wantCode(t, "verify under an unknown counsellor", err, apperr.CodeNotFound, "")
	if list, _ := f.svc.MyCredentials(ctx, pb); list[0].Status != "pending" {
		t.Fatalf("B's credential changed: %s", list[0].Status)
	}
}

func TestReviewActionsAreForOperatorsOnly(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	cr := f.credential(p, c, "icf_coach", "", false)
	checks := map[string]error{}
	_, checks["verify credential"] = f.svc.VerifyCredential(ctx, p, c.ID, cr.ID)
	_, checks["reject credential"] = f.svc.RejectCredential(ctx, p, c.ID, cr.ID, "x")
	_, checks["verify"] = f.svc.Verify(ctx, p, c.ID)
	_, checks["suspend"] = f.svc.Suspend(ctx, p, c.ID, "x")
	_, checks["reinstate"] = f.svc.Reinstate(ctx, p, c.ID)
	_, _, checks["queue"] = f.svc.Queue(ctx, p, counselor.QueueFilter{})
	_, checks["review"] = f.svc.GetReview(ctx, p, c.ID)
	for what, err := range checks {
		wantCode(t, what, err, apperr.CodeForbidden, "")
	}
}

func TestCounsellorVerificationSuspensionAndReinstatement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	_, err := f.svc.Verify(ctx, f.op, c.ID)
	wantCode(t, "verify without a credential", err, apperr.CodeUnprocessable, "no_verified_credential")
	pending := f.credential(p, c, "career_consultant", "2026-06-30", false)
	_, err = f.svc.Verify(ctx, f.op, c.ID)
	wantCode(t, "verify with only a pending credential", err, apperr.CodeUnprocessable, "no_verified_credential")
	_, err = f.svc.Suspend(ctx, f.op, c.ID, "苦情")
	wantCode(t, "suspend a pending counsellor", err, apperr.CodeConflict, "counselor_not_verified")
	_, err = f.svc.Reinstate(ctx, f.op, c.ID)
	wantCode(t, "reinstate a pending counsellor", err, apperr.CodeConflict, "counselor_not_suspended")

	if v, err := f.svc.VerifyCredential(ctx, f.op, c.ID, pending.ID); err != nil || v.Status != "verified" {
		t.Fatalf("verify: %+v (%v)", v, err)
	}
	before := f.indexed(c.ID)
	got, err := f.svc.Verify(ctx, f.op, c.ID)
	if err != nil || got.Status != "verified" || got.ID != c.ID {
		t.Fatalf("verify: %+v (%v)", got, err)
	}
	if f.indexed(c.ID) != before+1 || f.audited("counselor.verify", c.ID.String()) != 1 {
		t.Fatal("verify was not audited or reindexed")
	}
	_, err = f.svc.Verify(ctx, f.op, c.ID)
	wantCode(t, "verify twice", err, apperr.CodeConflict, "counselor_already_verified")

	_, err = f.svc.Suspend(ctx, f.op, c.ID, "")
	wantCode(t, "suspend without a reason", err, apperr.CodeInvalid, "")
	got, err = f.svc.Suspend(ctx, f.op, c.ID, "利用者からの苦情を調査中")
	if err != nil || got.Status != "suspended" {
		t.Fatalf("suspend: %+v (%v)", got, err)
	}
	prof, _ := f.svc.MyProfile(ctx, p)
	if prof.SuspendedReason == nil || *prof.SuspendedReason != "利用者からの苦情を調査中" {
		t.Fatalf("the suspension reason is not kept: %+v", prof.SuspendedReason)
	}
	_, err = f.svc.Suspend(ctx, f.op, c.ID, "again")
	wantCode(t, "suspend twice", err, apperr.CodeConflict, "counselor_already_suspended")
	_, err = f.svc.Verify(ctx, f.op, c.ID)
	wantCode(t, "verify a suspended counsellor", err, apperr.CodeConflict, "counselor_suspended")

	f.now = time.Date(2026, 7, 1, 3, 0, 0, 0, time.UTC) // the only credential has expired
	_, err = f.svc.Reinstate(ctx, f.op, c.ID)
	wantCode(t, "reinstate with only an expired credential", err, apperr.CodeUnprocessable, "no_verified_credential")
	f.credential(p, c, "icf_coach", "", true)
	got, err = f.svc.Reinstate(ctx, f.op, c.ID)
	if err != nil || got.Status != "verified" {
		t.Fatalf("reinstate: %+v (%v)", got, err)
	}
	prof, _ = f.svc.MyProfile(ctx, p)
	if prof.SuspendedReason != nil || prof.VerifiedAt == nil {
		t.Fatalf("after reinstatement: %+v", prof)
	}
	for _, a := range []string{"counselor.suspend", "counselor.reinstate"} {
		if f.audited(a, c.ID.String()) != 1 {
			t.Errorf("%s not audited once", a)
		}
	}
	if _, err := f.svc.Verify(ctx, f.op, uuid.New()); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("verify an unknown counsellor: %v", err)
	}
}

func TestQueueListsWhatNeedsAttentionOldestFirst(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	pOld, old := f.counselor() // pending, no credential: waits since creation
	_ = pOld
	f.now = f.now.Add(time.Hour)
	pDone, done := f.counselor() // verified, nothing pending: not in the default queue
	f.credential(pDone, done, "icf_coach", "", true)
	if _, err := f.svc.Verify(ctx, f.op, done.ID); err != nil {
		t.Fatal(err)
	}
	pNew, renew := f.counselor()
	f.credential(pNew, renew, "icf_coach", "", true)
	if _, err := f.svc.Verify(ctx, f.op, renew.ID); err != nil {
		t.Fatal(err)
	}
	f.credential(pNew, renew, "career_consultant", "", false) // verified, with a new pending credential

	list, total, err := f.svc.Queue(ctx, f.op, counselor.QueueFilter{})
	if err != nil || total != 2 || len(list) != 2 {
		t.Fatalf("queue: %d of %d (%v), want 2", len(list), total, err)
	}
	if list[0].ID != old.ID || list[1].ID != renew.ID || list[1].PendingCredentials != 1 || list[0].PendingCredentials != 0 ||
		list[1].Status != "verified" || !strings.HasPrefix(list[0].Email, "c001@") {
		t.Fatalf("queue = %+v", list)
	}
	page2, total, _ := f.svc.Queue(ctx, f.op, counselor.QueueFilter{Page: 2, PerPage: 1})
	if total != 2 || len(page2) != 1 || page2[0].ID != renew.ID {
		t.Fatalf("page 2 = %+v of %d", page2, total)
	}
	verified, total, _ := f.svc.Queue(ctx, f.op, counselor.QueueFilter{Status: "verified"})
	if total != 2 || len(verified) != 2 {
		t.Fatalf("verified filter: %d", total)
	}
	if _, _, err := f.svc.Queue(ctx, f.op, counselor.QueueFilter{Status: "gold"}); fieldsOf(err)["status"] == "" {
		t.Fatalf("unknown status: %v, want 400 naming status", err)
	}

	rv, err := f.svc.GetReview(ctx, f.op, renew.ID)
	if err != nil || rv.Email != "c003@taiwa.example" || len(rv.Credentials) != 2 || rv.Credentials[0].Status != "pending" ||
		rv.Status != "verified" || len(rv.AllowedThemes) == 0 {
		t.Fatalf("review = %+v (%v)", rv, err)
	}
	if _, err := f.svc.GetReview(ctx, f.op, uuid.New()); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("review of an unknown counsellor: %v", err)
	}
}
