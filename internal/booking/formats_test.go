package booking_test

import (
	"bytes"
	"context"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/outbox"
	"github.com/taiwa/taiwa/internal/platform/seal"
	"github.com/taiwa/taiwa/web"
)

const (
	zoomLink = "https://zoom.example/j/81234567890?pwd=abcDEF"
	// place has a line break, a comma and a semicolon: all text in an .ics.
	place = "東京都千代田区丸の内1-1-1 5階, 502会議室;\n東京駅 丸の内北口から徒歩3分"
)

// mailFixture is a booking fixture whose notifications go through the real
// outbox worker to the SMTP sink.
type mailFixture struct {
	*fixture
	worker *outbox.Worker
}

func newMailFixture(t *testing.T) *mailFixture {
	t.Helper()
	f := newFixture(t, "subscription", 1)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sink, err := mail.StartSink(ctx, "127.0.0.1:0", f.env.DB, quiet)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sink.Close() })
	mailFS, _ := fs.Sub(web.FS, "mail")
	composer, err := mail.NewComposer(mailFS)
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Accounts = &account.Service{DB: f.env.DB, Mail: composer, BaseURL: "http://taiwa.test"}
	f.svc.RoomGrace = 15 * time.Minute
	worker := &outbox.Worker{DB: f.env.DB, Log: quiet, Handlers: map[string]outbox.Handler{
		booking.NotifyKind:        f.svc.HandleNotify,
		booking.ReminderKind:      func(context.Context, *sqlx.Tx, outbox.Message) error { return nil },
		booking.NextAvailableKind: f.svc.HandleNextAvailable,
	}, Remotes: map[string]outbox.Remote{
		mail.Kind: mail.NewSender(sink.URL(), "Taiwa <no-reply@taiwa.example>").Handle,
	}}
	return &mailFixture{fixture: f, worker: worker}
}

// confirmation drains the outbox and returns the employee's confirmation
// mail of b (its text) and its invitation, parsed by go-ical.
func (f *mailFixture) confirmation(t *testing.T, b booking.Booking) (string, *ical.Component) {
	t.Helper()
	ctx := context.Background()
	if _, err := f.worker.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	list, err := mail.ListDevMail(ctx, f.env.DB, "e0@co.example", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range list {
		m, err := mail.GetDevMail(ctx, f.env.DB, l.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range m.Attachments {
			if a.Name != "invite.ics" || !bytes.Contains(a.Data, []byte(b.ID.String())) {
				continue
			}
			cal, err := ical.NewDecoder(bytes.NewReader(a.Data)).Decode()
			if err != nil {
				t.Fatalf("parse invite.ics: %v\n%s", err, a.Data)
			}
			if len(cal.Children) != 1 {
				t.Fatalf("%d components", len(cal.Children))
			}
			return m.Text, cal.Children[0]
		}
	}
	t.Fatalf("no confirmation with an invitation for %s among %d mails", b.ID, len(list))
	return "", nil
}

func propText(t *testing.T, ev *ical.Component, name string) string {
	t.Helper()
	p := ev.Props.Get(name)
	if p == nil {
		return ""
	}
	s, err := p.Text()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return s
}

// TestExternalMeetingLinkIsTheBookingsMeetingAndAttendanceStaysManual: a
// counsellor's external video link becomes the booking's meeting_url, is in
// the mail and the .ics, keeps the room closed, is never settled as the
// counsellor's no-show by the room, and the counsellor's own buttons still
// work. A video booking made after the link is removed meets in the room
// and is settled as before.
func TestExternalMeetingLinkIsTheBookingsMeetingAndAttendanceStaysManual(t *testing.T) {
	t.Parallel()
	f := newMailFixture(t)
	ctx := context.Background()
	exec(t, f.env, `UPDATE counselors SET meeting_links = jsonb_build_object('video', $2::text) WHERE id = $1`, f.cid, zoomLink)

	ext := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	if ext.MeetingURL != zoomLink || !ext.MeetingExternal || ext.InRoom() {
		t.Fatalf("booking with an external link: meeting_url %q external %v", ext.MeetingURL, ext.MeetingExternal)
	}
	text, ev := f.confirmation(t, ext)
	if !strings.Contains(text, zoomLink) || strings.Contains(text, "/meet/") {
		t.Errorf("the mail does not give the external link alone:\n%s", text)
	}
	if got := ev.Props.Get("URL"); got == nil || got.Value != zoomLink {
		t.Errorf("URL %v, want %q", got, zoomLink)
	}
	if got := propText(t, ev, "LOCATION"); got != zoomLink {
		t.Errorf("LOCATION %q, want %q", got, zoomLink)
	}

	exec(t, f.env, `UPDATE counselors SET meeting_links = '{}' WHERE id = $1`, f.cid)
	room := f.mustBook(t, f.emps[0], "2026-03-04T10:00:00")
	if room.MeetingExternal || !strings.HasSuffix(room.MeetingURL, "/meet/"+room.ID.String()) {
		t.Fatalf("booking without a link: meeting_url %q external %v", room.MeetingURL, room.MeetingExternal)
	}
	if got, _ := f.svc.Get(ctx, f.emps[0], ext.ID); got.MeetingURL != zoomLink || !got.MeetingExternal {
		t.Fatalf("removing the link changed a booking already made: %q %v", got.MeetingURL, got.MeetingExternal)
	}

	f.clock.Set(at("2026-03-04T09:05:00"))
	if st := f.svc.RoomState(ext, f.clock.Now()); st != booking.RoomClosed {
		t.Errorf("room state of an external meeting: %s", st)
	}
	if err := second(f.svc.EnterRoom(ctx, f.emps[0], ext.ID)); !apperr.Is(err, apperr.CodeConflict) {
		t.Errorf("entering the room of an external meeting: %v, want 409", err)
	}
	f.clock.Set(at("2026-03-04T09:15:00"))
	if ok, err := f.svc.NoShowOffered(ctx, ext); err != nil || !ok {
		t.Errorf("no-show not offered for an external meeting: %v %v", ok, err)
	}

	f.clock.Set(at("2026-03-04T12:00:00"))
	done, err := f.svc.SettleAbsentCounselors(ctx)
	if err != nil || len(done) != 1 || done[0] != room.ID {
		t.Fatalf("settled %v %v, want only the room's session %s", done, err, room.ID)
	}
	if got, _ := f.svc.Get(ctx, f.emps[0], ext.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("the external meeting was settled: %s", got.Status)
	}
	held, err := f.svc.Complete(ctx, f.counselor, ext.ID)
	if err != nil || held.Status != booking.StatusCompleted {
		t.Fatalf("the counsellor's held button: %v %v", held.Status, err)
	}
}

// TestInPersonBookingCarriesThePlace: the booking, its mail and its .ics
// LOCATION give the counsellor's in-person place; a video booking of the
// same counsellor has none.
func TestInPersonBookingCarriesThePlace(t *testing.T) {
	t.Parallel()
	f := newMailFixture(t)
	ctx := context.Background()
	exec(t, f.env, `UPDATE counselors SET formats = '{video,in_person}', in_person_place = $2 WHERE id = $1`, f.cid, place)
	b, err := f.svc.Book(ctx, f.emps[0], booking.NewBooking{CounselorID: f.cid, Start: jst("2026-03-04T09:00:00"), Theme: "career", Format: "in_person"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if b.Place != place || b.MeetingExternal {
		t.Fatalf("place %q external %v", b.Place, b.MeetingExternal)
	}
	text, ev := f.confirmation(t, b)
	for _, line := range strings.Split(place, "\n") {
		if !strings.Contains(text, line) {
			t.Errorf("the mail lacks %q:\n%s", line, text)
		}
	}
	if got := propText(t, ev, "LOCATION"); got != place {
		t.Errorf("LOCATION %q, want %q", got, place)
	}
	if ev.Props.Get("URL") != nil {
		t.Errorf("an in-person invitation with a place carries a URL")
	}
	v := f.mustBook(t, f.emps[0], "2026-03-04T10:00:00")
	if v.Place != "" {
		t.Errorf("a video booking has a place: %q", v.Place)
	}
}

// TestPhoneBookingNeedsANumber: a phone session without a number is 422
// phone_required naming phone; a blank number counts as none; a bad one
// stays a 400.
func TestPhoneBookingNeedsANumber(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx := context.Background()
	spec, err := seal.NewKey("k1")
	if err != nil {
		t.Fatal(err)
	}
	if f.svc.Keys, err = seal.ParseKeys(spec); err != nil {
		t.Fatal(err)
	}
	exec(t, f.env, `UPDATE counselors SET formats = '{video,phone}' WHERE id = $1`, f.cid)
	for _, tc := range []struct {
		phone  string
		code   apperr.Code
		reason string
	}{
		{"", apperr.CodeUnprocessable, "phone_required"},
		{"   ", apperr.CodeUnprocessable, "phone_required"},
		{"12345", apperr.CodeInvalid, "invalid_input"},
	} {
		_, err := f.svc.Book(ctx, f.emps[0], booking.NewBooking{CounselorID: f.cid, Start: jst("2026-03-04T09:00:00"), Theme: "career", Format: "phone", Phone: tc.phone}, "")
		e, ok := apperr.As(err)
		if !ok || e.Code != tc.code || e.APICode() != tc.reason || e.Fields["phone"] == "" {
			t.Errorf("phone %q: %v, want %s %s naming phone", tc.phone, err, tc.code, tc.reason)
		}
	}
	if n := f.count(t, db.System, `SELECT count(*) FROM bookings`); n != 0 {
		t.Fatalf("%d bookings written by refused requests", n)
	}
	if _, err := f.svc.Book(ctx, f.emps[0], booking.NewBooking{CounselorID: f.cid, Start: jst("2026-03-04T09:00:00"), Theme: "career", Format: "video"}, ""); err != nil {
		t.Fatalf("a video booking needs no number: %v", err)
	}
}

// TestMeetingPlacesMigrationGoesDownAndUpAgain: 00020's Down drops the
// links, the place and the booking's flag; Up restores them, and booking
// works again.
func TestMeetingPlacesMigrationGoesDownAndUpAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx := context.Background()
	exec(t, f.env, `UPDATE counselors SET meeting_links = '{"video":"https://zoom.example/j/1"}', in_person_place = '丸の内' WHERE id = $1`, f.cid)
	f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	m, err := db.NewMigrator(f.env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.DownTo(ctx, io.Discard, 19); err != nil {
		t.Fatalf("down: %v", err)
	}
	cols := `SELECT count(*) FROM information_schema.columns
		WHERE (table_name = 'counselors' AND column_name IN ('meeting_links', 'in_person_place'))
		   OR (table_name = 'bookings' AND column_name = 'meeting_external')`
	if n := f.count(t, db.System, cols); n != 0 {
		t.Fatalf("%d columns survived Down", n)
	}
	if err := m.Up(ctx, io.Discard); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if n := f.count(t, db.System, cols); n != 3 {
		t.Fatalf("%d columns after Up, want 3", n)
	}
	if b := f.mustBook(t, f.emps[0], "2026-03-04T10:00:00"); b.MeetingExternal {
		t.Fatalf("a link survived Down and Up: %q", b.MeetingURL)
	}
}
