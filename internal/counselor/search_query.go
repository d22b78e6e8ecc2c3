package counselor

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/taiwa/taiwa/internal/platform/apperr"
)

// Limits of a search query.
const (
	MaxSearchQ       = 200 // runes of free text
	MaxSearchPerPage = 100
	MaxSearchPage    = 1000 // page × per_page stays within the engine's maxTotalHits
	MaxWithinDays    = 90
	defaultPerPage   = 20
)

// SearchSorts are the orders a search may ask for, the default first.
var SearchSorts = []string{"relevance", "rating", "soonest", "experience"}

// searchFilter is one filter: its query parameter (also the facet's name
// in SearchResult.Facets and the stem of its counselor_search column), its
// codes, where ParseSearchQuery puts the chosen values, and the search
// document's attribute.
type searchFilter struct {
	param string
	codes []string
	dst   func(*SearchQuery) *[]string
	attr  string
}

// searchFilters are the filters in API.md's order.
var searchFilters = []searchFilter{
	{"theme", Themes, func(q *SearchQuery) *[]string { return &q.Themes }, "themes"},
	{"credential", CredentialKinds, func(q *SearchQuery) *[]string { return &q.Credentials }, "credential_kinds"},
	{"industry", Industries, func(q *SearchQuery) *[]string { return &q.Industries }, "industries"},
	{"job_function", JobFunctions, func(q *SearchQuery) *[]string { return &q.JobFunctions }, "job_functions"},
	{"language", Languages, func(q *SearchQuery) *[]string { return &q.Languages }, "languages"},
	{"gender", Genders, func(q *SearchQuery) *[]string { return &q.Genders }, "gender"},
	{"age_band", AgeBands, func(q *SearchQuery) *[]string { return &q.AgeBands }, "age_band"},
	{"format", Formats, func(q *SearchQuery) *[]string { return &q.Formats }, "formats"},
}

// ParseSearchQuery reads and checks the query string: unknown filter
// values → 400 naming the parameter; per_page over 100 and overlong q refused.
// Filters take repeated parameters and comma-separated lists alike;
// parameters it does not know are ignored.
func ParseSearchQuery(v url.Values) (SearchQuery, error) {
	q := SearchQuery{Sort: SearchSorts[0], Page: 1, PerPage: defaultPerPage}
	bad := map[string]string{}
	q.Q = strings.TrimSpace(strings.Join(v["q"], " "))
	switch {
	case HasControl(q.Q, false):
		bad["q"] = "must be UTF-8 text without control characters"
	case utf8.RuneCountInString(q.Q) > MaxSearchQ:
		bad["q"] = "must be at most " + strconv.Itoa(MaxSearchQ) + " characters"
	}
	for _, f := range searchFilters {
		vals, unknown := splitCodes(v[f.param], f.codes)
		if unknown != "" {
			bad[f.param] = "unknown value " + strconv.Quote(unknown) + "; one of " + strings.Join(f.codes, ", ")
		}
		*f.dst(&q) = vals
	}
	if s := v.Get("available_within_days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxWithinDays {
			bad["available_within_days"] = "must be a whole number from 1 to " + strconv.Itoa(MaxWithinDays)
		}
		q.AvailableWithinDays = n
	}
	if s := v.Get("sort"); s != "" {
		if !slices.Contains(SearchSorts, s) {
			bad["sort"] = "must be one of " + strings.Join(SearchSorts, ", ")
		}
		q.Sort = s
	}
	q.Page = intParam(v, "page", 1, MaxSearchPage, q.Page, bad)
	q.PerPage = intParam(v, "per_page", 1, MaxSearchPerPage, q.PerPage, bad)
	if len(bad) > 0 {
		return SearchQuery{}, apperr.Invalid("some search parameters are not valid", bad)
	}
	return q, nil
}

// splitCodes reads repeated and comma-separated values, drops blanks and
// repeats, and returns the first value that is not one of codes.
func splitCodes(raw []string, codes []string) (vals []string, unknown string) {
	for _, r := range raw {
		for _, s := range strings.Split(r, ",") {
			s = strings.TrimSpace(s)
			switch {
			case s == "" || slices.Contains(vals, s):
			case !slices.Contains(codes, s):
				if unknown == "" {
					unknown = s
					if utf8.RuneCountInString(s) > 40 {
						unknown = string([]rune(s)[:40]) + "…"
					}
				}
			default:
				vals = append(vals, s)
			}
		}
	}
	return vals, unknown
}

func intParam(v url.Values, name string, lo, hi, def int, bad map[string]string) int {
	s := v.Get(name)
	if s == "" {
		return def
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		bad[name] = "must be a whole number from " + strconv.Itoa(lo) + " to " + strconv.Itoa(hi)
		return def
	}
	return n
}
