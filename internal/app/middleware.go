package app

import (
	"compress/gzip"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// contentSecurityPolicy allows only the binary's own scripts and styles.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

// recoverToLog turns a handler's panic into an error for the one error
// handler (a 500 that reveals nothing) and logs it with its stack through
// slog, not echo's own logger.
func recoverToLog(log *slog.Logger) echo.MiddlewareFunc {
	return middleware.RecoverWithConfig(middleware.RecoverConfig{
		DisableStackAll: true, // the panicking goroutine's stack only
		LogErrorFunc: func(c echo.Context, err error, stack []byte) error {
			log.Error("panic recovered", "request_id", c.Response().Header().Get(echo.HeaderXRequestID),
				"route", c.Path(), "method", c.Request().Method, "err", err, "stack", string(stack))
			return err
		},
	})
}

func (a *App) middleware(e *echo.Echo) {
	requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "taiwa_http_request_duration_seconds", Help: "HTTP request latency by route and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "route", "status"})
	a.Metrics.MustRegister(requests, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	e.Pre(headAsGet)
	e.Use(headServedAsGet) // first after routing
	e.Use(middleware.RequestID())
	e.Use(recoverToLog(a.Log))
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogMethod: true, LogLatency: true, LogRoutePath: true, LogRequestID: true, HandleError: true,
		// Only the route pattern is logged, never the URL: paths and queries
		// can carry ids, names or one-time tokens.
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			if c.Get(headKey) != nil {
				v.Method = http.MethodHead
			}
			// Labels from fixed sets only: a route pattern of ours (or
			// unmatched) and a known method (or OTHER).
			requests.WithLabelValues(methodLabel(v.Method), a.routeLabel(v.RoutePath), strconv.Itoa(v.Status)).Observe(v.Latency.Seconds())
			if v.RoutePath == "/healthz" || v.RoutePath == "/metrics" || v.RoutePath == "/favicon.ico" || strings.HasPrefix(v.RoutePath, "/static") {
				return nil
			}
			a.Log.LogAttrs(c.Request().Context(), slog.LevelInfo, "request",
				slog.String("request_id", v.RequestID), slog.String("method", v.Method), slog.String("route", v.RoutePath),
				slog.Int("status", v.Status), slog.Duration("latency", v.Latency))
			return nil
		},
	}))
	e.Use(middleware.SecureWithConfig(middleware.SecureConfig{
		XSSProtection: "0", ContentTypeNosniff: "nosniff", XFrameOptions: "DENY",
		HSTSMaxAge: hstsAge(a.Config.CookieSecure), ContentSecurityPolicy: contentSecurityPolicy,
		ReferrerPolicy: "same-origin",
	}))
	e.Use(noStore)
	e.Use(checkInput) // NUL, control characters or invalid UTF-8 in a query or form: 400 before any handler
	e.Use(retryAfter)
	// BestSpeed: at the default level every request, compressed or not,
	// paid for clearing 640 KB of match tables when its pooled writer was
	// reset (9% of the CPU of GET /api/v1/me); level 1 resets in O(1) and
	// still shrinks JSON and HTML several times.
	//
	// TAIWA_HTTP_GZIP=auto (the default) leaves answers to a client on
	// loopback uncompressed: a reverse proxy on this machine compresses for
	// the network itself, and gzip cost a search ~0.6 ms of CPU on the two
	// sides of a connection that has no bandwidth to save
	// (docs/benchmarks.md, issue 17).
	gz := a.Config.HTTPGzip
	e.Use(middleware.GzipWithConfig(middleware.GzipConfig{
		Skipper:   func(c echo.Context) bool { return skipCompression(c) || !compressFor(gz, c.Request().RemoteAddr) },
		MinLength: compressMinLength, Level: gzip.BestSpeed,
	}))
}

// headKey holds the server's *http.Request of a HEAD routed as GET.
const headKey = "taiwa.head"

// headAsGet answers HEAD wherever GET is routed (echo v4 routes each
// method on its own). echo's router reads the method of the request the
// server handed it, not c.Request(), so the method is switched on that
// very request; headServedAsGet switches it back before anything is
// written. The deferred reset covers a chain that ends before it.
func headAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodHead {
			return next(c)
		}
		r.Method = http.MethodGet
		c.Set(headKey, r)
		defer func() { r.Method = http.MethodHead }()
		return next(c)
	}
}

// headServedAsGet, the first middleware after routing, makes the server's
// request a HEAD again, so net/http sends the status and headers and drops
// the body, and hands everything below a GET copy of it: handlers answer
// exactly as they do to GET (same redirects, same headers).
func headServedAsGet(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if r, ok := c.Get(headKey).(*http.Request); ok {
			r.Method = http.MethodHead
			get := r.WithContext(r.Context())
			get.Method = http.MethodGet
			c.SetRequest(get)
		}
		return next(c)
	}
}

// defaultRetryAfter is the Retry-After of a 429 whose limiter did not say
// how long to wait, in seconds. The sign-in and report limiters do: their
// 429s carry the exact wait (see internal/platform/ratelimit).
const defaultRetryAfter = "60"

// retryAfter gives every 429 a Retry-After, from the error handler (internal/platform/httperr)
// and from the pages that render their own refusal (sign-in, reports).
func retryAfter(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		res := c.Response()
		res.Before(func() {
			if res.Status == http.StatusTooManyRequests && res.Header().Get(echo.HeaderRetryAfter) == "" {
				res.Header().Set(echo.HeaderRetryAfter, defaultRetryAfter)
			}
		})
		return next(c)
	}
}

// compressMinLength is the smallest answer worth gzip's overhead.
const compressMinLength = 1024

// skipCompression leaves alone what is compressed elsewhere or already:
// static files and the favicon (served pre-compressed, with their own
// ETags), the metrics scrape (promhttp negotiates its own gzip), photos
// and invoice PDFs.
func skipCompression(c echo.Context) bool {
	p := c.Path()
	return p == "/metrics" || p == "/favicon.ico" || strings.HasPrefix(p, "/static/") ||
		strings.HasSuffix(p, "/photo") || strings.HasSuffix(p, "/pdf") ||
		p == "/meet/:id/ws" // a WebSocket: hijacked, compressed by its own rules
}

// compressFor says whether answers to the client at remoteAddr (the TCP
// peer, host:port) may be compressed under TAIWA_HTTP_GZIP's setting: on
// and off decide; auto compresses unless the peer is on loopback.
func compressFor(setting, remoteAddr string) bool {
	switch setting {
	case "on":
		return true
	case "off":
		return false
	}
	host, _, err := net.SplitHostPort(remoteAddr)
	if err != nil {
		host = remoteAddr
	}
	ip, err := netip.ParseAddr(host)
	return err != nil || !ip.Unmap().IsLoopback()
}

func hstsAge(secure bool) int {
	if secure {
		return int((365 * 24 * time.Hour).Seconds())
	}
	return 0
}

// noStore keeps every answer but static assets out of caches: pages and API
// answers hold personal data.
func noStore(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !strings.HasPrefix(c.Request().URL.Path, "/static/") {
			c.Response().Header().Set("Cache-Control", "no-store")
		}
		return next(c)
	}
}
