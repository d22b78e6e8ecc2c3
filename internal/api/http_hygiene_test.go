package api_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/api"
	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/platform/config"
)

// rawGet sends a request through a transport that neither asks for nor
// undoes compression, so the test sees the bytes the server sent.
func rawGet(t *testing.T, h *apptest.Harness, method, path, token string, headers ...string) apptest.Response {
	t.Helper()
	req, err := http.NewRequest(method, h.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apptest.Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	out, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return out
}

// TestHTTPHygieneHEADChallengesRetryAfterAndCompression checks what every
// HTTP client may rely on: HEAD answers like GET without a body, a 401
// says how to authenticate, a 429 says when to retry, and large answers
// are compressed for clients that accept gzip while small ones are not.
func TestHTTPHygieneHEADChallengesRetryAfterAndCompression(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()

	t.Run("HEAD answers like GET without a body", func(t *testing.T) {
		for _, tc := range []struct{ path, token string }{
			{"/healthz", ""},
			{"/readyz", ""},
			{"/api/v1/openapi.json", ""},
			{"/api/v1/me", op.Token},
			{"/api/v1/companies", op.Token},
			{"/login", ""},
		} {
			get := rawGet(t, h, http.MethodGet, tc.path, tc.token, "Accept-Encoding", "gzip")
			head := rawGet(t, h, http.MethodHead, tc.path, tc.token, "Accept-Encoding", "gzip")
			if get.Status != http.StatusOK || head.Status != http.StatusOK || len(head.Body) != 0 || len(get.Body) == 0 {
				t.Errorf("%s: GET %d (%d bytes), HEAD %d (%d bytes)", tc.path, get.Status, len(get.Body), head.Status, len(head.Body))
			}
			for _, k := range []string{"Content-Type", "Content-Encoding", "Cache-Control"} {
				if head.Header.Get(k) != get.Header.Get(k) {
					t.Errorf("%s: HEAD %s %q, GET %q", tc.path, k, head.Header.Get(k), get.Header.Get(k))
				}
			}
		}
		// Only GET routes answer HEAD: a POST-only route stays 405, an
		// unknown path 404, and a GET route keeps its permission.
		for path, want := range map[string]int{"/api/v1/auth/login": 405, "/api/v1/nope": 404, "/api/v1/me": 401} {
			if r := rawGet(t, h, http.MethodHead, path, ""); r.Status != want || len(r.Body) != 0 {
				t.Errorf("HEAD %s: %d (%d bytes), want %d and no body", path, r.Status, len(r.Body), want)
			}
		}
	})

	t.Run("401 carries a bearer challenge", func(t *testing.T) {
		cases := []struct {
			name, method, path, token string
			body                      any
			want                      string
		}{
			{"no token", "GET", "/api/v1/me", "", nil, `Bearer realm="taiwa"`},
			{"forged token", "GET", "/api/v1/me", "forged-token", nil, `Bearer realm="taiwa", error="invalid_token"`},
			{"wrong password", "POST", "/api/v1/auth/login", "", map[string]string{"email": "nobody@taiwa.example", "password": "wrong-pass"}, `Bearer realm="taiwa"`},
		}
		for _, tc := range cases {
			var body io.Reader
			if tc.body != nil {
				body = jsonReader(t, tc.body)
			}
			r := h.As(tc.token).Raw(tc.method, tc.path, "application/json", body)
			if r.Status != http.StatusUnauthorized || r.Header.Get("WWW-Authenticate") != tc.want {
				t.Errorf("%s: %d, WWW-Authenticate %q, want %q", tc.name, r.Status, r.Header.Get("WWW-Authenticate"), tc.want)
			}
		}
		if r := h.As("forged").Raw("GET", "/counselor", "", nil); r.Header.Get("WWW-Authenticate") != "" {
			t.Errorf("a page's sign-in redirect challenges for a bearer token: %q", r.Header.Get("WWW-Authenticate"))
		}
	})

	t.Run("429 carries Retry-After", func(t *testing.T) {
		// The harness allows five failed sign-ins per account and address
		// in a sliding window: the sixth is refused.
		var last apptest.Response
		for range 6 {
			last = h.Anonymous().Raw("POST", "/api/v1/auth/login", "application/json",
				jsonReader(t, map[string]string{"email": "limited@taiwa.example", "password": "wrong-pass"}))
			if last.Status != http.StatusUnauthorized {
				break
			}
		}
		secs, err := strconv.Atoi(last.Header.Get("Retry-After"))
		if last.Status != http.StatusTooManyRequests || err != nil || secs <= 0 {
			t.Fatalf("repeated failed sign-ins: %d, Retry-After %q", last.Status, last.Header.Get("Retry-After"))
		}
		if r := h.Anonymous().Raw("GET", "/api/v1/me", "", nil); r.Header.Get("Retry-After") != "" {
			t.Errorf("a 401 carries Retry-After %q", r.Header.Get("Retry-After"))
		}
	})

	t.Run("large answers are gzipped for clients that accept it", func(t *testing.T) {
		plain := rawGet(t, h, "GET", "/api/v1/openapi.json", "")
		zipped := rawGet(t, h, "GET", "/api/v1/openapi.json", "", "Accept-Encoding", "gzip")
		if plain.Header.Get("Content-Encoding") != "" || !bytes.Equal(plain.Body, api.OpenAPI) {
			t.Fatalf("openapi.json without Accept-Encoding: Content-Encoding %q, %d bytes", plain.Header.Get("Content-Encoding"), len(plain.Body))
		}
		if zipped.Header.Get("Content-Encoding") != "gzip" || len(zipped.Body) >= len(plain.Body)/3 ||
			!bytes.Equal(gunzip(t, zipped.Body), api.OpenAPI) || !strings.Contains(zipped.Header.Get("Vary"), "Accept-Encoding") {
			t.Fatalf("openapi.json with gzip: Content-Encoding %q, Vary %q, %d bytes of %d",
				zipped.Header.Get("Content-Encoding"), zipped.Header.Get("Vary"), len(zipped.Body), len(plain.Body))
		}
		// A tiny answer is not worth gzip's overhead.
		if r := rawGet(t, h, "GET", "/healthz", "", "Accept-Encoding", "gzip"); r.Header.Get("Content-Encoding") != "" || !strings.Contains(string(r.Body), `"ok"`) {
			t.Errorf("healthz: Content-Encoding %q, body %s", r.Header.Get("Content-Encoding"), r.Body)
		}
		// The metrics scrape compresses itself, once.
		m := rawGet(t, h, "GET", "/metrics", h.MetricsToken, "Accept-Encoding", "gzip")
		if m.Header.Get("Content-Encoding") != "gzip" || !bytes.Contains(gunzip(t, m.Body), []byte("taiwa_http_request_duration_seconds")) {
			t.Errorf("metrics: Content-Encoding %q", m.Header.Get("Content-Encoding"))
		}
	})
}

// TestHygieneGzipAutoLeavesLoopbackClientsUncompressed: with
// TAIWA_HTTP_GZIP=auto (the default) a client on loopback, such as a
// reverse proxy on the same machine, gets plain answers even when it
// accepts gzip; with on it gets them compressed (the harness's setting).
func TestHygieneGzipAutoLeavesLoopbackClientsUncompressed(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ setting, want string }{{"auto", ""}, {"off", ""}, {"on", "gzip"}} {
		t.Run(c.setting, func(t *testing.T) {
			h := apptest.New(t, apptest.Options{Configure: func(cfg *config.Config) { cfg.HTTPGzip = c.setting }})
			r := rawGet(t, h, "GET", "/api/v1/openapi.json", "", "Accept-Encoding", "gzip")
			body := r.Body
			if c.want == "gzip" {
				body = gunzip(t, r.Body)
			}
			if r.Status != http.StatusOK || r.Header.Get("Content-Encoding") != c.want || !bytes.Equal(body, api.OpenAPI) {
				t.Fatalf("TAIWA_HTTP_GZIP=%s: %d, Content-Encoding %q, %d bytes", c.setting, r.Status, r.Header.Get("Content-Encoding"), len(r.Body))
			}
		})
	}
}

// TestHygieneSlowRequestBodyIsCutOff sends headers and then trickles the
// body a byte at a time: the server must close the connection once its
// read timeout (one second here) has passed, not wait for the body
// forever. The test waits for the close, with a two-minute backstop.
func TestHygieneSlowRequestBodyIsCutOff(t *testing.T) {
	t.Parallel()
	h := apptest.New(t, apptest.Options{Configure: func(c *config.Config) { c.HTTPReadTimeout = time.Second }})
	conn, err := net.Dial("tcp", strings.TrimPrefix(h.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(2 * time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(conn, "POST /api/v1/auth/login HTTP/1.1\r\nHost: taiwa\r\nContent-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{"); err != nil {
		t.Fatal(err)
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				if _, err := conn.Write([]byte(" ")); err != nil {
					return // the server hung up
				}
			}
		}
	})
	defer wg.Wait()
	defer close(stop)

	// Whatever the server says before it hangs up must not be a success;
	// then the connection must end (EOF or reset), not time out here.
	br := bufio.NewReader(conn)
	if resp, err := http.ReadResponse(br, nil); err == nil {
		if resp.StatusCode < 400 {
			t.Errorf("a trickled body got %d", resp.StatusCode)
		}
		_ = resp.Body.Close()
	}
	_, err = io.Copy(io.Discard, br)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		t.Fatal("the server kept a trickling client for two minutes")
	}
}

var abandonedSeries = regexp.MustCompile(`taiwa_http_request_duration_seconds_count\{method="GET",route="/api/v1/companies",status="(\d+)"\} (\d+)`)

// TestHygieneAbandonedRequestIsRecordedAs499NeverAs500 holds a lock the
// handler's query must wait for, cancels the client while the server
// waits, and checks that the server recorded the request as abandoned
// (499), not as a failure (500, which is also when it logs an error), and
// that its query stopped waiting rather than holding a connection.
func TestHygieneAbandonedRequestIsRecordedAs499NeverAs500(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	owner := ownerDB(t, h)
	lock, err := owner.Beginx()
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = lock.Rollback() }()
	if _, err := lock.Exec(`LOCK TABLE companies IN ACCESS EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, h.URL+"/api/v1/companies", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+op.Token)
	clientErr := make(chan error, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		clientErr <- err
	}()

	waiting := func() int {
		var n int
		if err := h.Env.DB.Get(&n, `SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'companies'::regclass`); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitUntil(t, "the handler's query to wait for the lock", func() bool { return waiting() > 0 })
	cancel()
	if err := <-clientErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("client: %v, want context.Canceled", err)
	}

	var statuses map[string]string
	waitUntil(t, "the server to record the request", func() bool {
		statuses = map[string]string{}
		for _, m := range abandonedSeries.FindAllStringSubmatch(string(h.Anonymous().Raw("GET", "/metrics", "", nil, "Authorization", "Bearer "+h.MetricsToken).Body), -1) {
			statuses[m[1]] = m[2]
		}
		return len(statuses) > 0
	})
	if statuses["499"] != "1" || len(statuses) != 1 {
		t.Fatalf("GET /api/v1/companies recorded with statuses %v, want only 499 once", statuses)
	}
	if n := waiting(); n != 0 {
		t.Errorf("%d queries still wait for the lock after the request ended", n)
	}
}

// waitUntil polls cond until it holds, failing after a generous deadline.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	deadline := time.After(2 * time.Minute)
	for !cond() {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("gave up waiting for %s", what)
		}
	}
}

// TestHygieneNULAndInvalidUTF8InQueriesAndFormsAre400: no handler sees
// such text; the answer names the field, for the API and the web alike.
func TestHygieneNULAndInvalidUTF8InQueriesAndFormsAre400(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	op := h.Operator()
	for _, c := range []struct{ path, field string }{
		{"/api/v1/companies?q=a%00b", "q"},
		{"/api/v1/companies?q=%FF", "q"},
		{"/api/v1/audit?action=x%1B", "action"},
	} {
		var e apptest.APIError
		r := op.Raw(http.MethodGet, c.path, "", nil)
		if r.Status != http.StatusBadRequest || json.Unmarshal(r.Body, &e) != nil || e.Error.Fields[c.field] == "" {
			t.Errorf("GET %s: %d %s, want 400 naming %s", c.path, r.Status, r.Body, c.field)
		}
	}
	r := h.Anonymous().Raw(http.MethodPost, "/login", "application/x-www-form-urlencoded",
		strings.NewReader("email=a%00b%40x.example&password=x"))
	if r.Status != http.StatusBadRequest {
		t.Errorf("a sign-in form with NUL: %d, want 400", r.Status)
	}
}
