package booking

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/outbox"
)

// The notifications of a booking's life, enqueued in the same transaction
// as the change (confirmation and reschedule with an .ics METHOD:REQUEST,
// cancellation with METHOD:CANCEL, reminders 24 h and 1 h before, the
// feedback request after, waitlist offers on a cancellation).
//
// The booking transaction only writes outbox rows: a NotifyKind row with a
// snapshot of the change, and timed ReminderKind rows. Their handlers run as
// the platform, so they may read both parties (and other companies'
// waitlist entries, which the acting user cannot see) and queue the mails.
// A mail names the people, the time, the format and the link, never the
// theme or anything a session record holds.

// Outbox kinds of booking notifications.
const (
	// NotifyKind turns a booking change into mails to both parties.
	NotifyKind = "booking.notify"
	// ReminderKind is a timed notice (reminders, feedback request, the
	// held-but-unconfirmed nudge) checked against the booking when due.
	ReminderKind = "booking.remind"
)

// Events of a NotifyKind row.
const (
	eventBooked      = "booked"
	eventRescheduled = "rescheduled"
	eventCancelled   = "cancelled"
)

// When timed notices are due, relative to the session.
const (
	feedbackAfter    = 30 * time.Minute // after the end
	unconfirmedAfter = 24 * time.Hour   // after the end, if still confirmed
)

// notice is a NotifyKind payload: the booking as the change left it.
type notice struct {
	Event      string    `json:"event"`
	BookingID  uuid.UUID `json:"booking_id"`
	Sequence   int       `json:"sequence"`
	Start      time.Time `json:"start"`
	End        time.Time `json:"end"`
	Status     string    `json:"status"`
	Format     string    `json:"format"`
	MeetingURL string    `json:"meeting_url"`
	Reason     string    `json:"reason,omitempty"` // reasonWithdrawn, or empty
}

// notifyBooked queues a new booking's notice and reminders.
func (s *Service) notifyBooked(ctx context.Context, tx *sqlx.Tx, b Booking) error {
	return outbox.EnqueueRows(ctx, tx, s.bookedRows(b))
}

// bookedRows are a new booking's outbox rows: its notice and its timed
// reminders.
func (s *Service) bookedRows(b Booking) []outbox.Row {
	return append([]outbox.Row{noticeRow(eventBooked, b, "")}, s.reminderRows(b)...)
}

func (s *Service) notifyRescheduled(ctx context.Context, tx *sqlx.Tx, b Booking) error {
	if err := enqueueNotice(ctx, tx, eventRescheduled, b); err != nil {
		return err
	}
	// The reminders of the old time find a lower sequence and do nothing.
	return s.scheduleReminders(ctx, tx, b)
}

func (s *Service) notifyCancelled(ctx context.Context, tx *sqlx.Tx, b Booking) error {
	// The reminders already queued find the booking cancelled and do nothing.
	return enqueueNotice(ctx, tx, eventCancelled, b)
}

func enqueueNotice(ctx context.Context, tx *sqlx.Tx, event string, b Booking) error {
	return enqueueNoticeFor(ctx, tx, event, b, "")
}

func enqueueNoticeFor(ctx context.Context, tx *sqlx.Tx, event string, b Booking, reason string) error {
	r := noticeRow(event, b, reason)
	if err := outbox.Enqueue(ctx, tx, r.Kind, r.Payload, r.DedupeKey); err != nil {
		return fmt.Errorf("booking: notify %s: %w", event, err)
	}
	return nil
}

// noticeRow is the outbox row of one booking change's notice.
func noticeRow(event string, b Booking, reason string) outbox.Row {
	n := notice{Event: event, BookingID: b.ID, Sequence: b.Sequence, Start: b.Start.UTC(), End: b.End.UTC(),
		Status: b.Status, Format: b.Format, MeetingURL: b.MeetingURL, Reason: reason}
	return outbox.Row{Kind: NotifyKind, Payload: n, DedupeKey: fmt.Sprintf("%s:%s:%s:%d", NotifyKind, event, b.ID, b.Sequence)}
}

// HandleNotify is the outbox handler of NotifyKind: it queues the mails of
// one booking change (and, for a cancellation, the waitlist offers).
func (s *Service) HandleNotify(ctx context.Context, tx *sqlx.Tx, m outbox.Message) error {
	var n notice
	if err := json.Unmarshal(m.Payload, &n); err != nil {
		return fmt.Errorf("booking: decode notice: %w", err)
	}
	p, err := loadParties(ctx, tx, n.BookingID)
	if db.IsNoRows(err) {
		return nil // the booking is gone: nobody to tell
	}
	if err != nil {
		return err
	}
	tmpl := map[string]string{eventBooked: mailConfirmed, eventRescheduled: mailRescheduled, eventCancelled: mailCancelled}[n.Event]
	if tmpl == "" {
		return fmt.Errorf("booking: unknown notice event %q", n.Event)
	}
	ev := icsEvent{BookingID: n.BookingID, Start: n.Start, End: n.End, Sequence: n.Sequence,
		MeetingURL: s.absURL(n.MeetingURL), Place: p.Place, Cancel: n.Event == eventCancelled, Stamp: s.Clock.Now()}
	for _, r := range p.recipients() {
		d := s.mailData(r, p, n.BookingID, n.Start, n.End, n.Format, n.MeetingURL)
		d.Late = n.Status == StatusLateCancelled
		if n.Reason == reasonWithdrawn && !d.Counselor {
			d.Rebook = s.baseURL() + "/counselors"
		}
		inv := ev
		inv.Attendee, inv.Name = r.Email, r.Name
		key := fmt.Sprintf("booking.mail:%s:%s:%d:%s", n.Event, n.BookingID, n.Sequence, r.Role)
		if err := s.sendMail(ctx, tx, tmpl, r, d, key, icsAttachment(inv)); err != nil {
			return err
		}
	}
	if n.Event == eventCancelled && n.Reason != reasonWithdrawn && n.Start.After(s.Clock.Now()) {
		return s.offerWaitlist(ctx, tx, p, n)
	}
	return nil
}

// sendMail composes template name for r and queues it.
func (s *Service) sendMail(ctx context.Context, tx *sqlx.Tx, name string, r recipient, d mailData, key string, att ...mail.Attachment) error {
	if s.Accounts == nil || s.Accounts.Mail == nil {
		return fmt.Errorf("booking: no mail composer for %s", name)
	}
	msg, err := s.Accounts.Mail.Compose(name, r.Locale, r.Email, d)
	if err != nil {
		return err
	}
	msg.Attachments = att
	return mail.Enqueue(ctx, tx, msg, key)
}

// offerWaitlist mails every employee waiting for this counsellor (but the
// one who just cancelled) that a time has come free, once per entry.
func (s *Service) offerWaitlist(ctx context.Context, tx *sqlx.Tx, p parties, n notice) error {
	var rows []struct {
		ID     uuid.UUID `db:"id"`
		Email  string    `db:"email"`
		Name   string    `db:"name"`
		Locale string    `db:"locale"`
		Zone   string    `db:"timezone"`
	}
	if err := tx.SelectContext(ctx, &rows, `
		SELECT w.id, u.email, u.name, u.locale, u.timezone
		FROM waitlist w JOIN users u ON u.id = w.employee_user_id
		WHERE w.counselor_id = $1 AND w.notified_at IS NULL AND w.employee_user_id <> $2 AND u.disabled_at IS NULL
		ORDER BY w.created_at, w.id
		FOR UPDATE OF w SKIP LOCKED`, p.CounselorID, p.EmployeeID); err != nil {
		return fmt.Errorf("booking: waitlist: %w", err)
	}
	for _, w := range rows {
		r := recipient{Role: roleEmployee, Email: w.Email, Name: w.Name, Locale: w.Locale, Zone: w.Zone}
		d := s.mailData(r, p, n.BookingID, n.Start, n.End, n.Format, "")
		d.Link = s.baseURL() + "/counselors/" + p.CounselorID.String()
		if err := s.sendMail(ctx, tx, mailWaitlist, r, d, "booking.mail:waitlist:"+w.ID.String()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE waitlist SET notified_at = now() WHERE id = $1`, w.ID); err != nil {
			return fmt.Errorf("booking: waitlist notified: %w", err)
		}
	}
	return nil
}
