package counselor

import (
	"context"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// ReviewSummary is one row of the operator's verification queue.
type ReviewSummary struct {
	ID                 uuid.UUID `db:"id" json:"id"`
	DisplayName        string    `db:"display_name" json:"display_name"`
	Email              string    `db:"email" json:"email"`
	Status             string    `db:"status" json:"status"`
	PendingCredentials int       `db:"pending_credentials" json:"pending_credentials"`
	SubmittedAt        time.Time `db:"submitted_at" json:"submitted_at"` // oldest pending credential, else created_at
}

// QueueFilter narrows the queue: Status "" means "needs attention"
// (pending counsellors and anyone with a pending credential).
type QueueFilter struct {
	Status  string
	Page    int
	PerPage int
}

// QueueStatuses are the values QueueFilter.Status accepts besides "".
var QueueStatuses = []string{"pending", "verified", "suspended", "all"}

// Review is everything an operator needs to decide on a counsellor.
type Review struct {
	Profile
	Email       string       `json:"email"`
	Credentials []Credential `json:"credentials"`
}

// MaxReason bounds a rejection or suspension reason, in characters.
const MaxReason = 500

// queueCondition is the WHERE clause of each queue filter, over the
// counsellor c and their pending credentials p.
var queueCondition = map[string]string{
	"":          `c.status = 'pending' OR p.n > 0`,
	"pending":   `c.status = 'pending'`,
	"verified":  `c.status = 'verified'`,
	"suspended": `c.status = 'suspended'`,
	"all":       `true`,
}

// Queue lists counsellors awaiting review, oldest submission first.
func (s *Service) Queue(ctx context.Context, actor auth.Principal, f QueueFilter) ([]ReviewSummary, int, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return nil, 0, err
	}
	cond, ok := queueCondition[f.Status]
	if !ok {
		return nil, 0, apperr.Field("status", "must be one of "+strings.Join(QueueStatuses, ", ")+" or empty")
	}
	if f.Page < 1 {
		f.Page = 1
	}
	if f.PerPage < 1 || f.PerPage > 100 {
		f.PerPage = 20
	}
	from := ` FROM counselors c JOIN users u ON u.id = c.user_id
		CROSS JOIN LATERAL (SELECT count(*) AS n, min(k.created_at) AS oldest FROM credentials k
		                    WHERE k.counselor_id = c.id AND k.status = 'pending') p
		WHERE ` + cond
	list := []ReviewSummary{}
	var total int
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &total, `SELECT count(*)`+from); err != nil {
			return err
		}
		return tx.SelectContext(ctx, &list, `
			SELECT c.id, c.display_name, u.email, c.status, p.n AS pending_credentials,
			       COALESCE(p.oldest, c.created_at) AS submitted_at`+from+`
			ORDER BY submitted_at, c.id LIMIT $1 OFFSET $2`, f.PerPage, (f.Page-1)*f.PerPage)
	})
	return list, total, err
}

// GetReview returns one counsellor for review (operators).
func (s *Service) GetReview(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) (Review, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Review{}, err
	}
	var rv Review
	today := s.today()
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		r, err := loadProfile(ctx, tx, `c.id = $1`, counselorID, false)
		if err != nil {
			return err
		}
		kinds, err := validKinds(ctx, tx, r.ID, today)
		if err != nil {
			return err
		}
		rv.Profile = r.profile(kinds)
		if err := tx.GetContext(ctx, &rv.Email, `SELECT email FROM users WHERE id = $1`, r.UserID); err != nil {
			return err
		}
		rv.Credentials, err = listCredentials(ctx, tx, r.ID, today)
		return err
	})
	return rv, err
}

// lockCredential locks counselorID's credential credentialID (and the
// counsellor first, the order every change takes). Another counsellor's
// credential is not found.
func lockCredential(ctx context.Context, tx *sqlx.Tx, counselorID, credentialID uuid.UUID) (Credential, error) {
	if _, err := lockCounselor(ctx, tx, counselorID); err != nil {
		return Credential{}, err
	}
	var c Credential
	err := tx.GetContext(ctx, &c, `SELECT `+credentialColumns+` FROM credentials k
		WHERE k.id = $1 AND k.counselor_id = $2 FOR UPDATE`, credentialID, counselorID)
	if db.IsNoRows(err) {
		return c, apperr.NotFound("credential")
	}
	return c, err
}

// lockCounselor locks and returns a counsellor's account state.
func lockCounselor(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID) (Counselor, error) {
	var c Counselor
	err := tx.GetContext(ctx, &c, `SELECT id, user_id, status, created_at FROM counselors WHERE id = $1 FOR UPDATE`, counselorID)
	if db.IsNoRows(err) {
		return c, apperr.NotFound("counsellor")
	}
	return c, err
}

// reviewCredential moves a credential on, audits and reindexes.
func (s *Service) reviewCredential(ctx context.Context, actor auth.Principal, counselorID, credentialID uuid.UUID,
	action string, change func(tx *sqlx.Tx, c Credential) error) (Credential, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Credential{}, err
	}
	var c Credential
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		old, err := lockCredential(ctx, tx, counselorID, credentialID)
		if err != nil {
			return err
		}
		if err := change(tx, old); err != nil {
			return err
		}
		if err := tx.GetContext(ctx, &c, `SELECT `+credentialColumns+` FROM credentials k WHERE k.id = $1`, credentialID); err != nil {
			return err
		}
		// The answer reports the decision (API.md: verify answers
		// "verified"); lists refine it by date (expiring, expired).
		c.Status = c.ReviewState
		if err := audit.Write(ctx, tx, actor, audit.Event{Action: action, TargetType: "credential", TargetID: credentialID.String(),
			Details: map[string]any{"counselor_id": counselorID.String(), "kind": c.Kind, "from": old.ReviewState}}); err != nil {
			return err
		}
		return EnqueueIndex(ctx, tx, counselorID)
	})
	return c, err
}

// VerifyCredential marks a pending credential verified.
func (s *Service) VerifyCredential(ctx context.Context, actor auth.Principal, counselorID, credentialID uuid.UUID) (Credential, error) {
	return s.reviewCredential(ctx, actor, counselorID, credentialID, "counselor.credential.verify", func(tx *sqlx.Tx, c Credential) error {
		switch c.ReviewState {
		case CredentialVerified:
			return apperr.Conflict(ReasonCredentialAlreadyVerified, "the credential is already verified")
		case CredentialRejected:
			return apperr.Conflict(ReasonCredentialRejected, "the credential was rejected; the counsellor must submit it again")
		}
		_, err := tx.ExecContext(ctx, `UPDATE credentials SET status = 'verified', verified_at = $2, verified_by = $3,
			rejected_reason = NULL, rejected_at = NULL WHERE id = $1`, c.ID, s.Clock.Now().UTC(), actor.UserID)
		return err
	})
}

// RejectCredential rejects a credential with a reason the counsellor sees.
// A verified credential may be rejected too (revoked), which takes it off
// the listing; a rejected one is final.
func (s *Service) RejectCredential(ctx context.Context, actor auth.Principal, counselorID, credentialID uuid.UUID, reason string) (Credential, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Credential{}, err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return Credential{}, err
	}
	return s.reviewCredential(ctx, actor, counselorID, credentialID, "counselor.credential.reject", func(tx *sqlx.Tx, c Credential) error {
		if c.ReviewState == CredentialRejected {
			return apperr.Conflict(ReasonCredentialAlreadyRejected, "the credential is already rejected")
		}
		_, err := tx.ExecContext(ctx, `UPDATE credentials SET status = 'rejected', rejected_reason = $2, rejected_at = $3,
			verified_at = NULL, verified_by = NULL WHERE id = $1`, c.ID, reason, s.Clock.Now().UTC())
		return err
	})
}

// checkReason trims a reason and requires 1 to MaxReason characters.
func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	switch n := utf8.RuneCountInString(reason); {
	case n == 0:
		return "", apperr.Field("reason", "is required")
	case n > MaxReason:
		return "", apperr.Field("reason", "must be at most 500 characters")
	case HasControl(reason, true):
		return "", apperr.Field("reason", "must be plain text")
	}
	return reason, nil
}

// changeStatus runs one counsellor status transition: check decides from
// the locked state, then the row is updated by set, audited and reindexed.
func (s *Service) changeStatus(ctx context.Context, actor auth.Principal, counselorID uuid.UUID, action string,
	check func(tx *sqlx.Tx, c Counselor) error, set string, args ...any) (Counselor, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Counselor{}, err
	}
	var c Counselor
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var err error
		c, err = changeStatusTx(ctx, tx, actor, counselorID, action, check, set, args...)
		return err
	})
	return c, err
}

// changeStatusTx is changeStatus inside the caller's transaction.
func changeStatusTx(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, counselorID uuid.UUID, action string,
	check func(tx *sqlx.Tx, c Counselor) error, set string, args ...any) (Counselor, error) {
	var c Counselor
	old, err := lockCounselor(ctx, tx, counselorID)
	if err != nil {
		return c, err
	}
	if err := check(tx, old); err != nil {
		return c, err
	}
	if err := tx.GetContext(ctx, &c, `UPDATE counselors SET `+set+`, updated_at = now() WHERE id = $1
		RETURNING id, user_id, status, created_at`, append([]any{counselorID}, args...)...); err != nil {
		return c, err
	}
	if err := audit.Write(ctx, tx, actor, audit.Event{Action: action, TargetType: "counselor", TargetID: counselorID.String(),
		Details: map[string]any{"from": old.Status, "to": c.Status}}); err != nil {
		return c, err
	}
	return c, EnqueueIndex(ctx, tx, counselorID)
}

// requireValidCredential is the listing rule: at least one verified,
// unexpired credential.
func (s *Service) requireValidCredential(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID) error {
	kinds, err := validKinds(ctx, tx, counselorID, s.today())
	if err != nil {
		return err
	}
	if len(kinds) == 0 {
		return apperr.Unprocessable(ReasonNoVerifiedCredential, "the counsellor has no verified, unexpired credential")
	}
	return nil
}

// Verify lists a counsellor: 422 no_verified_credential unless at least one
// credential is verified and unexpired.
func (s *Service) Verify(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) (Counselor, error) {
	return s.changeStatus(ctx, actor, counselorID, "counselor.verify", func(tx *sqlx.Tx, c Counselor) error {
		switch c.Status {
		case "verified":
			return apperr.Conflict(ReasonCounselorAlreadyVerified, "the counsellor is already verified")
		case "suspended":
			return apperr.Conflict(ReasonCounselorSuspended, "the counsellor is suspended; reinstate them instead")
		}
		return s.requireValidCredential(ctx, tx, c.ID)
	}, `status = 'verified', verified_at = $2`, s.Clock.Now().UTC())
}

// Suspend takes a counsellor out of everything at once, with a reason, in
// one transaction: out of search and booking, their account disabled (every
// session and token ended, so no record, note or booking is reachable), and
// their upcoming bookings cancelled through Withdraw. Nothing is half-done:
// any failure rolls all of it back.
func (s *Service) Suspend(ctx context.Context, actor auth.Principal, counselorID uuid.UUID, reason string) (Counselor, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Counselor{}, err
	}
	reason, err := checkReason(reason)
	if err != nil {
		return Counselor{}, err
	}
	var c Counselor
	err = s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		// Withdraw takes the booking lock before the counsellor's row is
		// locked, as a booking does: see booking.Service.WithdrawCounselor.
		if s.Withdraw != nil {
			if _, err := s.Withdraw(ctx, tx, actor, counselorID); err != nil {
				return err
			}
		}
		c, err = changeStatusTx(ctx, tx, actor, counselorID, "counselor.suspend", func(_ *sqlx.Tx, c Counselor) error {
			switch c.Status {
			case "suspended":
				return apperr.Conflict(ReasonCounselorAlreadySuspended, "the counsellor is already suspended")
			case "pending":
				return apperr.Conflict(ReasonCounselorNotVerified, "only a verified counsellor can be suspended")
			}
			return nil
		}, `status = 'suspended', suspended_at = $2, suspended_reason = $3`, s.Clock.Now().UTC(), reason)
		if err != nil {
			return err
		}
		return account.DisableTx(ctx, tx, actor, c.UserID, account.ViaSuspension)
	})
	return c, err
}

// Reinstate returns a suspended counsellor to verified (same rule as
// Verify) and lets them sign in again; sessions ended by the suspension
// stay ended.
func (s *Service) Reinstate(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) (Counselor, error) {
	if err := actor.Require(auth.RoleOperator); err != nil {
		return Counselor{}, err
	}
	var c Counselor
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		var err error
		c, err = changeStatusTx(ctx, tx, actor, counselorID, "counselor.reinstate", func(tx *sqlx.Tx, c Counselor) error {
			if c.Status != "suspended" {
				return apperr.Conflict(ReasonCounselorNotSuspended, "only a suspended counsellor can be reinstated")
			}
			return s.requireValidCredential(ctx, tx, c.ID)
		}, `status = 'verified', suspended_at = NULL, suspended_reason = NULL, verified_at = COALESCE(verified_at, $2)`, s.Clock.Now().UTC())
		if err != nil {
			return err
		}
		return account.EnableTx(ctx, tx, actor, c.UserID, account.ViaSuspension)
	})
	return c, err
}
