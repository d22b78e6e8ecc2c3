package booking

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/platform/mail"
)

func TestRemindersGoOnlyToTheBookingAsItStands(t *testing.T) {
	t.Parallel()
	n := newNotifyEnv(t)
	b := n.book(upcoming(5))
	moved := n.reschedule(b, upcoming(7))
	gone := n.cancel(n.book(upcoming(9)), StatusCancelled)
	n.drain()
	before := len(n.mails(empEmail)) + len(n.mails(coEmail))

	n.dueNow(remind24h, remind1h)
	n.drain()
	emp, co := n.mails(empEmail), n.mails(coEmail)
	if got := len(emp) + len(co) - before; got != 4 {
		t.Fatalf("%d reminder mails, want 4 (24 h and 1 h, to both, for the moved booking only)", got)
	}
	for _, m := range append(emp[len(emp)-2:], co[len(co)-2:]...) {
		if len(m.Attachments) != 0 {
			t.Errorf("reminder %q has attachments", m.Subject)
		}
		local := moved.Start.In(time.FixedZone("JST", 9*3600)).Format("15:04")
		if strings.HasPrefix(m.Subject, "[Taiwa]") {
			loc, _ := time.LoadLocation("Europe/London")
			local = moved.Start.In(loc).Format("15:04")
		}
		if !strings.Contains(m.Text, local) || !strings.Contains(m.Text, meetingURL) {
			t.Errorf("reminder %q does not show the new time %s and the link:\n%s", m.Subject, local, m.Text)
		}
	}
	if c := n.count(`SELECT count(*) FROM outbox WHERE kind = $1 AND payload->>'booking_id' = $2`, ReminderKind, gone.ID.String()); c != 4 {
		t.Errorf("the cancelled booking had %d timed notices queued, want 4", c)
	}
	if c := n.count(`SELECT count(*) FROM outbox WHERE kind = $1 AND dedupe_key LIKE $2`, mail.Kind, "%"+gone.ID.String()+"%"); c != 4 {
		t.Errorf("the cancelled booking sent %d mails, want only its confirmation and cancellation to both (4)", c)
	}
}

func TestRemindersWhoseTimeHasPassedAreNotQueued(t *testing.T) {
	t.Parallel()
	n := newNotifyEnv(t)
	b := n.book(time.Now().Add(2 * time.Hour).Truncate(time.Minute))
	var whats []string
	n.inTx(func(ctx context.Context, tx *sqlx.Tx) error {
		return tx.Select(&whats, `SELECT payload->>'what' FROM outbox WHERE kind = $1 ORDER BY next_attempt_at`, ReminderKind)
	})
	if strings.Join(whats, ",") != "1h,feedback,unconfirmed" {
		t.Errorf("queued %v for a booking 2 h ahead, want 1h, feedback, unconfirmed", whats)
	}
	var at time.Time
	n.inTx(func(ctx context.Context, tx *sqlx.Tx) error {
		return tx.Get(&at, `SELECT next_attempt_at FROM outbox WHERE dedupe_key = $1`, reminderKey(reminder{What: remindFB, BookingID: b.ID}))
	})
	if want := b.End.Add(30 * time.Minute); !at.Equal(want) {
		t.Errorf("feedback request due %v, want %v", at, want)
	}
}

func TestTimedNoticesFollowTheStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status        string
		what          string
		toEmp, toCoun int
	}{
		{StatusCompleted, remindFB, 1, 0},
		{StatusConfirmed, remindFB, 1, 0},
		{StatusNoShow, remindFB, 0, 0},
		{StatusCancelled, remindFB, 0, 0},
		{StatusConfirmed, remindHeld, 0, 1},
		{StatusCompleted, remindHeld, 0, 0},
		{StatusNoShow, remindHeld, 0, 0},
	} {
		t.Run(tc.status+"_"+tc.what, func(t *testing.T) {
			n := newNotifyEnv(t)
			b := n.book(upcoming(2))
			n.drain()
			n.exec(`UPDATE bookings SET status = $2 WHERE id = $1`, b.ID, tc.status)
			n.dueNow(tc.what)
			n.drain()
			if e, c := len(n.mails(empEmail))-1, len(n.mails(coEmail))-1; e != tc.toEmp || c != tc.toCoun {
				t.Errorf("%s on a %s booking mailed employee %d, counsellor %d; want %d, %d", tc.what, tc.status, e, c, tc.toEmp, tc.toCoun)
			}
		})
	}
}

func TestNotificationsAreQueuedOnceEvenIfCalledTwice(t *testing.T) {
	t.Parallel()
	n := newNotifyEnv(t)
	b := n.book(upcoming(5))
	n.inTx(func(ctx context.Context, tx *sqlx.Tx) error { return n.svc.notifyBooked(ctx, tx, b) })
	if c := n.count(`SELECT count(*) FROM outbox`); c != 5 {
		t.Errorf("%d outbox rows after notifying twice, want 5 (the notice and four timed ones)", c)
	}
	n.drain()
	// A timed notice that runs again (a crash after its mails were queued
	// but before it was marked done) queues no second mail.
	n.dueNow(remind24h)
	n.drain()
	n.exec(`UPDATE outbox SET status = 'pending', next_attempt_at = now() - interval '1 second' WHERE kind = $1 AND payload->>'what' = '24h'`, ReminderKind)
	n.drain()
	if e, c := len(n.mails(empEmail)), len(n.mails(coEmail)); e != 2 || c != 2 {
		t.Errorf("mails: employee %d, counsellor %d; want the confirmation and one reminder each", e, c)
	}
}

func TestMailTimesAreShownInTheRecipientsZone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name             string
		start            time.Time
		zone, locale     string
		wantWhen, wantDy string
	}{
		{"Japan", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), "Asia/Tokyo", "ja",
			"2026年3月29日(日) 10:00〜10:50（Asia/Tokyo）", "3月29日(日) 10:00"},
		{"London the morning its clocks go forward", time.Date(2026, 3, 29, 9, 0, 0, 0, time.UTC), "Europe/London", "en",
			"Sun 29 Mar 2026, 10:00–10:50 (Europe/London)", "Sun 29 Mar, 10:00"},
		{"London the day before", time.Date(2026, 3, 28, 9, 0, 0, 0, time.UTC), "Europe/London", "en",
			"Sat 28 Mar 2026, 09:00–09:50 (Europe/London)", "Sat 28 Mar, 09:00"},
		{"New York across midnight", time.Date(2026, 11, 2, 4, 30, 0, 0, time.UTC), "America/New_York", "en",
			"Sun 1 Nov 2026, 23:30–11/2 00:20 (America/New_York)", "Sun 1 Nov, 23:30"},
		{"an unknown zone falls back to Japan", time.Date(2026, 3, 29, 1, 0, 0, 0, time.UTC), "Mars/Olympus", "ja",
			"2026年3月29日(日) 10:00〜10:50（Asia/Tokyo）", "3月29日(日) 10:00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := formatWhen(tc.start, tc.start.Add(50*time.Minute), tc.zone, tc.locale); got != tc.wantWhen {
				t.Errorf("formatWhen = %q, want %q", got, tc.wantWhen)
			}
			if got := formatDay(tc.start, tc.zone, tc.locale); got != tc.wantDy {
				t.Errorf("formatDay = %q, want %q", got, tc.wantDy)
			}
		})
	}
}
