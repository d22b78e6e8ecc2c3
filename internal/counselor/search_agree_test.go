package counselor_test

import (
	"cmp"
	"context"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// TestEveryFilterFacetAndSortAgreesWithThePostgresTruth runs the same
// filter-only queries on Meilisearch and on the PostgreSQL fallback over
// the demo data: totals, every facet count, and the ids of the page in
// order must be identical, for every filter and every sort.
func TestEveryFilterFacetAndSortAgreesWithThePostgresTruth(t *testing.T) {
	t.Parallel()
	e := newDemoSearchEnv(t)

	universe := e.listings()
	if len(universe) != demo.DemoCounselors {
		t.Fatalf("%d counsellors are listed, want the %d verified demo ones", len(universe), demo.DemoCounselors)
	}
	queries := []string{"", "per_page=7&page=3"}
	for _, th := range counselor.Themes {
		queries = append(queries, "theme="+th)
	}
	for _, k := range counselor.CredentialKinds {
		queries = append(queries, "credential="+k)
	}
	for _, v := range counselor.Industries {
		queries = append(queries, "industry="+v)
	}
	for _, v := range counselor.JobFunctions {
		queries = append(queries, "job_function="+v)
	}
	for _, v := range counselor.Languages {
		queries = append(queries, "language="+v)
	}
	for _, v := range counselor.Genders {
		queries = append(queries, "gender="+v)
	}
	for _, v := range counselor.AgeBands {
		queries = append(queries, "age_band="+v)
	}
	for _, v := range counselor.Formats {
		queries = append(queries, "format="+v)
	}
	queries = append(queries,
		"theme=career,mental_health",
		"theme=career&theme=harassment&format=in_person",
		"credential=certified_public_psychologist&language=en",
		"gender=female&age_band=40s,50s&industry=it",
		"available_within_days=1", "available_within_days=7", "available_within_days=30&theme=career",
		"available_within_days=90",
		"job_function=sales,hr&format=video&per_page=100",
		"theme=return_to_work&credential=occupational_physician",
		"language=zh,ko",
	)
	compared := 0
	for _, base := range queries {
		for _, sort := range counselor.SearchSorts {
			for _, page := range []string{"per_page=100", "per_page=9&page=2"} {
				q := strings.Trim(base+"&sort="+sort+"&"+page, "&")
				if strings.Contains(base, "per_page") {
					q = base + "&sort=" + sort
				}
				engine := search(t, e.Engine, q)
				truth := search(t, e.Fallback, q)
				if engine.Engine != counselor.EngineMeilisearch || truth.Engine != counselor.EnginePostgres {
					t.Fatalf("%s: engines %s / %s", q, engine.Engine, truth.Engine)
				}
				if engine.Total != truth.Total {
					t.Errorf("%s: total %d, truth %d", q, engine.Total, truth.Total)
				}
				if !reflect.DeepEqual(engine.Facets, truth.Facets) {
					t.Errorf("%s: facets\n engine %v\n  truth %v", q, engine.Facets, truth.Facets)
				}
				if !slices.Equal(ids(engine), ids(truth)) {
					t.Errorf("%s: ids differ\n engine %v\n  truth %v", q, ids(engine), ids(truth))
				}
				// And both agree with the rule applied in Go to every
				// listing GetListing returns.
				want := expect(t, universe, q, time.Now())
				if truth.Total != want.Total || !reflect.DeepEqual(truth.Facets, want.Facets) || !slices.Equal(ids(truth), ids(want)) {
					t.Errorf("%s: fallback %s, Go's reading of the rule total=%d ids=%v facets=%v", q, describe(truth), want.Total, ids(want), want.Facets)
				}
				compared++
			}
		}
	}
	t.Logf("%d queries agree", compared)
}

// listings reads every listed counsellor one by one through GetListing.
func (e *searchEnv) listings() []counselor.Listing {
	e.t.Helper()
	var all []uuid.UUID
	err := e.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Select(&all, `SELECT id FROM counselors`)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	var out []counselor.Listing
	for _, id := range all {
		if l, err := e.Fallback.GetListing(context.Background(), employee, id); err == nil {
			out = append(out, l)
		}
	}
	return out
}

// expect answers a filter-only query by reading the rule in Go: each
// filter holds one of its values, facets count the matches per code, and
// the order is the sort's with ties to the id.
func expect(t *testing.T, universe []counselor.Listing, query string, now time.Time) counselor.SearchResult {
	t.Helper()
	v, _ := url.ParseQuery(query)
	q, err := counselor.ParseSearchQuery(v)
	if err != nil {
		t.Fatal(err)
	}
	anyOf := func(have, want []string) bool {
		return len(want) == 0 || slices.ContainsFunc(have, func(h string) bool { return slices.Contains(want, h) })
	}
	kinds := func(l counselor.Listing) []string {
		var k []string
		for _, c := range l.Credentials {
			k = append(k, c.Kind)
		}
		return k
	}
	opt := func(s *string) []string {
		if s == nil {
			return nil
		}
		return []string{*s}
	}
	values := map[string]func(counselor.Listing) []string{
		"theme":        func(l counselor.Listing) []string { return l.Themes },
		"credential":   kinds,
		"industry":     func(l counselor.Listing) []string { return l.Industries },
		"job_function": func(l counselor.Listing) []string { return l.JobFunctions },
		"language":     func(l counselor.Listing) []string { return l.Languages },
		"gender":       func(l counselor.Listing) []string { return opt(l.Gender) },
		"age_band":     func(l counselor.Listing) []string { return opt(l.AgeBand) },
		"format":       func(l counselor.Listing) []string { return l.Formats },
	}
	chosen := map[string][]string{
		"theme": q.Themes, "credential": q.Credentials, "industry": q.Industries, "job_function": q.JobFunctions,
		"language": q.Languages, "gender": q.Genders, "age_band": q.AgeBands, "format": q.Formats,
	}
	codes := map[string][]string{
		"theme": counselor.Themes, "credential": counselor.CredentialKinds, "industry": counselor.Industries,
		"job_function": counselor.JobFunctions, "language": counselor.Languages, "gender": counselor.Genders,
		"age_band": counselor.AgeBands, "format": counselor.Formats,
	}
	var hits []counselor.Listing
	for _, l := range universe {
		ok := true
		for f, want := range chosen {
			ok = ok && anyOf(values[f](l), want)
		}
		if q.AvailableWithinDays > 0 {
			n := l.NextAvailableAt
			ok = ok && n != nil && n.Unix() >= now.Unix() && n.Unix() <= now.Unix()+int64(q.AvailableWithinDays)*86400
		}
		if ok {
			hits = append(hits, l)
		}
	}
	res := counselor.SearchResult{Total: len(hits), Facets: map[string]map[string]int{}}
	for f, cs := range codes {
		res.Facets[f] = map[string]int{}
		for _, c := range cs {
			for _, l := range hits {
				if slices.Contains(values[f](l), c) {
					res.Facets[f][c]++
				}
			}
			res.Facets[f][c] += 0
		}
	}
	nullsLast := func(a, b *float64, desc bool) int {
		switch {
		case a == nil && b == nil:
			return 0
		case a == nil:
			return 1
		case b == nil:
			return -1
		case desc:
			return cmp.Compare(*b, *a)
		}
		return cmp.Compare(*a, *b)
	}
	unix := func(t *time.Time) *float64 {
		if t == nil {
			return nil
		}
		f := float64(t.Unix())
		return &f
	}
	slices.SortFunc(hits, func(a, b counselor.Listing) int {
		var c int
		switch q.Sort {
		case "soonest":
			c = nullsLast(unix(a.NextAvailableAt), unix(b.NextAvailableAt), false)
		case "experience":
			c = cmp.Compare(b.YearsExperience, a.YearsExperience)
		default:
			c = nullsLast(a.RatingAvg, b.RatingAvg, true)
		}
		return cmp.Or(c, strings.Compare(a.ID.String(), b.ID.String()))
	})
	lo := min(len(hits), (q.Page-1)*q.PerPage)
	res.Items = hits[lo:min(len(hits), lo+q.PerPage)]
	return res
}
