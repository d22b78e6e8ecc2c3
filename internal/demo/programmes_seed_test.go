package demo_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/programme"
	"github.com/taiwa/taiwa/internal/report/store"
)

// TestSeedDemoProgrammesHaveEveryStepState checks the demo programmes:
// the open high-stress follow-up is big enough to publish and has steps
// in every state; held steps use the same employee's completed sessions;
// the named return-to-work has pending and accepted enrolments; the small
// みなと物流 programme's uptake is suppressed.
func TestSeedDemoProgrammesHaveEveryStepState(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	open := `(SELECT p.id FROM programmes p JOIN companies c ON c.id = p.company_id WHERE c.name = 'サンプル商事' AND p.mode = 'open')`
	if n := count(t, d, `SELECT count(*) FROM programme_enrolments WHERE programme_id = `+open); n < 40 {
		t.Errorf("open programme invited %d, want ≥ 40", n)
	}
	if n := count(t, d, `SELECT count(*) FROM programme_enrolments WHERE status = 'joined' AND programme_id = `+open); n < 12 {
		t.Errorf("open programme joined %d, want ≥ 12", n)
	}
	for _, st := range []string{"held", "booked", "invited", "declined", "closed", "scheduled"} {
		if n := count(t, d, `SELECT count(*) FROM programme_steps s JOIN programme_enrolments e ON e.id = s.enrolment_id
			WHERE s.state = $1 AND e.programme_id = `+open, st); n == 0 {
			t.Errorf("open programme has no %s step", st)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM programme_steps s JOIN bookings b ON b.id = s.booking_id
		WHERE s.state = 'held' AND (b.status <> 'completed' OR b.employee_user_id <> s.employee_user_id)`); n != 0 {
		t.Errorf("%d held steps point at another employee's or an unheld session", n)
	}
	for _, st := range []string{"pending", "accepted"} {
		if n := count(t, d, `SELECT count(*) FROM programme_enrolments WHERE mode = 'named' AND status = $1`, st); n == 0 {
			t.Errorf("no %s named enrolment", st)
		}
	}
	if n := count(t, d, `SELECT count(*) FROM programme_steps s JOIN programme_enrolments e ON e.id = s.enrolment_id
		WHERE e.mode = 'named' AND e.status = 'accepted' AND s.state = 'declined' AND s.next_invite_on IS NOT NULL`); n == 0 {
		t.Error("no named step declined and awaiting re-invitation")
	}

	svc := &programme.Service{DB: d, Uptake: &store.Service{DB: d}}
	ctx := context.Background()
	for _, c := range []struct {
		company     string
		wantInvited bool
	}{{"サンプル商事", true}, {"みなと物流", true}} {
		var cid, pid uuid.UUID
		if err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
			if err := tx.Get(&cid, `SELECT id FROM companies WHERE name = $1`, c.company); err != nil {
				return err
			}
			return tx.Get(&pid, `SELECT id FROM programmes WHERE company_id = $1 AND mode = 'open'`, cid)
		}); err != nil {
			t.Fatal(err)
		}
		det, err := svc.Get(ctx, auth.Principal{Role: auth.RoleCompanyAdmin, CompanyID: cid, UserID: uuid.New()}, cid, pid)
		if err != nil {
			t.Fatal(err)
		}
		// Joined comes from the demo's latest release, with noise: shown or
		// "fewer than min_group", but released either way.
		if det.Uptake.Released == "" || (det.Uptake.Joined.Value == nil) != det.Uptake.Joined.Suppressed ||
			(det.Uptake.Invited.Value != nil) != c.wantInvited {
			t.Errorf("%s uptake %+v", c.company, det.Uptake)
		}
	}
}
