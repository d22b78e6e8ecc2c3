package counselor

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
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
	// AllowedThemes are the themes the counsellor's verified, unexpired
	// credentials allow today: what the profile form may offer.
	AllowedThemes []string `json:"allowed_themes"`
	// MeetingLinks are the counsellor's external meeting links by format
	// (format → https URL): a booking in that format meets there instead
	// of in Taiwa's own room.
	MeetingLinks map[string]string `json:"meeting_links"`
	// InPersonPlace is where in-person sessions are held (address, room,
	// access notes), shown to the employee with the booking.
	InPersonPlace string `json:"in_person_place"`
	// RatingAvg and RatingCount are the counsellor's published rating
	// (MinRatingsShown decides whether employees see the mean).
	RatingAvg   *float64 `json:"rating_avg"`
	RatingCount int      `json:"rating_count"`
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
	// MeetingLinks replaces the external meeting links when present (an
	// empty object removes them all); absent keeps the stored ones.
	MeetingLinks map[string]string `json:"meeting_links,omitempty"`
	// InPersonPlace replaces the in-person place when present; absent
	// keeps the stored one.
	InPersonPlace *string `json:"in_person_place,omitempty"`
}

// Photo is a stored, re-encoded profile photo.
type Photo struct {
	ContentType string
	Data        []byte
	UpdatedAt   time.Time
}

// Limits of a profile, shared by the API and the web form.
const (
	MaxDisplayName = 80
	MaxKana        = 120
	MaxBio         = 4000
	MaxYears       = 70
	MaxRateJPY     = 1_000_000
	// MaxMeetingLink is the longest external meeting link, in bytes.
	MaxMeetingLink = 500
	// MaxInPersonPlace is the longest in-person place, in characters.
	MaxInPersonPlace = 300
)

// profileRow is a counselors row as read for a profile.
type profileRow struct {
	ID              uuid.UUID      `db:"id"`
	UserID          uuid.UUID      `db:"user_id"`
	Status          string         `db:"status"`
	DisplayName     string         `db:"display_name"`
	Kana            string         `db:"kana"`
	Bio             string         `db:"bio"`
	Gender          *string        `db:"gender"`
	AgeBand         *string        `db:"age_band"`
	YearsExperience int            `db:"years_experience"`
	Languages       pq.StringArray `db:"languages"`
	Formats         pq.StringArray `db:"formats"`
	Themes          pq.StringArray `db:"themes"`
	Industries      pq.StringArray `db:"industries"`
	JobFunctions    pq.StringArray `db:"job_functions"`
	RateJPY         int64          `db:"rate_jpy"`
	PhotoUpdatedAt  *time.Time     `db:"photo_updated_at"`
	VerifiedAt      *time.Time     `db:"verified_at"`
	SuspendedReason *string        `db:"suspended_reason"`
	MeetingLinks    []byte         `db:"meeting_links"`
	InPersonPlace   string         `db:"in_person_place"`
	RatingAvg       *float64       `db:"rating_avg"`
	RatingCount     int            `db:"rating_count"`
}

const profileColumns = `c.id, c.user_id, c.status, c.display_name, c.kana, c.bio, c.gender, c.age_band,
	c.years_experience, c.languages, c.formats, c.themes, c.industries, c.job_functions, c.rate_jpy,
	c.photo_updated_at, c.verified_at, c.suspended_reason, c.meeting_links, c.in_person_place,
	c.rating_avg::float8 AS rating_avg, c.rating_count`

func (r profileRow) profile(validKinds []string) Profile {
	p := Profile{
		ID: r.ID, UserID: r.UserID, Status: r.Status, DisplayName: r.DisplayName, Kana: r.Kana, Bio: r.Bio,
		Gender: r.Gender, AgeBand: r.AgeBand, YearsExperience: r.YearsExperience,
		Languages: nonNil(r.Languages), Formats: nonNil(r.Formats), Themes: nonNil(r.Themes),
		Industries: nonNil(r.Industries), JobFunctions: nonNil(r.JobFunctions), RateJPY: r.RateJPY,
		VerifiedAt: r.VerifiedAt, SuspendedReason: r.SuspendedReason, RatingAvg: r.RatingAvg, RatingCount: r.RatingCount,
		AllowedThemes: nonNil(AllowedThemes(validKinds)),
		MeetingLinks:  decodeLinks(r.MeetingLinks), InPersonPlace: r.InPersonPlace,
	}
	if r.PhotoUpdatedAt != nil {
		p.PhotoURL = PhotoURL(r.ID, *r.PhotoUpdatedAt)
	}
	return p
}

// PhotoURL is where a counsellor's photo is served; the version changes with
// every upload, so a cached copy is never shown after a change.
func PhotoURL(counselorID uuid.UUID, updatedAt time.Time) string {
	return fmt.Sprintf("/api/v1/counselors/%s/photo?v=%d", counselorID, updatedAt.Unix())
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// loadProfile reads counselorID's profile in tx, locking the row for a
// change when lock is set.
func loadProfile(ctx context.Context, tx *sqlx.Tx, where string, arg any, lock bool) (profileRow, error) {
	q := `SELECT ` + profileColumns + ` FROM counselors c WHERE ` + where
	if lock {
		q += ` FOR UPDATE`
	}
	var r profileRow
	err := tx.GetContext(ctx, &r, q, arg)
	if db.IsNoRows(err) {
		return r, apperr.NotFound("counsellor")
	}
	return r, err
}

// ownProfile is the signed-in counsellor's row.
func ownProfile(ctx context.Context, tx *sqlx.Tx, actor auth.Principal, lock bool) (profileRow, error) {
	return loadProfile(ctx, tx, `c.user_id = $1`, actor.UserID, lock)
}

// MyProfile returns the signed-in counsellor's profile.
func (s *Service) MyProfile(ctx context.Context, actor auth.Principal) (Profile, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return Profile{}, err
	}
	var p Profile
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		r, err := ownProfile(ctx, tx, actor, false)
		if err != nil {
			return err
		}
		kinds, err := validKinds(ctx, tx, r.ID, s.today())
		if err != nil {
			return err
		}
		p = r.profile(kinds)
		return nil
	})
	return p, err
}

// UpdateProfile validates and stores the signed-in counsellor's profile:
// 400 with fields for bad values, 422 credential_required for a theme no
// verified credential allows; the search index follows through the outbox.
func (s *Service) UpdateProfile(ctx context.Context, actor auth.Principal, in ProfileInput) (Profile, error) {
	if err := actor.Require(auth.RoleCounselor); err != nil {
		return Profile{}, err
	}
	in.normalize()
	if f := in.Validate(); len(f) > 0 {
		return Profile{}, apperr.Invalid("some profile fields are not valid", f)
	}
	if f := in.ValidateLinks(); len(f) > 0 {
		return Profile{}, &apperr.Error{Code: apperr.CodeUnprocessable, Reason: ReasonInvalidMeetingLink,
			Message: "a meeting link must be an https:// address without credentials", Fields: f}
	}
	var p Profile
	err := s.DB.InTx(ctx, actor.Scope(), func(tx *sqlx.Tx) error {
		r, err := ownProfile(ctx, tx, actor, true)
		if err != nil {
			return err
		}
		kinds, err := validKinds(ctx, tx, r.ID, s.today())
		if err != nil {
			return err
		}
		if err := CheckThemes(in.Themes, kinds); err != nil {
			return err
		}
		links, err := in.linksJSON(r.MeetingLinks)
		if err != nil {
			return err
		}
		place := r.InPersonPlace
		if in.InPersonPlace != nil {
			place = *in.InPersonPlace
		}
		if _, err := tx.ExecContext(ctx, `
			UPDATE counselors SET display_name = $2, kana = $3, bio = $4, gender = $5, age_band = $6,
			       years_experience = $7, languages = $8, formats = $9, themes = $10, industries = $11,
			       job_functions = $12, rate_jpy = $13, meeting_links = $14, in_person_place = $15, updated_at = now()
			WHERE id = $1`,
			r.ID, in.DisplayName, in.Kana, in.Bio, in.Gender, in.AgeBand, in.YearsExperience,
			pq.Array(in.Languages), pq.Array(in.Formats), pq.Array(in.Themes), pq.Array(in.Industries),
			pq.Array(in.JobFunctions), in.RateJPY, links, place); err != nil {
			return err
		}
		if err := audit.Write(ctx, tx, actor, audit.Event{Action: "counselor.profile.update", TargetType: "counselor",
			TargetID: r.ID.String(), Details: map[string]any{"themes": in.Themes}}); err != nil {
			return err
		}
		if err := EnqueueIndex(ctx, tx, r.ID); err != nil {
			return err
		}
		if r, err = loadProfile(ctx, tx, `c.id = $1`, r.ID, false); err != nil {
			return err
		}
		p = r.profile(kinds)
		return nil
	})
	return p, err
}

// normalize trims the free-text fields and turns absent lists into empty ones.
func (in *ProfileInput) normalize() {
	in.DisplayName = strings.TrimSpace(in.DisplayName)
	in.Kana = strings.TrimSpace(in.Kana)
	in.Bio = strings.TrimRight(in.Bio, " \t\r\n\u3000")
	for _, l := range []*[]string{&in.Languages, &in.Formats, &in.Themes, &in.Industries, &in.JobFunctions} {
		*l = nonNil(*l)
	}
	for k, v := range in.MeetingLinks {
		if v = strings.TrimSpace(v); v == "" {
			delete(in.MeetingLinks, k) // an empty link is no link
		} else {
			in.MeetingLinks[k] = v
		}
	}
	if in.InPersonPlace != nil {
		p := strings.TrimSpace(strings.ReplaceAll(*in.InPersonPlace, "\r\n", "\n"))
		in.InPersonPlace = &p
	}
}

// Validate checks every field against its limits and code list and returns
// field → problem (empty when the input is valid). The theme rule needs the
// database and is checked separately (CheckThemes).
func (in *ProfileInput) Validate() map[string]string {
	f := map[string]string{}
	switch n := utf8.RuneCountInString(in.DisplayName); {
	case n == 0:
		f["display_name"] = "is required"
	case n > MaxDisplayName:
		f["display_name"] = fmt.Sprintf("must be at most %d characters", MaxDisplayName)
	case HasControl(in.DisplayName, false):
		f["display_name"] = "must be one line of text"
	}
	switch {
	case utf8.RuneCountInString(in.Kana) > MaxKana:
		f["kana"] = fmt.Sprintf("must be at most %d characters", MaxKana)
	case !IsKana(in.Kana):
		f["kana"] = "must be written in hiragana or katakana"
	}
	switch {
	case utf8.RuneCountInString(in.Bio) > MaxBio:
		f["bio"] = fmt.Sprintf("must be at most %d characters", MaxBio)
	case HasControl(in.Bio, true):
		f["bio"] = "must be plain text"
	}
	if in.Gender != nil && !slices.Contains(Genders, *in.Gender) {
		f["gender"] = "must be one of " + strings.Join(Genders, ", ") + " or null"
	}
	if in.AgeBand != nil && !slices.Contains(AgeBands, *in.AgeBand) {
		f["age_band"] = "must be one of " + strings.Join(AgeBands, ", ") + " or null"
	}
	if in.YearsExperience < 0 || in.YearsExperience > MaxYears {
		f["years_experience"] = fmt.Sprintf("must be a whole number from 0 to %d", MaxYears)
	}
	if in.RateJPY < 0 || in.RateJPY > MaxRateJPY {
		f["rate_jpy"] = fmt.Sprintf("must be a whole number of yen from 0 to %d", MaxRateJPY)
	}
	if in.InPersonPlace != nil {
		switch {
		case utf8.RuneCountInString(*in.InPersonPlace) > MaxInPersonPlace:
			f["in_person_place"] = fmt.Sprintf("must be at most %d characters", MaxInPersonPlace)
		case HasControl(*in.InPersonPlace, true):
			f["in_person_place"] = "must be plain text"
		}
	}
	lists := []struct {
		field    string
		values   []string
		codes    []string
		required bool
	}{
		{"languages", in.Languages, Languages, true},
		{"formats", in.Formats, Formats, true},
		{"themes", in.Themes, Themes, false},
		{"industries", in.Industries, Industries, false},
		{"job_functions", in.JobFunctions, JobFunctions, false},
	}
	for _, l := range lists {
		if p := checkCodes(l.values, l.codes, l.required); p != "" {
			f[l.field] = p
		}
	}
	return f
}

// checkCodes returns the problem of a list of codes, or "".
func checkCodes(values, codes []string, required bool) string {
	if required && len(values) == 0 {
		return "choose at least one"
	}
	for i, v := range values {
		if !slices.Contains(codes, v) {
			return fmt.Sprintf("%q is not one of %s", v, strings.Join(codes, ", "))
		}
		if slices.Contains(values[:i], v) {
			return fmt.Sprintf("%q is listed twice", v)
		}
	}
	return ""
}

// HasControl reports whether s holds a control character (tabs and line
// breaks allowed when multiline is set) or invalid UTF-8: text that cannot
// be stored (PostgreSQL refuses NUL) or shown safely.
func HasControl(s string, multiline bool) bool {
	if !utf8.ValidString(s) {
		return true
	}
	return strings.ContainsFunc(s, func(r rune) bool {
		if multiline && (r == '\n' || r == '\r' || r == '\t') {
			return false
		}
		return unicode.IsControl(r)
	})
}

// IsKana reports whether s holds only hiragana, katakana, the long vowel
// mark, the katakana middle dot (between the parts of foreign names) and
// spaces: the reading of a name.
func IsKana(s string) bool {
	for _, r := range s {
		switch {
		case r >= 'ぁ' && r <= 'ゖ', r == 'ゝ' || r == 'ゞ':
		case r >= 'ァ' && r <= 'ヺ', r == 'ヽ' || r == 'ヾ':
		case r == 'ー', r == '・', r == ' ', r == '\u3000':
		default:
			return false
		}
	}
	return true
}

// ThemeNeed is one theme a profile asked for that no valid credential
// allows, with the credential kinds of which one would (nil: any).
type ThemeNeed struct {
	Theme string
	Needs []string
}

// MissingCredentials is the cause of a credential_required refusal: every
// refused theme with what it needs, for a form to show next to the theme.
type MissingCredentials []ThemeNeed

func (m MissingCredentials) Error() string {
	parts := make([]string, len(m))
	for i, n := range m {
		needs := "any verified, unexpired credential"
		if n.Needs != nil {
			needs = "a verified, unexpired credential: " + orList(n.Needs)
		}
		parts[i] = fmt.Sprintf("theme %q needs %s", n.Theme, needs)
	}
	return strings.Join(parts, "; ")
}

func orList(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// CheckThemes applies the theme rule: every theme must be allowed by one of
// validKinds (the counsellor's verified, unexpired credential kinds).
// A refusal is 422 credential_required, wrapping MissingCredentials.
func CheckThemes(themes, validKinds []string) error {
	var missing MissingCredentials
	for _, t := range themes {
		if !ThemeAllowed(t, validKinds) {
			missing = append(missing, ThemeNeed{Theme: t, Needs: ThemeNeeds(t)})
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &apperr.Error{Code: apperr.CodeUnprocessable, Reason: ReasonCredentialRequired,
		Message: missing.Error(), Err: missing}
}
