package counselor

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

// CredentialNames are the credential kinds' names in Japanese and English,
// for mail and pages.
var CredentialNames = map[string][2]string{
	"career_consultant":             {"国家資格キャリアコンサルタント", "National career consultant"},
	"certified_public_psychologist": {"公認心理師", "Certified public psychologist"},
	"clinical_psychologist":         {"臨床心理士", "Clinical psychologist"},
	"occupational_physician":        {"産業医", "Occupational physician"},
	"public_health_nurse":           {"保健師", "Public health nurse"},
	"labor_attorney":                {"社会保険労務士", "Labour and social security attorney"},
	"icf_coach":                     {"ICF認定コーチ", "ICF coach"},
}

// CredentialName is kind's name in locale ("ja" or "en").
func CredentialName(kind, locale string) string {
	n, ok := CredentialNames[kind]
	switch {
	case !ok:
		return kind
	case locale == "en":
		return n[1]
	}
	return n[0]
}

// ReminderMail is the mail template of an expiry reminder.
const ReminderMail = "credential_expiring"

// expiringRow is a verified credential nearing its expiry, with its holder.
type expiringRow struct {
	ID                 uuid.UUID `db:"id"`
	Kind               string    `db:"kind"`
	RegistrationNumber string    `db:"registration_number"`
	ExpiresOn          string    `db:"expires_on"`
	Email              string    `db:"email"`
	Name               string    `db:"name"`
	Locale             string    `db:"locale"`
}

// SweepCredentials does the daily credential chores, as the platform: it
// mails each holder of a verified credential that expires within
// ExpiringWithin once per expiry date, and sends the listing of every
// counsellor whose credential has expired since the last sweep to the
// search index (so the themes it allowed leave search). Safe to run often
// and from several processes: a credential is handled once per expiry date.
func (s *Service) SweepCredentials(ctx context.Context) (reminded, expired int, err error) {
	today := s.today()
	err = s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var err error
		if reminded, err = s.remindExpiring(ctx, tx, today); err != nil {
			return err
		}
		expired, err = indexExpired(ctx, tx, today)
		return err
	})
	if err != nil {
		return 0, 0, fmt.Errorf("credential sweep: %w", err)
	}
	return reminded, expired, nil
}

func (s *Service) remindExpiring(ctx context.Context, tx *sqlx.Tx, today string) (int, error) {
	var rows []expiringRow
	if err := tx.SelectContext(ctx, &rows, `
		SELECT k.id, k.kind, k.registration_number, to_char(k.expires_on, 'YYYY-MM-DD') AS expires_on,
		       u.email, COALESCE(NULLIF(c.display_name, ''), u.name) AS name, u.locale
		FROM credentials k JOIN counselors c ON c.id = k.counselor_id JOIN users u ON u.id = c.user_id
		WHERE k.status = 'verified' AND k.expires_on BETWEEN $1::date AND $2::date
		  AND k.expiry_reminded_for IS DISTINCT FROM k.expires_on AND u.disabled_at IS NULL
		ORDER BY k.expires_on, k.id
		FOR UPDATE OF k SKIP LOCKED`, today, addDays(today, expiringDays)); err != nil {
		return 0, err
	}
	if len(rows) > 0 && (s.Accounts == nil || s.Accounts.Mail == nil) {
		return 0, fmt.Errorf("no mail composer to remind %d credential holders", len(rows))
	}
	for _, r := range rows {
		m, err := s.Accounts.Mail.Compose(ReminderMail, r.Locale, r.Email, reminderData(r, today, s.Accounts.BaseURL))
		if err != nil {
			return 0, err
		}
		if err := mail.Enqueue(ctx, tx, m, "credential_expiring:"+r.ID.String()+":"+r.ExpiresOn); err != nil {
			return 0, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE credentials SET expiry_reminded_for = expires_on WHERE id = $1`, r.ID); err != nil {
			return 0, err
		}
	}
	return len(rows), nil
}

// reminderData is what the reminder templates show.
func reminderData(r expiringRow, today, baseURL string) map[string]any {
	days := 0
	if e, err := time.Parse(time.DateOnly, r.ExpiresOn); err == nil {
		if t, err := time.Parse(time.DateOnly, today); err == nil {
			days = int(e.Sub(t).Hours() / 24)
		}
	}
	return map[string]any{
		"Name":               r.Name,
		"Kind":               CredentialName(r.Kind, r.Locale),
		"RegistrationNumber": r.RegistrationNumber,
		"ExpiresOn":          r.ExpiresOn,
		"DaysLeft":           days,
		"Link":               baseURL + "/",
	}
}

// indexExpired marks verified credentials whose expiry date has passed
// and asks for their holders' listings to be rebuilt, once per expiry date.
func indexExpired(ctx context.Context, tx *sqlx.Tx, today string) (int, error) {
	var ids []uuid.UUID
	if err := tx.SelectContext(ctx, &ids, `
		WITH due AS (
		  SELECT id FROM credentials
		  WHERE status = 'verified' AND expires_on < $1::date AND expiry_indexed_for IS DISTINCT FROM expires_on
		  FOR UPDATE SKIP LOCKED)
		UPDATE credentials k SET expiry_indexed_for = k.expires_on FROM due WHERE k.id = due.id
		RETURNING k.counselor_id`, today); err != nil {
		return 0, err
	}
	seen := map[uuid.UUID]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := EnqueueIndex(ctx, tx, id); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
