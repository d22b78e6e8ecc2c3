package booking

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// Timed notices: queued when a booking is made or moved, not due before
// their time, and checked against the booking when they come due. A notice
// carries the sequence the booking had when it was queued: a booking that
// has since moved or been cancelled (both raise the sequence, and a
// cancellation changes the status) gets nothing from it; the move queued
// its own notices.

// Timed notices of a booking.
const (
	remind24h  = "24h"         // both parties, a day before
	remind1h   = "1h"          // both parties, an hour before
	remindFB   = "feedback"    // the employee, after the end
	remindHeld = "unconfirmed" // the counsellor, a day after the end, while still confirmed
)

// reminder is a ReminderKind payload.
type reminder struct {
	What      string    `json:"what"`
	BookingID uuid.UUID `json:"booking_id"`
	Sequence  int       `json:"sequence"`
}

// scheduleReminders queues b's timed notices.
func (s *Service) scheduleReminders(ctx context.Context, tx *sqlx.Tx, b Booking) error {
	if err := outbox.EnqueueRows(ctx, tx, s.reminderRows(b)); err != nil {
		return fmt.Errorf("booking: schedule reminders: %w", err)
	}
	return nil
}

// reminderRows are b's timed notices as outbox rows. A reminder whose time
// has already passed (a booking made less than a day or an hour ahead) is
// left out: the confirmation has just told them.
func (s *Service) reminderRows(b Booking) []outbox.Row {
	now := s.Clock.Now()
	var out []outbox.Row
	for _, t := range []struct {
		what string
		at   time.Time
	}{
		{remind24h, b.Start.Add(-24 * time.Hour)},
		{remind1h, b.Start.Add(-time.Hour)},
		{remindFB, b.End.Add(feedbackAfter)},
		{remindHeld, b.End.Add(unconfirmedAfter)},
	} {
		if (t.what == remind24h || t.what == remind1h) && !t.at.After(now) {
			continue
		}
		r := reminder{What: t.what, BookingID: b.ID, Sequence: b.Sequence}
		out = append(out, outbox.Row{Kind: ReminderKind, Payload: r, DedupeKey: reminderKey(r), At: t.at})
	}
	return out
}

func reminderKey(r reminder) string {
	return fmt.Sprintf("%s:%s:%s:%d", ReminderKind, r.What, r.BookingID, r.Sequence)
}

// HandleReminder is the outbox handler of ReminderKind: it re-reads the
// booking and queues the notice's mails only if the booking is still what
// the notice was queued for.
func (s *Service) HandleReminder(ctx context.Context, tx *sqlx.Tx, m outbox.Message) error {
	var r reminder
	if err := json.Unmarshal(m.Payload, &r); err != nil {
		return fmt.Errorf("booking: decode reminder: %w", err)
	}
	p, err := loadParties(ctx, tx, r.BookingID)
	if db.IsNoRows(err) {
		return nil
	}
	if err != nil {
		return err
	}
	if p.Sequence != r.Sequence {
		return nil // moved or cancelled since: its own notices follow it
	}
	var to []recipient
	tmpl := ""
	switch r.What {
	case remind24h, remind1h:
		if p.Status != StatusConfirmed || !p.Start.After(s.Clock.Now()) {
			return nil
		}
		tmpl, to = mailReminder, p.recipients()
	case remindFB:
		if (p.Status != StatusConfirmed && p.Status != StatusCompleted) || !p.EmployeeActive {
			return nil
		}
		tmpl, to = mailFeedback, []recipient{p.employee()}
	case remindHeld:
		if p.Status != StatusConfirmed || !p.CounselorActive {
			return nil
		}
		tmpl, to = mailUnconfirmed, []recipient{p.counselor()}
	default:
		return fmt.Errorf("booking: unknown reminder %q", r.What)
	}
	for _, rc := range to {
		d := s.mailData(rc, p, r.BookingID, p.Start, p.End, p.Format, p.MeetingURL)
		d.Hours = map[string]int{remind24h: 24, remind1h: 1}[r.What]
		key := fmt.Sprintf("booking.mail:%s:%s:%d:%s", r.What, r.BookingID, r.Sequence, rc.Role)
		if err := s.sendMail(ctx, tx, tmpl, rc, d, key); err != nil {
			return err
		}
	}
	return nil
}
