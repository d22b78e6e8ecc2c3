// Package counselor holds the marketplace's providers: their accounts,
// profiles and credentials. Counsellors are shared by all companies, so
// their rows are not tenant rows.
package counselor

import (
	"context"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/meili"
)

// Service manages counsellors.
type Service struct {
	DB       *db.DB
	Accounts *account.Service
	// Engine is the Meilisearch index of listed counsellors; nil means
	// search always answers from PostgreSQL.
	Engine *meili.Index
	// Clock is the services' one clock (tests fix or move it); nil is
	// the wall clock.
	Clock clock.Clock
	// Withdraw cancels a counsellor's upcoming bookings inside their
	// suspension's transaction (booking.Service.WithdrawCounselor; booking
	// depends on this package, so it is passed in). nil: no bookings exist,
	// as in this package's own tests.
	Withdraw func(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, counselorID uuid.UUID) (int, error)
}

// Counselor is a provider's account state.
type Counselor struct {
	ID        uuid.UUID `db:"id" json:"id"`
	UserID    uuid.UUID `db:"user_id" json:"user_id"`
	Status    string    `db:"status" json:"status"`
	CreatedAt time.Time `db:"created_at" json:"-"`
}

// NewAccount is the input of CreateAccount.
type NewAccount struct {
	Email    string `json:"email"`
	Name     string `json:"name"`
	Password string `json:"password"`
}

// CreateAccount makes a pending counsellor (operators only); without a
// password they are invited by mail.
func (s *Service) CreateAccount(ctx context.Context, actor auth.Principal, n NewAccount) (Counselor, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Counselor{}, err
	}
	var c Counselor
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		u, err := account.CreateUser(ctx, tx, account.NewUser{Email: n.Email, Name: n.Name, Role: auth.RoleCounselor, Password: n.Password})
		if err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &c, `INSERT INTO counselors (user_id, display_name) VALUES ($1, $2) RETURNING id, user_id, status, created_at`, u.ID, u.Name); err != nil {
			return err
		}
		if n.Password == "" {
			if err := s.Accounts.SendInvitation(ctx, tx, u, "Taiwa"); err != nil {
				return err
			}
		}
		return audit.Write(ctx, tx, actor, audit.Event{Action: "counselor.create", TargetType: "counselor", TargetID: c.ID.String()})
	})
	return c, err
}
