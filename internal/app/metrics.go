package app

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metrics are served only to the configured scraper: on the main address
// with TAIWA_METRICS_TOKEN as a bearer token, or on TAIWA_METRICS_ADDR (a
// separate listener, e.g. on a private interface, with the token too when
// one is set). With neither, /metrics is not routed: 404.

// knownMethods are the method label's values; any other method is OTHER,
// so invented methods add no series.
var knownMethods = map[string]bool{
	http.MethodGet: true, http.MethodHead: true, http.MethodPost: true, http.MethodPut: true,
	http.MethodPatch: true, http.MethodDelete: true, http.MethodOptions: true,
}

// unmatchedRoute is the route label of a request no route matched.
const unmatchedRoute = "unmatched"

func methodLabel(m string) string {
	if knownMethods[m] {
		return m
	}
	return "OTHER"
}

// routeLabels maps each registered route pattern to itself: only these
// become route labels (echo's c.Path() of an unmatched request is not a
// pattern of ours).
func routeLabels(e *echo.Echo) map[string]bool {
	out := map[string]bool{}
	for _, r := range e.Routes() {
		out[r.Path] = true
	}
	return out
}

func (a *App) routeLabel(path string) string {
	if a.routes[path] {
		return path
	}
	return unmatchedRoute
}

// metricsHandler is the scrape, behind the bearer token when one is set.
func (a *App) metricsHandler() http.Handler {
	h := promhttp.HandlerFor(a.Metrics, promhttp.HandlerOpts{})
	token := a.Config.MetricsToken
	if token == "" {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="metrics"`)
			http.Error(w, "a metrics token is needed", http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// listenMetrics opens TAIWA_METRICS_ADDR when it is set.
func (a *App) listenMetrics() error {
	if a.Config.MetricsAddr == "" {
		return nil
	}
	ln, err := net.Listen("tcp", a.Config.MetricsAddr)
	if err != nil {
		return errors.New("TAIWA_METRICS_ADDR: " + err.Error())
	}
	a.metricsLn = ln
	return nil
}

// MetricsAddr is the separate metrics listener's address ("" if none).
func (a *App) MetricsAddr() string {
	if a.metricsLn == nil {
		return ""
	}
	return a.metricsLn.Addr().String()
}

// serveMetrics serves /metrics on the separate listener until ctx ends.
func (a *App) serveMetrics(ctx context.Context) {
	if a.metricsLn == nil {
		return
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.metricsHandler())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: readHeaderTimeout, ReadTimeout: readHeaderTimeout,
		WriteTimeout: handlerBudget, IdleTimeout: idleTimeout, ErrorLog: serverErrorLog(a.Log)}
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	_ = srv.Serve(a.metricsLn)
}
