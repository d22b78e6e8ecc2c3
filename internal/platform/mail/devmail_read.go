package mail

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// MaxDevMailList caps ListDevMail: the dev inbox is for reading, not export.
const MaxDevMailList = 500

// devMailRow is dev_mail as scanned; rcpt_to needs an array type.
type devMailRow struct {
	ID         int64          `db:"id"`
	ReceivedAt time.Time      `db:"received_at"`
	From       string         `db:"mail_from"`
	To         pq.StringArray `db:"rcpt_to"`
	Subject    string         `db:"subject"`
	Raw        []byte         `db:"raw"`
}

func (r devMailRow) devMail() DevMail {
	return DevMail{ID: r.ID, ReceivedAt: r.ReceivedAt.UTC(), From: r.From, To: []string(r.To), Subject: r.Subject, Raw: r.Raw}
}

// ListDevMail returns the newest caught messages (without bodies decoded),
// optionally only those to one recipient. limit is capped at MaxDevMailList;
// zero or less means the cap.
func ListDevMail(ctx context.Context, d *db.DB, to string, limit int) ([]DevMail, error) {
	if limit <= 0 || limit > MaxDevMailList {
		limit = MaxDevMailList
	}
	where, args := "", []any{}
	if to != "" {
		args = append(args, to)
		where = `WHERE EXISTS (SELECT 1 FROM unnest(rcpt_to) AS r WHERE lower(r) = lower($1))`
	}
	args = append(args, limit)
	q := fmt.Sprintf(`SELECT id, received_at, mail_from, rcpt_to, subject, raw FROM dev_mail %s
		ORDER BY id DESC LIMIT $%d`, where, len(args))
	var rows []devMailRow
	err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.SelectContext(ctx, &rows, q, args...)
	})
	if err != nil {
		return nil, fmt.Errorf("mail: list dev mail: %w", err)
	}
	out := make([]DevMail, len(rows))
	for i, r := range rows {
		out[i] = r.devMail()
	}
	return out, nil
}

// GetDevMail returns one caught message with its text and attachments decoded.
func GetDevMail(ctx context.Context, d *db.DB, id int64) (DevMail, error) {
	var r devMailRow
	err := d.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &r, `SELECT id, received_at, mail_from, rcpt_to, subject, raw FROM dev_mail WHERE id = $1`, id)
	})
	if db.IsNoRows(err) {
		return DevMail{}, apperr.NotFound("mail")
	}
	if err != nil {
		return DevMail{}, fmt.Errorf("mail: get dev mail %d: %w", id, err)
	}
	m := r.devMail()
	p, err := parseMessage(m.Raw)
	if err != nil {
		return m, err
	}
	m.Text, m.Attachments = p.text, p.attachments
	return m, nil
}
