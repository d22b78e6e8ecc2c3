package store_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os/exec"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/auth"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/report"
	"github.com/taiwa/taiwa/internal/report/store"
)

// scaleWorld is the scale company (200 employees, sessions over two
// years) created long ago, so that every closed month is its own.
func scaleWorld(t *testing.T) (*dbtest.Env, uuid.UUID) {
	t.Helper()
	env := dbtest.New(t)
	ctx := context.Background()
	if err := demo.SeedScaleWith(ctx, env.DB, demo.ScaleOptions{Employees: 200, Sessions: 3000}, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	var id uuid.UUID
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		if err := tx.GetContext(ctx, &id, `SELECT id FROM companies WHERE name = $1`, demo.ScaleCompany); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `UPDATE companies SET created_at = '2020-01-01' WHERE id = $1`, id)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return env, id
}

func releases(t *testing.T, env *dbtest.Env, where string, args ...any) map[string][]byte {
	t.Helper()
	var rows []struct {
		Company uuid.UUID `db:"company_id"`
		Month   int       `db:"month"`
		Body    []byte    `db:"body"`
	}
	if err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return tx.Select(&rows, `SELECT company_id, month, body FROM report_releases WHERE `+where, args...)
	}); err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, r := range rows {
		out[r.Company.String()+"/"+report.Month(r.Month).String()] = r.Body
	}
	return out
}

// TestAReleaseIsComputedOnceAndNeverChanges: a rerun, eight concurrent
// runs and a correction after the release all leave the first release as
// it was, and reading it never draws new noise.
func TestAReleaseIsComputedOnceAndNeverChanges(t *testing.T) {
	t.Parallel()
	env, cid := scaleWorld(t)
	ctx := context.Background()
	svc := &store.Service{DB: env.DB}
	m := report.LastClosed(time.Now()) - 1
	var wg sync.WaitGroup
	created := make(chan bool, 8)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, c, err := svc.Release(ctx, cid, m)
			if err != nil {
				t.Error(err)
			}
			created <- c
		}()
	}
	wg.Wait()
	close(created)
	n := 0
	for c := range created {
		if c {
			n++
		}
	}
	first := releases(t, env, "company_id = $1", cid)
	if n != 1 || len(first) != 1 {
		t.Fatalf("8 concurrent runs created %d releases (%d stored), want 1", n, len(first))
	}
	var rel report.Release
	if err := json.Unmarshal(first[cid.String()+"/"+m.String()], &rel); err != nil || rel.Total.Population != 200 || len(rel.Departments) == 0 {
		t.Fatalf("release %+v, %v", rel.Total, err)
	}
	// A correction after the release: a held session cancelled, another
	// added. The release stays; a rerun returns it.
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE bookings SET status = 'cancelled' WHERE id IN (
			SELECT id FROM bookings WHERE company_id = $1 AND status = 'completed' AND starts_at >= $2 AND starts_at < $3 LIMIT 5)`,
			cid, monthStart(m), monthStart(m+1))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, c, err := svc.Release(ctx, cid, m); err != nil || c {
		t.Fatalf("rerun created %v, %v", c, err)
	}
	if again := releases(t, env, "company_id = $1", cid); string(again[cid.String()+"/"+m.String()]) != string(first[cid.String()+"/"+m.String()]) {
		t.Fatal("the release changed after a correction")
	}
	op := auth.Principal{UserID: uuid.New(), Role: auth.RoleOperator}
	q := store.Request{From: m.String(), To: m.String(), By: "department"}
	a, err := svc.Report(ctx, op, cid, q)
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Report(ctx, op, cid, q)
	if err != nil {
		t.Fatal(err)
	}
	ja, _ := json.Marshal(a.Cells)
	jb, _ := json.Marshal(b.Cells)
	if string(ja) != string(jb) {
		t.Error("asking again gave other numbers")
	}
}

func monthStart(m report.Month) time.Time {
	return report.PublishesOn(m-1).AddDate(0, 0, 1-report.CloseDay)
}

// TestReleasesRefuseOpenMonthsAndAreImmutableInTheDatabase.
func TestReleasesRefuseOpenMonthsAndAreImmutableInTheDatabase(t *testing.T) {
	t.Parallel()
	env, cid := scaleWorld(t)
	ctx := context.Background()
	svc := &store.Service{DB: env.DB}
	open := report.LastClosed(time.Now()) + 1
	if _, _, err := svc.Release(ctx, cid, open); !apperr.Is(err, apperr.CodeUnprocessable) {
		t.Fatalf("an open month: %v", err)
	}
	m := report.LastClosed(time.Now())
	if _, _, err := svc.Release(ctx, cid, m); err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{
		`UPDATE report_releases SET body = '{}'`,
		`DELETE FROM report_releases`,
		`TRUNCATE report_releases`,
	} {
		err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error { _, err := tx.ExecContext(ctx, stmt); return err })
		if err == nil {
			t.Errorf("%s: allowed", stmt)
		}
	}
	if n := len(releases(t, env, "true")); n != 1 {
		t.Errorf("%d releases after the attempts", n)
	}
	// Housekeeping's catch-up makes the missing months of the last three.
	made, err := svc.ReleaseDue(ctx)
	if err != nil || made != 2 {
		t.Errorf("ReleaseDue made %d, %v; want the 2 missing months", made, err)
	}
	if made, err := svc.ReleaseDue(ctx); err != nil || made != 0 {
		t.Errorf("a second ReleaseDue made %d, %v", made, err)
	}
}

// TestAKilledReleaseRunLeavesWholeReleasesOrNone kills `taiwa reports
// release` midway: every stored release is whole, and a rerun publishes
// the rest without touching those already published.
func TestAKilledReleaseRunLeavesWholeReleasesOrNone(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := dbtest.Binary(t)
	env, _ := scaleWorld(t)
	ctx := context.Background()
	const extra = 60
	if err := env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		for g := 1; g <= extra; g++ {
			dbtest.Company(t, tx, dbtest.Name(fmt.Sprint("kill ", g)), dbtest.CreatedAt("2020-01-01"))
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	m := report.LastClosed(time.Now())
	run := func(pause string) *exec.Cmd {
		cmd := exec.Command(bin, "reports", "release", "--period", m.String())
		cmd.Env = env.CommandEnv("TAIWA_REPORT_RELEASE_PAUSE=" + pause)
		return cmd
	}
	cmd := run("10ms")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	ticker := time.NewTicker(20 * time.Millisecond)
	defer ticker.Stop()
	timeout := time.After(2 * time.Minute)
	for len(releases(t, env, "true")) < 10 {
		select {
		case <-ticker.C:
		case <-timeout:
			t.Fatal("the run published nothing in 2 minutes")
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	mid := releases(t, env, "true")
	if len(mid) >= extra+1 {
		t.Fatalf("the run finished (%d releases) before it was killed", len(mid))
	}
	for k, body := range mid {
		var r report.Release
		if err := json.Unmarshal(body, &r); err != nil || r.Version != report.ReleaseVersion || len(r.Themes) != len(report.Themes) ||
			len(r.Risk) != len(report.RiskBands) || len(r.AgeBands) != len(report.AgeBands)+1 {
			t.Errorf("%s is not a whole release: %v", k, err)
		}
	}
	t.Logf("killed after %d of %d releases", len(mid), extra+1)
	if out, err := run("").CombinedOutput(); err != nil {
		t.Fatalf("rerun: %v\n%s", err, out)
	}
	after := releases(t, env, "true")
	if len(after) != extra+1 {
		t.Errorf("%d releases after the rerun, want %d", len(after), extra+1)
	}
	for k, body := range mid {
		if string(after[k]) != string(body) {
			t.Errorf("%s changed on the rerun", k)
		}
	}
}
