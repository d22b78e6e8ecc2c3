// Package web is the server-rendered UI: html/template pages with htmx,
// cookie sessions over the same session store as the API, CSRF tokens on
// every form, and the Japanese/English catalogues.
package web

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io/fs"
	"log/slog"
	"strings"
	"sync"

	"github.com/nicksnyder/go-i18n/v2/i18n"

	"github.com/taiwa/taiwa/internal/services"
	webfs "github.com/taiwa/taiwa/web"
)

// Deps are what the UI needs.
type Deps struct {
	// Services are the domain services the pages call (services.New);
	// they carry the database, the logger and the clock.
	*services.Services
	CookieSecure bool
	DevMode      bool
	Room         RoomConfig
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
	assets  map[string]*asset // static path → what serveAsset sends
	session string            // session cookie name
	rooms   roomHub           // the video rooms' live connections
}

// New parses the templates and catalogues once, so a missing template or a
// catalogue out of step fails here rather than while serving.
func New(d Deps) (*Server, error) {
	if d.Services == nil {
		d.Services = &services.Services{}
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	s := &Server{Deps: d, session: "taiwa_session"}
	if d.CookieSecure {
		s.session = "__Host-taiwa_session"
	}
	f, err := embedded()
	if err != nil {
		return nil, err
	}
	s.pages, s.bundle, s.keys, s.static, s.assetV, s.assets = f.pages, f.bundle, f.keys, f.static, f.assetV, f.assets
	return s, nil
}

// files is what every server derives from the embedded web files: the
// catalogues, the parsed pages and the static files with their gzip
// copies. They never change in a process, so they are read once (a test
// binary starts hundreds of servers) and shared read-only.
type files struct {
	pages  map[string]*pageTemplate
	bundle *i18n.Bundle
	keys   map[string]bool
	static fs.FS
	assetV map[string]string
	assets map[string]*asset
}

var embedded = sync.OnceValues(func() (*files, error) {
	f := &files{}
	var err error
	if f.bundle, f.keys, err = loadCatalogues(webfs.FS); err != nil {
		return nil, fmt.Errorf("web: catalogues: %w", err)
	}
	if f.static, err = fs.Sub(webfs.FS, "static"); err != nil {
		return nil, fmt.Errorf("web: static: %w", err)
	}
	if f.assetV, err = fingerprints(f.static); err != nil {
		return nil, fmt.Errorf("web: static: %w", err)
	}
	if f.assets, err = loadAssets(f.static, f.assetV); err != nil {
		return nil, fmt.Errorf("web: static: %w", err)
	}
	if f.assets[faviconAsset] == nil {
		return nil, fmt.Errorf("web: static: no %s", faviconAsset)
	}
	if f.pages, err = parsePages(webfs.FS); err != nil {
		return nil, fmt.Errorf("web: templates: %w", err)
	}
	return f, nil
})

// asset is one embedded static file as served: its bytes, a gzip copy for
// compressible types, and a strong ETag for each (a different encoding is
// a different representation, RFC 9110 §8.8.3). The copy is made on first
// use, so start-up (and every test server) does not pay for it.
type asset struct {
	contentType string
	fingerprint string // the ?v= of its URL in pages
	body        []byte
	etag        string
	gzipETag    string // "" when not worth compressing
	gzipOnce    sync.Once
	gzipped     []byte
}

// loadAssets prepares every fingerprinted static file.
func loadAssets(static fs.FS, fingerprints map[string]string) (map[string]*asset, error) {
	out := make(map[string]*asset, len(fingerprints))
	for name, fp := range fingerprints {
		b, err := fs.ReadFile(static, name)
		if err != nil {
			return nil, err
		}
		a := &asset{contentType: mimeOf(name), fingerprint: fp, body: b, etag: `"` + fp + `"`}
		if compressible(a.contentType) && len(b) >= 1024 {
			a.gzipETag = `"` + fp + `-gzip"`
		}
		out[name] = a
	}
	return out, nil
}

// compressible content types shrink under gzip (an .ico holds bitmaps).
func compressible(contentType string) bool {
	return strings.HasPrefix(contentType, "text/") || contentType == "image/svg+xml" || contentType == "image/x-icon"
}

// gzipBody is the asset's gzip copy, compressed once.
func (a *asset) gzipBody() []byte {
	a.gzipOnce.Do(func() {
		var buf bytes.Buffer
		w, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression) // a valid level
		_, _ = w.Write(a.body)                                  // into memory: cannot fail
		_ = w.Close()
		a.gzipped = buf.Bytes()
	})
	return a.gzipped
}
