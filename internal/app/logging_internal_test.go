package app

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"

	"github.com/taiwa/taiwa/internal/platform/httperr"
)

// TestPanicIsLoggedThroughSlogAndAnswered500: a handler's panic reaches
// the slog logger with its stack, not echo's logger, and the client gets
// the one error handler's 500 that reveals nothing.
func TestPanicIsLoggedThroughSlogAndAnswered500(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	log := slog.New(slog.NewJSONHandler(&logged, nil))
	var echoLog bytes.Buffer
	e := echo.New()
	e.Logger.SetOutput(&echoLog)
	e.HTTPErrorHandler = httperr.Handler(log, nil)
	e.Use(recoverToLog(log))
	e.GET("/api/v1/boom", func(echo.Context) error { panic("secret detail") })

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/boom", nil))

	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "secret detail") {
		t.Errorf("answer = %d %s, want a 500 that does not show the panic", rec.Code, rec.Body)
	}
	var found bool
	for _, line := range bytes.Split(bytes.TrimSpace(logged.Bytes()), []byte("\n")) {
		var rec map[string]any
		if err := json.Unmarshal(line, &rec); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		if rec["msg"] == "panic recovered" {
			found = true
			if rec["err"] != "secret detail" || rec["route"] != "/api/v1/boom" || !strings.Contains(rec["stack"].(string), "goroutine") {
				t.Errorf("panic record = %v, want its error, route and stack", rec)
			}
		}
	}
	if !found {
		t.Errorf("no panic record in the slog output:\n%s", logged.String())
	}
	if echoLog.Len() != 0 {
		t.Errorf("echo's logger wrote %q, want nothing", echoLog.String())
	}
}

// TestServerErrorLogGoesToSlog: net/http's own complaints reach slog.
func TestServerErrorLogGoesToSlog(t *testing.T) {
	t.Parallel()
	var logged bytes.Buffer
	serverErrorLog(slog.New(slog.NewJSONHandler(&logged, nil))).Print("http: TLS handshake error")
	if !strings.Contains(logged.String(), `"level":"WARN"`) || !strings.Contains(logged.String(), "TLS handshake error") {
		t.Errorf("logged %q, want a WARN record", logged.String())
	}
}
