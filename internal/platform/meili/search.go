package meili

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/meilisearch/meilisearch-go"
)

// Query is one search: words, a filter, an order, facets and a page.
type Query struct {
	Q      string
	Filter []string // conditions that must all hold (see Eq, Any, Range)
	Sort   []string // e.g. "rating_avg:desc"; empty: the ranking rules decide
	Facets []string // attributes whose value counts over all matches come back
	// Retrieve limits the attributes of each hit; empty means all.
	Retrieve []string
	// MatchAll makes every word of Q required (matchingStrategy "all").
	MatchAll bool
	Page     int // from 1
	PerPage  int
}

// Result is a page of hits with the total and the facet counts.
type Result struct {
	Hits   []json.RawMessage
	Total  int
	Facets map[string]map[string]int
}

// Search runs q. A failure marks the engine down for DownFor, so the
// caller's fallback answers the next requests without trying again.
func (ix *Index) Search(ctx context.Context, q Query) (Result, error) {
	perPage := int64(q.PerPage)
	req := &meilisearch.SearchRequest{
		Query:                q.Q,
		Sort:                 q.Sort,
		Facets:               q.Facets,
		AttributesToRetrieve: q.Retrieve,
		HitsPerPage:          &perPage,
		Page:                 int64(q.Page),
	}
	if len(q.Filter) > 0 {
		req.Filter = strings.Join(q.Filter, " AND ")
	}
	if q.MatchAll {
		req.MatchingStrategy = meilisearch.All
	}
	raw, err := ix.search.Index(ix.Name).SearchRawWithContext(ctx, q.Q, req)
	ix.observe(ctx, err)
	if err != nil {
		return Result{}, fmt.Errorf("meili: search %s: %w", ix.Name, err)
	}
	var out struct {
		Hits      []json.RawMessage         `json:"hits"`
		TotalHits int                       `json:"totalHits"`
		Facets    map[string]map[string]int `json:"facetDistribution"`
	}
	if err := json.Unmarshal(*raw, &out); err != nil {
		return Result{}, fmt.Errorf("meili: search %s: %w", ix.Name, err)
	}
	return Result{Hits: out.Hits, Total: out.TotalHits, Facets: out.Facets}, nil
}

// quote writes a filter value as a Meilisearch string literal.
func quote(v string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(v) + `"`
}

// Any is the filter "attribute holds one of values" (for an array
// attribute: any element does).
func Any(attribute string, values []string) string {
	parts := make([]string, len(values))
	for i, v := range values {
		parts[i] = quote(v)
	}
	return attribute + " IN [" + strings.Join(parts, ", ") + "]"
}

// Range is the filter "lo ≤ attribute ≤ hi" on a number.
func Range(attribute string, lo, hi int64) string {
	return attribute + " " + strconv.FormatInt(lo, 10) + " TO " + strconv.FormatInt(hi, 10)
}

// AfterOrAbsent is the filter "attribute > n, or the attribute is missing".
func AfterOrAbsent(attribute string, n int64) string {
	return "(" + attribute + " > " + strconv.FormatInt(n, 10) + " OR " + attribute + " NOT EXISTS)"
}
