package mail

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// Sender delivers queued messages over SMTP.
type Sender struct {
	URL  string
	From string
}

// NewSender returns a sender for an smtp:// or smtps:// URL.
func NewSender(url, from string) *Sender { return &Sender{URL: url, From: from} }

// Handle is the outbox handler for Kind.
func (s *Sender) Handle(ctx context.Context, tx *sqlx.Tx, m outbox.Message) error {
	var msg Message
	if err := json.Unmarshal(m.Payload, &msg); err != nil {
		return fmt.Errorf("mail: decode: %w", err)
	}
	if s.URL == "" {
		return fmt.Errorf("mail: TAIWA_SMTP_URL is not set; the message waits in the outbox")
	}
	return fmt.Errorf("mail: sending not built yet")
}
