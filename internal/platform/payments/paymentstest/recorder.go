package paymentstest

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// Request is one call that reached the recorder.
type Request struct {
	Method         string
	Path           string
	IdempotencyKey string
	Form           url.Values
	Failed         bool // answered by the recorder with a 500, not forwarded
}

// Recorder sits between a client and stripe-mock: it forwards every call,
// remembers its shape, and can fail chosen calls to simulate Stripe or the
// network breaking half-way through a push.
type Recorder struct {
	URL string // the API base to give the client

	mu       sync.Mutex
	requests []Request
	failures map[string]int // path suffix → calls still to fail
}

// NewRecorder starts a recorder in front of the test binary's stripe-mock;
// it stops when t ends.
func NewRecorder(t testing.TB) *Recorder {
	t.Helper()
	target, err := url.Parse(StripeMock(t))
	if err != nil {
		t.Fatal(err)
	}
	r := &Recorder{failures: map[string]int{}}
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(body))
		form, _ := url.ParseQuery(string(body))
		rec := Request{Method: req.Method, Path: req.URL.Path, IdempotencyKey: req.Header.Get("Idempotency-Key"), Form: form}
		rec.Failed = r.takeFailure(req.URL.Path)
		r.mu.Lock()
		r.requests = append(r.requests, rec)
		r.mu.Unlock()
		if rec.Failed {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error":{"type":"api_error","message":"injected by paymentstest"}}`)
			return
		}
		proxy.ServeHTTP(w, req)
	}))
	t.Cleanup(srv.Close)
	r.URL = srv.URL
	return r
}

// FailNext makes the next n calls whose path ends with suffix (e.g.
// "/finalize") fail with a 500.
func (r *Recorder) FailNext(suffix string, n int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.failures[suffix] += n
}

func (r *Recorder) takeFailure(path string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	for suffix, n := range r.failures {
		if n > 0 && strings.HasSuffix(path, suffix) {
			r.failures[suffix] = n - 1
			return true
		}
	}
	return false
}

// Requests returns the calls so far, in order.
func (r *Recorder) Requests() []Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Request(nil), r.requests...)
}

// Reset forgets the calls so far.
func (r *Recorder) Reset() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.requests = nil
}
