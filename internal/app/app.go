// Package app assembles the taiwa server from configuration: database,
// domain services, HTTP routes and the outbox worker. cmd/taiwa and the
// end-to-end tests both boot it through New and Run.
package app

import (
	"context"
	"errors"
	"fmt"
	stdlog "log"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/taiwa/taiwa/internal/api"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/httperr"
	"github.com/taiwa/taiwa/internal/platform/turnserver"
	"github.com/taiwa/taiwa/internal/services"
	webui "github.com/taiwa/taiwa/internal/web"
)

// App is a configured taiwa server: the services (built once by
// services.New) and what serves them.
type App struct {
	*services.Services
	Config  config.Config
	Echo    *echo.Echo
	Metrics *prometheus.Registry
	// Turn is the embedded TURN/STUN server of the video room; nil when
	// TAIWA_TURN_URLS names an external one or TAIWA_TURN_ADDR is off.
	Turn *turnserver.Server

	searchReady chan struct{}   // closed when start-up search preparation ends
	routes      map[string]bool // registered route patterns: the metrics' route labels
	metricsLn   net.Listener    // TAIWA_METRICS_ADDR, when set
	ui          *webui.Server
}

// New connects to the database, refuses a schema that is behind, and builds
// the services (reading the time from clk; nil is the wall clock) and
// routes.
func New(ctx context.Context, cfg config.Config, log *slog.Logger, clk clock.Clock) (*App, error) {
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
	svc, err := services.New(cfg, d, log, clk)
	if err != nil {
		d.Close()
		return nil, err
	}
	a := &App{Services: svc, Config: cfg, Metrics: prometheus.NewRegistry(), searchReady: make(chan struct{})}
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
	apiServer := &api.Server{Services: a.Services, Ready: a.ready}
	ui, err := webui.New(webui.Deps{
		Services: a.Services, CookieSecure: a.Config.CookieSecure, DevMode: a.Config.DevMode, Room: room,
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
