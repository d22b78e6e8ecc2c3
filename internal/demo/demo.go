// Package demo fills a database with invented data: the demo environment
// whose logins API.md lists, and generated volume for benchmarks. Every name
// is built from lists of common Japanese surnames and given names; no real
// person is described. The data is deterministic (a fixed random seed), so
// the demo looks the same on every machine.
package demo

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/audit"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/clock"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
)

// Password is every demo account's password.
const Password = "demo-pass-2026"

// TOTPSecret is the one authenticator-app secret (base32) of every demo
// account that must have a second factor (the operator and the
// counsellors): add it to an authenticator app once to sign in as any of
// them. Demo data only; it is in the README.
const TOTPSecret = "TAIWADEMOSHAREDTOTPSECRETFORDEV2"

// OperatorEmail is the demo operator's login; its presence marks a seeded database.
const OperatorEmail = "operator@taiwa.example"

// DemoCounselors is how many verified counsellors API.md promises (counselor001 …).
const DemoCounselors = 200

// PendingCounselors is how many counsellors wait in the verification queue (pending01 …).
const PendingCounselors = 5

var jst = time.FixedZone("Asia/Tokyo", 9*60*60)

// seed is the fixed seed of the demo's random choices.
const seed = 2026

// SeedDemo creates the demo environment: the operator, サンプル商事 and
// みなと物流 with their admins and rosters, 200 verified counsellors (with
// their schedules), five pending ones, one whose credential is about to
// expire, and a year of sessions (bookings.go). It does nothing when the
// operator already exists, so it is safe to run at every start.
func SeedDemo(ctx context.Context, d *db.DB, log *slog.Logger) error {
	return Seed(ctx, d, log, nil)
}

// Present reports whether the demo data is already in d (Seed then does
// nothing).
func Present(ctx context.Context, d *db.DB) (bool, error) {
	var exists bool
	if err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &exists, `SELECT EXISTS (SELECT 1 FROM users WHERE email = $1)`, OperatorEmail)
	}); err != nil {
		return false, fmt.Errorf("demo: %w", err)
	}
	return exists, nil
}

// Seed is SeedDemo with the keys that seal the demo records' private notes
// (nil: the demo's records and employees' notes carry none).
func Seed(ctx context.Context, d *db.DB, log *slog.Logger, keys *seal.Keyring) error {
	started := time.Now()
	exists, err := Present(ctx, d)
	if err != nil {
		return err
	}
	if exists {
		log.Info("demo data already present; nothing to seed")
		LogPointers(ctx, d, log)
		return nil
	}
	hash, err := account.HashPassword(Password) // once: argon2id is slow on purpose
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	r := rand.New(rand.NewPCG(seed, seed))
	today := time.Now().In(jst)
	now := time.Now()
	counts := map[string]any{}
	err = d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		ops, err := insertUsers(ctx, tx, []userRow{{id: uuid.New(), email: OperatorEmail, name: "運営 管理者", role: "operator"}}, hash)
		if err != nil {
			return err
		}
		operator, ok := ops[OperatorEmail]
		if !ok {
			return fmt.Errorf("operator already exists") // a concurrent seed won the race
		}
		for _, c := range []companySpec{sampleShoji, minatoLogistics} {
			n, err := seedCompany(ctx, tx, r, c, hash, today)
			if err != nil {
				return err
			}
			counts[c.domain] = n
		}
		specs := demoCounselors(r, today)
		if err := seedCounselors(ctx, tx, specs, hash, operator, now); err != nil {
			return err
		}
		counts["counselors"] = len(specs)
		if counts["portraits"], err = seedPortraits(ctx, tx, now); err != nil { // reviews.go
			return err
		}
		if counts["bookings"], err = seedBookings(ctx, tx, now); err != nil {
			return err
		}
		if counts["fit_profiles"], err = seedFitProfiles(ctx, tx, r); err != nil { // matching.go
			return err
		}
		if counts["invoices"], err = seedBilling(ctx, tx, now); err != nil { // billing.go
			return err
		}
		if counts["records"], err = seedRecords(ctx, tx, r, now, keys); err != nil { // records.go
			return err
		}
		if counts["feedback"], err = seedFeedback(ctx, tx, r, now, keys); err != nil { // feedback.go
			return err
		}
		if counts["reviews"], err = seedReviews(ctx, tx, r, now); err != nil { // reviews.go
			return err
		}
		if counts["programmes"], err = seedProgrammes(ctx, tx, r, now); err != nil { // programmes.go
			return err
		}
		if counts["zone_cancelled"], err = seedZones(ctx, tx, now); err != nil { // zones.go
			return err
		}
		if counts["totp"], err = seedTOTP(ctx, tx, keys); err != nil {
			return err
		}
		return audit.Write(ctx, tx, auth.Principal{UserID: operator, Role: auth.Role(db.RoleSystem)}, audit.Event{Action: "demo.seed", Details: counts})
	})
	if err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	if counts["releases"], err = seedReleases(ctx, d, now); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	log.Info("demo data seeded", "counts", counts, "elapsed", time.Since(started).Round(time.Millisecond))
	LogPointers(ctx, d, log)
	return nil
}

// LogPointers logs which demo accounts show the stories the README tells
// (they follow the day of seeding), on the line "demo: where to look".
func LogPointers(ctx context.Context, d *db.DB, log *slog.Logger) {
	p, err := FindPointers(ctx, d)
	if err != nil {
		log.Warn("demo: where to look", "err", err)
		return
	}
	log.Info("demo: where to look", "awaiting_record", p.AwaitingRecord, "programme_pending", p.ProgrammePending,
		"programme_accepted", p.ProgrammeAccepted, "shared_with_hr", p.SharedWithHR, "opted_out", p.OptedOut)
}

// ReleasedMonths is how many closed months the demo publishes for each
// company, so that the dashboard is full at once.
const ReleasedMonths = 12

// seedReleases publishes the last ReleasedMonths closed months of every
// demo company, as housekeeping would have on each 8th (the companies
// were created today, so ReleaseMonth's "existed before the month ended"
// rule would skip them).
func seedReleases(ctx context.Context, d *db.DB, now time.Time) (int, error) {
	var ids []uuid.UUID
	if err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &ids, `SELECT id FROM companies ORDER BY name`)
	}); err != nil {
		return 0, err
	}
	svc := &store.Service{DB: d, Clock: clock.Fixed(now)}
	last := report.LastClosed(now)
	n := 0
	for _, id := range ids {
		for m := last - ReleasedMonths + 1; m <= last; m++ {
			if _, _, err := svc.Release(ctx, id, m); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// demoCounselors generates counselor001 … counselor200 (verified; one with a
// credential expiring within 30 days) and pending01 … pending05.
func demoCounselors(r *rand.Rand, today time.Time) []counselorSpec {
	seen := map[string]bool{}
	var specs []counselorSpec
	for i := 1; i <= DemoCounselors; i++ {
		gender := []string{"female", "male"}[weighted(r, []int{55, 45})]
		c := newCounselor(r, i, fmt.Sprintf("counselor%03d@taiwa.example", i), uniquePerson(r, gender, seen), today, true)
		specs = append(specs, c)
	}
	// counselor008 must renew soon: the operator's expiry reminder has work.
	exp := &specs[7]
	exp.credentials = []credentialSpec{{kind: "career_consultant", number: "21004817", status: "verified",
		issuedOn: today.AddDate(-5, 0, 21), expiresOn: today.AddDate(0, 0, 21)}}
	exp.themes = chooseThemes(r, []string{"career_consultant"})
	exp.bio = newBio(r, "career_consultant", exp.yearsExperience, exp.themes)
	for i := 1; i <= PendingCounselors; i++ {
		gender := []string{"female", "male"}[r.IntN(2)]
		specs = append(specs, newCounselor(r, 0, fmt.Sprintf("pending%02d@taiwa.example", i), uniquePerson(r, gender, seen), today, false))
	}
	return specs
}

// seedCounselors inserts counsellors' accounts, profiles and credentials.
func seedCounselors(ctx context.Context, tx *sqlx.Tx, specs []counselorSpec, hash string, verifier uuid.UUID, now time.Time) error {
	users := make([]userRow, len(specs))
	for i, c := range specs {
		users[i] = userRow{id: uuid.New(), email: c.email, name: c.name, role: "counselor"}
	}
	ids, err := insertUsers(ctx, tx, users, hash)
	if err != nil {
		return err
	}
	return insertCounselors(ctx, tx, specs, ids, verifier, now)
}

// seedTOTP gives every demo account that must have a second factor the
// shared TOTPSecret, so a newcomer signs in with one authenticator entry.
// Without keys there is nothing to seal with: they enrol at first sign-in.
func seedTOTP(ctx context.Context, tx *sqlx.Tx, keys *seal.Keyring) (int, error) {
	if keys == nil {
		return 0, nil
	}
	var ids []uuid.UUID
	if err := tx.SelectContext(ctx, &ids, `SELECT id FROM users WHERE role IN ('operator', 'counselor') ORDER BY id`); err != nil {
		return 0, err
	}
	for _, id := range ids {
		if err := account.SealTOTPSecret(ctx, tx, keys, id, TOTPSecret); err != nil {
			return 0, err
		}
	}
	return len(ids), nil
}
