package counselor

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
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
	r := IndexRow(counselorID)
	return outbox.Enqueue(ctx, tx, r.Kind, r.Payload, r.DedupeKey)
}

// IndexRow is EnqueueIndex's outbox row, for writers that queue several
// rows in one statement (outbox.EnqueueRows).
func IndexRow(counselorID uuid.UUID) outbox.Row {
	return outbox.Row{Kind: IndexKind, Payload: map[string]string{"counselor_id": counselorID.String()}}
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

	// Understood are filters read from the free text, each one more
	// condition (AND); Search adds those it reads from Q, which then
	// holds the rest.
	Understood []Understood
}

// SearchResult is a page of listings with facet counts over all matches.
type SearchResult struct {
	Items   []Listing                 `json:"items"`
	Total   int                       `json:"total"`
	Page    int                       `json:"page"`
	PerPage int                       `json:"per_page"`
	Facets  map[string]map[string]int `json:"facets"`
	Engine  string                    `json:"engine"` // meilisearch | postgres
	// Understood are the filters read from the words of q (女性 →
	// gender=female); q's other words were searched as text.
	Understood []Understood `json:"understood"`
	// Suggestions, only when nothing matched: conditions to leave out,
	// each with how many it would find, most first.
	Suggestions []Suggestion `json:"suggestions"`
}

// Suggestion is one condition of a search that found nobody whose
// removal finds Total counsellors: Drop names it ("q" for words of the
// free text, a filter's parameter, or "available_within_days") and Values
// are the words or codes left out.
type Suggestion struct {
	Drop   string   `json:"drop"`
	Values []string `json:"values"`
	Total  int      `json:"total"`
}

// GetListing returns one listed counsellor, read from PostgreSQL (the
// source of truth); 404 when not listed.
func (s *Service) GetListing(ctx context.Context, actor auth.Principal, counselorID uuid.UUID) (Listing, error) {
	if err := actor.Require(auth.RoleEmployee, auth.RoleCounselor, auth.RoleCompanyAdmin, auth.RoleOperator); err != nil {
		return Listing{}, err
	}
	var found []projection
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var err error
		found, err = loadProjections(ctx, tx, s.Clock.Now(), []uuid.UUID{counselorID})
		return err
	})
	if err != nil {
		return Listing{}, fmt.Errorf("counselor listing: %w", err)
	}
	if len(found) == 0 {
		return Listing{}, apperr.NotFound("counselor")
	}
	return found[0].listing(), nil
}

// GetListings returns the listed counsellors among ids in one read, keyed
// by id; ids not listed are absent.
func (s *Service) GetListings(ctx context.Context, actor auth.Principal, ids []uuid.UUID) (map[uuid.UUID]Listing, error) {
	if err := actor.Require(auth.RoleEmployee, auth.RoleCounselor, auth.RoleCompanyAdmin, auth.RoleOperator); err != nil {
		return nil, err
	}
	var found []projection
	err := s.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		var err error
		found, err = loadProjections(ctx, tx, s.Clock.Now(), ids)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("counselor listings: %w", err)
	}
	out := make(map[uuid.UUID]Listing, len(found))
	for _, p := range found {
		l := p.listing()
		out[l.ID] = l
	}
	return out, nil
}

// listingZone is where credential expiry dates are read: a credential is
// valid through its expires_on day in Japan.
var listingZone = time.FixedZone("Asia/Tokyo", 9*60*60)

// listingDay is the date (YYYY-MM-DD) in Japan at now: credentials that
// expire before it no longer count.
func listingDay(now time.Time) string { return now.In(listingZone).Format(time.DateOnly) }

// listingCTE is the listing rule and projection, used by the indexer, the
// PostgreSQL fallback and GetListing alike. A counsellor is listed iff
// verified and holding at least one verified credential that has not
// expired on $1 (a date in Japan); their themes are the offered ones that
// a valid credential allows (theme_credentials), their badges the valid
// credentials, and last_day the latest expiry among them (NULL when one
// never expires).
const listingCTE = `
WITH listed AS (
	SELECT c.id, c.display_name, c.kana, c.bio, c.gender, c.age_band, c.years_experience,
	       ARRAY(SELECT u.t FROM unnest(c.themes) WITH ORDINALITY AS u(t, n)
	             WHERE EXISTS (SELECT 1 FROM theme_credentials tc WHERE tc.theme = u.t AND tc.kind = ANY (v.kinds))
	             ORDER BY u.n) AS themes,
	       v.kinds, v.creds, v.last_day,
	       c.industries, c.job_functions, c.languages, c.formats, c.rate_jpy,
	       c.rating_avg::float8 AS rating_avg, c.rating_count, c.next_available_at, c.photo_updated_at
	FROM counselors c
	CROSS JOIN LATERAL (
		SELECT array_agg(DISTINCT k.kind ORDER BY k.kind) AS kinds,
		       jsonb_agg(jsonb_build_object('kind', k.kind, 'verified', true, 'registration_number', k.registration_number,
		                                    'verified_at', k.verified_at, 'expires_on', k.expires_on)
		                 ORDER BY k.kind, k.expires_on DESC NULLS FIRST, k.id) AS creds,
		       CASE WHEN bool_or(k.expires_on IS NULL) THEN NULL ELSE max(k.expires_on) END AS last_day
		FROM credentials k
		WHERE k.counselor_id = c.id AND k.status = 'verified' AND (k.expires_on IS NULL OR k.expires_on >= $1::date)
	) v
	WHERE c.status = 'verified' AND v.kinds IS NOT NULL
)`

// projection is one row of listingCTE, as to_jsonb renders it.
type projection struct {
	ID              uuid.UUID          `json:"id"`
	DisplayName     string             `json:"display_name"`
	Kana            string             `json:"kana"`
	Bio             string             `json:"bio"`
	Gender          *string            `json:"gender"`
	AgeBand         *string            `json:"age_band"`
	YearsExperience int                `json:"years_experience"`
	Themes          []string           `json:"themes"`
	Kinds           []string           `json:"kinds"`
	Creds           []ListedCredential `json:"creds"`
	LastDay         *string            `json:"last_day"`
	Industries      []string           `json:"industries"`
	JobFunctions    []string           `json:"job_functions"`
	Languages       []string           `json:"languages"`
	Formats         []string           `json:"formats"`
	RateJPY         int64              `json:"rate_jpy"`
	RatingAvg       *float64           `json:"rating_avg"`
	RatingCount     int                `json:"rating_count"`
	NextAvailableAt *time.Time         `json:"next_available_at"`
	PhotoUpdatedAt  *time.Time         `json:"photo_updated_at"`
}

// listing is the projection as employees see it.
func (p projection) listing() Listing {
	l := Listing{
		ID: p.ID, DisplayName: p.DisplayName, Kana: p.Kana, Bio: p.Bio, Gender: p.Gender, AgeBand: p.AgeBand,
		YearsExperience: p.YearsExperience, Themes: emptyIfNil(p.Themes), Credentials: p.Creds,
		Industries: emptyIfNil(p.Industries), JobFunctions: emptyIfNil(p.JobFunctions), Languages: emptyIfNil(p.Languages),
		Formats: emptyIfNil(p.Formats), RateJPY: p.RateJPY, RatingAvg: p.RatingAvg, RatingCount: p.RatingCount,
		NextAvailableAt: p.NextAvailableAt,
	}
	if l.Credentials == nil {
		l.Credentials = []ListedCredential{}
	}
	if p.PhotoUpdatedAt != nil {
		l.PhotoURL = PhotoURL(p.ID, *p.PhotoUpdatedAt)
	}
	return l
}

// listedUntil is the instant the listing ends by itself: the start of the
// day (in Japan) after the last valid credential's expiry; nil when a
// credential never expires.
func (p projection) listedUntil() *int64 {
	if p.LastDay == nil {
		return nil
	}
	d, err := time.ParseInLocation(time.DateOnly, *p.LastDay, listingZone)
	if err != nil {
		return nil
	}
	u := d.AddDate(0, 0, 1).Unix()
	return &u
}

func emptyIfNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// loadProjections returns the listed counsellors among ids (in id order);
// an id that is not listed is left out.
func loadProjections(ctx context.Context, tx *sqlx.Tx, now time.Time, ids []uuid.UUID) ([]projection, error) {
	var raws [][]byte
	// Prepared per connection: every recommendation and search fallback
	// page reads its listings here, and planning the CTE cost about as
	// much as running it for ten ids.
	if err := db.Prepare(ctx, tx, projectionsByID).SelectContext(ctx, &raws, listingDay(now), pq.Array(ids)); err != nil {
		return nil, err
	}
	return decodeProjections(raws)
}

const projectionsByID = listingCTE + `
		SELECT to_jsonb(l) FROM listed l WHERE l.id = ANY ($2::uuid[]) ORDER BY l.id`

// loadProjectionsAfter returns up to limit listed counsellors with an id
// above after, in id order (the reindex's batches).
func loadProjectionsAfter(ctx context.Context, tx *sqlx.Tx, now time.Time, after uuid.UUID, limit int) ([]projection, error) {
	return queryProjections(ctx, tx, listingCTE+`
		SELECT to_jsonb(l) FROM listed l WHERE l.id > $2 ORDER BY l.id LIMIT $3`,
		listingDay(now), after, limit)
}

func queryProjections(ctx context.Context, tx *sqlx.Tx, query string, args ...any) ([]projection, error) {
	var raws [][]byte
	if err := tx.SelectContext(ctx, &raws, query, args...); err != nil {
		return nil, err
	}
	return decodeProjections(raws)
}

// decodeProjections decodes listingCTE's to_jsonb rows.
func decodeProjections(raws [][]byte) ([]projection, error) {
	out := make([]projection, len(raws))
	for i, raw := range raws {
		if err := json.Unmarshal(raw, &out[i]); err != nil {
			return nil, fmt.Errorf("decode listing: %w", err)
		}
	}
	return out, nil
}
