package apptest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// BillingPassword is the password of every account SeedBilling makes.
const BillingPassword = "billing-pass-2026"

// BillingWorld is two companies on a subscription, each with an admin
// (hr0@ and hr1@billing.example); the first had three held sessions last
// month (JST) with one counsellor (c@billing.example, ¥8,000 a session).
// An operator op@billing.example exists too.
type BillingWorld struct {
	CompanyA, CompanyB, ContractA uuid.UUID
	Period                        string // last month, YYYY-MM
	SessionDay                    string // the first session's day, YYYY-MM-DD
}

// SeedBilling makes the BillingWorld in h's database.
func SeedBilling(t testing.TB, h *Harness) BillingWorld {
	t.Helper()
	jst := time.FixedZone("JST", 9*3600)
	now := h.App.Clock.Now().In(jst) // "last month" on the server's clock
	last := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, jst).AddDate(0, -1, 0)
	start := last.AddDate(0, 0, 13).Add(10 * time.Hour)
	w := BillingWorld{Period: last.Format("2006-01"), SessionDay: start.Format("2006-01-02")}
	hash, err := account.HashPassword(BillingPassword)
	if err != nil {
		t.Fatal(err)
	}
	err = h.Env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		var counselorUser, counselorID, employeeUser uuid.UUID
		if _, err := tx.Exec(`INSERT INTO users (email, name, role, password_hash) VALUES ('op@billing.example', '運営', 'operator', $1)`, hash); err != nil {
			return err
		}
		for i, name := range []string{"請求商事", "別会社"} {
			var id, ct uuid.UUID
			if err := tx.Get(&id, `INSERT INTO companies (name) VALUES ($1) RETURNING id`, name); err != nil {
				return err
			}
			if err := tx.Get(&ct, `INSERT INTO contracts (company_id, plan_code, seats, starts_on, status) VALUES ($1, 'subscription', 50, '2020-01-01', 'active') RETURNING id`, id); err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO users (company_id, email, name, role, password_hash) VALUES ($1, $2, '人事', 'company_admin', $3)`,
				id, fmt.Sprintf("hr%d@billing.example", i), hash); err != nil {
				return err
			}
			if i == 0 {
				w.CompanyA, w.ContractA = id, ct
			} else {
				w.CompanyB = id
			}
		}
		if err := tx.Get(&employeeUser, `INSERT INTO users (company_id, email, name, role, password_hash) VALUES ($1, 'emp@billing.example', '秘密 太郎', 'employee', $2) RETURNING id`, w.CompanyA, hash); err != nil {
			return err
		}
		if _, err := tx.Exec(`INSERT INTO employees (company_id, user_id) VALUES ($1, $2)`, w.CompanyA, employeeUser); err != nil {
			return err
		}
		if err := tx.Get(&counselorUser, `INSERT INTO users (email, name, role, password_hash) VALUES ('c@billing.example', '相談 花子', 'counselor', $1) RETURNING id`, hash); err != nil {
			return err
		}
		if err := tx.Get(&counselorID, `INSERT INTO counselors (user_id, status, display_name, themes, formats, verified_at, rate_jpy)
			VALUES ($1, 'verified', '山田 花子', '{career}', '{video}', now(), 8000) RETURNING id`, counselorUser); err != nil {
			return err
		}
		for i := range 3 {
			s := start.Add(time.Duration(i) * 24 * time.Hour)
			if _, err := tx.Exec(`INSERT INTO bookings (company_id, employee_user_id, counselor_id, counselor_user_id, contract_id, starts_at, ends_at, blocked_until, theme, format, status, completed_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $7, 'career', 'video', 'completed', $7)`,
				w.CompanyA, employeeUser, counselorID, counselorUser, w.ContractA, s, s.Add(50*time.Minute)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return w
}
