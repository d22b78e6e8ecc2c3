package counselor_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

// queuedMail returns the mails waiting in the outbox, oldest first.
func (f *fixture) queuedMail() []mail.Message {
	f.t.Helper()
	var raws []json.RawMessage
	if err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &raws, `SELECT payload FROM outbox WHERE kind = $1 ORDER BY id`, mail.Kind)
	}); err != nil {
		f.t.Fatal(err)
	}
	out := make([]mail.Message, len(raws))
	for i, r := range raws {
		if err := json.Unmarshal(r, &out[i]); err != nil {
			f.t.Fatal(err)
		}
	}
	return out
}

func (f *fixture) sweep() (int, int) {
	f.t.Helper()
	r, e, err := f.svc.SweepCredentials(ctx)
	if err != nil {
		f.t.Fatal(err)
	}
	return r, e
}

func TestSweepRemindsOncePerExpiryDateInTheHoldersLanguage(t *testing.T) {
	t.Parallel()
	f := newFixture(t) // today: 2026-04-01
	p, c := f.counselor()
	soon := f.credential(p, c, "career_consultant", "2026-05-01", true) // 30 days left
	f.credential(p, c, "clinical_psychologist", "2026-06-01", true)     // 61 days left
	f.credential(p, c, "public_health_nurse", "2026-04-20", false)      // pending: not reminded
	pe, ce := f.counselor()
	if err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE users SET locale = 'en' WHERE id = $1`, pe.UserID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	f.credential(pe, ce, "icf_coach", "2026-04-02", true) // tomorrow

	if r, e := f.sweep(); r != 2 || e != 0 {
		t.Fatalf("first sweep: reminded %d expired %d, want 2 and 0", r, e)
	}
	if r, _ := f.sweep(); r != 0 {
		t.Fatalf("second sweep reminded %d again", r)
	}
	mails := f.queuedMail()
	if len(mails) != 2 {
		t.Fatalf("%d mails queued, want 2", len(mails))
	}
	ja, en := mails[0], mails[1]
	if ja.To[0] != p.Email {
		ja, en = en, ja
	}
	if ja.To[0] != p.Email || !strings.Contains(ja.Subject, "国家資格キャリアコンサルタント") ||
		!strings.Contains(ja.Text, "2026-05-01") || !strings.Contains(ja.Text, "あと 30 日") || !strings.Contains(ja.Text, soon.RegistrationNumber) {
		t.Fatalf("Japanese reminder: %+v", ja)
	}
	if en.To[0] != pe.Email || !strings.Contains(en.Subject, "ICF coach") || !strings.Contains(en.Text, "(tomorrow)") {
		t.Fatalf("English reminder: %+v", en)
	}

	f.now = f.now.AddDate(0, 0, 1) // 2026-04-02: the psychologist's credential is now 60 days out
	if r, _ := f.sweep(); r != 1 {
		t.Fatalf("next day: reminded %d, want the credential that entered the window", r)
	}
	if len(f.queuedMail()) != 3 {
		t.Fatal("no third reminder queued")
	}
}

func TestSweepReindexesCounsellorsWhoseCredentialExpiredOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	p, c := f.counselor()
	f.credential(p, c, "career_consultant", "2026-04-10", true)
	f.credential(p, c, "icf_coach", "2026-04-10", true)
	q, d := f.counselor()
	f.credential(q, d, "icf_coach", "", true)
	before, beforeOther := f.indexed(c.ID), f.indexed(d.ID)

	f.now = time.Date(2026, 4, 10, 14, 0, 0, 0, time.UTC) // the last valid day, in Japan
	if _, e := f.sweep(); e != 0 {
		t.Fatalf("on the last valid day: %d expired", e)
	}
	f.now = time.Date(2026, 4, 10, 15, 30, 0, 0, time.UTC) // 11 April in Japan
	if _, e := f.sweep(); e != 2 {
		t.Fatalf("after expiry: %d expired, want 2", e)
	}
	if n := f.indexed(c.ID); n != before+1 {
		t.Fatalf("reindex requests %d, want one more than %d", n, before)
	}
	if _, e := f.sweep(); e != 0 || f.indexed(c.ID) != before+1 {
		t.Fatalf("a second sweep handled %d again", e)
	}
	if f.indexed(d.ID) != beforeOther {
		t.Fatal("a counsellor with no expired credential was reindexed")
	}
	list, _ := f.svc.MyCredentials(ctx, p)
	for _, k := range list {
		if k.Status != counselor.CredentialExpired {
			t.Fatalf("status after expiry: %s", k.Status)
		}
	}
}
