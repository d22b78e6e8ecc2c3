package booking_test

import (
	"context"
	"io"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/account"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
	"github.com/taiwa/taiwa/internal/platform/outbox"
	"github.com/taiwa/taiwa/web"
)

func at(s string) time.Time { return jst(s) }

func tptr(t time.Time) *time.Time { return &t }

// TestTogetherIsTheOverlapOfBothPartiesConnections: the held rule counts
// only the time both were in at once; an open connection counts until now.
func TestTogetherIsTheOverlapOfBothPartiesConnections(t *testing.T) {
	t.Parallel()
	now := at("2026-03-04T09:30:00")
	e, c := booking.PartyEmployee, booking.PartyCounselor
	cases := []struct {
		name string
		rows []booking.Attendance
		want time.Duration
	}{
		{"nobody", nil, 0},
		{"only the counsellor", []booking.Attendance{{Party: c, JoinedAt: at("2026-03-04T09:00:00")}}, 0},
		{"both still in", []booking.Attendance{
			{Party: c, JoinedAt: at("2026-03-04T08:55:00")},
			{Party: e, JoinedAt: at("2026-03-04T09:05:00")}}, 25 * time.Minute},
		{"one after the other", []booking.Attendance{
			{Party: c, JoinedAt: at("2026-03-04T09:00:00"), LeftAt: tptr(at("2026-03-04T09:05:00"))},
			{Party: e, JoinedAt: at("2026-03-04T09:06:00")}}, 0},
		{"a dropped call rejoined", []booking.Attendance{
			{Party: c, JoinedAt: at("2026-03-04T09:00:00")},
			{Party: e, JoinedAt: at("2026-03-04T09:00:00"), LeftAt: tptr(at("2026-03-04T09:04:00"))},
			{Party: e, JoinedAt: at("2026-03-04T09:20:00")}}, 14 * time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := booking.Together(tc.rows, now); got != tc.want {
				t.Fatalf("together = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestRoomStateOpensTenMinutesBeforeAndClosesAfterTheGrace.
func TestRoomStateOpensTenMinutesBeforeAndClosesAfterTheGrace(t *testing.T) {
	t.Parallel()
	svc := &booking.Service{RoomGrace: 15 * time.Minute}
	b := booking.Booking{Start: at("2026-03-04T09:00:00"), End: at("2026-03-04T09:50:00"), Format: "video", Status: booking.StatusConfirmed}
	cases := []struct {
		now    string
		status string
		format string
		want   string
	}{
		{"2026-03-04T08:49:59", "", "", booking.RoomEarly},
		{"2026-03-04T08:50:00", "", "", booking.RoomOpen},
		{"2026-03-04T10:05:00", "", "", booking.RoomOpen},
		{"2026-03-04T10:05:01", "", "", booking.RoomClosed},
		{"2026-03-04T09:10:00", booking.StatusCompleted, "", booking.RoomOpen},
		{"2026-03-04T09:10:00", booking.StatusCancelled, "", booking.RoomClosed},
		{"2026-03-04T09:10:00", booking.StatusNoShow, "", booking.RoomClosed},
		{"2026-03-04T09:10:00", "", "phone", booking.RoomClosed},
	}
	for _, tc := range cases {
		bb := b
		if tc.status != "" {
			bb.Status = tc.status
		}
		if tc.format != "" {
			bb.Format = tc.format
		}
		if got := svc.RoomState(bb, at(tc.now)); got != tc.want {
			t.Errorf("%s %s %s: %s, want %s", tc.now, bb.Status, bb.Format, got, tc.want)
		}
	}
}

// TestBothInTheRoomForTenMinutesMakesTheSessionHeld: joins and leaves are
// recorded, and the session becomes completed once the two were in
// together for HeldAfter — not a moment before.
func TestBothInTheRoomForTenMinutesMakesTheSessionHeld(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx := context.Background()
	b := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")

	f.clock.Set(at("2026-03-04T08:55:00"))
	if _, _, err := f.svc.EnterRoom(ctx, f.counselor, b.ID); err != nil {
		t.Fatalf("counsellor enters: %v", err)
	}
	cJoined, err := f.svc.Join(ctx, b, booking.PartyCounselor)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(at("2026-03-04T09:01:00"))
	if _, _, err := f.svc.EnterRoom(ctx, f.emps[0], b.ID); err != nil {
		t.Fatalf("employee enters: %v", err)
	}
	eJoined, err := f.svc.Join(ctx, b, booking.PartyEmployee)
	if err != nil {
		t.Fatal(err)
	}
	f.clock.Set(at("2026-03-04T09:10:59"))
	if held, err := f.svc.SettleHeld(ctx, b.ID); err != nil || held {
		t.Fatalf("held after 9 min 59 s: %v %v", held, err)
	}
	f.clock.Set(at("2026-03-04T09:11:00"))
	if held, err := f.svc.SettleHeld(ctx, b.ID); err != nil || !held {
		t.Fatalf("not held after 10 min together: %v %v", held, err)
	}
	got, err := f.svc.Get(ctx, f.counselor, b.ID)
	if err != nil || got.Status != booking.StatusCompleted || got.CompletedAt == nil || !got.CompletedAt.Equal(at("2026-03-04T09:11:00")) {
		t.Fatalf("after settling: %+v %v", got, err)
	}
	// The call goes on in the held session's room; the leaves are kept.
	f.clock.Set(at("2026-03-04T09:49:00"))
	if _, _, err := f.svc.EnterRoom(ctx, f.emps[0], b.ID); err != nil {
		t.Fatalf("room of the held session: %v", err)
	}
	if err := f.svc.Leave(ctx, b, booking.PartyEmployee, eJoined); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.Leave(ctx, b, booking.PartyCounselor, cJoined); err != nil {
		t.Fatal(err)
	}
	rows, err := f.svc.AttendanceOf(ctx, b.ID)
	if err != nil || len(rows) != 2 || rows[0].Party != booking.PartyCounselor || rows[0].LeftAt == nil || !rows[1].LeftAt.Equal(at("2026-03-04T09:49:00")) {
		t.Fatalf("attendance: %+v %v", rows, err)
	}
	if got := booking.Together(rows, at("2026-03-04T12:00:00")); got != 48*time.Minute {
		t.Fatalf("together %v", got)
	}
}

// TestOnlyTheBookingsPartiesEnterTheRoomAndOnlyInItsWindow: the company
// admin, another employee and an operator get 404; the parties get 409
// room_not_open outside the window.
func TestOnlyTheBookingsPartiesEnterTheRoomAndOnlyInItsWindow(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 2)
	ctx := context.Background()
	b := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	f.clock.Set(at("2026-03-04T09:00:00"))
	for _, p := range []struct {
		name string
		err  error
	}{
		{"admin", second(f.svc.EnterRoom(ctx, f.admin, b.ID))},
		{"other employee", second(f.svc.EnterRoom(ctx, f.emps[1], b.ID))},
	} {
		wantErr(t, p.err, apperr.CodeNotFound, "")
	}
	f.clock.Set(at("2026-03-04T08:49:00"))
	_, _, err := f.svc.EnterRoom(ctx, f.emps[0], b.ID)
	wantErr(t, err, apperr.CodeConflict, "room_not_open")
	f.clock.Set(at("2026-03-04T10:06:00"))
	_, _, err = f.svc.EnterRoom(ctx, f.counselor, b.ID)
	wantErr(t, err, apperr.CodeConflict, "room_not_open")
}

func second(_ booking.Booking, _ string, err error) error { return err }

// TestNoShowIsOfferedTenMinutesAfterTheStartOnlyWhenTheEmployeeNeverJoined.
func TestNoShowIsOfferedTenMinutesAfterTheStartOnlyWhenTheEmployeeNeverJoined(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx := context.Background()
	absent := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	came := f.mustBook(t, f.emps[0], "2026-03-04T10:00:00")

	f.clock.Set(at("2026-03-04T08:58:00"))
	if _, err := f.svc.Join(ctx, absent, booking.PartyCounselor); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(at("2026-03-04T09:09:59"))
	if ok, err := f.svc.NoShowOffered(ctx, absent); err != nil || ok {
		t.Fatalf("offered before start+10: %v %v", ok, err)
	}
	_, err := f.svc.MarkNoShow(ctx, f.counselor, absent.ID)
	wantErr(t, err, apperr.CodeConflict, "too_early")
	f.clock.Set(at("2026-03-04T09:10:00"))
	if ok, err := f.svc.NoShowOffered(ctx, absent); err != nil || !ok {
		t.Fatalf("not offered at start+10: %v %v", ok, err)
	}
	if got, err := f.svc.MarkNoShow(ctx, f.counselor, absent.ID); err != nil || got.Status != booking.StatusNoShow {
		t.Fatalf("no-show: %+v %v", got, err)
	}
	// A no-show is billable: the plan's usage counts it.
	if n := f.count(t, db.System, `SELECT count(*) FROM bookings WHERE id = $1 AND status IN ('completed', 'late_cancelled', 'no_show')`, absent.ID); n != 1 {
		t.Fatalf("billable no-show rows = %d", n)
	}

	f.clock.Set(at("2026-03-04T10:03:00"))
	if _, err := f.svc.Join(ctx, came, booking.PartyEmployee); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(at("2026-03-04T10:20:00"))
	if ok, err := f.svc.NoShowOffered(ctx, came); err != nil || ok {
		t.Fatalf("offered although the employee joined: %v %v", ok, err)
	}
	_, err = f.svc.MarkNoShow(ctx, f.counselor, came.ID)
	wantErr(t, err, apperr.CodeConflict, "employee_joined")
}

// TestCounsellorWhoNeverJoinedIsTheCounsellorsNoShowNotBilledAndTheEmployeeIsMailed.
func TestCounsellorWhoNeverJoinedIsTheCounsellorsNoShowNotBilledAndTheEmployeeIsMailed(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	sink, err := mail.StartSink(ctx, "127.0.0.1:0", f.env.DB, quiet)
	if err != nil {
		t.Fatal(err)
	}
	defer sink.Close()
	mailFS, _ := fs.Sub(web.FS, "mail")
	composer, err := mail.NewComposer(mailFS)
	if err != nil {
		t.Fatal(err)
	}
	f.svc.Accounts = &account.Service{DB: f.env.DB, Mail: composer, BaseURL: "http://taiwa.test"}
	f.svc.RoomGrace = 15 * time.Minute
	worker := &outbox.Worker{DB: f.env.DB, Log: quiet, Handlers: map[string]outbox.Handler{
		booking.NotifyKind:   func(context.Context, *sqlx.Tx, outbox.Message) error { return nil },
		booking.ReminderKind: func(context.Context, *sqlx.Tx, outbox.Message) error { return nil },
	}, Remotes: map[string]outbox.Remote{
		mail.Kind: mail.NewSender(sink.URL(), "Taiwa <no-reply@taiwa.example>").Handle,
	}}
	absent := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00") // counsellor never comes
	there := f.mustBook(t, f.emps[0], "2026-03-04T10:00:00")  // counsellor came, employee did not
	f.clock.Set(at("2026-03-04T09:05:00"))
	if _, err := f.svc.Join(ctx, absent, booking.PartyEmployee); err != nil {
		t.Fatal(err)
	}
	f.clock.Set(at("2026-03-04T10:01:00"))
	if _, err := f.svc.Join(ctx, there, booking.PartyCounselor); err != nil {
		t.Fatal(err)
	}

	f.clock.Set(at("2026-03-04T10:05:00")) // absent's end + grace, not yet past
	if done, err := f.svc.SettleAbsentCounselors(ctx); err != nil || len(done) != 0 {
		t.Fatalf("settled at the grace's end: %v %v", done, err)
	}
	f.clock.Set(at("2026-03-04T12:00:00"))
	done, err := f.svc.SettleAbsentCounselors(ctx)
	if err != nil || len(done) != 1 || done[0] != absent.ID {
		t.Fatalf("settled %v %v, want only %s", done, err, absent.ID)
	}
	got, _ := f.svc.Get(ctx, f.emps[0], absent.ID)
	if got.Status != booking.StatusCounselorNoShow {
		t.Fatalf("status %s", got.Status)
	}
	if got, _ := f.svc.Get(ctx, f.emps[0], there.ID); got.Status != booking.StatusConfirmed {
		t.Fatalf("the counsellor came to %s, status %s", there.ID, got.Status)
	}
	// Not billable and not paid: billing and payouts count other statuses.
	if n := f.count(t, db.System, `SELECT count(*) FROM bookings WHERE id = $1 AND status IN ('completed', 'late_cancelled', 'no_show')`, absent.ID); n != 0 {
		t.Fatalf("counsellor's no-show counted as billable")
	}
	// Settling again does nothing and mails nobody twice.
	if again, err := f.svc.SettleAbsentCounselors(ctx); err != nil || len(again) != 0 {
		t.Fatalf("second settle: %v %v", again, err)
	}
	if _, err := worker.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	var mails []struct {
		Rcpt    string `db:"rcpt"`
		Subject string `db:"subject"`
		Raw     []byte `db:"raw"`
	}
	if err := f.env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.Select(&mails, `SELECT rcpt_to[1] AS rcpt, subject, raw FROM dev_mail ORDER BY id`)
	}); err != nil {
		t.Fatal(err)
	}
	if len(mails) != 1 || mails[0].Rcpt != "e0@co.example" {
		t.Fatalf("mails: %+v", mails)
	}
	if !strings.Contains(string(mails[0].Raw), "http://taiwa.test/counselors") {
		t.Fatalf("the mail offers no rebooking link:\n%s", mails[0].Raw)
	}
	list, err := f.svc.CounselorNoShows(ctx, at("2026-03-01T00:00:00"))
	if err != nil || len(list) != 1 || list[0].BookingID != absent.ID || list[0].CounselorName != "山田 花子" {
		t.Fatalf("operators' list: %+v %v", list, err)
	}
}

// TestAttendanceMigrationGoesDownAndUpAgain: 00018's Down removes the
// table and the phone column and turns counsellors' no-shows into
// cancellations the old constraint accepts; Up restores the schema.
func TestAttendanceMigrationGoesDownAndUpAgain(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx := context.Background()
	b := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	exec(t, f.env, `UPDATE bookings SET status = 'counselor_no_show' WHERE id = $1`, b.ID)
	m, err := db.NewMigrator(f.env.AdminURL)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if err := m.DownTo(ctx, io.Discard, 17); err != nil {
		t.Fatalf("down: %v", err)
	}
	if n := f.count(t, db.System, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'session_attendance'`); n != 0 {
		t.Fatal("session_attendance survived Down")
	}
	if n := f.count(t, db.System, `SELECT count(*) FROM bookings WHERE id = $1 AND status = 'cancelled'`, b.ID); n != 1 {
		t.Fatal("the counsellor's no-show was not turned into a cancellation")
	}
	if err := m.Up(ctx, io.Discard); err != nil {
		t.Fatalf("up again: %v", err)
	}
	if _, err := f.svc.Join(ctx, b, booking.PartyCounselor); err != nil {
		t.Fatalf("attendance after Up: %v", err)
	}
}
