// Package mail composes messages from the embedded templates and queues them
// in the outbox; the worker delivers them over SMTP.
package mail

import (
	"bytes"
	"context"
	"fmt"
	"io/fs"
	"strings"
	"text/template"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// Kind is the outbox kind of a mail to send.
const Kind = "mail.send"

// Message is one mail, as it travels through the outbox.
type Message struct {
	To          []string     `json:"to"`
	Subject     string       `json:"subject"`
	Text        string       `json:"text"`
	Attachments []Attachment `json:"attachments,omitempty"`
}

// Attachment is a file sent with a message (e.g. an .ics invitation).
type Attachment struct {
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Data        []byte `json:"data"`
}

// Enqueue queues m in the caller's transaction; dedupeKey makes it
// idempotent (empty: always queue).
func Enqueue(ctx context.Context, tx *sqlx.Tx, m Message, dedupeKey string) error {
	if len(m.To) == 0 {
		return fmt.Errorf("mail: no recipient")
	}
	return outbox.Enqueue(ctx, tx, Kind, m, dedupeKey)
}

// Composer renders mail templates named "<name>.<locale>.tmpl", each
// defining "subject" and "text".
type Composer struct {
	t map[string]*template.Template
}

// NewComposer parses every template in fsys (the web/mail folder) once.
func NewComposer(fsys fs.FS) (*Composer, error) {
	c := &Composer{t: map[string]*template.Template{}}
	files, err := fs.Glob(fsys, "*.tmpl")
	if err != nil {
		return nil, err
	}
	for _, f := range files {
		t, err := template.ParseFS(fsys, f)
		if err != nil {
			return nil, fmt.Errorf("mail: parse %s: %w", f, err)
		}
		for _, part := range []string{"subject", "text"} {
			if t.Lookup(part) == nil {
				return nil, fmt.Errorf("mail: %s does not define %q", f, part)
			}
		}
		c.t[strings.TrimSuffix(f, ".tmpl")] = t
	}
	return c, nil
}

// Compose renders template name in locale (falling back to Japanese) for to.
func (c *Composer) Compose(name, locale string, to string, data any) (Message, error) {
	t, ok := c.t[name+"."+locale]
	if !ok {
		t, ok = c.t[name+".ja"]
	}
	if !ok {
		return Message{}, fmt.Errorf("mail: no template %q", name)
	}
	var subj, text bytes.Buffer
	if err := t.ExecuteTemplate(&subj, "subject", data); err != nil {
		return Message{}, fmt.Errorf("mail: %s subject: %w", name, err)
	}
	if err := t.ExecuteTemplate(&text, "text", data); err != nil {
		return Message{}, fmt.Errorf("mail: %s text: %w", name, err)
	}
	return Message{To: []string{to}, Subject: strings.TrimSpace(subj.String()), Text: strings.TrimLeft(text.String(), "\n")}, nil
}
