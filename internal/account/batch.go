package account

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

// CreateInvitedUsers inserts many users without passwords in one statement
// (a roster import). Names and emails must already be validated. Emails that
// already belong to any account are skipped and returned in taken, so the
// caller can report them; nothing else about those accounts is revealed.
func CreateInvitedUsers(ctx context.Context, tx *sqlx.Tx, companyID uuid.UUID, role auth.Role, emails, names []string) (created []User, taken map[string]bool, err error) {
	err = tx.SelectContext(ctx, &created, `
		INSERT INTO users (company_id, email, name, role)
		SELECT $1, e, n, $2 FROM unnest($3::text[], $4::text[]) AS t(e, n)
		ON CONFLICT (email) DO NOTHING
		RETURNING `+userColumns, companyID, role, pq.Array(emails), pq.Array(names))
	if err != nil {
		return nil, nil, fmt.Errorf("create users: %w", err)
	}
	got := make(map[string]bool, len(created))
	for _, u := range created {
		got[u.Email] = true
	}
	taken = map[string]bool{}
	for _, e := range emails {
		if !got[e] {
			taken[e] = true
		}
	}
	return created, taken, nil
}

// SendInvitations queues invitation mails for many new users with two
// statements: their single-use links and their outbox rows.
func (s *Service) SendInvitations(ctx context.Context, tx *sqlx.Tx, users []User, companyName string) error {
	if len(users) == 0 {
		return nil
	}
	expires := s.Clock.Now().Add(s.InviteTTL)
	hashes := make([][]byte, len(users))
	ids := make([]string, len(users))
	payloads := make([]string, len(users))
	for i, u := range users {
		raw, hash := newToken()
		hashes[i], ids[i] = hash, u.ID.String()
		m, err := s.Mail.Compose(PurposeInvite, u.Locale, u.Email, map[string]string{
			"Name": u.Name, "CompanyName": companyName,
			"Link":    s.BaseURL + "/password/set?token=" + raw,
			"Expires": expires.In(jst).Format("2006-01-02 15:04 (JST)"),
		})
		if err != nil {
			return err
		}
		b, err := json.Marshal(m)
		if err != nil {
			return err
		}
		payloads[i] = string(b)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO auth_tokens (token_hash, user_id, purpose, expires_at)
		SELECT h, u::uuid, 'invite', $3 FROM unnest($1::bytea[], $2::text[]) AS t(h, u)`,
		pq.ByteaArray(hashes), pq.Array(ids), expires); err != nil {
		return fmt.Errorf("invitation links: %w", err)
	}
	if _, err := tx.ExecContext(ctx, `
		INSERT INTO outbox (kind, payload) SELECT $1, p::jsonb FROM unnest($2::text[]) AS t(p)`,
		mail.Kind, pq.Array(payloads)); err != nil {
		return fmt.Errorf("invitation mails: %w", err)
	}
	return nil
}
