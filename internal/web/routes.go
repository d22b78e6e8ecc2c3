package web

import (
	"net/http"
	"path"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
)

const csrfKey = "csrf"

// maxFormBody bounds any web form; the roster upload is the largest.
const maxFormBody = "33M"

// isWebRequest reports whether a path belongs to the UI (and so gets
// sessions from the cookie and CSRF checks) rather than the API, health
// checks, metrics or static files.
func isWebRequest(c echo.Context) bool {
	p := c.Request().URL.Path
	switch {
	case p == "/api" || strings.HasPrefix(p, "/api/"),
		p == "/healthz", p == "/readyz", p == "/metrics", p == "/favicon.ico",
		strings.HasPrefix(p, "/static/"):
		return false
	}
	return true
}

func skipNonWeb(c echo.Context) bool { return !isWebRequest(c) }

// Register adds the UI's routes and the middleware of web requests. Every
// route and the roles allowed on it are listed here.
func (s *Server) Register(e *echo.Echo) {
	e.Use(middleware.BodyLimitWithConfig(middleware.BodyLimitConfig{Skipper: skipNonWeb, Limit: maxFormBody}))
	e.Use(func(next echo.HandlerFunc) echo.HandlerFunc {
		h := s.loadPrincipal(next)
		return func(c echo.Context) error {
			if !isWebRequest(c) {
				return next(c)
			}
			return h(c)
		}
	})
	e.Use(s.csrf())

	e.GET("/static/*", s.serveAsset)
	e.GET("/favicon.ico", s.favicon)

	e.GET("/", s.home)
	e.GET("/login", s.loginShow)
	e.POST("/login", s.loginSubmit)
	e.POST("/logout", s.logout)
	e.POST("/lang", s.setLang)
	e.GET("/password/forgot", s.passwordForgotShow)
	e.POST("/password/forgot", s.passwordForgotSubmit)
	e.GET("/password/set", s.passwordSetShow)
	e.POST("/password/set", s.passwordSetSubmit)

	employee := requireRoles(auth.RoleEmployee)
	counselor := requireRoles(auth.RoleCounselor)
	admin := requireRoles(auth.RoleCompanyAdmin)
	operator := requireRoles(auth.RoleOperator)
	signedIn := requireRoles(auth.RoleEmployee, auth.RoleCounselor, auth.RoleCompanyAdmin, auth.RoleOperator)

	e.GET("/employee", s.employeeHome, employee)
	e.GET("/counselors/:id/book", s.bookShow, employee)
	e.POST("/counselors/:id/book", s.bookSubmit, employee)
	e.POST("/counselors/:id/waitlist", s.waitlistJoin, employee)
	e.GET("/sessions", s.sessionList, employee)
	e.GET("/sessions/:id", s.sessionShow, employee)
	e.GET("/sessions/:id/reschedule", s.sessionRescheduleShow, employee)
	e.POST("/sessions/:id/reschedule", s.sessionReschedule, employee)
	e.GET("/sessions/:id/cancel", s.sessionCancelShow, employee)
	e.POST("/sessions/:id/cancel", s.sessionCancel, employee)

	e.GET("/counselor", s.counselorHome, counselor)
	e.GET("/counselor/profile", s.counselorProfileShow, counselor)
	e.POST("/counselor/profile", s.counselorProfileSave, counselor)
	e.POST("/counselor/photo", s.counselorPhotoUpload, counselor)
	e.GET("/counselor/credentials", s.counselorCredentialList, counselor)
	e.POST("/counselor/credentials", s.counselorCredentialSubmit, counselor)
	e.GET("/counselor/availability", s.availabilityShow, counselor)
	e.POST("/counselor/availability", s.availabilitySave, counselor)
	e.POST("/counselor/availability/preview", s.availabilityPreview, counselor)
	e.GET("/counselor/sessions", s.counselorSessions, counselor)
	e.POST("/counselor/sessions/:id/complete", s.counselorSessionComplete, counselor)
	e.POST("/counselor/sessions/:id/no-show", s.counselorSessionNoShow, counselor)
	e.GET("/counselor/sessions/:id/cancel", s.counselorSessionCancelShow, counselor)
	e.POST("/counselor/sessions/:id/cancel", s.counselorSessionCancel, counselor)

	e.GET("/counselors", s.counselorSearch, signedIn)
	e.GET("/counselors/:id", s.counselorShow, signedIn)
	e.GET("/counselors/:id/photo", s.counselorPhoto, signedIn)
	// The video room and its signalling socket: only the booking's two
	// parties; everyone else, a company admin included, gets 404.
	e.GET("/meet/:id", s.meeting, requireParty)
	e.GET("/meet/:id/ws", s.meetingSocket, requireParty)

	e.GET("/company", s.companyShow, admin)
	e.GET("/company/employees", s.employeeList, admin)
	e.POST("/company/employees/import", s.employeeImport, admin)

	e.GET("/operator/companies", s.companyList, operator)
	e.POST("/operator/companies", s.companyCreate, operator)
	e.POST("/operator/companies/:id/admins", s.companyAdminCreate, operator)
	e.GET("/operator/counselors", s.counselorQueue, operator)
	e.GET("/operator/no-shows", s.operatorNoShows, operator)
	e.GET("/operator/counselors/:id", s.counselorReview, operator)
	e.POST("/operator/counselors/:id/verify", s.counselorVerify, operator)
	e.POST("/operator/counselors/:id/suspend", s.counselorSuspend, operator)
	e.POST("/operator/counselors/:id/reinstate", s.counselorReinstate, operator)
	e.POST("/operator/counselors/:id/credentials/:cid/verify", s.credentialVerify, operator)
	e.POST("/operator/counselors/:id/credentials/:cid/reject", s.credentialReject, operator)
	s.registerMatching(e)   // matching.go
	s.registerBilling(e)    // billing.go
	s.registerRecords(e)    // records.go
	s.registerFeedback(e)   // feedback.go
	s.registerReviews(e)    // review.go
	s.registerAudit(e)      // audit.go
	s.registerSecurity(e)   // security.go
	s.registerProgrammes(e) // programmes.go
	s.registerReports(e)    // reports.go
	s.registerUsers(e)      // users.go
	s.registerSlots(e)      // calendar.go
	if s.DevMode {
		e.GET("/operator/mail", s.mailList, operator)
		e.GET("/operator/mail/:id", s.mailShow, operator)
	}
}

// Cache policies of static files. Pages link them through View.Asset with
// ?v=<content hash>, so such a URL never changes content and is cached
// for a year; the same file without (or with a stale) fingerprint may, so
// it is revalidated by ETag every time. Browsers ask for /favicon.ico
// unversioned, and a day-old icon harms nobody.
const (
	cacheFingerprinted = "public, max-age=31536000, immutable"
	cacheUnversioned   = "no-cache"
	cacheFavicon       = "public, max-age=86400"
	faviconAsset       = "favicon.ico"
)

// serveAsset serves an embedded static file.
func (s *Server) serveAsset(c echo.Context) error {
	a, ok := s.assets[path.Clean(strings.TrimPrefix(c.Param("*"), "/"))]
	if !ok {
		return echo.ErrNotFound
	}
	cache := cacheUnversioned
	if c.QueryParam("v") == a.fingerprint {
		cache = cacheFingerprinted
	}
	return a.serve(c, cache)
}

// favicon answers the browser's /favicon.ico.
func (s *Server) favicon(c echo.Context) error {
	return s.assets[faviconAsset].serve(c, cacheFavicon)
}

// serve answers with the gzip copy when the client takes it, and 304 when
// If-None-Match names either copy's ETag: both hold the same content, and
// the 304 carries the ETag the client named, so its cache finds the copy
// it holds.
func (a *asset) serve(c echo.Context, cacheControl string) error {
	h := c.Response().Header()
	zipped := false
	etag := a.etag
	if a.gzipETag != "" {
		h.Add(echo.HeaderVary, echo.HeaderAcceptEncoding)
		if zipped = acceptsGzip(c.Request().Header.Get(echo.HeaderAcceptEncoding)); zipped {
			etag = a.gzipETag
		}
	}
	h.Set("Cache-Control", cacheControl)
	if held := a.held(c.Request().Header.Get("If-None-Match"), etag); held != "" {
		h.Set("ETag", held)
		return c.NoContent(http.StatusNotModified)
	}
	h.Set("ETag", etag)
	body := a.body
	if zipped {
		body = a.gzipBody()
		h.Set(echo.HeaderContentEncoding, "gzip")
	}
	h.Set(echo.HeaderContentLength, strconv.Itoa(len(body)))
	return c.Blob(http.StatusOK, a.contentType, body)
}

// held is the ETag of the asset an If-None-Match header names ("" if none;
// chosen for "*"), compared weakly as RFC 9110 §13.1.2 asks.
func (a *asset) held(ifNoneMatch, chosen string) string {
	for tag := range strings.SplitSeq(ifNoneMatch, ",") {
		tag = strings.TrimPrefix(strings.TrimSpace(tag), "W/")
		switch {
		case tag == "*":
			return chosen
		case tag == a.etag, tag != "" && tag == a.gzipETag:
			return tag
		}
	}
	return ""
}

// acceptsGzip reads Accept-Encoding: gzip, or *, with a q above zero; an
// explicit gzip entry wins over *.
func acceptsGzip(acceptEncoding string) bool {
	star := false
	for entry := range strings.SplitSeq(acceptEncoding, ",") {
		coding, params, _ := strings.Cut(entry, ";")
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.EqualFold(k, "q") {
				if f, err := strconv.ParseFloat(v, 64); err == nil {
					q = f
				}
			}
		}
		switch strings.ToLower(strings.TrimSpace(coding)) {
		case "gzip", "x-gzip":
			return q > 0
		case "*":
			star = q > 0
		}
	}
	return star
}

// csrf is echo's CSRF middleware on web routes, with the token in the
// `_csrf` form field or the X-CSRF-Token header (htmx). Echo would let a
// same-origin Sec-Fetch-Site stand in for the token; we refuse cross-site
// writes outright and otherwise always require the token, so every form
// works the same in every browser.
func (s *Server) csrf() echo.MiddlewareFunc {
	cookie := "taiwa_csrf"
	if s.CookieSecure {
		cookie = "__Host-taiwa_csrf"
	}
	mw := middleware.CSRFWithConfig(middleware.CSRFConfig{
		Skipper:        skipNonWeb,
		TokenLookup:    "header:" + echo.HeaderXCSRFToken + ",form:_csrf",
		ContextKey:     csrfKey,
		CookieName:     cookie,
		CookiePath:     "/",
		CookieMaxAge:   12 * 3600,
		CookieSecure:   s.CookieSecure,
		CookieHTTPOnly: true,
		CookieSameSite: http.SameSiteLaxMode,
		ErrorHandler: func(err error, c echo.Context) error {
			return csrfFailed
		},
	})
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		h := mw(next)
		return func(c echo.Context) error {
			if !isWebRequest(c) {
				return next(c)
			}
			r := c.Request()
			if r.Header.Get(echo.HeaderSecFetchSite) == "cross-site" && !isSafeMethod(r.Method) {
				return csrfFailed
			}
			r.Header.Del(echo.HeaderSecFetchSite)
			return h(c)
		}
	}
}

// reasonCSRFFailed refuses a form whose CSRF token is missing or wrong.
const reasonCSRFFailed apperr.Reason = "csrf_failed"

var csrfFailed = &apperr.Error{Code: apperr.CodeForbidden, Reason: reasonCSRFFailed, Message: "the form expired or came from another site"}

func isSafeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}
