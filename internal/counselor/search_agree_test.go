package counselor_test

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/demo"
)

// TestEveryFilterFacetAndSortAgreesWithThePostgresTruth runs the same
// filter-only queries on Meilisearch and on the PostgreSQL fallback over
// the demo data: totals, every facet count, and the ids of the page in
// order must be identical, for every filter and every sort.
func TestEveryFilterFacetAndSortAgreesWithThePostgresTruth(t *testing.T) {
	e := newSearchEnv(t)
	e.seedDemo()

	all := search(t, e.Fallback, "per_page=100")
	if all.Total != demo.DemoCounselors {
		t.Fatalf("fallback lists %d counsellors, want the %d verified demo ones", all.Total, demo.DemoCounselors)
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
				compared++
			}
		}
	}
	t.Logf("%d queries agree", compared)
}
