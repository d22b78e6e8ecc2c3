// Package apptest boots the whole taiwa server for end-to-end tests: a fresh
// migrated database from dbtest, the real SMTP sink, the real HTTP server
// on a loopback port, and helpers to sign in and call the API.
package apptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/app"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/seal/sealtest"
)

// Harness is one running server with its own database.
type Harness struct {
	T    testing.TB
	Env  *dbtest.Env
	App  *app.App
	Sink *mail.Sink
	URL  string // http://127.0.0.1:port
	// MetricsToken is the scraper's bearer token of this server (set by
	// default; Configure may clear it).
	MetricsToken string

	totp authenticator // secrets of the users the harness enrolled
}

// TestNoteKeys returns a fresh random note key spec for one test server.
func TestNoteKeys(t testing.TB) string {
	t.Helper()
	return sealtest.Key(t, "test1")
}

// Options tune the harness.
type Options struct {
	Configure func(*config.Config) // adjust the configuration before start
	// Search gives the server a real Meilisearch index of its own (on the
	// package's engine, see dbtest.Meilisearch); New returns once its
	// settings are applied. Without it search answers from PostgreSQL.
	Search bool
	// Clock is the server's one clock, handed to every service (nil: the
	// wall clock). A test that moves time passes a clock.Manual's Clock.
	Clock clock.Clock
	// Seed starts the server on a copy of data seeded once per test binary
	// (such as Demo) instead of an empty database.
	Seed *dbtest.Seed
}

// Demo is the demo data as SeedDemo writes it (no sealed notes): with
// Options{Seed: &apptest.Demo} a test starts on the product `make run`
// shows, seeded once per test binary.
var Demo = dbtest.Seed{Name: "demo", Fill: func(ctx context.Context, d *db.DB) error {
	return demo.SeedDemo(ctx, d, slog.New(slog.DiscardHandler))
}}

// New starts a server for t; it stops when t ends. The worker does not run
// in the background: call DrainOutbox to run side effects deterministically.
func New(t testing.TB, opts ...Options) *Harness {
	t.Helper()
	var seed *dbtest.Seed
	for _, o := range opts {
		if o.Seed != nil {
			seed = o.Seed
		}
	}
	env := newEnv(t, seed)
	ctx, cancel := context.WithCancel(context.Background())
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewJSONHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	sink, err := mail.StartSink(ctx, "127.0.0.1:0", env.DB, log)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	cfg := config.Config{
		Addr: ln.Addr().String(), DatabaseURL: env.AppURL, SystemDatabaseURL: env.SystemURL, DatabaseAdminURL: env.AdminURL,
		BaseURL: "http://" + ln.Addr().String(), SMTPURL: sink.URL(), MailFrom: "Taiwa <no-reply@taiwa.example>",
		SessionTTL: time.Hour, CookieSecure: false, LoginMaxPerUser: 5, LoginMaxPerAddr: 1000,
		LoginWindow: 15 * time.Minute, RunWorker: false, LogLevel: "warn", DevMode: true,
		MeiliIndex: "counselors", NoteKeys: TestNoteKeys(t), MetricsToken: "metrics-" + rand.Text(),
		// Every client of a test is on loopback, where the default (auto)
		// would never compress: tests get the answers a remote client gets.
		HTTPGzip: "on",
	}
	for _, o := range opts {
		if o.Search {
			s := dbtest.Meilisearch(t)
			cfg.MeiliURL, cfg.MeiliKey, cfg.MeiliIndex = s.URL, s.Key, s.Index
		}
	}
	for _, o := range opts {
		if o.Configure != nil {
			o.Configure(&cfg)
		}
	}
	if err := cfg.Validate(); err != nil {
		cancel()
		t.Fatal(err)
	}
	var clk clock.Clock
	for _, o := range opts {
		if o.Clock != nil {
			clk = o.Clock
		}
	}
	a, err := app.New(ctx, cfg, log, clk)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = a.Run(ctx, ln); close(done) }()
	t.Cleanup(func() {
		cancel()
		<-done
		sink.Close()
		a.Close()
		if a.Search != nil {
			dctx, dcancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer dcancel()
			_ = a.Search.DeleteIndex(dctx)
		}
	})
	<-a.SearchReady()
	return &Harness{T: t, Env: env, App: a, Sink: sink, URL: cfg.BaseURL, MetricsToken: cfg.MetricsToken}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(string(bytes.TrimSpace(p)))
	return len(p), nil
}

// DrainOutbox runs every due side effect now (mail reaches the sink).
func (h *Harness) DrainOutbox() int {
	h.T.Helper()
	n, err := h.App.Worker.Drain(context.Background())
	if err != nil {
		h.T.Fatal(err)
	}
	return n
}

// CreateUser makes a user with a password directly in the database.
func (h *Harness) CreateUser(n account.NewUser) account.User {
	h.T.Helper()
	var u account.User
	err := h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		var err error
		u, err = account.CreateUser(context.Background(), tx, n)
		return err
	})
	if err != nil {
		h.T.Fatal(err)
	}
	return u
}

// Operator creates an operator and returns a signed-in API client for them.
func (h *Harness) Operator() *Client {
	h.T.Helper()
	h.CreateUser(account.NewUser{Email: "operator@taiwa.example", Name: "運営 太郎", Role: auth.RoleOperator, Password: "operator-pass-2026"})
	return h.Login("operator@taiwa.example", "operator-pass-2026")
}

// Client calls the API as one user.
type Client struct {
	h     *Harness
	t     testing.TB // where failures go; nil: the harness's test
	Token string
}

// For is the same client reporting its failures (transport errors,
// answers outside openapi.json) to t, e.g. a subtest.
func (c *Client) For(t testing.TB) *Client { return &Client{h: c.h, t: t, Token: c.Token} }

// tb is the test the client reports to.
func (c *Client) tb() testing.TB {
	if c.t != nil {
		return c.t
	}
	return c.h.T
}

// As is a client that sends token (which may be forged or empty).
func (h *Harness) As(token string) *Client { return &Client{h: h, Token: token} }

// Anonymous is a client with no token.
func (h *Harness) Anonymous() *Client { return &Client{h: h} }

// Login signs in through the API and fails the test if it is refused.
// When the account owes a second factor, Login answers it like a person
// with an authenticator app: enrolling TOTP on the first sign-in of a role
// that requires it, with a computed code from then on.
func (h *Harness) Login(email, password string) *Client {
	h.T.Helper()
	var out mfaAnswer
	if st := h.Anonymous().Do("POST", "/api/v1/auth/login", map[string]string{"email": email, "password": password}, &out); st != http.StatusOK {
		h.T.Fatalf("login %s: status %d", email, st)
	}
	if out.MFARequired {
		out.Token = h.completeMFA(email, out)
	}
	return &Client{h: h, Token: out.Token}
}

// Response is a raw answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Raw sends a request with any body and content type; headers are pairs of
// name and value. Every answer under /api/v1/ is checked against
// openapi.json (CheckContract): drift fails the test that saw it.
func (c *Client) Raw(method, path, contentType string, body io.Reader, headers ...string) Response {
	c.tb().Helper()
	req, err := http.NewRequest(method, c.h.URL+path, body)
	if err != nil {
		c.tb().Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.tb().Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	r := Response{Status: resp.StatusCode, Header: resp.Header, Body: b}
	c.checkContract(req, r)
	return r
}

// Do sends JSON (nil: no body) and decodes a JSON answer into out (nil:
// ignore). It returns the status.
func (c *Client) Do(method, path string, in, out any) int {
	c.tb().Helper()
	var body io.Reader
	ct := ""
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			c.tb().Fatal(err)
		}
		body, ct = bytes.NewReader(b), "application/json"
	}
	r := c.Raw(method, path, ct, body)
	if out != nil && len(r.Body) > 0 {
		if err := json.Unmarshal(r.Body, out); err != nil {
			c.tb().Fatalf("%s %s: status %d, body not JSON: %s", method, path, r.Status, r.Body)
		}
	}
	return r.Status
}

// APIError is the error envelope, for assertions.
type APIError struct {
	Error struct {
		Code    string            `json:"code"`
		Message string            `json:"message"`
		Fields  map[string]string `json:"fields"`
	} `json:"error"`
}

// newEnv is a fresh database, empty or a copy of seed.
func newEnv(t testing.TB, seed *dbtest.Seed) *dbtest.Env {
	t.Helper()
	if seed == nil {
		return dbtest.New(t)
	}
	return dbtest.NewFrom(t, *seed)
}
