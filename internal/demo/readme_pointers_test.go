package demo_test

import (
	"bytes"
	"context"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"github.com/taiwa/taiwa/internal/demo"
)

// TestSeedDemoPointsAtTheREADMEsStories: the accounts the README names
// show what it says (emp0001 without fit answers, emp0002–emp0040 with,
// emp0318–emp0320 opted out), and every story whose accounts follow the
// calendar has some, which seeding logs for `make run`.
func TestSeedDemoPointsAtTheREADMEsStories(t *testing.T) {
	t.Parallel()
	d := seeded(t)
	var logged bytes.Buffer
	if err := demo.SeedDemo(context.Background(), d, slog.New(slog.NewTextHandler(&logged, nil))); err != nil {
		t.Fatal(err)
	}
	p, err := demo.FindPointers(context.Background(), d)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v", p)
	for name, got := range map[string][]string{
		"awaiting a record": p.AwaitingRecord, "programme pending": p.ProgrammePending, "programme accepted": p.ProgrammeAccepted,
		"shared with HR": p.SharedWithHR, "opted out": p.OptedOut,
	} {
		if len(got) == 0 {
			t.Errorf("no demo account is %s", name)
		}
	}
	if !slices.Equal(p.OptedOut, []string{"emp0318", "emp0319", "emp0320"}) {
		t.Errorf("opted out: %v, the README says emp0318–emp0320", p.OptedOut)
	}
	if n := count(t, d, `SELECT count(*) FROM employee_fit_profiles f JOIN users u ON u.id = f.user_id WHERE u.email = 'emp0001@sample-shoji.example'`); n != 0 {
		t.Error("emp0001 has fit answers; the README says not yet")
	}
	if n := count(t, d, `SELECT count(*) FROM employee_fit_profiles f JOIN users u ON u.id = f.user_id
		WHERE u.email BETWEEN 'emp0002@sample-shoji.example' AND 'emp0040@sample-shoji.example' AND u.email LIKE '%@sample-shoji.example'`); n != 39 {
		t.Errorf("%d of emp0002–emp0040 have fit answers, the README says all 39", n)
	}
	if n := count(t, d, `SELECT count(*) FROM risk_alerts a WHERE a.status = 'open' AND a.risk_level = 'urgent'`); n != 1 {
		t.Errorf("%d open urgent alerts, the README says one", n)
	}
	// Seeding again (make run on a seeded database) logs where to look.
	if !strings.Contains(logged.String(), "demo: where to look") || !strings.Contains(logged.String(), p.AwaitingRecord[0]) {
		t.Errorf("the seed's log does not say where to look:\n%s", logged.String())
	}
}
