package counselor

import (
	"context"
	"net/url"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// Listing is a listed counsellor as employees see them (API.md's shape),
// and the projection both the search index and the fallback are built from.
type Listing struct {
	ID              uuid.UUID          `json:"id"`
	DisplayName     string             `json:"display_name"`
	Kana            string             `json:"kana"`
	Bio             string             `json:"bio"`
	Gender          *string            `json:"gender"`
	AgeBand         *string            `json:"age_band"`
	YearsExperience int                `json:"years_experience"`
	Themes          []string           `json:"themes"` // only those a valid credential allows
	Credentials     []ListedCredential `json:"credentials"`
	Industries      []string           `json:"industries"`
	JobFunctions    []string           `json:"job_functions"`
	Languages       []string           `json:"languages"`
	Formats         []string           `json:"formats"`
	RateJPY         int64              `json:"rate_jpy"`
	RatingAvg       *float64           `json:"rating_avg"`
	RatingCount     int                `json:"rating_count"`
	NextAvailableAt *time.Time         `json:"next_available_at"`
	PhotoURL        string             `json:"photo_url,omitempty"`
}

// ListedCredential is a verified, unexpired credential badge.
type ListedCredential struct {
	Kind               string    `json:"kind"`
	Verified           bool      `json:"verified"`
	RegistrationNumber string    `json:"registration_number"`
	VerifiedAt         time.Time `json:"verified_at"`
	ExpiresOn          *string   `json:"expires_on"`
}

// IndexKind is the outbox kind that brings one counsellor's listing to the
// search index (upsert when listed, delete otherwise).
const IndexKind = "search.counselor"

// EnqueueIndex asks, inside the business transaction, for counsellorID's
// search document to be refreshed. Call it after any change that can alter
// a listing: profile, credential review, verification, suspension, expiry,
// availability, rating.
func EnqueueIndex(ctx context.Context, tx *sqlx.Tx, counselorID uuid.UUID) error {
	return outbox.Enqueue(ctx, tx, IndexKind, map[string]string{"counselor_id": counselorID.String()}, "")
}

// SearchQuery is a parsed GET /api/v1/counselors query. Each list holds
// the values of one filter: values within a filter are alternatives (OR),
// filters combine with AND.
type SearchQuery struct {
	Q                   string
	Themes              []string
	Credentials         []string
	Industries          []string
	JobFunctions        []string
	Languages           []string
	Genders             []string
	AgeBands            []string
	Formats             []string
	AvailableWithinDays int    // 0: no filter
	Sort                string // relevance | rating | soonest | experience
	Page                int
	PerPage             int
}

// SearchResult is a page of listings with facet counts over all matches.
type SearchResult struct {
	Items   []Listing                 `json:"items"`
	Total   int                       `json:"total"`
	Page    int                       `json:"page"`
	PerPage int                       `json:"per_page"`
	Facets  map[string]map[string]int `json:"facets"`
	Engine  string                    `json:"engine"` // meilisearch | postgres
}

// ParseSearchQuery reads and checks the query string: unknown filter
// values → 400 naming the parameter; per_page over 100 and overlong q refused.
func ParseSearchQuery(v url.Values) (SearchQuery, error) {
	return SearchQuery{}, errTODO
}

// Search finds listed counsellors, through Meilisearch when it answers and
// PostgreSQL otherwise, with the same filters and answer shape.
func (s *Service) Search(ctx context.Context, actor auth.Principal, q SearchQuery) (SearchResult, error) {
	return SearchResult{}, errTODO
}

// GetListing returns one listed counsellor; 404 when not listed.
func (s *Service) GetListing(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) (Listing, error) {
	return Listing{}, errTODO
}
