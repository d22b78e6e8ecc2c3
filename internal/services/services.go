// Package services builds the domain services once, from the
// configuration, the database, a logger and the clock, for every process
// that needs them: the server and the worker (internal/app), the HTTP
// layers (internal/api and internal/web hold a *Services) and the
// one-shot subcommands of cmd/taiwa. It imports no HTTP framework, so both
// HTTP layers can import it without importing each other or internal/app.
package services

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"time"

	"github.com/go-webauthn/webauthn/webauthn"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/billing"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/company"
	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/feedback"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/config"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/meili"
	"github.com/taiwa/taiwa/internal/platform/outbox"
	"github.com/taiwa/taiwa/internal/platform/payments"
	"github.com/taiwa/taiwa/internal/programme"
	"github.com/taiwa/taiwa/internal/record"
	"github.com/taiwa/taiwa/internal/report/store"
	"github.com/taiwa/taiwa/web"
)

// Services is every domain service of one process, wired to one another,
// to one database and to one clock.
type Services struct {
	Log *slog.Logger
	DB  *db.DB
	// Clock is the one clock every service reads; a test fixes or moves
	// it in one place (apptest.Options.Clock). nil is the wall clock.
	Clock clock.Clock
	// Mail composes the notifications from the templates in web/mail.
	Mail *mail.Composer

	Accounts   *account.Service
	Companies  *company.Service
	Counselors *counselor.Service
	Bookings   *booking.Service
	Matching   *matching.Service
	Billing    *billing.Service
	Records    *record.Service
	Feedback   *feedback.Service
	Programmes *programme.Service
	Reports    *store.Service
	Payments   *payments.Client
	// Search is the Meilisearch index of listed counsellors; nil when
	// TAIWA_MEILISEARCH_URL is not set (search then answers from
	// PostgreSQL).
	Search *meili.Index
	// Worker drains the outbox with every service's side effects; it runs
	// only when asked (taiwa serve with the worker on, taiwa worker).
	Worker *outbox.Worker
}

// New builds the services from cfg on d, reading the time from clk (nil:
// the wall clock). It makes no network request: an engine or a payment
// provider that is down is simply used once it answers. The caller owns d.
func New(cfg config.Config, d *db.DB, log *slog.Logger, clk clock.Clock) (*Services, error) {
	if log == nil {
		log = slog.Default()
	}
	mailFS, err := fs.Sub(web.FS, "mail")
	if err != nil {
		return nil, err
	}
	composer, err := mail.NewComposer(mailFS)
	if err != nil {
		return nil, err
	}
	s := &Services{Log: log, DB: d, Clock: clk, Mail: composer}
	s.Accounts = &account.Service{
		DB: d, Mail: composer, BaseURL: cfg.BaseURL, SessionTTL: cfg.SessionTTL,
		MaxFailures: cfg.LoginMaxPerUser, MaxAttempts: cfg.LoginMaxPerAddr, Window: cfg.LoginWindow,
		InviteTTL: 7 * 24 * time.Hour, ResetTTL: time.Hour, Keys: cfg.Keyring, Clock: clk,
	}
	// Passkeys need a domain name: a base URL on an IP address (e.g.
	// http://127.0.0.1:8080) runs without them (use http://localhost:…).
	if net.ParseIP(cfg.WebAuthnRPID) == nil {
		if s.Accounts.WebAuthn, err = webauthn.New(&webauthn.Config{
			RPID: cfg.WebAuthnRPID, RPDisplayName: "Taiwa", RPOrigins: []string{cfg.WebAuthnOrigin},
		}); err != nil {
			return nil, fmt.Errorf("passkeys (TAIWA_WEBAUTHN_RP_ID, TAIWA_WEBAUTHN_ORIGIN): %w", err)
		}
	} else {
		log.Info("passkeys are off: TAIWA_WEBAUTHN_RP_ID must be a domain name, not an IP address", "rp_id", cfg.WebAuthnRPID)
	}
	s.Companies = &company.Service{DB: d, Accounts: s.Accounts, Clock: clk}
	s.Counselors = &counselor.Service{DB: d, Accounts: s.Accounts, Clock: clk}
	s.Bookings = &booking.Service{DB: d, Accounts: s.Accounts, RoomGrace: cfg.RoomGrace, HeldAfter: cfg.RoomHeldAfter,
		Keys: cfg.Keyring, Clock: clk}
	s.Counselors.Withdraw = s.Bookings.WithdrawCounselor // a suspension cancels their bookings in its transaction
	s.Matching = &matching.Service{DB: d, Accounts: s.Accounts, Clock: clk}
	s.Records = &record.Service{DB: d, Keys: cfg.Keyring, Mail: composer, ClinicalLeadEmail: cfg.ClinicalLeadEmail,
		BaseURL: cfg.BaseURL, Clock: clk}
	s.Feedback = &feedback.Service{DB: d, Keys: cfg.Keyring, Records: s.Records, ReviewBatch: cfg.ReviewBatch, Clock: clk}
	s.Reports = &store.Service{DB: d, Clock: clk}
	s.Programmes = &programme.Service{DB: d, Mail: composer, BaseURL: cfg.BaseURL, Uptake: s.Reports,
		Bookings: s.Bookings, Clock: clk}
	s.Payments = payments.New(payments.Config{Key: cfg.StripeKey, WebhookSecret: cfg.StripeWebhookSecret, APIBase: cfg.StripeAPIBase})
	s.Billing = &billing.Service{DB: d, Payments: s.Payments, Clock: clk, Issuer: billing.Issuer{
		Name: cfg.IssuerName, RegistrationNumber: cfg.IssuerRegistrationNumber, Address: cfg.IssuerAddress,
	}}
	if cfg.MeiliURL != "" {
		s.Search = meili.NewGzip(cfg.MeiliURL, cfg.MeiliKey, cfg.MeiliIndex, cfg.MeiliGzip)
		s.Search.Log = log
		s.Search.Clock = clk
		s.Counselors.Engine = s.Search
	}
	s.Worker = s.newWorker(cfg)
	return s, nil
}

// newWorker is the outbox worker with every kind's handler.
func (s *Services) newWorker(cfg config.Config) *outbox.Worker {
	w := &outbox.Worker{
		DB: s.DB.System(), ListenURL: cfg.SystemURL(), Log: s.Log,
		Handlers: map[string]outbox.Handler{
			booking.NotifyKind:        s.Bookings.HandleNotify,
			booking.ReminderKind:      s.Bookings.HandleReminder,
			booking.NextAvailableKind: s.Bookings.HandleNextAvailable,
			record.EscalateKind:       s.Records.HandleEscalate,
		},
		// Network calls run with no transaction open (see outbox.Remote).
		Remotes: map[string]outbox.Remote{
			mail.Kind: mail.NewSender(cfg.SMTPURL, cfg.MailFrom).Handle,
			// The fallback's table is kept with or without an engine;
			// the engine's part is retried on its own while it is down.
			counselor.IndexKind:       s.Counselors.HandleIndex,
			counselor.IndexEngineKind: s.Counselors.HandleIndexEngine,
		},
	}
	for kind, h := range s.Billing.Remotes() {
		w.Remotes[kind] = h
	}
	return w
}
