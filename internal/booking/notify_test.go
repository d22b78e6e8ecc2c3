package booking

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"mime"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/dbtest"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/outbox"
	"github.com/taiwa/taiwa/web"
)

// These tests drive the notification functions the booking transaction
// calls, with bookings written by SQL, through the real outbox worker and
// SMTP sink, and read the caught mail back from dev_mail.

const (
	empEmail   = "emp0001@sample-shoji.example"
	otherEmail = "emp0002@sample-shoji.example"
	coEmail    = "counselor001@taiwa.example"
	meetingURL = "https://meet.taiwa.example/r/xyz"
	themeWord  = "harassment"
)

// notifyEnv is one test's database, sink, worker and service, with an
// employee, a second employee and a counsellor (in Europe/London, English).
type notifyEnv struct {
	t         *testing.T
	env       *dbtest.Env
	svc       *Service
	worker    *outbox.Worker
	company   uuid.UUID
	employee  uuid.UUID
	other     uuid.UUID
	counselor uuid.UUID
	coUser    uuid.UUID
}

func newNotifyEnv(t *testing.T) *notifyEnv {
	t.Helper()
	env := dbtest.New(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sink, err := mail.StartSink(ctx, "127.0.0.1:0", env.DB, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	mailFS, _ := fs.Sub(web.FS, "mail")
	composer, err := mail.NewComposer(mailFS)
	if err != nil {
		t.Fatal(err)
	}
	svc := &Service{DB: env.DB, Accounts: &account.Service{DB: env.DB, Mail: composer, BaseURL: "http://taiwa.test"}}
	n := &notifyEnv{t: t, env: env, svc: svc, company: uuid.New(), employee: uuid.New(), other: uuid.New(), counselor: uuid.New(), coUser: uuid.New()}
	n.worker = &outbox.Worker{DB: env.DB, Log: quiet, Handlers: map[string]outbox.Handler{
		NotifyKind:        svc.HandleNotify,
		ReminderKind:      svc.HandleReminder,
		NextAvailableKind: svc.HandleNextAvailable,
	}, Remotes: map[string]outbox.Remote{
		mail.Kind: mail.NewSender(sink.URL(), "Taiwa <no-reply@taiwa.example>").Handle,
	}}
	dbtest.Company(t, env, dbtest.ID(n.company), dbtest.Name("サンプル商事"))
	dbtest.Employee(t, env, n.company, empEmail, dbtest.ID(n.employee), dbtest.Name("佐藤 花子"))
	dbtest.Employee(t, env, n.company, otherEmail, dbtest.ID(n.other), dbtest.Name("鈴木 一郎"))
	dbtest.Counsellor(t, env, coEmail, dbtest.ID(n.counselor), dbtest.UserID(n.coUser), dbtest.Name("田中 美咲"), dbtest.Locale("en"),
		dbtest.DisplayName("田中 美咲"), dbtest.VerifiedAt(nil))
	n.exec(`INSERT INTO availability_settings (counselor_id, timezone) VALUES ($1, 'Europe/London')`, n.counselor)
	return n
}

func (n *notifyEnv) exec(q string, args ...any) {
	n.t.Helper()
	err := n.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
		_, err := tx.Exec(q, args...)
		return err
	})
	if err != nil {
		n.t.Fatalf("%s: %v", q, err)
	}
}

func (n *notifyEnv) count(q string, args ...any) int {
	n.t.Helper()
	var c int
	err := n.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error { return tx.Get(&c, q, args...) })
	if err != nil {
		n.t.Fatal(err)
	}
	return c
}

// inTx runs fn as the platform (the booking transaction's notify calls do
// not depend on its scope).
func (n *notifyEnv) inTx(fn func(ctx context.Context, tx *sqlx.Tx) error) {
	n.t.Helper()
	ctx := context.Background()
	if err := n.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error { return fn(ctx, tx) }); err != nil {
		n.t.Fatal(err)
	}
}

// book writes a confirmed booking starting at start and notifies it.
func (n *notifyEnv) book(start time.Time) Booking {
	n.t.Helper()
	b := Booking{ID: uuid.New(), CounselorID: n.counselor, Start: start, End: start.Add(50 * time.Minute),
		Theme: themeWord, Format: "video", Status: StatusConfirmed, MeetingURL: meetingURL}
	n.exec(`INSERT INTO bookings (company_id, id, employee_user_id, counselor_id, counselor_user_id, starts_at, ends_at, blocked_until, theme, format, meeting_url)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9, $10)`,
		n.company, b.ID, n.employee, n.counselor, n.coUser, b.Start, b.End, b.Theme, b.Format, b.MeetingURL)
	n.inTx(func(ctx context.Context, tx *sqlx.Tx) error { return n.svc.notifyBooked(ctx, tx, b) })
	return b
}

func (n *notifyEnv) reschedule(b Booking, start time.Time) Booking {
	n.t.Helper()
	b.Start, b.End, b.Sequence = start, start.Add(50*time.Minute), b.Sequence+1
	n.exec(`UPDATE bookings SET starts_at = $2, ends_at = $3, blocked_until = $3, sequence = $4 WHERE id = $1`, b.ID, b.Start, b.End, b.Sequence)
	n.inTx(func(ctx context.Context, tx *sqlx.Tx) error { return n.svc.notifyRescheduled(ctx, tx, b) })
	return b
}

func (n *notifyEnv) cancel(b Booking, status string) Booking {
	n.t.Helper()
	b.Status, b.Sequence = status, b.Sequence+1
	n.exec(`UPDATE bookings SET status = $2, sequence = $3, cancelled_at = now() WHERE id = $1`, b.ID, b.Status, b.Sequence)
	n.inTx(func(ctx context.Context, tx *sqlx.Tx) error { return n.svc.notifyCancelled(ctx, tx, b) })
	return b
}

func (n *notifyEnv) drain() {
	n.t.Helper()
	if _, err := n.worker.Drain(context.Background()); err != nil {
		n.t.Fatal(err)
	}
	if dead := n.count(`SELECT count(*) FROM outbox WHERE status <> 'done' AND next_attempt_at <= now()`); dead != 0 {
		var errs []string
		_ = n.env.DB.InTx(context.Background(), db.System, func(tx *sqlx.Tx) error {
			return tx.Select(&errs, `SELECT kind || ': ' || COALESCE(last_error, '') FROM outbox WHERE status <> 'done' AND next_attempt_at <= now()`)
		})
		n.t.Fatalf("%d outbox rows failed: %v", dead, errs)
	}
}

// dueNow makes the timed notices that match what due at once.
func (n *notifyEnv) dueNow(what ...string) {
	n.t.Helper()
	n.exec(`UPDATE outbox SET next_attempt_at = now() - interval '1 second'
		WHERE kind = $1 AND status = 'pending' AND payload->>'what' = ANY($2)`, ReminderKind, what)
}

// mails returns the caught messages to addr, oldest first, decoded.
func (n *notifyEnv) mails(addr string) []mail.DevMail {
	n.t.Helper()
	ctx := context.Background()
	list, err := mail.ListDevMail(ctx, n.env.DB, addr, 0)
	if err != nil {
		n.t.Fatal(err)
	}
	out := make([]mail.DevMail, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		m, err := mail.GetDevMail(ctx, n.env.DB, list[i].ID)
		if err != nil {
			n.t.Fatal(err)
		}
		out = append(out, m)
	}
	return out
}

// invite parses a caught mail's invite.ics with the calendar library.
func invite(t *testing.T, m mail.DevMail) (method string, ev *ics.VEvent, contentType string) {
	t.Helper()
	for _, a := range m.Attachments {
		if a.Name != "invite.ics" {
			continue
		}
		cal, err := ics.ParseCalendar(bytes.NewReader(a.Data))
		if err != nil {
			t.Fatalf("%q: parse invite.ics: %v", m.Subject, err)
		}
		if len(cal.Events()) != 1 {
			t.Fatalf("%q: %d events", m.Subject, len(cal.Events()))
		}
		for _, p := range cal.CalendarProperties {
			if p.IANAToken == string(ics.PropertyMethod) {
				method = p.Value
			}
		}
		return method, cal.Events()[0], a.ContentType
	}
	t.Fatalf("%q has no invite.ics (attachments %v)", m.Subject, m.Attachments)
	return "", nil, ""
}

func seqOf(t *testing.T, ev *ics.VEvent) int {
	t.Helper()
	p := ev.GetProperty(ics.ComponentPropertySequence)
	if p == nil {
		t.Fatal("no SEQUENCE")
	}
	var n int
	for _, c := range p.Value {
		n = n*10 + int(c-'0')
	}
	return n
}

// upcoming is a whole hour a few days ahead, clear of every reminder.
func upcoming(days int) time.Time {
	return time.Now().UTC().Truncate(time.Hour).Add(time.Duration(days) * 24 * time.Hour)
}

func TestBookingMailsKeepOneCalendarEventThroughRescheduleAndCancel(t *testing.T) {
	t.Parallel()
	n := newNotifyEnv(t)
	b := n.book(upcoming(5))
	moved := upcoming(6).Add(3 * time.Hour)
	b = n.reschedule(b, moved)
	n.cancel(b, StatusLateCancelled)
	n.drain()

	for _, who := range []struct {
		addr   string
		zone   string
		phrase []string // the three mails' subjects, in order, contain these
	}{
		{empEmail, "Asia/Tokyo", []string{"確定", "変更", "キャンセル"}},
		{coEmail, "Europe/London", []string{"booked", "moved", "cancelled"}},
	} {
		t.Run(who.addr, func(t *testing.T) {
			got := n.mails(who.addr)
			if len(got) != 3 {
				t.Fatalf("%d mails to %s, want confirmation, reschedule and cancellation", len(got), who.addr)
			}
			uid, lastSeq := "", -1
			for i, m := range got {
				if !strings.Contains(m.Subject, who.phrase[i]) {
					t.Errorf("mail %d subject %q, want it to say %q", i, m.Subject, who.phrase[i])
				}
				method, ev, ct := invite(t, m)
				wantMethod := []string{"REQUEST", "REQUEST", "CANCEL"}[i]
				mt, params, _ := mime.ParseMediaType(ct)
				if method != wantMethod || mt != "text/calendar" || params["method"] != wantMethod || !strings.EqualFold(params["charset"], "UTF-8") {
					t.Errorf("mail %d: METHOD %q, content type %q; want %s", i, method, ct, wantMethod)
				}
				if uid == "" {
					uid = ev.Id()
				} else if ev.Id() != uid {
					t.Errorf("mail %d UID %q, want the first mail's %q", i, ev.Id(), uid)
				}
				if s := seqOf(t, ev); s <= lastSeq {
					t.Errorf("mail %d SEQUENCE %d, want above %d", i, s, lastSeq)
				} else {
					lastSeq = s
				}
				start, err := ev.GetStartAt()
				wantStart := []time.Time{upcoming(5), moved, moved}[i]
				if err != nil || !start.Equal(wantStart) {
					t.Errorf("mail %d DTSTART %v (%v), want %v", i, start, err, wantStart)
				}
				loc, _ := time.LoadLocation(who.zone)
				if local := wantStart.In(loc).Format("15:04"); !strings.Contains(m.Text, local) || !strings.Contains(m.Text, who.zone) {
					t.Errorf("mail %d does not show %s in %s:\n%s", i, local, who.zone, m.Text)
				}
				if i < 2 && !strings.Contains(m.Text, meetingURL) {
					t.Errorf("mail %d has no meeting link:\n%s", i, m.Text)
				}
				if strings.Contains(m.Text, themeWord) || strings.Contains(m.Text, "ハラスメント") {
					t.Errorf("mail %d names the theme:\n%s", i, m.Text)
				}
			}
			if id := uid; id != b.ID.String()+"@taiwa.example" {
				t.Errorf("UID %q, want the booking id at taiwa.example", id)
			}
			if !strings.Contains(got[2].Text, map[string]string{empEmail: "会社へ請求", coEmail: "billed to the company"}[who.addr]) {
				t.Errorf("the late cancellation does not say it is billable:\n%s", got[2].Text)
			}
		})
	}
}

func TestOrdinaryCancellationSaysNothingOfBilling(t *testing.T) {
	t.Parallel()
	n := newNotifyEnv(t)
	n.cancel(n.book(upcoming(4)), StatusCancelled)
	n.drain()
	got := n.mails(empEmail)
	if len(got) != 2 {
		t.Fatalf("%d mails, want 2", len(got))
	}
	if strings.Contains(got[1].Text, "請求") {
		t.Errorf("an ordinary cancellation mentions billing:\n%s", got[1].Text)
	}
	if method, ev, _ := invite(t, got[1]); method != "CANCEL" || ev.GetProperty(ics.ComponentPropertyStatus).Value != "CANCELLED" {
		t.Errorf("cancellation .ics: METHOD %q", method)
	}
}

func TestCancellationOffersTheTimeToTheWaitlistOnce(t *testing.T) {
	t.Parallel()
	n := newNotifyEnv(t)
	n.exec(`INSERT INTO waitlist (company_id, counselor_id, employee_user_id) VALUES ($1, $2, $3), ($1, $2, $4)`,
		n.company, n.counselor, n.other, n.employee)
	b := n.book(upcoming(3))
	n.drain()
	if got := n.mails(otherEmail); len(got) != 0 {
		t.Fatalf("a booking offered the waitlist %d mails", len(got))
	}
	n.cancel(b, StatusCancelled)
	n.drain()
	got := n.mails(otherEmail)
	if len(got) != 1 || !strings.Contains(got[0].Subject, "空き") || !strings.Contains(got[0].Text, "/counselors/"+n.counselor.String()) {
		t.Fatalf("waitlist mails %v, want one offer linking the counsellor", got)
	}
	if strings.Contains(got[0].Text, meetingURL) || len(got[0].Attachments) != 0 {
		t.Errorf("the offer carries the cancelled session's link or invitation:\n%s", got[0].Text)
	}
	if c := n.count(`SELECT count(*) FROM waitlist WHERE employee_user_id = $1 AND notified_at IS NOT NULL`, n.other); c != 1 {
		t.Errorf("%d waitlist entries marked notified, want 1", c)
	}
	// The employee who cancelled is not offered their own time back.
	if c := n.count(`SELECT count(*) FROM waitlist WHERE employee_user_id = $1 AND notified_at IS NULL`, n.employee); c != 1 {
		t.Errorf("the cancelling employee's entry was used up")
	}
	// A later cancellation does not mail a notified entry again.
	n.cancel(n.book(upcoming(4)), StatusCancelled)
	n.drain()
	if got := n.mails(otherEmail); len(got) != 1 {
		t.Errorf("%d waitlist mails after a second cancellation, want still 1", len(got))
	}
}
