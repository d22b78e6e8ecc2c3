package counselor

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/meili"
	"github.com/taiwa/taiwa/search"
)

// Engine names, as SearchResult.Engine reports them.
const (
	EngineMeilisearch = "meilisearch"
	EnginePostgres    = "postgres"
)

// searchConfig is the embedded search/ folder (settings, synonyms, labels),
// read once; it is constant data.
var searchConfig = sync.OnceValues(search.Load)

// searchBackend answers a checked query at the instant now. Meilisearch
// and the PostgreSQL fallback implement it with the same filters, facets,
// orders and answer shape.
type searchBackend interface {
	search(ctx context.Context, q SearchQuery, now time.Time) (SearchResult, error)
}

// Search finds listed counsellors, through Meilisearch when it answers and
// PostgreSQL otherwise, with the same filters and answer shape.
func (s *Service) Search(ctx context.Context, actor auth.Principal, q SearchQuery) (SearchResult, error) {
	if err := actor.Require(auth.RoleEmployee, auth.RoleCounselor, auth.RoleCompanyAdmin, auth.RoleOperator); err != nil {
		return SearchResult{}, err
	}
	q = q.withDefaults()
	res, err := s.search(ctx, q)
	if err != nil {
		return SearchResult{}, err
	}
	if res.Total == 0 {
		if res.Suggestions, err = s.suggest(ctx, q); err != nil {
			return SearchResult{}, err
		}
	}
	return res, nil
}

// search reads the filters out of q's text and asks the backends in turn.
func (s *Service) search(ctx context.Context, q SearchQuery) (SearchResult, error) {
	u, err := understanding()
	if err != nil {
		return SearchResult{}, err
	}
	rest, found := u.understand(q.Q)
	q.Q, q.Understood = rest, append(slices.Clone(q.Understood), found...)
	now := s.Clock.Now()
	var last error
	for _, b := range s.searchBackends() {
		res, err := b.search(ctx, q, now)
		if err == nil {
			res.Understood = q.Understood
			if res.Understood == nil {
				res.Understood = []Understood{}
			}
			res.Suggestions = []Suggestion{}
			return res, nil
		}
		if ctx.Err() != nil {
			return SearchResult{}, ctx.Err()
		}
		// A failing engine marks itself down; the next backend answers.
		last = err
	}
	return SearchResult{}, fmt.Errorf("counselor search: %w", last)
}

// searchBackends are the backends to ask in turn: Meilisearch while it
// answers, then PostgreSQL.
func (s *Service) searchBackends() []searchBackend {
	if s.Engine != nil && s.Engine.Available() {
		return []searchBackend{engineSearch{s.Engine}, postgresSearch{s}}
	}
	return []searchBackend{postgresSearch{s}}
}

// withDefaults fills what a SearchQuery built by hand may leave out.
func (q SearchQuery) withDefaults() SearchQuery {
	if q.Page < 1 {
		q.Page = 1
	}
	if q.PerPage < 1 || q.PerPage > MaxSearchPerPage {
		q.PerPage = defaultPerPage
	}
	if q.Sort == "" {
		q.Sort = SearchSorts[0]
	}
	q.Q = strings.TrimSpace(q.Q)
	return q
}

// engineSearch is the Meilisearch backend.
type engineSearch struct{ ix *meili.Index }

// engineSorts are the Meilisearch sorts; ties go to the id, like the
// fallback's ORDER BY. Relevance leaves the order to the ranking rules,
// whose last two (rating_avg:desc, id:asc) order a query without words.
var engineSorts = map[string][]string{
	"relevance":  nil,
	"rating":     {"rating_avg:desc", "id:asc"},
	"soonest":    {"next_available_ts:asc", "id:asc"},
	"experience": {"years_experience:desc", "id:asc"},
}

func (e engineSearch) search(ctx context.Context, q SearchQuery, now time.Time) (SearchResult, error) {
	res := SearchResult{Items: make([]Listing, 0, q.withDefaults().PerPage), Page: q.Page, PerPage: q.PerPage, Engine: EngineMeilisearch}
	total, facets, err := e.ix.SearchInto(ctx, EngineQuery(q, now), &res.Items)
	if err != nil {
		return SearchResult{}, err
	}
	res.Total = total
	raw := map[string]map[string]int{}
	for _, f := range searchFilters {
		raw[f.param] = facets[f.attr]
	}
	res.Facets = completeFacets(raw)
	return res, nil
}

// EngineQuery is the Meilisearch query Search sends for q at now: every
// filter and understood filter (q.Understood, which Search fills from the
// text), the listed_until cut-off, the sort with its id tie-break, the
// facets and the page (benchmarks send it straight to the engine).
func EngineQuery(q SearchQuery, now time.Time) meili.Query {
	q = q.withDefaults()
	mq := meili.Query{
		Q:        q.Q,
		Filter:   []string{meili.AfterOrAbsent("listed_until", now.Unix())},
		Sort:     engineSorts[q.Sort],
		Retrieve: listingAttributes(),
		MatchAll: true,
		Page:     q.Page,
		PerPage:  q.PerPage,
	}
	for _, f := range searchFilters {
		mq.Facets = append(mq.Facets, f.attr)
		if vals := *f.dst(&q); len(vals) > 0 {
			mq.Filter = append(mq.Filter, meili.Any(f.attr, vals))
		}
	}
	for _, u := range q.Understood {
		if f, ok := filterByParam(u.Filter); ok {
			mq.Filter = append(mq.Filter, meili.Any(f.attr, []string{u.Value}))
		}
	}
	if q.AvailableWithinDays > 0 {
		lo, hi := availableWindow(now, q.AvailableWithinDays)
		mq.Filter = append(mq.Filter, meili.Range("next_available_ts", lo, hi))
	}
	return mq
}

// availableWindow is "next available within days from now" in whole unix
// seconds, both ends included.
func availableWindow(now time.Time, days int) (lo, hi int64) {
	return now.Unix(), now.Unix() + int64(days)*24*60*60
}

// completeFacets gives every facet every code of its vocabulary, zero when
// no match has it, and drops values outside the vocabulary, so both
// backends answer the same shape.
func completeFacets(raw map[string]map[string]int) map[string]map[string]int {
	out := make(map[string]map[string]int, len(searchFilters))
	for _, f := range searchFilters {
		m := make(map[string]int, len(f.codes))
		for _, c := range f.codes {
			m[c] = raw[f.param][c]
		}
		out[f.param] = m
	}
	return out
}

// listingAttributes are the JSON names of Listing's fields: what a hit
// needs to become a Listing without PostgreSQL.
var listingAttributes = sync.OnceValue(func() []string {
	t := reflect.TypeFor[Listing]()
	names := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
})
