// Package app assembles the taiwa server from configuration: database,
// domain services, HTTP routes and the outbox worker. cmd/taiwa and the
// end-to-end tests both boot it through New and Run.
package app

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"
	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/api"
	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/httperr"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/meili"
	"github.com/taiwa/taiwa/internal/platform/outbox"
	"github.com/taiwa/taiwa/internal/platform/payments"
	"github.com/taiwa/taiwa/internal/platform/turnserver"
	"github.com/taiwa/taiwa/internal/programme"
	"github.com/taiwa/taiwa/internal/record"
	"github.com/taiwa/taiwa/internal/report/store"
	webui "github.com/taiwa/taiwa/internal/web"
	"github.com/taiwa/taiwa/web"
)

// App is a configured taiwa server.
type App struct {
	Config     config.Config
	Log        *slog.Logger
	DB         *db.DB
	Accounts   *account.Service
	Companies  *company.Service
	Counselors *counselor.Service
	Bookings   *booking.Service
	Matching   *matching.Service
	Billing    *billing.Service
	Records    *record.Service
	Feedback   *feedback.Service
	Programmes *programme.Service
	Reports    *store.Service
	Payments   *payments.Client
	Worker     *outbox.Worker
	Echo       *echo.Echo
	Metrics    *prometheus.Registry
	// Search is the Meilisearch index of listed counsellors; nil when
	// TAIWA_MEILISEARCH_URL is not set (search then answers from PostgreSQL).
	Search *meili.Index
	// Turn is the embedded TURN/STUN server of the video room; nil when
	// TAIWA_TURN_URLS names an external one or TAIWA_TURN_ADDR is off.
	Turn *turnserver.Server

	searchReady chan struct{}   // closed when start-up search preparation ends
	routes      map[string]bool // registered route patterns: the metrics' route labels
	metricsLn   net.Listener    // TAIWA_METRICS_ADDR, when set
	ui          *webui.Server
}

// New connects to the database, refuses a schema that is behind, and builds
// the services and routes.
func New(ctx context.Context, cfg config.Config, log *slog.Logger) (*App, error) {
	if err := db.CheckCurrent(ctx, cfg.DatabaseURL); err != nil {
		return nil, err
	}
	if cfg.Keyring == nil {
		return nil, errors.New("set TAIWA_NOTE_KEYS to the keys that seal private notes, e.g. TAIWA_NOTE_KEYS=k1:$(openssl rand -base64 32) (`taiwa keys new` prints one)")
	}
	// Tenant requests run on the tenant role; the system pool beside it
	// runs the platform's work and operators' reads (see db.OpenPools).
	d, err := db.OpenPools(ctx, cfg.DatabaseURL, cfg.SystemDatabaseURL)
	if err != nil {
		return nil, err
	}
	mailFS, _ := fs.Sub(web.FS, "mail")
	composer, err := mail.NewComposer(mailFS)
	if err != nil {
		d.Close()
		return nil, err
	}
	a := &App{Config: cfg, Log: log, DB: d, Metrics: prometheus.NewRegistry(), searchReady: make(chan struct{})}
	a.Accounts = &account.Service{
		DB: d, Mail: composer, BaseURL: cfg.BaseURL, SessionTTL: cfg.SessionTTL,
		MaxFailures: cfg.LoginMaxPerUser, MaxAttempts: cfg.LoginMaxPerAddr, Window: cfg.LoginWindow,
		InviteTTL: 7 * 24 * time.Hour, ResetTTL: time.Hour, Keys: cfg.Keyring,
	}
	// Passkeys need a domain name: a base URL on an IP address (e.g.
	// http://127.0.0.1:8080) runs without them (use http://localhost:…).
	if net.ParseIP(cfg.WebAuthnRPID) == nil {
		if a.Accounts.WebAuthn, err = webauthn.New(&webauthn.Config{
			RPID: cfg.WebAuthnRPID, RPDisplayName: "Taiwa", RPOrigins: []string{cfg.WebAuthnOrigin},
		}); err != nil {
			d.Close()
			return nil, fmt.Errorf("passkeys (TAIWA_WEBAUTHN_RP_ID, TAIWA_WEBAUTHN_ORIGIN): %w", err)
		}
	} else {
		log.Info("passkeys are off: TAIWA_WEBAUTHN_RP_ID must be a domain name, not an IP address", "rp_id", cfg.WebAuthnRPID)
	}
	a.Companies = &company.Service{DB: d, Accounts: a.Accounts}
	a.Counselors = &counselor.Service{DB: d, Accounts: a.Accounts}
	a.Bookings = &booking.Service{DB: d, Accounts: a.Accounts, RoomGrace: cfg.RoomGrace, HeldAfter: cfg.RoomHeldAfter, Keys: cfg.Keyring}
	a.Counselors.Withdraw = a.Bookings.WithdrawCounselor // a suspension cancels their bookings in its transaction
	a.Matching = &matching.Service{DB: d, Accounts: a.Accounts}
	a.Records = &record.Service{DB: d, Keys: cfg.Keyring, Mail: composer, ClinicalLeadEmail: cfg.ClinicalLeadEmail, BaseURL: cfg.BaseURL}
	a.Feedback = &feedback.Service{DB: d, Keys: cfg.Keyring, Records: a.Records, ReviewBatch: cfg.ReviewBatch}
	a.Reports = &store.Service{DB: d}
	a.Programmes = &programme.Service{DB: d, Mail: composer, BaseURL: cfg.BaseURL, Uptake: a.Reports, Bookings: a.Bookings}
	a.Payments = payments.New(payments.Config{Key: cfg.StripeKey, WebhookSecret: cfg.StripeWebhookSecret, APIBase: cfg.StripeAPIBase})
	a.Billing = &billing.Service{DB: d, Payments: a.Payments, Issuer: billing.Issuer{
		Name: cfg.IssuerName, RegistrationNumber: cfg.IssuerRegistrationNumber, Address: cfg.IssuerAddress,
	}}
	if cfg.MeiliURL != "" {
		a.Search = meili.NewGzip(cfg.MeiliURL, cfg.MeiliKey, cfg.MeiliIndex, cfg.MeiliGzip)
		a.Search.Log = log
		a.Counselors.Engine = a.Search
	}
	a.Worker = &outbox.Worker{
		DB: d.System(), ListenURL: cfg.SystemURL(), Log: log,
		Handlers: map[string]outbox.Handler{
			booking.NotifyKind:        a.Bookings.HandleNotify,
			booking.ReminderKind:      a.Bookings.HandleReminder,
			booking.NextAvailableKind: a.Bookings.HandleNextAvailable,
			record.EscalateKind:       a.Records.HandleEscalate,
		},
		// Network calls run with no transaction open (see outbox.Remote).
		Remotes: map[string]outbox.Remote{
			mail.Kind: mail.NewSender(cfg.SMTPURL, cfg.MailFrom).Handle,
			// The fallback's table is kept with or without an engine;
			// the engine's part is retried on its own while it is down.
			counselor.IndexKind:       a.Counselors.HandleIndex,
			counselor.IndexEngineKind: a.Counselors.HandleIndexEngine,
		},
	}
	for kind, h := range a.Billing.Remotes() {
		a.Worker.Remotes[kind] = h
	}
	room, err := a.startRoom()
	if err != nil {
		d.Close()
		return nil, err
	}
	if err := a.buildHTTP(room); err != nil {
		a.Close()
		return nil, err
	}
	if err := a.listenMetrics(); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) buildHTTP(room webui.RoomConfig) error {
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.IPExtractor = clientIP(a.Config.Proxies)
	apiServer := &api.Server{Accounts: a.Accounts, Companies: a.Companies, Counselors: a.Counselors, Bookings: a.Bookings,
		Matching: a.Matching, Billing: a.Billing, Records: a.Records, Feedback: a.Feedback, Programmes: a.Programmes,
		Reports: a.Reports, Ready: a.ready}
	ui, err := webui.New(webui.Deps{
		Accounts: a.Accounts, Companies: a.Companies, Counselors: a.Counselors, Bookings: a.Bookings,
		Matching: a.Matching, Billing: a.Billing, Records: a.Records, Feedback: a.Feedback, Programmes: a.Programmes,
		Reports: a.Reports, DB: a.DB, Log: a.Log,
		CookieSecure: a.Config.CookieSecure, DevMode: a.Config.DevMode, Room: room,
	})
	if err != nil {
		return err
	}
	a.ui = ui
	e.HTTPErrorHandler = httperr.Handler(a.Log, ui.RenderError)
	a.middleware(e)
	apiServer.Register(e)
	ui.Register(e)
	// The main address serves /metrics only behind a token, and never when
	// a separate metrics address is set.
	if a.Config.MetricsToken != "" && a.Config.MetricsAddr == "" {
		e.GET("/metrics", echo.WrapHandler(a.metricsHandler()))
	}
	a.routes = routeLabels(e)
	a.Echo = e
	return nil
}

// clientIP is how c.RealIP() finds the client, for the API and the pages
// alike: the TCP peer, unless the peer is one of the trusted proxies; then
// X-Forwarded-For is read from the right, past every trusted proxy, to the
// first address that is not one. X-Real-IP is never read, and without
// trusted proxies no header is: anyone can write a header, so believing
// one from anyone lets a client choose the address its limits count on.
func clientIP(proxies []netip.Prefix) echo.IPExtractor {
	if len(proxies) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, p := range proxies {
		opts = append(opts, echo.TrustIPRange(&net.IPNet{IP: net.IP(p.Addr().AsSlice()), Mask: net.CIDRMask(p.Bits(), p.Addr().BitLen())}))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

// ready reports each dependency for /readyz.
func (a *App) ready(ctx context.Context) (map[string]string, bool) {
	deps := map[string]string{"postgres": "ok", "search": "degraded", "stripe": "disabled"}
	if a.Search != nil && a.Search.Healthy(ctx) {
		deps["search"] = "ok"
	}
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if a.Payments.Enabled() {
		deps["stripe"] = "ok"
		if err := a.Payments.Ping(pctx); err != nil {
			deps["stripe"] = "degraded"
		}
	}
	if err := a.DB.PingContext(pctx); err != nil {
		deps["postgres"] = "down"
		return deps, false
	}
	return deps, true
}

// Run serves HTTP (and the worker, unless disabled) until ctx ends, then
// shuts down gracefully: in-flight requests finish, the worker stops between
// rows.
func (a *App) Run(ctx context.Context, ln net.Listener) error {
	srv := a.httpServer()
	errc := make(chan error, 2)
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			errc <- fmt.Errorf("http: %w", err)
		}
	}()
	go a.prepareSearch(ctx)
	go a.serveMetrics(ctx)
	wctx, stopWorker := context.WithCancel(context.Background())
	workerDone := make(chan struct{})
	exposureDone := make(chan struct{})
	go func() { // every serving process: the counts live in its memory
		defer close(exposureDone)
		a.Matching.FlushExposureLoop(wctx)
	}()
	watchDone := make(chan struct{})
	go func() { // every serving process: the candidate pool is in its memory
		defer close(watchDone)
		a.Matching.WatchCandidates(wctx, a.Config.SystemURL(), a.Log)
	}()
	go func() {
		defer close(workerDone)
		if a.Config.RunWorker {
			go a.housekeepLoop(wctx)
			_ = a.Worker.Run(wctx)
		}
	}()
	a.Log.Info("serving", "addr", ln.Addr().String(), "worker", a.Config.RunWorker)
	var err error
	select {
	case <-ctx.Done():
	case err = <-errc:
	}
	sctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = srv.Shutdown(sctx)
	a.ui.CloseRooms() // video rooms' sockets were hijacked: Shutdown leaves them
	stopWorker()
	<-workerDone
	<-exposureDone
	<-watchDone
	return err
}

// The HTTP server's limits. A client has readHeaderTimeout to send its
// headers and Config.HTTPReadTimeout (default defaultReadTimeout) for the
// whole request, so one that trickles its body is cut off. The write
// deadline runs from the end of the headers, so it covers the body, the
// handler and the answer: the read budget plus handlerBudget, well above
// the slowest legitimate request (a billing run of 1,000 companies takes
// about 15 s; report CSVs and invoice PDFs are small and quick).
const (
	readHeaderTimeout  = 10 * time.Second
	defaultReadTimeout = time.Minute
	handlerBudget      = 90 * time.Second
	idleTimeout        = 2 * time.Minute
)

// httpServer is the server Run listens with.
func (a *App) httpServer() *http.Server {
	read := a.Config.HTTPReadTimeout
	if read <= 0 {
		read = defaultReadTimeout
	}
	return &http.Server{
		Handler:           a.Echo,
		ReadHeaderTimeout: min(readHeaderTimeout, read),
		ReadTimeout:       read,
		WriteTimeout:      read + handlerBudget,
		IdleTimeout:       idleTimeout,
		ErrorLog:          serverErrorLog(a.Log),
	}
}

// serverErrorLog sends net/http's own complaints (a failed TLS handshake,
// a broken connection) to slog instead of the standard logger.
func serverErrorLog(log *slog.Logger) *stdlog.Logger {
	return slog.NewLogLogger(log.Handler(), slog.LevelWarn)
}

// SearchReady is closed once the start-up preparation of search has ended,
// well or not (see prepareSearch); at once when search is not configured.
func (a *App) SearchReady() <-chan struct{} { return a.searchReady }

// prepareSearch applies the index settings of search/ and rebuilds the
// index (and the fallback's table) when it is missing or empty while
// counsellors are listed. It runs beside the server: until it is done (or
// while the engine is down) search answers from PostgreSQL.
func (a *App) prepareSearch(ctx context.Context) {
	defer close(a.searchReady)
	index := ""
	if a.Search == nil {
		a.Log.Info("search: TAIWA_MEILISEARCH_URL not set; counsellor search answers from PostgreSQL")
	} else {
		index = a.Search.Name
	}
	rebuilt, st, err := a.Counselors.PrepareSearch(ctx)
	switch {
	case err != nil:
		a.Log.Warn("search: could not prepare the index; PostgreSQL answers until it can be reached", "index", index, "err", err)
	case rebuilt:
		a.Log.Info("search: index was empty; rebuilt it", "index", index, "documents", st.Documents, "elapsed", st.Elapsed.Round(time.Millisecond))
	case a.Search != nil:
		a.Log.Info("search: settings applied", "index", index)
	}
}

// Close releases the database.
func (a *App) Close() error {
	if a.metricsLn != nil {
		_ = a.metricsLn.Close()
	}
	if a.Turn != nil {
		_ = a.Turn.Close()
	}
	return a.DB.Close()
}
