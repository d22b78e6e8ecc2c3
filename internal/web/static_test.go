package web_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/apptest"
)

// rawFetch sends one request through a transport that neither asks for
// nor undoes compression and follows no redirect, so the test sees
// exactly what the server sent.
func rawFetch(t *testing.T, h *apptest.Harness, method, path string, headers ...string) page {
	t.Helper()
	req, err := http.NewRequest(method, h.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	client := &http.Client{
		Transport:     &http.Transport{DisableCompression: true},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(body)}
}

// linkedAsset is the fingerprinted URL a page links for a static file.
func linkedAsset(t *testing.T, body, name string) string {
	t.Helper()
	i := strings.Index(body, "/static/"+name+"?v=")
	if i < 0 {
		t.Fatalf("the page does not link %s", name)
	}
	u := body[i:]
	return u[:strings.IndexByte(u, '"')]
}

// TestStaticFilesRevalidateCompressAndIncludeAFavicon checks the static
// files' HTTP: a strong ETag answered with 304, a gzip copy (with its own
// ETag) for clients that take it, a year's cache only under the
// fingerprinted URL, HEAD like GET, and a favicon at /favicon.ico.
func TestStaticFilesRevalidateCompressAndIncludeAFavicon(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	login := rawFetch(t, h, "GET", "/login")
	pico := linkedAsset(t, login.Body, "vendor/pico/pico.min.css")

	plain := rawFetch(t, h, "GET", pico)
	etag := plain.Header.Get("ETag")
	if plain.Status != http.StatusOK || plain.Header.Get("Content-Encoding") != "" || len(plain.Body) < 50_000 ||
		!strings.HasPrefix(etag, `"`) || plain.Header.Get("Content-Length") != strconv.Itoa(len(plain.Body)) ||
		plain.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
		t.Fatalf("pico: %d, %d bytes, headers %v", plain.Status, len(plain.Body), plain.Header)
	}
	zipped := rawFetch(t, h, "GET", pico, "Accept-Encoding", "gzip, deflate, br")
	gzETag := zipped.Header.Get("ETag")
	if zipped.Header.Get("Content-Encoding") != "gzip" || gunzipString(t, zipped.Body) != plain.Body ||
		len(zipped.Body) > len(plain.Body)/3 || gzETag == etag || !strings.HasPrefix(gzETag, `"`) ||
		!strings.Contains(zipped.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("pico with gzip: %d of %d bytes, headers %v", len(zipped.Body), len(plain.Body), zipped.Header)
	}

	cases := []struct {
		name       string
		method     string
		path       string
		headers    []string
		wantStatus int
		wantETag   string
		wantCoding string
		wantBody   bool
	}{
		{"If-None-Match with its ETag is 304", "GET", pico, []string{"If-None-Match", etag}, 304, etag, "", false},
		{"If-None-Match with the gzip copy's ETag is 304", "GET", pico, []string{"If-None-Match", gzETag, "Accept-Encoding", "gzip"}, 304, gzETag, "", false},
		{"either copy's ETag is 304: same content", "GET", pico, []string{"If-None-Match", `"other", ` + etag, "Accept-Encoding", "gzip"}, 304, etag, "", false},
		{"a weak form of its ETag is 304", "GET", pico, []string{"If-None-Match", "W/" + etag}, 304, etag, "", false},
		{"another ETag gets the file", "GET", pico, []string{"If-None-Match", `"0123456789ab"`}, 200, etag, "", true},
		{"gzip;q=0 refuses gzip", "GET", pico, []string{"Accept-Encoding", "gzip;q=0, *"}, 200, etag, "", true},
		{"* takes gzip", "GET", pico, []string{"Accept-Encoding", "*"}, 200, gzETag, "gzip", true},
		{"HEAD sends GET's headers without the body", "HEAD", pico, []string{"Accept-Encoding", "gzip"}, 200, gzETag, "gzip", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := rawFetch(t, h, tc.method, tc.path, tc.headers...)
			if p.Status != tc.wantStatus || p.Header.Get("ETag") != tc.wantETag || p.Header.Get("Content-Encoding") != tc.wantCoding ||
				(len(p.Body) > 0) != tc.wantBody || p.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" {
				t.Errorf("%d, %d bytes, headers %v", p.Status, len(p.Body), p.Header)
			}
		})
	}

	t.Run("HEAD gives GET's Content-Length", func(t *testing.T) {
		head := rawFetch(t, h, "HEAD", pico)
		if head.Header.Get("Content-Length") != plain.Header.Get("Content-Length") || head.Header.Get("Content-Type") != plain.Header.Get("Content-Type") {
			t.Errorf("HEAD %v, GET %v", head.Header, plain.Header)
		}
	})

	t.Run("an unversioned URL is revalidated, not cached for a year", func(t *testing.T) {
		for _, path := range []string{"/static/vendor/pico/pico.min.css", "/static/vendor/pico/pico.min.css?v=stale"} {
			p := rawFetch(t, h, "GET", path)
			if p.Status != 200 || p.Header.Get("Cache-Control") != "no-cache" || p.Header.Get("ETag") != etag {
				t.Errorf("%s: %d, headers %v", path, p.Status, p.Header)
			}
		}
	})

	t.Run("favicon", func(t *testing.T) {
		ico := rawFetch(t, h, "GET", "/favicon.ico")
		if ico.Status != 200 || ico.Header.Get("Content-Type") != "image/x-icon" || !strings.HasPrefix(ico.Body, "\x00\x00\x01\x00") ||
			ico.Header.Get("ETag") == "" || !strings.Contains(ico.Header.Get("Cache-Control"), "max-age=") {
			t.Fatalf("favicon: %d, %.4q, headers %v", ico.Status, ico.Body, ico.Header)
		}
		if again := rawFetch(t, h, "GET", "/favicon.ico", "If-None-Match", ico.Header.Get("ETag")); again.Status != 304 || again.Body != "" {
			t.Errorf("favicon revalidated: %d, %d bytes", again.Status, len(again.Body))
		}
		head := rawFetch(t, h, "HEAD", "/favicon.ico")
		if head.Status != 200 || head.Body != "" || head.Header.Get("Content-Type") != "image/x-icon" ||
			head.Header.Get("Content-Length") != strconv.Itoa(len(ico.Body)) {
			t.Errorf("HEAD favicon: %d, headers %v", head.Status, head.Header)
		}
		if set := ico.Header.Get("Set-Cookie"); set != "" {
			t.Errorf("the favicon sets a cookie: %s", set)
		}
	})

	t.Run("HEAD on pages answers like GET", func(t *testing.T) {
		for _, path := range []string{"/login", "/password/forgot", "/employee", "/nope"} {
			get := rawFetch(t, h, "GET", path, "Accept-Encoding", "gzip")
			head := rawFetch(t, h, "HEAD", path, "Accept-Encoding", "gzip")
			if head.Status != get.Status || head.Body != "" || get.Body == "" && get.Status == 200 {
				t.Errorf("%s: GET %d (%d bytes), HEAD %d (%d bytes)", path, get.Status, len(get.Body), head.Status, len(head.Body))
			}
			for _, k := range []string{"Location", "Cache-Control"} {
				if head.Header.Get(k) != get.Header.Get(k) {
					t.Errorf("%s: HEAD %s %q, GET %q", path, k, head.Header.Get(k), get.Header.Get(k))
				}
			}
			if get.Status == 200 {
				for _, k := range []string{"Content-Type", "Content-Encoding"} {
					if head.Header.Get(k) != get.Header.Get(k) {
						t.Errorf("%s: HEAD %s %q, GET %q", path, k, head.Header.Get(k), get.Header.Get(k))
					}
				}
			}
		}
	})

	t.Run("pages are gzipped for clients that accept it", func(t *testing.T) {
		p := rawFetch(t, h, "GET", "/login", "Accept-Encoding", "gzip")
		if p.Header.Get("Content-Encoding") != "gzip" || !strings.Contains(gunzipString(t, p.Body), `name="_csrf"`) {
			t.Errorf("login page with gzip: headers %v", p.Header)
		}
	})
}

// TestHygieneRateLimitedSignInPageSaysWhenToRetry: the sign-in page
// renders its own 429, which must carry Retry-After like the API's.
func TestHygieneRateLimitedSignInPageSaysWhenToRetry(t *testing.T) {
	t.Parallel()
	// Five failed sign-ins per account and address in a sliding window:
	// the sixth is refused.
	h := apptest.New(t)
	b := newBrowser(t, h)
	tok := b.csrf("/login")
	var p page
	for range 6 {
		p = b.post("/login", url.Values{"_csrf": {tok}, "email": {"limited@taiwa.example"}, "password": {"wrong-password"}})
		if p.Status != http.StatusUnauthorized {
			break
		}
	}
	if secs, err := strconv.Atoi(p.Header.Get("Retry-After")); p.Status != http.StatusTooManyRequests || err != nil || secs <= 0 {
		t.Fatalf("repeated failed sign-ins: %d, Retry-After %q", p.Status, p.Header.Get("Retry-After"))
	}
	mustContain(t, p, "ログインの試行回数が上限に達しました")
}

func gunzipString(t *testing.T, s string) string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader([]byte(s)))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("bad gzip: %v", err)
	}
	return string(b)
}
