package counselor

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/platform/auth"
)

// ReviewSummary is one row of the operator's verification queue.
type ReviewSummary struct {
	ID                 uuid.UUID `json:"id"`
	DisplayName        string    `json:"display_name"`
	Email              string    `json:"email"`
	Status             string    `json:"status"`
	PendingCredentials int       `json:"pending_credentials"`
	SubmittedAt        time.Time `json:"submitted_at"` // oldest pending credential, else created_at
}

// QueueFilter narrows the queue: Status "" means "needs attention"
// (pending counsellors and anyone with a pending credential).
type QueueFilter struct {
	Status  string
	Page    int
	PerPage int
}

// Review is everything an operator needs to decide on a counsellor.
type Review struct {
	Profile
	Email       string       `json:"email"`
	Credentials []Credential `json:"credentials"`
}

// Queue lists counsellors awaiting review, oldest submission first.
func (s *Service) Queue(ctx context.Context, actor auth.Principal, f QueueFilter) ([]ReviewSummary, int, error) {
	return nil, 0, errTODO
}

// GetReview returns one counsellor for review (operators).
func (s *Service) GetReview(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) (Review, error) {
	return Review{}, errTODO
}

// VerifyCredential marks a pending credential verified.
func (s *Service) VerifyCredential(ctx context.Context, actor auth.Principal, counselorID, credentialID uuid.UUID) (Credential, error) {
	return Credential{}, errTODO
}

// RejectCredential rejects a credential with a reason the counsellor sees.
func (s *Service) RejectCredential(ctx context.Context, actor auth.Principal, counselorID, credentialID uuid.UUID, reason string) (Credential, error) {
	return Credential{}, errTODO
}

// Verify lists a counsellor: 422 no_verified_credential unless at least one
// credential is verified and unexpired.
func (s *Service) Verify(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) (Counselor, error) {
	return Counselor{}, errTODO
}

// Suspend removes a counsellor from search and booking, with a reason.
func (s *Service) Suspend(ctx context.Context, actor auth.Principal, counselorID uuid.UUID, reason string) (Counselor, error) {
	return Counselor{}, errTODO
}

// Reinstate returns a suspended counsellor to verified (same rule as Verify).
func (s *Service) Reinstate(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) (Counselor, error) {
	return Counselor{}, errTODO
}
