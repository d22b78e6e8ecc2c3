package counselor

import (
	"context"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"golang.org/x/text/unicode/norm"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/japan"
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

// MaxRegistrationNumber bounds a registration number, in characters.
const MaxRegistrationNumber = 64

// Credential is one submitted qualification.
type Credential struct {
	ID                 uuid.UUID  `db:"id" json:"id"`
	CounselorID        uuid.UUID  `db:"counselor_id" json:"counselor_id"`
	Kind               string     `db:"kind" json:"kind"`
	RegistrationNumber string     `db:"registration_number" json:"registration_number"`
	IssuedOn           string     `db:"issued_on" json:"issued_on"`   // YYYY-MM-DD
	ExpiresOn          *string    `db:"expires_on" json:"expires_on"` // YYYY-MM-DD or null
	Status             string     `db:"status" json:"status"`
	RejectedReason     *string    `db:"rejected_reason" json:"rejected_reason,omitempty"`
	VerifiedAt         *time.Time `db:"verified_at" json:"verified_at,omitempty"`
	CreatedAt          time.Time  `db:"created_at" json:"created_at"`
	// ReviewState is the stored state (pending, verified, rejected) that
	// Status refines by date.
	ReviewState string `db:"review_state" json:"-"`
}

// CredentialInput is the body of POST /api/v1/me/credentials.
type CredentialInput struct {
	Kind               string  `json:"kind"`
	RegistrationNumber string  `json:"registration_number"`
	IssuedOn           string  `json:"issued_on"`
	ExpiresOn          *string `json:"expires_on"`
}

// jst is the zone credential dates are read in: a credential valid "until
// 2026-03-31" is valid through that day in Japan.
var jst = japan.Zone // the platform's calendar

// Today is the calendar date (YYYY-MM-DD) in Japan at t.
func Today(t time.Time) string { return t.In(jst).Format(time.DateOnly) }

func (s *Service) today() string { return Today(s.Clock.Now()) }

// addDays returns the date d days after date (YYYY-MM-DD).
func addDays(date string, d int) string {
	t, err := time.Parse(time.DateOnly, date)
	if err != nil {
		return date
	}
	return t.AddDate(0, 0, d).Format(time.DateOnly)
}

// expiringDays is ExpiringWithin in days.
const expiringDays = int(ExpiringWithin / (24 * time.Hour))

// CredentialStatus refines a stored review state by the expiry date: a
// verified credential is valid through expires_on, "expiring" within
// ExpiringWithin of it and "expired" after it.
func CredentialStatus(reviewState string, expiresOn *string, today string) string {
	if reviewState != CredentialVerified || expiresOn == nil {
		return reviewState
	}
	switch {
	case *expiresOn < today:
		return CredentialExpired
	case *expiresOn <= addDays(today, expiringDays):
		return CredentialExpiring
	}
	return CredentialVerified
}

// credentialColumns reads a credential with its review state twice: as
// Status (refined afterwards) and as ReviewState.
const credentialColumns = `k.id, k.counselor_id, k.kind, k.registration_number,
	to_char(k.issued_on, 'YYYY-MM-DD') AS issued_on, to_char(k.expires_on, 'YYYY-MM-DD') AS expires_on,
	k.status, k.status AS review_state, k.rejected_reason, k.verified_at, k.created_at`

// listCredentials returns counselorID's credentials, newest first, with
// their shown status as of today.
func listCredentials(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID, today string) ([]Credential, error) {
	list := []Credential{}
	if err := tx.SelectContext(ctx, &list, `SELECT `+credentialColumns+` FROM credentials k
		WHERE k.counselor_id = $1 ORDER BY k.created_at DESC, k.id`, counselorID); err != nil {
		return nil, err
	}
	for i := range list {
		list[i].Status = CredentialStatus(list[i].ReviewState, list[i].ExpiresOn, today)
	}
	return list, nil
}

// validKinds returns the kinds of counselorID's verified credentials that
// are unexpired on today: what the theme rule and listing go by.
func validKinds(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID, today string) ([]string, error) {
	var kinds []string
	err := tx.SelectContext(ctx, &kinds, `SELECT DISTINCT kind FROM credentials
		WHERE counselor_id = $1 AND status = 'verified' AND (expires_on IS NULL OR expires_on >= $2::date)
		ORDER BY kind`, counselorID, today)
	return kinds, err
}

// normalize trims the input and folds the registration number's width
// (全角 digits and letters become ASCII), so one number is one number.
func (in *CredentialInput) normalize() {
	in.Kind = strings.TrimSpace(in.Kind)
	in.RegistrationNumber = strings.TrimSpace(norm.NFKC.String(in.RegistrationNumber))
	in.IssuedOn = strings.TrimSpace(in.IssuedOn)
	if in.ExpiresOn != nil {
		e := strings.TrimSpace(*in.ExpiresOn)
		in.ExpiresOn = &e
		if e == "" {
			in.ExpiresOn = nil
		}
	}
}

// Validate checks a credential submission on today's date and returns
// field → problem (empty when valid).
func (in *CredentialInput) Validate(today string) map[string]string {
	f := map[string]string{}
	if !slices.Contains(CredentialKinds, in.Kind) {
		f["kind"] = "must be one of " + strings.Join(CredentialKinds, ", ")
	}
	switch n := utf8.RuneCountInString(in.RegistrationNumber); {
	case n == 0:
		f["registration_number"] = "is required"
	case n > MaxRegistrationNumber:
		f["registration_number"] = "must be at most 64 characters"
	case strings.IndexFunc(in.RegistrationNumber, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		f["registration_number"] = "must hold only printable characters"
	}
	issued, err := time.Parse(time.DateOnly, in.IssuedOn)
	switch {
	case in.IssuedOn == "":
		f["issued_on"] = "is required"
	case err != nil:
		f["issued_on"] = "must be a date YYYY-MM-DD"
	case in.IssuedOn > today:
		f["issued_on"] = "must not be in the future"
	case in.IssuedOn < "1900-01-01":
		f["issued_on"] = "must be from 1900-01-01"
	}
	if in.ExpiresOn != nil {
		expires, err := time.Parse(time.DateOnly, *in.ExpiresOn)
		switch {
		case err != nil:
			f["expires_on"] = "must be a date YYYY-MM-DD or null"
		case f["issued_on"] == "" && !expires.After(issued):
			f["expires_on"] = "must be after issued_on"
		}
	}
	return f
}

// SubmitCredential records a credential for review (status pending).
func (s *Service) SubmitCredential(ctx context.Context, actor auth.Principal, in CredentialInput) (Credential, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return Credential{}, err
	}
	in.normalize()
	today := s.today()
	if f := in.Validate(today); len(f) > 0 {
		return Credential{}, apperr.Invalid("the credential is not valid", f)
	}
	var c Credential
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		r, err := ownProfile(ctx, tx, actor, true)
		if err != nil {
			return err
		}
		// The same number again is a renewal: it must expire later than
		// every live submission of it, none of which may still be pending.
		var dup bool
		if err := tx.GetContext(ctx, &dup, `SELECT EXISTS (SELECT 1 FROM credentials
			WHERE counselor_id = $1 AND kind = $2 AND registration_number = $3 AND status <> 'rejected'
			  AND (status = 'pending' OR $4::date IS NULL OR expires_on IS NULL OR expires_on >= $4::date))`,
			r.ID, in.Kind, in.RegistrationNumber, in.ExpiresOn); err != nil {
			return err
		}
		if dup {
			return errDuplicateCredential
		}
		if err := tx.GetContext(ctx, &c, `
			INSERT INTO credentials AS k (counselor_id, kind, registration_number, issued_on, expires_on)
			VALUES ($1, $2, $3, $4::date, $5::date) RETURNING `+credentialColumns,
			r.ID, in.Kind, in.RegistrationNumber, in.IssuedOn, in.ExpiresOn); err != nil {
			if db.ConstraintName(err) == "credentials_live_key" {
				return errDuplicateCredential
			}
			return err
		}
		c.Status = CredentialStatus(c.ReviewState, c.ExpiresOn, today)
		return audit.Write(ctx, tx, actor, audit.Event{Action: "counselor.credential.submit", TargetType: "credential",
			TargetID: c.ID.String(), Details: map[string]any{"counselor_id": r.ID.String(), "kind": in.Kind}})
	})
	return c, err
}

var errDuplicateCredential = apperr.Conflict(ReasonCredentialDuplicate,
	"this credential (kind and registration number) has already been submitted; submit it again only when renewed, with its new expiry date")

// MyCredentials lists the signed-in counsellor's credentials, newest first.
func (s *Service) MyCredentials(ctx context.Context, actor auth.Principal) ([]Credential, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return nil, err
	}
	var list []Credential
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		r, err := ownProfile(ctx, tx, actor, false)
		if err != nil {
			return err
		}
		list, err = listCredentials(ctx, tx, r.ID, s.today())
		return err
	})
	return list, err
}
