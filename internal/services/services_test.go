package services_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/services"
)

func testConfig() config.Config {
	return config.Config{
		BaseURL: "http://localhost:8080", WebAuthnRPID: "localhost", WebAuthnOrigin: "http://localhost:8080",
		SMTPURL: "smtp://127.0.0.1:1", MailFrom: "Taiwa <no-reply@taiwa.example>",
		MeiliURL: "http://127.0.0.1:1", MeiliIndex: "counselors",
		IssuerName: "試験請求株式会社", IssuerRegistrationNumber: config.DefaultIssuerRegistrationNumber, IssuerAddress: "東京都港区芝公園4-2-8",
	}
}

// TestOneFixedClockReachesEveryService: the clock given to New is the one
// every service (and the search index's health cache) reads. A service
// added to Services with a Clock field is checked without a change here;
// the named ones must keep theirs.
func TestOneFixedClockReachesEveryService(t *testing.T) {
	t.Parallel()
	at := time.Date(2027, 3, 29, 7, 30, 0, 0, time.UTC)
	s, err := services.New(testConfig(), &db.DB{}, nil, clock.Fixed(at))
	if err != nil {
		t.Fatal(err)
	}
	if !s.Clock.Now().Equal(at) {
		t.Fatalf("Services.Clock reads %v, want %v", s.Clock.Now(), at)
	}
	clockType := reflect.TypeFor[clock.Clock]()
	seen := map[string]bool{}
	v := reflect.ValueOf(s).Elem()
	for i := range v.NumField() {
		f := v.Field(i)
		if f.Kind() != reflect.Pointer || f.Type().Elem().Kind() != reflect.Struct {
			continue
		}
		name := v.Type().Field(i).Name
		if f.IsNil() {
			t.Errorf("Services.%s is nil", name)
			continue
		}
		c := f.Elem().FieldByName("Clock")
		if !c.IsValid() || c.Type() != clockType {
			continue
		}
		seen[name] = true
		if got := c.Interface().(clock.Clock).Now(); !got.Equal(at) {
			t.Errorf("Services.%s.Clock reads %v, want the fixed %v", name, got, at)
		}
	}
	for _, name := range []string{"Accounts", "Companies", "Counselors", "Bookings", "Matching", "Billing", "Records",
		"Feedback", "Programmes", "Reports", "Search"} {
		if !seen[name] {
			t.Errorf("Services.%s has no clock.Clock field, or was not built", name)
		}
	}
}

// TestServicesAreWiredToEachOther: one instance of each service, shared
// by those that call it, and the configuration's seller on the billing
// service (the billing subcommand once billed without one).
func TestServicesAreWiredToEachOther(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	s, err := services.New(cfg, &db.DB{}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	checks := []struct {
		name string
		ok   bool
	}{
		{"Companies.Accounts", s.Companies.Accounts == s.Accounts},
		{"Counselors.Accounts", s.Counselors.Accounts == s.Accounts},
		{"Bookings.Accounts", s.Bookings.Accounts == s.Accounts},
		{"Matching.Accounts", s.Matching.Accounts == s.Accounts},
		{"Feedback.Records", s.Feedback.Records == s.Records},
		{"Programmes.Bookings", s.Programmes.Bookings == s.Bookings},
		{"Programmes.Uptake", s.Programmes.Uptake == s.Reports},
		{"Billing.Payments", s.Billing.Payments == s.Payments},
		{"Counselors.Engine", s.Counselors.Engine == s.Search},
		{"Counselors.Withdraw", s.Counselors.Withdraw != nil},
		{"Accounts.WebAuthn", s.Accounts.WebAuthn != nil},
		{"Billing.Issuer", s.Billing.Issuer.Name == cfg.IssuerName && s.Billing.Issuer.Address == cfg.IssuerAddress &&
			s.Billing.Issuer.RegistrationNumber == cfg.IssuerRegistrationNumber},
		{"Worker", s.Worker != nil && len(s.Worker.Handlers) > 0 && len(s.Worker.Remotes) > 0},
		{"nil clock is the wall clock", s.Clock == nil && !s.Bookings.Clock.Now().IsZero()},
	}
	for _, c := range checks {
		if !c.ok {
			t.Errorf("%s is not wired", c.name)
		}
	}
	cfg.MeiliURL = ""
	if s, err := services.New(cfg, &db.DB{}, nil, nil); err != nil || s.Search != nil || s.Counselors.Engine != nil {
		t.Errorf("without TAIWA_MEILISEARCH_URL: %v, search %v; want no engine", err, s.Search)
	}
}
