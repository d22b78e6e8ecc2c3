package mail_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"net"
	"net/smtp"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/japanese"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	taiwamail "github.com/taiwa/taiwa/internal/platform/mail"
)

// sendRaw delivers a hand-written message with the standard library's SMTP
// client, so the sink is tested against a client other than our own.
func sendRaw(t *testing.T, sink *taiwamail.Sink, from string, to []string, raw string) {
	t.Helper()
	raw = strings.ReplaceAll(raw, "\n", "\r\n")
	if err := smtp.SendMail(sink.Addr(), nil, from, to, []byte(raw)); err != nil {
		t.Fatal(err)
	}
}

func encode(t *testing.T, s string, enc interface{ String(string) (string, error) }) string {
	t.Helper()
	out, err := enc.String(s)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestSinkStoresAndDecodesMessagesInJapaneseEncodings(t *testing.T) {
	t.Parallel()
	iso := japanese.ISO2022JP.NewEncoder()
	sjis := japanese.ShiftJIS.NewEncoder()
	b64 := base64.StdEncoding.EncodeToString
	for _, tc := range []struct {
		name        string
		raw         string
		subject     string
		text        string
		attachments []taiwamail.Attachment
	}{
		{
			name: "ISO-2022-JP subject and 7bit body",
			raw: "From: a@example.jp\nTo: b@example.jp\nSubject: =?ISO-2022-JP?B?" + b64([]byte(encode(t, "面談のご案内", iso))) + "?=\n" +
				"MIME-Version: 1.0\nContent-Type: text/plain; charset=ISO-2022-JP\nContent-Transfer-Encoding: 7bit\n\n" +
				encode(t, "こんにちは。\n面談は明日です。", iso) + "\n",
			subject: "面談のご案内",
			text:    "こんにちは。\n面談は明日です。\n",
		},
		{
			name: "Shift_JIS base64 body and UTF-8 Q subject",
			raw: "From: a@example.jp\nTo: b@example.jp\nSubject: =?UTF-8?Q?=E4=BA=88=E7=B4=84?=\n" +
				"MIME-Version: 1.0\nContent-Type: text/plain; charset=Shift_JIS\nContent-Transfer-Encoding: base64\n\n" +
				b64([]byte(encode(t, "予約が確定しました", sjis))) + "\n",
			subject: "予約",
			text:    "予約が確定しました",
		},
		{
			name:    "plain ASCII without MIME headers",
			raw:     "From: a@example.jp\nTo: b@example.jp\nSubject: Hello\n\nJust text.\n",
			subject: "Hello",
			text:    "Just text.\n",
		},
		{
			name: "nested alternative with HTML and a quoted-printable attachment named in RFC 2231",
			raw: "From: a@example.jp\nTo: b@example.jp\nSubject: =?UTF-8?B?" + b64([]byte("報告書")) + "?=\n" +
				"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"outer\"\n\n" +
				"--outer\nContent-Type: multipart/alternative; boundary=\"inner\"\n\n" +
				"--inner\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: quoted-printable\n\n" +
				"=E6=9C=AC=E6=96=87=\n=E3=81=A7=E3=81=99\n" +
				"--inner\nContent-Type: text/html; charset=UTF-8\n\n<p>本文です</p>\n" +
				"--inner--\n" +
				"--outer\nContent-Type: text/csv; charset=UTF-8\nContent-Disposition: attachment; filename*=UTF-8''%E5%A0%B1%E5%91%8A.csv\n" +
				"Content-Transfer-Encoding: quoted-printable\n\n=E5=90=8D=E5=89=8D,=E7=82=B9\n" +
				"--outer--\n",
			subject: "報告書",
			text:    "本文です", // the line break before a boundary belongs to the boundary
			attachments: []taiwamail.Attachment{
				{Name: "報告.csv", ContentType: "text/csv; charset=UTF-8", Data: []byte("名前,点")},
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := dbtest.New(t)
			sink := startSink(t, env)
			sendRaw(t, sink, "a@example.jp", []string{"b@example.jp"}, tc.raw)

			list, err := taiwamail.ListDevMail(context.Background(), env.DB, "", 0)
			if err != nil || len(list) != 1 {
				t.Fatalf("ListDevMail = %d mails, %v; want 1", len(list), err)
			}
			if list[0].Subject != tc.subject {
				t.Errorf("stored subject = %q, want %q", list[0].Subject, tc.subject)
			}
			got, err := taiwamail.GetDevMail(context.Background(), env.DB, list[0].ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.Text != tc.text {
				t.Errorf("text = %q, want %q", got.Text, tc.text)
			}
			if !reflect.DeepEqual(got.Attachments, tc.attachments) {
				t.Errorf("attachments = %+v, want %+v", got.Attachments, tc.attachments)
			}
			if !bytes.Equal(got.Raw, []byte(strings.ReplaceAll(tc.raw, "\n", "\r\n"))) {
				t.Errorf("raw bytes were not kept as received")
			}
		})
	}
}

func TestListDevMailFiltersByRecipientNewestFirstAndCapsLimit(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	sink := startSink(t, env)
	ctx := context.Background()
	sendRaw(t, sink, "x@example.jp", []string{"alice@example.jp"}, "Subject: one\n\n1\n")
	sendRaw(t, sink, "x@example.jp", []string{"bob@example.jp", "alice@example.jp"}, "Subject: two\n\n2\n")
	sendRaw(t, sink, "x@example.jp", []string{"bob@example.jp"}, "Subject: three\n\n3\n")

	subjects := func(to string, limit int) []string {
		t.Helper()
		list, err := taiwamail.ListDevMail(ctx, env.DB, to, limit)
		if err != nil {
			t.Fatal(err)
		}
		var s []string
		for _, m := range list {
			s = append(s, m.Subject)
		}
		return s
	}
	for _, tc := range []struct {
		to    string
		limit int
		want  []string
	}{
		{"", 10, []string{"three", "two", "one"}},
		{"", 2, []string{"three", "two"}},
		{"", 0, []string{"three", "two", "one"}},
		{"", 100000, []string{"three", "two", "one"}},
		{"alice@example.jp", 10, []string{"two", "one"}},
		{"Bob@Example.JP", 10, []string{"three", "two"}},
		{"nobody@example.jp", 10, nil},
	} {
		if got := subjects(tc.to, tc.limit); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("ListDevMail(%q, %d) = %q, want %q", tc.to, tc.limit, got, tc.want)
		}
	}
	list, _ := taiwamail.ListDevMail(ctx, env.DB, "", 1)
	if want := []string{"bob@example.jp"}; !reflect.DeepEqual(list[0].To, want) || list[0].From != "x@example.jp" {
		t.Errorf("envelope = %q → %q, want x@example.jp → %q", list[0].From, list[0].To, want)
	}
}

func TestGetDevMailOfUnknownIDIsNotFound(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	_, err := taiwamail.GetDevMail(context.Background(), env.DB, 424242)
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.CodeNotFound {
		t.Fatalf("err = %v, want a not_found domain error", err)
	}
}

func TestSinkStopsListeningWhenItsContextEnds(t *testing.T) {
	t.Parallel()
	env := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	sink, err := taiwamail.StartSink(ctx, "127.0.0.1:0", env.DB, quiet)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", sink.Addr()); err != nil {
		t.Fatalf("sink is not listening: %v", err)
	} else {
		_ = c.Close()
	}
	cancel()
	// Wait on the sink's own signal: dialling the freed port again is not a
	// test of the sink, since another test's listener may take that port.
	select {
	case <-sink.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("sink still serves 10 s after its context ended")
	}
	if err := sink.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		t.Errorf("Close after the context ended = %v, want nil", err)
	}
}
