package config

import (
	"reflect"
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
		{"negative review batch", func(c *Config) { c.ReviewBatch = -1 }, "TAIWA_REVIEW_BATCH"},
		{"bad log level", func(c *Config) { c.LogLevel = "loud" }, "TAIWA_LOG_LEVEL"},
		{"bad search url", func(c *Config) { c.MeiliURL = "127.0.0.1:7700" }, "TAIWA_MEILISEARCH_URL"},
		{"bad index name", func(c *Config) { c.MeiliIndex = "a/b" }, "TAIWA_MEILISEARCH_INDEX"},
		{"bad turn url", func(c *Config) { c.TurnURLs = []string{"https://turn.example"}; c.TurnSecret = "s" }, "TAIWA_TURN_URLS"},
		{"turn url without secret", func(c *Config) { c.TurnURLs = []string{"turn:turn.example:3478"} }, "TAIWA_TURN_SECRET"},
		{"external turn", func(c *Config) { c.TurnURLs = []string{"turn:turn.example:3478"}; c.TurnSecret = "s" }, ""},
		{"bad turn addr", func(c *Config) { c.TurnAddr = "3478" }, "TAIWA_TURN_ADDR"},
		{"bad relay ip", func(c *Config) { c.TurnAddr = ":3478"; c.TurnRelayIP = "turn.example" }, "TAIWA_TURN_RELAY_IP"},
		{"turn off", func(c *Config) { c.TurnAddr = "off"; c.TurnRelayIP = "" }, ""},
		{"negative grace", func(c *Config) { c.RoomGrace = -time.Minute }, "TAIWA_ROOM_GRACE"},
		{"bad gzip setting", func(c *Config) { c.MeiliGzip = "yes" }, "TAIWA_MEILISEARCH_GZIP"},
		{"gzip off", func(c *Config) { c.MeiliGzip = "off" }, ""},
		{"bad HTTP gzip setting", func(c *Config) { c.HTTPGzip = "true" }, "TAIWA_HTTP_GZIP"},
		{"HTTP gzip on", func(c *Config) { c.HTTPGzip = "on" }, ""},
		{"HTTP gzip unset", func(c *Config) { c.HTTPGzip = "" }, ""},
		{"bad note key", func(c *Config) { c.NoteKeys = "k1:c2hvcnQ=" }, "TAIWA_NOTE_KEYS"},
		{"trusted proxies", func(c *Config) { c.TrustedProxies = "10.0.0.0/8, 192.0.2.7,2001:db8::/32" }, ""},
		{"trusted proxy not an address", func(c *Config) { c.TrustedProxies = "10.0.0.0/8, proxy.internal" }, "TAIWA_TRUSTED_PROXIES"},
		{"trusted proxy bad range", func(c *Config) { c.TrustedProxies = "10.0.0.0/33" }, "TAIWA_TRUSTED_PROXIES"},
		{"short metrics token", func(c *Config) { c.MetricsToken = "short" }, "TAIWA_METRICS_TOKEN"},
		{"metrics token", func(c *Config) { c.MetricsToken = "0123456789abcdef" }, ""},
		{"bad system url", func(c *Config) { c.SystemDatabaseURL = "postgres://a b@%zz" }, "TAIWA_SYSTEM_DATABASE_URL"},
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

// TestRegistrationNumberFollowsTheCheckDigitRule checks the National Tax
// Agency's check digit on real corporate numbers, as quoted from its
// 法人番号公表サイト (houjin-bangou.nta.go.jp) by public code: the NTA's own
// (Odoo's Japanese placeholder), the National Diet Library's, and the three
// companies of the corporate-number-jp library's fixtures. A wrong rule
// would pass a real number only one time in nine. Then the refusals
// start-up must make.
func TestRegistrationNumberFollowsTheCheckDigitRule(t *testing.T) {
	cases := []struct {
		name, number string
		want         string // "" means valid, else a word the message must contain
	}{
		{"国税庁 (National Tax Agency)", "T7000012050002", ""},
		{"国立国会図書館 (National Diet Library)", "T1000011000005", ""},
		{"トヨタ自動車株式会社", "T1180301018771", ""},
		{"株式会社三菱ＵＦＪ銀行", "T5010001008846", ""},
		{"ソニー株式会社", "T7010401045660", ""},
		{"the demo default", DefaultIssuerRegistrationNumber, ""},
		{"the old default, wrong check digit", "T1234567890123", "check digit"},
		{"one digit mistyped", "T1180301018772", "check digit"},
		{"two digits swapped", "T7000012050020", "check digit"},
		{"check digit 0", "T0000012050002", "check digit"},
		{"12 digits", "T700001205000", "13 digits"},
		{"14 digits", "T70000120500020", "13 digits"},
		{"no T", "7000012050002", "start with a capital T"},
		{"lower-case t", "t7000012050002", "start with a capital T"},
		{"full-width T", "Ｔ7000012050002", "start with a capital T"},
		{"empty", "", "start with a capital T"},
		{"a letter among the digits", "T70000120500O2", "half-width digits"},
		{"hyphens", "T7-0000-1205-0002", "13 digits"},
		{"full-width digits", "T７００００１２０５０００２", "half-width digits"},
		{"a space", "T 700001205000", "half-width digits"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkRegistrationNumber(tc.number)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("%s refused: %v", tc.number, err)
			case tc.want != "" && err == nil:
				t.Fatalf("%s accepted", tc.number)
			case tc.want != "" && !strings.Contains(err.Error(), tc.want):
				t.Fatalf("%s: %v, want a message about %q", tc.number, err, tc.want)
			}
		})
	}
}

// TestCheckDigitOfTheWorkedExample follows the rule by hand on base
// 123456789012: from the right, 2×1 + 1×2 + 0×1 + 9×2 + 8×1 + 7×2 + 6×1 +
// 5×2 + 4×1 + 3×2 + 2×1 + 1×2 = 74; 74 mod 9 = 2; 9 − 2 = 7.
func TestCheckDigitOfTheWorkedExample(t *testing.T) {
	if got := corporateCheckDigit("123456789012"); got != 7 {
		t.Fatalf("check digit of 123456789012 = %d, want 7", got)
	}
	if got := corporateCheckDigit("000000000000"); got != 9 {
		t.Fatalf("check digit of 000000000000 = %d, want 9 (a sum divisible by 9 gives 9, never 0)", got)
	}
}

// TestStartRefusesABadRegistrationNumber: Validate names the variable, and
// the shipped default passes.
func TestStartRefusesABadRegistrationNumber(t *testing.T) {
	c := valid()
	c.IssuerRegistrationNumber = "T1234567890123"
	err := c.Validate()
	if err == nil || !strings.Contains(err.Error(), "TAIWA_INVOICE_REGISTRATION_NUMBER") || !strings.Contains(err.Error(), "check digit") {
		t.Fatalf("err = %v, want one naming TAIWA_INVOICE_REGISTRATION_NUMBER and its check digit", err)
	}
	c = valid()
	if err := c.Validate(); err != nil || c.IssuerRegistrationNumber != DefaultIssuerRegistrationNumber {
		t.Fatalf("default: %v, number %q", err, c.IssuerRegistrationNumber)
	}
	f, _ := reflect.TypeFor[Config]().FieldByName("IssuerRegistrationNumber")
	if got := f.Tag.Get("envDefault"); got != DefaultIssuerRegistrationNumber {
		t.Fatalf("envDefault %q differs from DefaultIssuerRegistrationNumber %q", got, DefaultIssuerRegistrationNumber)
	}
}

func TestParseProxiesReadsAddressesAndRanges(t *testing.T) {
	got, err := ParseProxies(" 10.1.2.3/8 ,192.0.2.7, ::ffff:198.51.100.1,2001:db8::1,2001:db8::/32,")
	if err != nil {
		t.Fatal(err)
	}
	var s []string
	for _, p := range got {
		s = append(s, p.String())
	}
	want := []string{"10.0.0.0/8", "192.0.2.7/32", "198.51.100.1/32", "2001:db8::1/128", "2001:db8::/32"}
	if !reflect.DeepEqual(s, want) {
		t.Fatalf("ParseProxies = %v, want %v", s, want)
	}
	if got, err := ParseProxies(""); err != nil || len(got) != 0 {
		t.Fatalf("empty: %v %v, want none", got, err)
	}
	for _, bad := range []string{"fe80::1%eth0", "10.0.0.1-10.0.0.9", "*"} {
		if _, err := ParseProxies(bad); err == nil {
			t.Errorf("ParseProxies(%q) accepted", bad)
		}
	}
}
