package mail

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/db"
)

// SinkMaxBytes is the largest message the sink accepts; an .ics invitation
// and a few PDFs fit with room to spare.
const SinkMaxBytes = 10 << 20

// DevMail is a message caught by the development SMTP sink.
type DevMail struct {
	ID         int64     `db:"id"`
	ReceivedAt time.Time `db:"received_at"`
	From       string    `db:"mail_from"`
	To         []string  `db:"-"`
	Subject    string    `db:"subject"`
	Raw        []byte    `db:"raw"`
	// Text is the decoded plain-text body (filled by GetDevMail).
	Text string `db:"-"`
	// Attachments are the decoded parts that are files (filled by GetDevMail).
	Attachments []Attachment `db:"-"`
}

// Sink is a real SMTP server (for development and tests) that stores every
// message it receives in the dev_mail table, where operators read them in
// the UI and tests read them back.
type Sink struct {
	addr   string
	srv    *smtp.Server
	done   chan struct{} // closed when Serve returns
	once   sync.Once
	closed error
}

// StartSink listens on addr (e.g. "127.0.0.1:0") and serves until Close or
// until ctx ends. A message is stored before the server answers DATA, so
// once a send returns the message is in dev_mail.
func StartSink(ctx context.Context, addr string, d *db.DB, log *slog.Logger) (*Sink, error) {
	if log == nil {
		log = slog.Default()
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("mail: sink listen %s: %w", addr, err)
	}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &sinkSession{db: d, log: log}, nil
	}))
	srv.Domain = "taiwa-sink.localhost"
	srv.AllowInsecureAuth = true
	srv.MaxMessageBytes = SinkMaxBytes
	srv.MaxRecipients = 100
	srv.ReadTimeout = time.Minute
	srv.WriteTimeout = time.Minute
	srv.ErrorLog = sinkLogger{log}
	s := &Sink{addr: ln.Addr().String(), srv: srv, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		if err := srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			log.Error("mail: sink stopped", "err", err)
		}
	}()
	go func() {
		select {
		case <-ctx.Done():
			_ = s.Close()
		case <-s.done:
		}
	}()
	return s, nil
}

// Addr is the sink's listening address (host:port).
func (s *Sink) Addr() string { return s.addr }

// Done is closed once the sink has stopped serving and its listener is closed.
func (s *Sink) Done() <-chan struct{} { return s.done }

// URL is the TAIWA_SMTP_URL that reaches this sink.
func (s *Sink) URL() string { return "smtp://" + s.addr }

// Close stops the sink and waits until it no longer serves; calling it again
// is harmless.
func (s *Sink) Close() error {
	s.once.Do(func() {
		s.closed = s.srv.Close()
		<-s.done
	})
	return s.closed
}

// sinkSession collects one SMTP transaction's envelope and stores its data.
type sinkSession struct {
	db   *db.DB
	log  *slog.Logger
	from string
	to   []string
}

func (ss *sinkSession) Reset() { ss.from, ss.to = "", nil }

func (ss *sinkSession) Logout() error { return nil }

func (ss *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err // too large, or the connection broke: the client sees it
	}
	subject := decodeSubject(raw)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err = ss.db.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		_, err := tx.ExecContext(ctx, `
			INSERT INTO dev_mail (mail_from, rcpt_to, subject, raw) VALUES ($1, $2, $3, $4)`,
			ss.from, pq.StringArray(ss.to), subject, raw)
		return err
	})
	if err != nil {
		ss.log.Error("mail: sink could not store a message", "err", err)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "could not store the message"}
	}
	return nil
}

// sinkLogger routes go-smtp's own error log to slog.
type sinkLogger struct{ log *slog.Logger }

func (l sinkLogger) Printf(format string, v ...any) {
	l.log.Warn("mail sink: " + fmt.Sprintf(format, v...))
}

func (l sinkLogger) Println(v ...any) {
	l.log.Warn("mail sink: " + string(bytes.TrimSpace([]byte(fmt.Sprintln(v...)))))
}
