package counselor

import (
	"context"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/platform/auth"
)

// Profile is a counsellor's own view of their profile (GET/PUT /me/profile).
type Profile struct {
	ID              uuid.UUID  `json:"id"`
	UserID          uuid.UUID  `json:"user_id"`
	Status          string     `json:"status"` // pending | verified | suspended
	DisplayName     string     `json:"display_name"`
	Kana            string     `json:"kana"`
	Bio             string     `json:"bio"`
	Gender          *string    `json:"gender"`
	AgeBand         *string    `json:"age_band"`
	YearsExperience int        `json:"years_experience"`
	Languages       []string   `json:"languages"`
	Formats         []string   `json:"formats"`
	Themes          []string   `json:"themes"`
	Industries      []string   `json:"industries"`
	JobFunctions    []string   `json:"job_functions"`
	RateJPY         int64      `json:"rate_jpy"`
	PhotoURL        string     `json:"photo_url,omitempty"` // /api/v1/counselors/{id}/photo?v=…
	VerifiedAt      *time.Time `json:"verified_at"`
	SuspendedReason *string    `json:"suspended_reason,omitempty"`
}

// ProfileInput is the body of PUT /api/v1/me/profile (API.md's fields).
type ProfileInput struct {
	DisplayName     string   `json:"display_name"`
	Kana            string   `json:"kana"`
	Bio             string   `json:"bio"`
	Gender          *string  `json:"gender"`
	AgeBand         *string  `json:"age_band"`
	YearsExperience int      `json:"years_experience"`
	Languages       []string `json:"languages"`
	Formats         []string `json:"formats"`
	Themes          []string `json:"themes"`
	Industries      []string `json:"industries"`
	JobFunctions    []string `json:"job_functions"`
	RateJPY         int64    `json:"rate_jpy"`
}

// Photo is a stored, re-encoded profile photo.
type Photo struct {
	ContentType string
	Data        []byte
	UpdatedAt   time.Time
}

var errTODO = errors.New("not implemented yet")

// MyProfile returns the signed-in counsellor's profile.
func (s *Service) MyProfile(ctx context.Context, actor auth.Principal) (Profile, error) {
	return Profile{}, errTODO
}

// UpdateProfile validates and stores the signed-in counsellor's profile:
// 400 with fields for bad values, 422 credential_required for a theme no
// verified credential allows; the search index follows through the outbox.
func (s *Service) UpdateProfile(ctx context.Context, actor auth.Principal, in ProfileInput) (Profile, error) {
	return Profile{}, errTODO
}

// SetPhoto checks (type, size, dimensions), re-encodes and stores the
// signed-in counsellor's photo.
func (s *Service) SetPhoto(ctx context.Context, actor auth.Principal, data []byte) error {
	return errTODO
}

// GetPhoto returns a counsellor's photo: anyone signed in for a listed
// counsellor, the counsellor themself and operators always; else 404.
func (s *Service) GetPhoto(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) (Photo, error) {
	return Photo{}, errTODO
}
