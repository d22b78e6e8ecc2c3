package account

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

// ListUsers is the operators' list of every user, by email, optionally
// narrowed to emails and names containing q: where a leaver or a
// compromised account is found and disabled.
func (s *Service) ListUsers(ctx context.Context, actor auth.Principal, q string, page, perPage int) ([]UserState, int, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return nil, 0, err
	}
	q = strings.ToLower(strings.TrimSpace(q))
	if utf8.RuneCountInString(q) > 200 {
		return nil, 0, apperr.Field("q", "must be at most 200 characters")
	}
	pattern := "%" + strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(q) + "%"
	items := []UserState{}
	var total int
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		const where = ` FROM users WHERE email LIKE $1 OR lower(name) LIKE $1`
		if err := tx.GetContext(ctx, &total, `SELECT count(*)`+where, pattern); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &items, `SELECT `+stateColumns+where+` ORDER BY email LIMIT $2 OFFSET $3`, pattern, perPage, (page-1)*perPage)
	})
	return items, total, err
}
