package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	gomail "github.com/wneessen/go-mail"

	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// DialTimeout bounds the connection and each SMTP exchange, so a stalled
// server fails the attempt (and the row retries after its backoff).
const DialTimeout = 15 * time.Second

// Sender delivers queued messages over SMTP.
type Sender struct {
	URL  string
	From string
}

// NewSender returns a sender for an smtp:// or smtps:// URL.
func NewSender(url, from string) *Sender { return &Sender{URL: url, From: from} }

// Handle is the outbox handler (a Remote) for Kind: it sends with no
// transaction open, then redacts the row's payload in the transaction that
// marks it done, so one-time links in the text do not stay in the
// database. A crash between the send and that commit sends again with the
// same Message-ID.
func (s *Sender) Handle(_ context.Context, _ *sqlx.Tx, m outbox.Message) (outbox.Call, error) {
	var msg Message
	if err := json.Unmarshal(m.Payload, &msg); err != nil {
		return nil, fmt.Errorf("mail: decode: %w", err)
	}
	if s.URL == "" {
		return nil, fmt.Errorf("mail: TAIWA_SMTP_URL is not set; the message waits in the outbox")
	}
	if isRedacted(m.Payload) {
		return nil, fmt.Errorf("mail: outbox row %d was already sent and its payload redacted", m.ID)
	}
	return func(ctx context.Context) (outbox.Record, error) {
		if err := s.send(ctx, msg, messageID(m, s.From)); err != nil {
			return nil, err
		}
		return func(ctx context.Context, tx *sqlx.Tx) error {
			if _, err := tx.ExecContext(ctx, `
				UPDATE outbox SET payload = jsonb_build_object('to', payload->'to', 'subject', payload->'subject', 'redacted', true)
				WHERE id = $1`, m.ID); err != nil {
				return fmt.Errorf("mail: redact outbox row %d: %w", m.ID, err)
			}
			return nil
		}, nil
	}, nil
}

func isRedacted(payload []byte) bool {
	var p struct {
		Redacted bool `json:"redacted"`
	}
	return json.Unmarshal(payload, &p) == nil && p.Redacted
}

// send delivers msg with the given Message-ID over one SMTP connection.
func (s *Sender) send(ctx context.Context, msg Message, id string) error {
	if len(msg.To) == 0 {
		return errors.New("mail: no recipient")
	}
	gm, err := s.build(msg, id)
	if err != nil {
		return err
	}
	c, err := newClient(s.URL)
	if err != nil {
		return err
	}
	if err := c.DialAndSendWithContext(ctx, gm); err != nil {
		return fmt.Errorf("mail: send to %s: %w", c.ServerAddr(), err)
	}
	return nil
}

// build turns msg into a MIME message: UTF-8 subject and text/plain body,
// attachments with their own content type (parameters included, e.g.
// "text/calendar; method=REQUEST; charset=UTF-8").
func (s *Sender) build(msg Message, id string) (*gomail.Msg, error) {
	gm := gomail.NewMsg(gomail.WithCharset(gomail.CharsetUTF8), gomail.WithEncoding(gomail.EncodingQP))
	if err := gm.From(s.From); err != nil {
		return nil, fmt.Errorf("mail: from %q: %w", s.From, err)
	}
	if err := gm.To(msg.To...); err != nil {
		return nil, fmt.Errorf("mail: to: %w", err)
	}
	gm.Subject(msg.Subject)
	gm.SetMessageIDWithValue(id)
	gm.SetDate()
	gm.SetBodyString(gomail.TypeTextPlain, msg.Text)
	for _, a := range msg.Attachments {
		opts := []gomail.FileOption{gomail.WithFileEncoding(gomail.EncodingB64)}
		if a.ContentType != "" {
			opts = append(opts, gomail.WithFileContentType(gomail.ContentType(a.ContentType)))
		}
		if err := gm.AttachReader(a.Name, bytes.NewReader(a.Data), opts...); err != nil {
			return nil, fmt.Errorf("mail: attach %s: %w", a.Name, err)
		}
	}
	return gm, nil
}

// messageID is stable for an outbox row, so a retry after a crash between
// send and commit carries the same Message-ID and receivers can tell it is
// a duplicate. The payload hash keeps ids apart across databases whose
// sequences overlap.
func messageID(m outbox.Message, from string) string {
	domain := "taiwa.localhost"
	if a, err := mail.ParseAddress(from); err == nil {
		if i := strings.LastIndexByte(a.Address, '@'); i >= 0 && i < len(a.Address)-1 {
			domain = a.Address[i+1:]
		}
	}
	sum := sha256.Sum256(m.Payload)
	return fmt.Sprintf("outbox.%d.%s@%s", m.ID, hex.EncodeToString(sum[:8]), domain)
}

// newClient configures a client from smtp://[user:pass@]host[:port]
// (STARTTLS when offered, plain otherwise; default port 587) or
// smtps://[user:pass@]host[:port] (implicit TLS; default port 465).
func newClient(raw string) (*gomail.Client, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("mail: bad SMTP URL: %w", err)
	}
	port := 587
	opts := []gomail.Option{gomail.WithTimeout(DialTimeout)}
	switch u.Scheme {
	case "smtp":
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, fmt.Errorf("mail: SMTP URL scheme %q: want smtp or smtps", u.Scheme)
	}
	if u.Hostname() == "" {
		return nil, errors.New("mail: SMTP URL has no host")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, fmt.Errorf("mail: SMTP URL port %q: %w", p, err)
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil && u.User.Username() != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	c, err := gomail.NewClient(u.Hostname(), opts...)
	if err != nil {
		return nil, fmt.Errorf("mail: SMTP client: %w", err)
	}
	return c, nil
}
