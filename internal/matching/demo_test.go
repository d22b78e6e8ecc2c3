package matching_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/counselor"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/matching"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

// demoEmployee is the principal of the demo account email.
func demoEmployee(t *testing.T, env *dbtest.Env, email string) auth.Principal {
	t.Helper()
	p := auth.Principal{Role: auth.RoleEmployee}
	if err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.QueryRow(`SELECT id, company_id FROM users WHERE email = $1`, email).Scan(&p.UserID, &p.CompanyID)
	}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestDemoEmployeesGetExplainedRecommendationsAndEmp0001HasNoProfile(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx := context.Background()
	if err := demo.SeedDemo(ctx, env.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if _, err := (&counselor.Service{DB: env.DB}).Reindex(ctx); err != nil {
		t.Fatal(err)
	}
	svc := &matching.Service{DB: env.DB}
	var withFit, verified int
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := tx.Get(&verified, `SELECT count(*) FROM counselors WHERE status = 'verified'`); err != nil {
			return err
		}
		return tx.Get(&withFit, `SELECT count(*) FROM counselor_fit_profiles`)
	}); err != nil {
		t.Fatal(err)
	}
	if withFit != verified || verified < 200 {
		t.Fatalf("%d of %d verified counsellors answered the questionnaire, want all (≥ 200)", withFit, verified)
	}
	first := demoEmployee(t, env, "emp0001@sample-shoji.example")
	if _, err := svc.MyFitProfile(ctx, first); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("emp0001's profile: %v, want not_found (the questionnaire comes first)", err)
	}
	full := 0
	for i := 2; i <= 40; i++ {
		emp := demoEmployee(t, env, fmt.Sprintf("emp%04d@sample-shoji.example", i))
		res, err := svc.Recommend(ctx, emp, matching.Query{Lang: "en"})
		if err != nil {
			t.Fatalf("emp%04d: %v", i, err)
		}
		if i == 2 && len(res.Items) > 0 {
			t.Logf("emp0002, %s: %.1f %q", res.Theme, res.Items[0].Score, res.Items[0].Reasons)
			ja, err := svc.Recommend(ctx, emp, matching.Query{})
			if err != nil || len(ja.Items) == 0 {
				t.Fatalf("in Japanese: %v", err)
			}
			t.Logf("emp0002 (ja): %.1f %q", ja.Items[0].Score, ja.Items[0].Reasons)
		}
		if len(res.Items) == matching.MaxRecommendations {
			full++
		}
		for _, it := range res.Items {
			if len(it.Reasons) < 2 || len(it.Reasons) > 3 || it.Score <= 0 || it.Score > 100 {
				t.Fatalf("emp%04d: item %+v: want a score in (0, 100] and two or three reasons", i, it)
			}
			if it.Counselor.NextAvailableAt == nil || !it.Counselor.NextAvailableAt.After(time.Now()) {
				t.Fatalf("emp%04d: %s has no free slot ahead", i, it.Counselor.DisplayName)
			}
		}
	}
	if full < 30 {
		t.Fatalf("only %d of 39 demo employees got ten recommendations", full)
	}
}
