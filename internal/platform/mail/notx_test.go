package mail_test

import (
	"context"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/dbtest"
	taiwamail "github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// TestNoTransactionIsOpenWhileTheWorkerTalksToSMTP holds the real SMTP
// sink in the middle of the worker's send (the sink stores each message in
// dev_mail before it answers DATA; a lock on that table stops it there),
// and looks at every session of the database meanwhile: none may sit
// "idle in transaction" (the worker's claim is committed before it calls
// out). Then it lets the sink go and the row ends done and redacted.
func TestNoTransactionIsOpenWhileTheWorkerTalksToSMTP(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	sink := startSink(t, env)
	enqueue(t, env, taiwamail.Message{To: []string{"a@example.com"}, Subject: "件名", Text: "本文 https://taiwa.test/one-time"})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	super, err := sqlx.Open("postgres", env.SuperURL)
	if err != nil {
		t.Fatal(err)
	}
	defer super.Close()
	holder, err := super.BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = holder.Rollback() }()
	if _, err := holder.ExecContext(ctx, `LOCK TABLE dev_mail IN SHARE ROW EXCLUSIVE MODE`); err != nil {
		t.Fatal(err)
	}
	var holderPID int
	if err := holder.GetContext(ctx, &holderPID, `SELECT pg_backend_pid()`); err != nil {
		t.Fatal(err)
	}

	w := &outbox.Worker{DB: env.DB, Remotes: map[string]outbox.Remote{taiwamail.Kind: taiwamail.NewSender(sink.URL(), "Taiwa <no-reply@taiwa.example>").Handle}, Log: quiet}
	done := make(chan error, 1)
	go func() {
		_, err := w.Drain(ctx)
		done <- err
	}()

	// Wait until the sink's insert waits on the lock: the worker is then
	// inside its SMTP conversation. pg_stat_activity is read outside the
	// holder's transaction, which would keep showing its first snapshot.
	for {
		var waiting int
		if err := super.GetContext(ctx, &waiting, `
			SELECT count(*) FROM pg_stat_activity
			WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%INSERT INTO dev_mail%'`); err != nil {
			t.Fatal(err)
		}
		if waiting > 0 {
			break
		}
		select {
		case <-ctx.Done():
			t.Fatal("the sink never reached dev_mail")
		case <-time.After(10 * time.Millisecond):
		}
	}
	var open []string
	if err := super.SelectContext(ctx, &open, `
		SELECT state || ': ' || left(query, 200) FROM pg_stat_activity
		WHERE datname = current_database() AND pid NOT IN (pg_backend_pid(), $1) AND state LIKE 'idle in transaction%'`, holderPID); err != nil {
		t.Fatal(err)
	}
	if len(open) > 0 {
		t.Errorf("sessions idle in transaction while the worker talks to SMTP: %q", open)
	}
	if err := holder.Rollback(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	r := onlyOutboxRow(t, env)
	if r.Status != "done" || r.Attempts != 1 || r.HasTextInJSON {
		t.Fatalf("row = %s after %d attempts (text kept: %v), want done after 1 and redacted", r.Status, r.Attempts, r.HasTextInJSON)
	}
}
