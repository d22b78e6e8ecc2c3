// Package web is the server-rendered UI: html/template pages with htmx,
// cookie sessions over the same session store as the API, CSRF tokens on
// every form, and the Japanese/English catalogues.
package web

import (
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/programme"
	"github.com/taiwa/taiwa/internal/record"
	"github.com/taiwa/taiwa/internal/report/store"
	webfs "github.com/taiwa/taiwa/web"
)

// Deps are what the UI needs.
type Deps struct {
	Accounts     *account.Service
	Companies    *company.Service
	Counselors   *counselor.Service
	Bookings     *booking.Service
	Matching     *matching.Service
	Billing      *billing.Service
	Records      *record.Service
	Feedback     *feedback.Service
	Programmes   *programme.Service
	Reports      *store.Service
	DB           *db.DB
	Log          *slog.Logger
	CookieSecure bool
	DevMode      bool
}

// Server renders the UI. It holds only what is parsed once at start:
// templates, catalogues and asset fingerprints.
type Server struct {
	Deps
	pages   map[string]*pageTemplate
	bundle  *i18n.Bundle
	keys    map[string]bool // message ids present in every catalogue
	static  fs.FS
	assetV  map[string]string // static path → content fingerprint
	session string            // session cookie name
}

// New parses the templates and catalogues once, so a missing template or a
// catalogue out of step fails here rather than while serving.
func New(d Deps) (*Server, error) {
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Server{Deps: d, session: "taiwa_session"}
	if d.CookieSecure {
		s.session = "__Host-taiwa_session"
	}
	var err error
	if s.bundle, s.keys, err = loadCatalogues(webfs.FS); err != nil {
		return nil, fmt.Errorf("web: catalogues: %w", err)
	}
	if s.static, err = fs.Sub(webfs.FS, "static"); err != nil {
		return nil, fmt.Errorf("web: static: %w", err)
	}
	if s.assetV, err = fingerprints(s.static); err != nil {
		return nil, fmt.Errorf("web: static: %w", err)
	}
	if s.pages, err = parsePages(webfs.FS); err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	return s, nil
}
