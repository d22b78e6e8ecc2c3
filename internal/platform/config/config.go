// Package config reads Taiwa's settings from TAIWA_* environment variables
// and checks them at start, so a bad setting fails with a message that says
// what to set rather than later with a puzzling error.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/taiwa/taiwa/internal/platform/seal"
)

// Config is every setting of the taiwa binary. The README lists them.
type Config struct {
	Addr             string `env:"TAIWA_ADDR" envDefault:"127.0.0.1:8080"`
	DatabaseURL      string `env:"TAIWA_DATABASE_URL"`
	DatabaseAdminURL string `env:"TAIWA_DATABASE_ADMIN_URL"`
	// SystemDatabaseURL connects as the system role (taiwa_system): the
	// outbox worker, housekeeping, billing runs, report releases, seed and
	// operators' reads across companies. Empty: TAIWA_DATABASE_URL must
	// then itself be a privileged role (the tenant role alone cannot start).
	SystemDatabaseURL string        `env:"TAIWA_SYSTEM_DATABASE_URL"`
	BaseURL           string        `env:"TAIWA_BASE_URL"`
	SMTPURL           string        `env:"TAIWA_SMTP_URL"`
	MailFrom          string        `env:"TAIWA_MAIL_FROM" envDefault:"Taiwa <no-reply@taiwa.example>"`
	SessionTTL        time.Duration `env:"TAIWA_SESSION_TTL" envDefault:"12h"`
	CookieSecure      bool          `env:"TAIWA_COOKIE_SECURE" envDefault:"true"`
	LoginMaxPerUser   int           `env:"TAIWA_LOGIN_MAX_FAILURES_PER_ACCOUNT" envDefault:"10"`
	LoginMaxPerAddr   int           `env:"TAIWA_LOGIN_MAX_ATTEMPTS_PER_ADDRESS" envDefault:"100"`
	LoginWindow       time.Duration `env:"TAIWA_LOGIN_WINDOW" envDefault:"15m"`
	RunWorker         bool          `env:"TAIWA_WORKER" envDefault:"true"`
	LogLevel          string        `env:"TAIWA_LOG_LEVEL" envDefault:"info"`
	DevMode           bool          `env:"TAIWA_DEV" envDefault:"false"`
	MeiliURL          string        `env:"TAIWA_MEILISEARCH_URL"`
	MeiliKey          string        `env:"TAIWA_MEILISEARCH_KEY"`
	MeiliIndex        string        `env:"TAIWA_MEILISEARCH_INDEX" envDefault:"counselors"`
	MeiliGzip         string        `env:"TAIWA_MEILISEARCH_GZIP" envDefault:"auto"`
	// HTTPGzip compresses answers for clients that accept gzip: on, off,
	// or auto (not for a client on loopback, such as a reverse proxy on
	// this machine, which compresses for the network itself).
	HTTPGzip string `env:"TAIWA_HTTP_GZIP" envDefault:"auto"`
	// Stripe: without a key invoices stay local with status not_sent.
	StripeKey           string `env:"TAIWA_STRIPE_KEY"`
	StripeWebhookSecret string `env:"TAIWA_STRIPE_WEBHOOK_SECRET"`
	StripeAPIBase       string `env:"TAIWA_STRIPE_API_BASE"` // stripe-mock in tests
	// The seller printed on qualified invoices (適格請求書).
	IssuerName               string `env:"TAIWA_INVOICE_ISSUER_NAME" envDefault:"Taiwa株式会社"`
	IssuerRegistrationNumber string `env:"TAIWA_INVOICE_REGISTRATION_NUMBER" envDefault:"T7123456789012"` // = DefaultIssuerRegistrationNumber (tested)
	IssuerAddress            string `env:"TAIWA_INVOICE_ISSUER_ADDRESS" envDefault:"東京都千代田区丸の内1-1-1"`
	// NoteKeys are the AES-256-GCM keys that seal private notes,
	// "id:base64,id2:base64", the current key first. The server refuses to
	// start without them; `taiwa dev` makes one under its data folder.
	NoteKeys string `env:"TAIWA_NOTE_KEYS"`
	// WebAuthn (passkeys): the relying party ID is the host name browsers
	// see (default: TAIWA_BASE_URL's host), the origin the page's origin
	// (default: TAIWA_BASE_URL's scheme, host and port).
	WebAuthnRPID   string `env:"TAIWA_WEBAUTHN_RP_ID"`
	WebAuthnOrigin string `env:"TAIWA_WEBAUTHN_ORIGIN"`
	// Keyring is NoteKeys parsed by Validate (nil when NoteKeys is empty).
	Keyring *seal.Keyring `env:"-"`
	// ClinicalLeadEmail receives urgent-risk alerts besides the operators
	// marked as clinical leads (optional).
	ClinicalLeadEmail string `env:"TAIWA_CLINICAL_LEAD_EMAIL"`
	// HTTPReadTimeout bounds reading one request, headers and body, so a
	// client that trickles its body is cut off; zero means one minute.
	// Raise it if large rosters are uploaded over slow links.
	HTTPReadTimeout time.Duration `env:"TAIWA_HTTP_READ_TIMEOUT"`

	// TrustedProxies lists the reverse proxies (IPs or CIDRs, comma-
	// separated) whose X-Forwarded-For is believed. Empty: none is, and
	// the client is the TCP peer.
	TrustedProxies string `env:"TAIWA_TRUSTED_PROXIES"`
	// Proxies is TrustedProxies parsed by Validate.
	Proxies []netip.Prefix `env:"-"`

	// MetricsToken is the bearer token of the metrics scraper; MetricsAddr
	// a separate listen address for /metrics (e.g. 10.0.0.5:9090). With
	// neither, /metrics answers 404; with a separate address the main one
	// never serves it.
	MetricsToken string `env:"TAIWA_METRICS_TOKEN"`
	MetricsAddr  string `env:"TAIWA_METRICS_ADDR"`

	// Video room. TurnAddr is the UDP address of the embedded TURN/STUN
	// server ("" or "off": none); TurnRelayIP the address its relayed
	// candidates carry (the machine's public IP); TurnHost the host name
	// browsers reach it by (default: TAIWA_BASE_URL's host). TurnURLs
	// (comma-separated turn:/stun: URLs) use an external server such as
	// coturn instead, with TurnSecret as its use-auth-secret.
	TurnAddr    string   `env:"TAIWA_TURN_ADDR" envDefault:"0.0.0.0:3478"`
	TurnRelayIP string   `env:"TAIWA_TURN_RELAY_IP" envDefault:"127.0.0.1"`
	TurnHost    string   `env:"TAIWA_TURN_HOST"`
	TurnURLs    []string `env:"TAIWA_TURN_URLS" envSeparator:","`
	TurnSecret  string   `env:"TAIWA_TURN_SECRET"`
	// RoomGrace keeps the room open after the end; a counsellor who has
	// not joined by then is recorded as the counsellor's no-show.
	RoomGrace time.Duration `env:"TAIWA_ROOM_GRACE" envDefault:"15m"`
	// RoomHeldAfter is how long both parties must be in the room together
	// for the session to become held.
	RoomHeldAfter time.Duration `env:"TAIWA_ROOM_HELD_AFTER" envDefault:"10m"`
	// ReviewBatch is how many approved reviews of one counsellor are
	// published together (docs/reviews.md); 1 turns batching off, which
	// only a test of what batching protects against should do.
	ReviewBatch int `env:"TAIWA_REVIEW_BATCH" envDefault:"3"`
}

// SystemURL is the system role's URL, or the one database URL when no
// system URL is set.
func (c Config) SystemURL() string {
	if c.SystemDatabaseURL != "" {
		return c.SystemDatabaseURL
	}
	return c.DatabaseURL
}

// Load reads the environment and validates it.
func Load() (Config, error) {
	var c Config
	if err := env.Parse(&c); err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return c, c.Validate()
}

// Validate checks the settings and fills derived defaults.
func (c *Config) Validate() error {
	var problems []string
	if c.DatabaseURL == "" {
		problems = append(problems, "set TAIWA_DATABASE_URL to a PostgreSQL URL (e.g. postgres://taiwa_app@localhost/taiwa), or use `taiwa dev` which starts a local database")
	} else if _, err := url.Parse(c.DatabaseURL); err != nil {
		problems = append(problems, "TAIWA_DATABASE_URL is not a URL: "+err.Error())
	}
	if c.SystemDatabaseURL != "" {
		if _, err := url.Parse(c.SystemDatabaseURL); err != nil {
			problems = append(problems, "TAIWA_SYSTEM_DATABASE_URL is not a URL: "+err.Error())
		}
	}
	if c.DatabaseAdminURL == "" {
		c.DatabaseAdminURL = c.DatabaseURL
	}
	if c.BaseURL == "" {
		c.BaseURL = "http://" + c.Addr
	}
	if u, err := url.Parse(c.BaseURL); err != nil || u.Scheme == "" || u.Host == "" {
		problems = append(problems, "TAIWA_BASE_URL must be an absolute URL such as https://taiwa.example")
	}
	c.BaseURL = strings.TrimRight(c.BaseURL, "/")
	if u, err := url.Parse(c.BaseURL); err == nil && u.Host != "" {
		if c.WebAuthnRPID == "" {
			c.WebAuthnRPID = u.Hostname()
		}
		if c.WebAuthnOrigin == "" {
			c.WebAuthnOrigin = u.Scheme + "://" + u.Host
		}
	}
	if c.SMTPURL != "" {
		if u, err := url.Parse(c.SMTPURL); err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Host == "" {
			problems = append(problems, "TAIWA_SMTP_URL must look like smtp://user:pass@host:587 or smtps://host:465")
		}
	}
	if c.NoteKeys != "" {
		k, err := seal.ParseKeys(c.NoteKeys)
		if err != nil {
			problems = append(problems, "TAIWA_NOTE_KEYS: "+err.Error())
		}
		c.Keyring = k
	}
	if c.MetricsToken != "" && len(c.MetricsToken) < 16 {
		problems = append(problems, "TAIWA_METRICS_TOKEN must be at least 16 characters (e.g. $(openssl rand -hex 16))")
	}
	if c.SessionTTL < time.Minute {
		problems = append(problems, "TAIWA_SESSION_TTL must be at least 1m")
	}
	if c.LoginMaxPerUser < 1 || c.LoginMaxPerAddr < 1 {
		problems = append(problems, "TAIWA_LOGIN_MAX_FAILURES_PER_ACCOUNT and TAIWA_LOGIN_MAX_ATTEMPTS_PER_ADDRESS must be ≥ 1")
	}
	if p, err := ParseProxies(c.TrustedProxies); err != nil {
		problems = append(problems, "TAIWA_TRUSTED_PROXIES: "+err.Error())
	} else {
		c.Proxies = p
	}
	if c.MeiliURL != "" {
		if u, err := url.Parse(c.MeiliURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, "TAIWA_MEILISEARCH_URL must look like http://127.0.0.1:7700")
		}
	}
	if c.MeiliIndex == "" {
		c.MeiliIndex = "counselors"
	}
	switch {
	case c.ReviewBatch == 0:
		c.ReviewBatch = 3
	case c.ReviewBatch < 0:
		problems = append(problems, "TAIWA_REVIEW_BATCH must be ≥ 1 (3 or more keeps reviews unlinkable)")
	}
	switch c.MeiliGzip {
	case "":
		c.MeiliGzip = "auto"
	case "auto", "on", "off":
	default:
		problems = append(problems, "TAIWA_MEILISEARCH_GZIP must be auto, on or off")
	}
	switch c.HTTPGzip {
	case "":
		c.HTTPGzip = "auto"
	case "auto", "on", "off":
	default:
		problems = append(problems, "TAIWA_HTTP_GZIP must be auto, on or off")
	}
	if !validIndexName(c.MeiliIndex) {
		problems = append(problems, "TAIWA_MEILISEARCH_INDEX must be 1–100 letters, digits, - or _")
	}
	if c.StripeAPIBase != "" {
		if u, err := url.Parse(c.StripeAPIBase); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, "TAIWA_STRIPE_API_BASE must look like http://127.0.0.1:12111")
		}
	}
	if c.IssuerName == "" {
		c.IssuerName = "Taiwa株式会社"
	}
	if c.IssuerRegistrationNumber == "" {
		c.IssuerRegistrationNumber = DefaultIssuerRegistrationNumber
	}
	if c.IssuerAddress == "" {
		c.IssuerAddress = "東京都千代田区丸の内1-1-1"
	}
	if err := checkRegistrationNumber(c.IssuerRegistrationNumber); err != nil {
		problems = append(problems, "TAIWA_INVOICE_REGISTRATION_NUMBER "+err.Error())
	}
	problems = append(problems, c.validateRoom()...)
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		problems = append(problems, "TAIWA_LOG_LEVEL must be debug, info, warn or error")
	}
	if len(problems) > 0 {
		return errors.New("config:\n  - " + strings.Join(problems, "\n  - "))
	}
	return nil
}

// ParseProxies reads a comma-separated list of IP addresses and CIDR
// ranges ("10.0.0.0/8, 192.0.2.7, 2001:db8::/32"); a bare address is a
// range of one.
func ParseProxies(list string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for item := range strings.SplitSeq(list, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		if strings.Contains(item, "/") {
			p, err := netip.ParsePrefix(item)
			if err != nil {
				return nil, fmt.Errorf("%q is not an IP address or CIDR range (e.g. 10.0.0.0/8)", item)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(item)
		if err != nil || a.Zone() != "" {
			return nil, fmt.Errorf("%q is not an IP address or CIDR range (e.g. 10.0.0.0/8)", item)
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

func validIndexName(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

// validateRoom checks the video room's settings.
func (c *Config) validateRoom() []string {
	var problems []string
	if c.TurnAddr == "off" {
		c.TurnAddr = ""
	}
	for _, u := range c.TurnURLs {
		if !strings.HasPrefix(u, "turn:") && !strings.HasPrefix(u, "turns:") && !strings.HasPrefix(u, "stun:") {
			problems = append(problems, "TAIWA_TURN_URLS must list turn:, turns: or stun: URLs such as turn:turn.example:3478?transport=udp")
			break
		}
	}
	if len(c.TurnURLs) > 0 && c.TurnSecret == "" {
		problems = append(problems, "TAIWA_TURN_URLS needs TAIWA_TURN_SECRET, the external server's shared secret (coturn's static-auth-secret)")
	}
	if c.TurnAddr != "" && len(c.TurnURLs) == 0 {
		if _, _, err := net.SplitHostPort(c.TurnAddr); err != nil {
			problems = append(problems, "TAIWA_TURN_ADDR must be host:port such as 0.0.0.0:3478, or off")
		}
		if ip := net.ParseIP(c.TurnRelayIP); ip == nil || ip.To4() == nil {
			problems = append(problems, "TAIWA_TURN_RELAY_IP must be the IPv4 address browsers reach this machine at")
		}
	}
	if c.RoomGrace < 0 || c.RoomGrace > 6*time.Hour {
		problems = append(problems, "TAIWA_ROOM_GRACE must be between 0 and 6h")
	}
	if c.RoomHeldAfter < 0 || c.RoomHeldAfter > 3*time.Hour {
		problems = append(problems, "TAIWA_ROOM_HELD_AFTER must be between 0 and 3h")
	}
	return problems
}
