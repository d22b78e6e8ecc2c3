package app_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/config"
)

// series counts the request histogram's series in a scrape.
func series(scrape string) int {
	return strings.Count(scrape, "taiwa_http_request_duration_seconds_count{")
}

func TestMetricsNeedTheScraperToken(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	c := h.Anonymous()
	cases := []struct {
		name   string
		header []string
		want   int
	}{
		{"no token", nil, http.StatusUnauthorized},
		{"wrong token", []string{"Authorization", "Bearer wrong-token-0123456789"}, http.StatusUnauthorized},
		{"not bearer", []string{"Authorization", "Basic " + h.MetricsToken}, http.StatusUnauthorized},
		{"the token", []string{"Authorization", "Bearer " + h.MetricsToken}, http.StatusOK},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := c.For(t).Raw("GET", "/metrics", "", nil, tc.header...)
			if r.Status != tc.want {
				t.Fatalf("status %d, want %d", r.Status, tc.want)
			}
			if tc.want == http.StatusOK && !strings.Contains(string(r.Body), "taiwa_http_request_duration_seconds") {
				t.Fatal("the scrape lacks the request histogram")
			}
			if tc.want != http.StatusOK && strings.Contains(string(r.Body), "taiwa_") {
				t.Fatal("a refused scrape shows metrics")
			}
		})
	}
}

func TestMetricsWithoutTokenOrAddressAre404(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) { c.MetricsToken = "" }})
	if r := h.Anonymous().Raw("GET", "/metrics", "", nil); r.Status != http.StatusNotFound {
		t.Fatalf("/metrics without a configured scraper: %d, want 404", r.Status)
	}
}

func TestMetricsOnASeparateAddress(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) { c.MetricsAddr = "127.0.0.1:0" }})
	// The main address no longer serves them, token or not.
	if r := h.Anonymous().Raw("GET", "/metrics", "", nil, "Authorization", "Bearer "+h.MetricsToken); r.Status != http.StatusNotFound {
		t.Fatalf("/metrics on the main address with a separate one set: %d, want 404", r.Status)
	}
	get := func(token string) (int, string) {
		req, err := http.NewRequest("GET", "http://"+h.App.MetricsAddr()+"/metrics", nil)
		if err != nil {
			t.Fatal(err)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if st, _ := get(""); st != http.StatusUnauthorized {
		t.Fatalf("separate address without the token: %d, want 401", st)
	}
	if st, body := get(h.MetricsToken); st != http.StatusOK || !strings.Contains(body, "go_goroutines") {
		t.Fatalf("separate address with the token: %d", st)
	}
}

// TestMetricsLabelsDoNotGrowWithInventedMethodsAndPaths: 500 requests with
// made-up methods and paths add no series beyond the fixed OTHER and
// unmatched labels.
func TestMetricsLabelsDoNotGrowWithInventedMethodsAndPaths(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	c := h.Anonymous()
	scrape := func() string {
		r := c.Raw("GET", "/metrics", "", nil, "Authorization", "Bearer "+h.MetricsToken)
		if r.Status != 200 {
			t.Fatalf("scrape: %d", r.Status)
		}
		return string(r.Body)
	}
	burst := func(round int) {
		for i := 0; i < 250; i++ {
			method := fmt.Sprintf("INVENT%d%d", round, i)
			path := fmt.Sprintf("/no/such/%d/%d", round, i)
			if i%2 == 1 {
				method, path = "GET", fmt.Sprintf("/api/v1/invented-%d-%d?x=%d", round, i, i)
			}
			_ = c.Raw(method, path, "", nil)
		}
	}
	scrape() // the scrape's own series exists from now on
	burst(0)
	first := scrape()
	before := series(first)
	burst(1)
	after := scrape()
	if got := series(after); got != before {
		t.Fatalf("request series grew from %d to %d after 250 more invented requests", before, got)
	}
	for _, bad := range []string{"INVENT", "/no/such", "invented-"} {
		if strings.Contains(after, bad) {
			t.Fatalf("a label carries the invented %q", bad)
		}
	}
	if !strings.Contains(after, `method="OTHER",route="unmatched"`) {
		t.Fatal("invented methods are not counted under OTHER/unmatched")
	}
	if len(after) > 2*len(first) {
		t.Fatalf("the scrape grew from %d to %d bytes", len(first), len(after))
	}
}
