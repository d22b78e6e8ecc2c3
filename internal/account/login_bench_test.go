package account_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

const benchPassword = "bench-pass-2026"

// benchService returns a service on a fresh database with one operator
// account whose password is benchPassword. The rate limits are set
// so high they never trigger: the benchmarks measure the work, not refusals.
func benchService(b *testing.B) (*account.Service, string) {
	b.Helper()
	env := dbtest.New(b)
	const email = "bench-operator@taiwa.example"
	err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := account.CreateUser(context.Background(), tx, account.NewUser{Email: email, Name: "計測 用", Role: auth.RoleOperator, Password: benchPassword})
		return err
	})
	if err != nil {
		b.Fatal(err)
	}
	return &account.Service{DB: env.DB, SessionTTL: time.Hour, MaxFailures: 1 << 30, MaxAttempts: 1 << 30, Window: time.Hour}, email
}

// BenchmarkLogin measures a password sign-in with the real argon2id
// parameters: rate-limit bookkeeping, the hash check, the session insert and
// the audit entry.
func BenchmarkLogin(b *testing.B) {
	svc, email := benchService(b)
	ctx := context.Background()
	for b.Loop() {
		if _, err := svc.Login(ctx, email, benchPassword, "192.0.2.1", ""); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkAuthenticate measures turning a bearer token into its principal,
// the cost every authenticated request pays.
func BenchmarkAuthenticate(b *testing.B) {
	svc, email := benchService(b)
	ctx := context.Background()
	s, err := svc.Login(ctx, email, benchPassword, "192.0.2.1", "")
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		p, err := svc.Authenticate(ctx, s.Token)
		if err != nil {
			b.Fatal(err)
		}
		if p.UserID != s.User.ID {
			b.Fatalf("principal %v, want %v", p.UserID, s.User.ID)
		}
	}
}

// BenchmarkAuthenticateParallel is BenchmarkAuthenticate from concurrent
// requests sharing the pool, as a busy server runs it.
func BenchmarkAuthenticateParallel(b *testing.B) {
	svc, email := benchService(b)
	ctx := context.Background()
	s, err := svc.Login(ctx, email, benchPassword, "192.0.2.1", "")
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := svc.Authenticate(ctx, s.Token); err != nil {
				b.Error(err)
				return
			}
		}
	})
}

// BenchmarkHashPassword measures argon2id alone with the real parameters,
// the part of BenchmarkLogin that is deliberately slow.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := account.HashPassword(benchPassword); err != nil {
			b.Fatal(err)
		}
	}
}
