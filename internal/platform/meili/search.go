package meili

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"
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
	var hits []json.RawMessage
	total, facets, err := ix.SearchInto(ctx, q, &hits)
	return Result{Hits: hits, Total: total, Facets: facets}, err
}

// searchRequest is the body of POST /indexes/{name}/search.
type searchRequest struct {
	Q                    string   `json:"q,omitempty"`
	Filter               string   `json:"filter,omitempty"`
	Sort                 []string `json:"sort,omitempty"`
	Facets               []string `json:"facets,omitempty"`
	AttributesToRetrieve []string `json:"attributesToRetrieve,omitempty"`
	MatchingStrategy     string   `json:"matchingStrategy,omitempty"`
	HitsPerPage          int      `json:"hitsPerPage"`
	Page                 int      `json:"page"`
}

// SearchInto runs q and decodes the hits straight into hits (a pointer to
// a slice of the caller's type): the answer is read and decoded once, with
// no intermediate copy of each hit. Failures mark the engine down as Search
// does.
func (ix *Index) SearchInto(ctx context.Context, q Query, hits any) (total int, facets map[string]map[string]int, err error) {
	err = ix.searchInto(ctx, q, hits, &total, &facets)
	ix.observe(ctx, err)
	if err != nil {
		return 0, nil, fmt.Errorf("meili: search %s: %w", ix.Name, err)
	}
	return total, facets, nil
}

// SearchBody is the JSON body SearchInto posts to /indexes/{name}/search
// for q (the benchmarks send it to the engine with a plain client, as the
// anchor of the API's figure).
func SearchBody(q Query) ([]byte, error) {
	req := searchRequest{Q: q.Q, Sort: q.Sort, Facets: q.Facets, AttributesToRetrieve: q.Retrieve, HitsPerPage: q.PerPage, Page: q.Page}
	if len(q.Filter) > 0 {
		req.Filter = strings.Join(q.Filter, " AND ")
	}
	if q.MatchAll {
		req.MatchingStrategy = "all"
	}
	return json.Marshal(req)
}

func (ix *Index) searchInto(ctx context.Context, q Query, hits any, total *int, facets *map[string]map[string]int) error {
	body, err := SearchBody(q)
	if err != nil {
		return err
	}
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, ix.URL+"/indexes/"+url.PathEscape(ix.Name)+"/search", bytes.NewReader(body))
	if err != nil {
		return err
	}
	hr.Header.Set("Content-Type", "application/json")
	if ix.key != "" {
		hr.Header.Set("Authorization", "Bearer "+ix.key)
	}
	res, err := ix.searchHTTP.Do(hr)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
		return fmt.Errorf("status %d: %s", res.StatusCode, msg)
	}
	out := struct {
		Hits      any                        `json:"hits"`
		TotalHits *int                       `json:"totalHits"`
		Facets    *map[string]map[string]int `json:"facetDistribution"`
	}{Hits: hits, TotalHits: total, Facets: facets}
	// The answer (15–25 KB for a page of 20 listings with eight facets) is
	// decoded by the JSON v2 implementation with encoding/json's semantics:
	// two to four times faster than encoding/json on it, the largest part
	// of what a search cost the API over the engine (docs/benchmarks.md).
	return jsonv2.UnmarshalRead(res.Body, &out, jsonv1.DefaultOptionsV1())
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
