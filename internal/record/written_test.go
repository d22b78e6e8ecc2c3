package record_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/seal/sealtest"
	"github.com/taiwa/taiwa/internal/record"
)

// TestWrittenTellsOnlyTheCounselorWhichOfTheirSessionsHaveARecord: the
// session list's "write" or "view" comes from Written, which answers for
// the counsellor's own sessions only — another counsellor, or any other
// role, learns nothing about them.
func TestWrittenTellsOnlyTheCounselorWhichOfTheirSessionsHaveARecord(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	w := newWorld(t, 3)
	svc := &record.Service{DB: w.env.DB, Keys: sealtest.Ring(t, sealtest.Key(t, "A"))}
	if _, err := svc.Save(ctx, w.counselor, w.bookings[1], record.Input{Themes: []string{"career"}, RiskLevel: "none"}); err != nil {
		t.Fatal(err)
	}
	other := auth.Principal{Role: auth.RoleCounselor}
	if err := w.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.Get(&other.UserID, `INSERT INTO users (email, name, role) VALUES ('c2@taiwa.example', '別の 人', 'counselor') RETURNING id`)
	}); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		actor auth.Principal
		want  map[uuid.UUID]bool
	}{
		{"their counsellor", w.counselor, map[uuid.UUID]bool{w.bookings[1]: true}},
		{"another counsellor", other, map[uuid.UUID]bool{}},
		{"an operator", auth.Principal{Role: auth.RoleOperator, UserID: uuid.New()}, map[uuid.UUID]bool{}},
		{"the company admin", auth.Principal{Role: auth.RoleCompanyAdmin, UserID: uuid.New(), CompanyID: w.companyID}, map[uuid.UUID]bool{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := svc.Written(ctx, tc.actor, w.bookings)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			for id := range tc.want {
				if !got[id] {
					t.Fatalf("got %v, want %v", got, tc.want)
				}
			}
		})
	}
	if got, err := svc.Written(ctx, w.counselor, nil); err != nil || len(got) != 0 {
		t.Fatalf("no sessions asked: %v %v", got, err)
	}
}
