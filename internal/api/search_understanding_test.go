package api_test

import (
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
)

// understoodAnswer is what GET /api/v1/counselors adds for everyday words
// and for a search that finds nobody.
type understoodAnswer struct {
	Items []struct {
		Gender *string  `json:"gender"`
		Themes []string `json:"themes"`
		Bio    string   `json:"bio"`
	} `json:"items"`
	Total      int    `json:"total"`
	Engine     string `json:"engine"`
	Understood []struct {
		Filter string   `json:"filter"`
		Value  string   `json:"value"`
		Words  []string `json:"words"`
	} `json:"understood"`
	Suggestions []struct {
		Drop   string   `json:"drop"`
		Values []string `json:"values"`
		Total  int      `json:"total"`
	} `json:"suggestions"`
}

// TestAPIReadsEverydayWordsInTheDemo: in the demo marketplace, through
// Meilisearch and through PostgreSQL, 転職, 育休, 女性, 産業カウンセラー and
// パワハラ find counsellors, the answer names the filters it read (checked
// against openapi.json by the harness), and a search that finds nobody
// says what to leave out.
func TestAPIReadsEverydayWordsInTheDemo(t *testing.T) {
	t.Parallel()
	for _, engine := range []string{"meilisearch", "postgres"} {
		t.Run(engine, func(t *testing.T) {
			_, emp := demoHarness(t, apptest.Options{Search: engine == "meilisearch"})
			get := func(query string) understoodAnswer {
				t.Helper()
				var a understoodAnswer
				if st := emp.Do("GET", "/api/v1/counselors?"+query, nil, &a); st != http.StatusOK {
					t.Fatalf("%s: %d", query, st)
				}
				if a.Engine != engine {
					t.Fatalf("%s: answered by %s", query, a.Engine)
				}
				return a
			}
			for _, tc := range []struct {
				q, filter, value string
			}{
				{"転職", "theme", "career"},
				{"育休", "theme", "work_life"},
				{"女性", "gender", "female"},
				{"産業カウンセラー", "", ""},
				{"パワハラ", "theme", "harassment"},
				{"女性の産業カウンセラー 転職", "gender", "female"},
			} {
				a := get("per_page=100&q=" + url.QueryEscape(tc.q))
				if a.Total == 0 {
					t.Errorf("%q finds nobody in the demo", tc.q)
				}
				if tc.filter == "" {
					if len(a.Understood) != 0 {
						t.Errorf("%q understood %+v", tc.q, a.Understood)
					}
					continue
				}
				if len(a.Understood) == 0 || a.Understood[0].Filter != tc.filter || a.Understood[0].Value != tc.value {
					t.Errorf("%q understood %+v, want %s=%s first", tc.q, a.Understood, tc.filter, tc.value)
				}
				for _, l := range a.Items {
					if tc.filter == "gender" && (l.Gender == nil || *l.Gender != tc.value) ||
						tc.filter == "theme" && !slices.Contains(l.Themes, tc.value) {
						t.Errorf("%q found someone without %s=%s: %+v", tc.q, tc.filter, tc.value, l)
						break
					}
				}
			}
			female := get("q=" + url.QueryEscape("女性")).Total
			none := get("q=" + url.QueryEscape("女性 zzqqxxvv"))
			if none.Total != 0 || len(none.Suggestions) != 1 || none.Suggestions[0].Drop != "q" ||
				!slices.Equal(none.Suggestions[0].Values, []string{"zzqqxxvv"}) || none.Suggestions[0].Total != female {
				t.Errorf("nobody found: suggestions %+v, want leaving out zzqqxxvv to find %d", none.Suggestions, female)
			}
		})
	}
}
