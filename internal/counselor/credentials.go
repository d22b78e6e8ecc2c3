package counselor

import (
	"context"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/platform/auth"
)

// Credential statuses as shown to people: the stored review state
// (pending, verified, rejected) refined by the expiry date.
const (
	CredentialPending  = "pending"
	CredentialVerified = "verified"
	CredentialRejected = "rejected"
	CredentialExpiring = "expiring" // verified, expires within ExpiringWithin
	CredentialExpired  = "expired"  // verified, expires_on has passed
)

// ExpiringWithin is how early a credential counts as expiring (and its
// holder is reminded by mail).
const ExpiringWithin = 60 * 24 * time.Hour

// Credential is one submitted qualification.
type Credential struct {
	ID                 uuid.UUID  `json:"id"`
	CounselorID        uuid.UUID  `json:"counselor_id"`
	Kind               string     `json:"kind"`
	RegistrationNumber string     `json:"registration_number"`
	IssuedOn           string     `json:"issued_on"`  // YYYY-MM-DD
	ExpiresOn          *string    `json:"expires_on"` // YYYY-MM-DD or null
	Status             string     `json:"status"`
	RejectedReason     *string    `json:"rejected_reason,omitempty"`
	VerifiedAt         *time.Time `json:"verified_at,omitempty"`
	CreatedAt          time.Time  `json:"created_at"`
}

// CredentialInput is the body of POST /api/v1/me/credentials.
type CredentialInput struct {
	Kind               string  `json:"kind"`
	RegistrationNumber string  `json:"registration_number"`
	IssuedOn           string  `json:"issued_on"`
	ExpiresOn          *string `json:"expires_on"`
}

// SubmitCredential records a credential for review (status pending).
func (s *Service) SubmitCredential(ctx context.Context, actor auth.Principal, in CredentialInput) (Credential, error) {
	return Credential{}, errTODO
}

// MyCredentials lists the signed-in counsellor's credentials, newest first.
func (s *Service) MyCredentials(ctx context.Context, actor auth.Principal) ([]Credential, error) {
	return nil, errTODO
}
