package billing_test

import (
	"context"
	"io"
	"testing"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
)

func TestBillingMigrationRollsBackAndReapplies(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	m, err := db.NewMigrator(env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	if err := m.Down(ctx, io.Discard); err != nil {
		t.Fatalf("down: %v", err)
	}
	if err := m.Up(ctx, io.Discard); err != nil {
		t.Fatalf("up again: %v", err)
	}
}
