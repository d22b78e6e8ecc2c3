package config

import (
	"strings"
	"testing"
	"time"
)

func valid() Config {
	return Config{Addr: "127.0.0.1:8080", DatabaseURL: "postgres://taiwa_app@localhost/taiwa", SessionTTL: time.Hour,
		LoginMaxPerUser: 10, LoginMaxPerAddr: 100, LogLevel: "info"}
}

func TestValidateSaysWhatToSet(t *testing.T) {
	cases := []struct {
		name   string
		change func(*Config)
		want   string // "" means valid
	}{
		{"valid", func(*Config) {}, ""},
		{"no database", func(c *Config) { c.DatabaseURL = "" }, "TAIWA_DATABASE_URL"},
		{"bad base url", func(c *Config) { c.BaseURL = "taiwa.example" }, "TAIWA_BASE_URL"},
		{"bad smtp url", func(c *Config) { c.SMTPURL = "http://mail" }, "TAIWA_SMTP_URL"},
		{"short session", func(c *Config) { c.SessionTTL = time.Second }, "TAIWA_SESSION_TTL"},
		{"zero limit", func(c *Config) { c.LoginMaxPerUser = 0 }, "TAIWA_LOGIN_MAX"},
		{"bad log level", func(c *Config) { c.LogLevel = "loud" }, "TAIWA_LOG_LEVEL"},
		{"bad search url", func(c *Config) { c.MeiliURL = "127.0.0.1:7700" }, "TAIWA_MEILISEARCH_URL"},
		{"bad index name", func(c *Config) { c.MeiliIndex = "a/b" }, "TAIWA_MEILISEARCH_INDEX"},
		{"bad note key", func(c *Config) { c.NoteKeys = "k1:c2hvcnQ=" }, "TAIWA_NOTE_KEYS"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := valid()
			tc.change(&c)
			err := c.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Fatalf("error %v, want one naming %s", err, tc.want)
			}
		})
	}
}

func TestValidateDerivesDefaults(t *testing.T) {
	c := valid()
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.DatabaseAdminURL != c.DatabaseURL || c.BaseURL != "http://127.0.0.1:8080" {
		t.Fatalf("admin url %q base url %q", c.DatabaseAdminURL, c.BaseURL)
	}
}
