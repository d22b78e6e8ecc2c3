package app

import (
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// contentSecurityPolicy allows only the binary's own scripts and styles.
const contentSecurityPolicy = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; " +
	"object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"

func (a *App) middleware(e *echo.Echo) {
	requests := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "taiwa_http_request_duration_seconds", Help: "HTTP request latency by route and status.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
	}, []string{"method", "route", "status"})
	a.Metrics.MustRegister(requests, collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))

	e.Use(middleware.RequestID())
	e.Use(middleware.Recover())
	e.Use(middleware.RequestLoggerWithConfig(middleware.RequestLoggerConfig{
		LogStatus: true, LogMethod: true, LogLatency: true, LogRoutePath: true, LogRequestID: true, HandleError: true,
		// Only the route pattern is logged, never the URL: paths and queries
		// can carry ids, names or one-time tokens.
		LogValuesFunc: func(c echo.Context, v middleware.RequestLoggerValues) error {
			requests.WithLabelValues(v.Method, v.RoutePath, strconv.Itoa(v.Status)).Observe(v.Latency.Seconds())
			if v.RoutePath == "/healthz" || v.RoutePath == "/metrics" || strings.HasPrefix(v.RoutePath, "/static") {
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

func (a *App) metricsHandler() http.Handler {
	return promhttp.HandlerFor(a.Metrics, promhttp.HandlerOpts{})
}
