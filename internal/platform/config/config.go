// Package config reads Taiwa's settings from TAIWA_* environment variables
// and checks them at start, so a bad setting fails with a message that says
// what to set rather than later with a puzzling error.
package config

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/caarlos0/env/v11"

	"github.com/taiwa/taiwa/internal/platform/seal"
)

// Config is every setting of the taiwa binary. The README lists them.
type Config struct {
	Addr             string        `env:"TAIWA_ADDR" envDefault:"127.0.0.1:8080"`
	DatabaseURL      string        `env:"TAIWA_DATABASE_URL"`
	DatabaseAdminURL string        `env:"TAIWA_DATABASE_ADMIN_URL"`
	BaseURL          string        `env:"TAIWA_BASE_URL"`
	SMTPURL          string        `env:"TAIWA_SMTP_URL"`
	MailFrom         string        `env:"TAIWA_MAIL_FROM" envDefault:"Taiwa <no-reply@taiwa.example>"`
	SessionTTL       time.Duration `env:"TAIWA_SESSION_TTL" envDefault:"12h"`
	CookieSecure     bool          `env:"TAIWA_COOKIE_SECURE" envDefault:"true"`
	LoginMaxPerUser  int           `env:"TAIWA_LOGIN_MAX_FAILURES_PER_ACCOUNT" envDefault:"10"`
	LoginMaxPerAddr  int           `env:"TAIWA_LOGIN_MAX_ATTEMPTS_PER_ADDRESS" envDefault:"100"`
	LoginWindow      time.Duration `env:"TAIWA_LOGIN_WINDOW" envDefault:"15m"`
	RunWorker        bool          `env:"TAIWA_WORKER" envDefault:"true"`
	LogLevel         string        `env:"TAIWA_LOG_LEVEL" envDefault:"info"`
	DevMode          bool          `env:"TAIWA_DEV" envDefault:"false"`
	MeiliURL         string        `env:"TAIWA_MEILISEARCH_URL"`
	MeiliKey         string        `env:"TAIWA_MEILISEARCH_KEY"`
	MeiliIndex       string        `env:"TAIWA_MEILISEARCH_INDEX" envDefault:"counselors"`
	MeiliGzip        string        `env:"TAIWA_MEILISEARCH_GZIP" envDefault:"auto"`
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
	// Keyring is NoteKeys parsed by Validate (nil when NoteKeys is empty).
	Keyring *seal.Keyring `env:"-"`
	// ClinicalLeadEmail receives urgent-risk alerts besides the operators
	// marked as clinical leads (optional).
	ClinicalLeadEmail string `env:"TAIWA_CLINICAL_LEAD_EMAIL"`
	// HTTPReadTimeout bounds reading one request, headers and body, so a
	// client that trickles its body is cut off; zero means one minute.
	// Raise it if large rosters are uploaded over slow links.
	HTTPReadTimeout time.Duration `env:"TAIWA_HTTP_READ_TIMEOUT"`
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
	if c.SessionTTL < time.Minute {
		problems = append(problems, "TAIWA_SESSION_TTL must be at least 1m")
	}
	if c.LoginMaxPerUser < 1 || c.LoginMaxPerAddr < 1 {
		problems = append(problems, "TAIWA_LOGIN_MAX_FAILURES_PER_ACCOUNT and TAIWA_LOGIN_MAX_ATTEMPTS_PER_ADDRESS must be ≥ 1")
	}
	if c.MeiliURL != "" {
		if u, err := url.Parse(c.MeiliURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			problems = append(problems, "TAIWA_MEILISEARCH_URL must look like http://127.0.0.1:7700")
		}
	}
	if c.MeiliIndex == "" {
		c.MeiliIndex = "counselors"
	}
	switch c.MeiliGzip {
	case "":
		c.MeiliGzip = "auto"
	case "auto", "on", "off":
	default:
		problems = append(problems, "TAIWA_MEILISEARCH_GZIP must be auto, on or off")
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
