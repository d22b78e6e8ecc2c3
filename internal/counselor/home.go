package counselor

import (
	"context"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
)

// ReviewWaiting counts what waits for an operator's review: credentials
// submitted and not yet verified or rejected, and the counsellors they
// belong to (the review queue's default filter).
type ReviewWaiting struct {
	Credentials int `db:"credentials"`
	Counselors  int `db:"counselors"`
}

// ReviewWaitingTx counts pending credentials inside the caller's
// transaction (an operator's scope).
func ReviewWaitingTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal) (ReviewWaiting, error) {
	var out ReviewWaiting
	if err := actor.Require(auth.RoleOperator); err != nil {
		return out, err
	}
	err := tx.GetContext(ctx, &out, `SELECT count(*) AS credentials, count(DISTINCT counselor_id) AS counselors
		FROM credentials WHERE status = 'pending'`)
	if err != nil {
		return out, fmt.Errorf("counselor: review waiting: %w", err)
	}
	return out, nil
}

// OwnTx is the signed-in counsellor's profile and credentials, read inside
// the caller's transaction (actor's scope): their home's state and
// what the listing still needs, in the same unit of work as the rest.
func (s *Service) OwnTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal) (Profile, []Credential, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return Profile{}, nil, err
	}
	r, err := ownProfile(ctx, tx, actor, false)
	if err != nil {
		return Profile{}, nil, err
	}
	today := s.today()
	kinds, err := validKinds(ctx, tx, r.ID, today)
	if err != nil {
		return Profile{}, nil, err
	}
	creds, err := listCredentials(ctx, tx, r.ID, today)
	if err != nil {
		return Profile{}, nil, err
	}
	return r.profile(kinds), creds, nil
}
