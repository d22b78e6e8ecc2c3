package mail_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	taiwamail "github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// startSink runs a real SMTP sink writing into env's database until t ends.
func startSink(t *testing.T, env *dbtest.Env) *taiwamail.Sink {
	t.Helper()
	sink, err := taiwamail.StartSink(context.Background(), "127.0.0.1:0", env.DB, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	return sink
}

func enqueue(t *testing.T, env *dbtest.Env, m taiwamail.Message) {
	t.Helper()
	err := env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		return taiwamail.Enqueue(context.Background(), tx, m, "")
	})
	if err != nil {
		t.Fatal(err)
	}
}

func drain(t *testing.T, env *dbtest.Env, s *taiwamail.Sender) {
	t.Helper()
	w := outbox.Worker{DB: env.DB, Remotes: map[string]outbox.Remote{taiwamail.Kind: s.Handle}, Log: quiet}
	n, err := w.Drain(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Fatalf("Drain processed %d rows, want 1", n)
	}
}

type outboxRow struct {
	Status        string     `db:"status"`
	Attempts      int        `db:"attempts"`
	LastError     *string    `db:"last_error"`
	Payload       []byte     `db:"payload"`
	RetriesLater  bool       `db:"retries_later"`
	DoneAt        *time.Time `db:"done_at"`
	HasTextInJSON bool       `db:"has_text"`
}

func onlyOutboxRow(t *testing.T, env *dbtest.Env) outboxRow {
	t.Helper()
	var r outboxRow
	err := env.DB.GetContext(context.Background(), &r, `
		SELECT status, attempts, last_error, payload, next_attempt_at > now() AS retries_later,
		       done_at, payload ? 'text' AS has_text
		FROM outbox`)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

const inviteTemplate = `{{define "subject"}}【Taiwa】{{.Name}}さん、カウンセリング面談のご予約が確定しました（{{.When}}）{{end}}
{{define "text"}}
{{.Name}} 様

面談のご予約が確定しました。
日時: {{.When}}
参加用リンク（一度だけ有効）: {{.Link}}

Taiwa サポート
{{end}}
`

func TestComposedMailTravelsThroughOutboxToSinkIntactAndRowIsRedacted(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	sink := startSink(t, env)
	ctx := context.Background()

	composer, err := taiwamail.NewComposer(fstest.MapFS{"invite.ja.tmpl": {Data: []byte(inviteTemplate)}})
	if err != nil {
		t.Fatal(err)
	}
	msg, err := composer.Compose("invite", "ja", "employee@example.jp", map[string]string{
		"Name": "山田 花子", "When": "2025年4月1日 10:00", "Link": "https://taiwa.example/j/one-time-token",
	})
	if err != nil {
		t.Fatal(err)
	}
	ics := taiwamail.Attachment{
		Name:        "invite.ics",
		ContentType: "text/calendar; method=REQUEST; charset=UTF-8",
		Data:        []byte("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nSUMMARY:カウンセリング面談\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"),
	}
	binary := make([]byte, 3000)
	for i := range binary {
		binary[i] = byte(i * 7)
	}
	pdf := taiwamail.Attachment{Name: "案内.pdf", ContentType: "application/pdf", Data: binary}
	msg.Attachments = []taiwamail.Attachment{ics, pdf}
	enqueue(t, env, msg)

	drain(t, env, taiwamail.NewSender(sink.URL(), "Taiwa <no-reply@taiwa.example>"))

	list, err := taiwamail.ListDevMail(ctx, env.DB, "employee@example.jp", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 {
		t.Fatalf("sink holds %d mails for the recipient, want 1", len(list))
	}
	got, err := taiwamail.GetDevMail(ctx, env.DB, list[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Subject != msg.Subject {
		t.Errorf("subject = %q, want %q", got.Subject, msg.Subject)
	}
	if got.Text != msg.Text {
		t.Errorf("text = %q, want %q", got.Text, msg.Text)
	}
	if got.From != "no-reply@taiwa.example" || !reflect.DeepEqual(got.To, []string{"employee@example.jp"}) {
		t.Errorf("envelope = %q → %q", got.From, got.To)
	}
	if len(got.Attachments) != 2 {
		t.Fatalf("got %d attachments, want 2", len(got.Attachments))
	}
	for i, want := range []taiwamail.Attachment{ics, pdf} {
		a := got.Attachments[i]
		if a.Name != want.Name || !bytes.Equal(a.Data, want.Data) {
			t.Errorf("attachment %d = %q (%d bytes), want %q (%d bytes) byte-identical", i, a.Name, len(a.Data), want.Name, len(want.Data))
		}
		assertSameMediaType(t, a.ContentType, want.ContentType)
	}

	parsed, err := mail.ReadMessage(bytes.NewReader(got.Raw))
	if err != nil {
		t.Fatal(err)
	}
	if id := parsed.Header.Get("Message-Id"); !strings.HasPrefix(id, "<outbox.") || !strings.HasSuffix(id, "@taiwa.example>") {
		t.Errorf("Message-ID = %q, want <outbox.…@taiwa.example>", id)
	}
	if !bytes.Contains(got.Raw, []byte("text/plain; charset=UTF-8")) {
		t.Errorf("raw message has no UTF-8 text/plain part:\n%s", got.Raw)
	}

	row := onlyOutboxRow(t, env)
	if row.Status != "done" || row.Attempts != 1 || row.DoneAt == nil || row.LastError != nil {
		t.Errorf("outbox row = %+v, want done after 1 attempt", row)
	}
	var payload map[string]any
	if err := json.Unmarshal(row.Payload, &payload); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"to": []any{"employee@example.jp"}, "subject": msg.Subject, "redacted": true}
	if row.HasTextInJSON || !reflect.DeepEqual(payload, want) {
		t.Errorf("payload after send = %v, want %v", payload, want)
	}
}

func assertSameMediaType(t *testing.T, got, want string) {
	t.Helper()
	gt, gp, err := mime.ParseMediaType(got)
	if err != nil {
		t.Fatalf("content type %q: %v", got, err)
	}
	wt, wp, _ := mime.ParseMediaType(want)
	if gt != wt || !reflect.DeepEqual(gp, wp) {
		t.Errorf("content type = %q, want %q", got, want)
	}
}

func TestSenderToClosedPortRecordsFailedAttemptAndKeepsPayload(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	_ = ln.Close()
	enqueue(t, env, taiwamail.Message{To: []string{"a@example.jp"}, Subject: "件名", Text: "本文 https://x/once"})

	drain(t, env, taiwamail.NewSender("smtp://"+closed, "no-reply@taiwa.example"))

	row := onlyOutboxRow(t, env)
	if row.Status != "pending" || row.Attempts != 1 || !row.RetriesLater || !row.HasTextInJSON {
		t.Errorf("row = %+v, want pending, 1 attempt, retry in the future, payload intact", row)
	}
	if row.LastError == nil || !strings.Contains(*row.LastError, closed) {
		t.Errorf("last_error = %v, want the failed address %s", row.LastError, closed)
	}
}

func TestSenderRefusesBadConfigurationAndLeavesRowPending(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, url, from, wantErr string
	}{
		{"empty URL waits", "", "no-reply@taiwa.example", "TAIWA_SMTP_URL is not set"},
		{"unknown scheme", "http://127.0.0.1:25", "no-reply@taiwa.example", `scheme "http"`},
		{"no host", "smtp://:25", "no-reply@taiwa.example", "no host"},
		{"bad port", "smtp://127.0.0.1:smtp", "no-reply@taiwa.example", "invalid port"},
		{"bad sender address", "smtp://127.0.0.1:1", "not an address", "from"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := dbtest.New(t)
			enqueue(t, env, taiwamail.Message{To: []string{"a@example.jp"}, Subject: "件名", Text: "本文"})

			drain(t, env, taiwamail.NewSender(tc.url, tc.from))

			row := onlyOutboxRow(t, env)
			if row.Status != "pending" || row.Attempts != 1 || !row.HasTextInJSON {
				t.Errorf("row = %+v, want pending after 1 attempt with payload intact", row)
			}
			if row.LastError == nil || !strings.Contains(*row.LastError, tc.wantErr) {
				t.Errorf("last_error = %v, want it to mention %q", row.LastError, tc.wantErr)
			}
		})
	}
}
