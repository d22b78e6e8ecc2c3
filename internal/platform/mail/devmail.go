package mail

import (
	"context"
	"log/slog"
	"time"

	"github.com/taiwa/taiwa/internal/platform/db"
)

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
	addr string
}

// StartSink listens on addr (e.g. "127.0.0.1:0") and serves until Close.
func StartSink(ctx context.Context, addr string, d *db.DB, log *slog.Logger) (*Sink, error) {
	panic("mail: StartSink not built yet")
}

// Addr is the sink's listening address (host:port).
func (s *Sink) Addr() string { return s.addr }

// URL is the TAIWA_SMTP_URL that reaches this sink.
func (s *Sink) URL() string { return "smtp://" + s.addr }

// Close stops the sink.
func (s *Sink) Close() error { return nil }

// ListDevMail returns the newest caught messages (without bodies decoded),
// optionally only those to one recipient.
func ListDevMail(ctx context.Context, d *db.DB, to string, limit int) ([]DevMail, error) {
	panic("mail: ListDevMail not built yet")
}

// GetDevMail returns one caught message with its text and attachments decoded.
func GetDevMail(ctx context.Context, d *db.DB, id int64) (DevMail, error) {
	panic("mail: GetDevMail not built yet")
}
