package booking_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
	"github.com/taiwa/taiwa/internal/platform/db"
)

// wantErr checks an error's code and API reason ("" for success).
func wantErr(t *testing.T, err error, code apperr.Code, reason string) {
	t.Helper()
	if code == "" {
		if err != nil {
			t.Fatalf("err = %v, want success", err)
		}
		return
	}
	e, ok := apperr.As(err)
	if !ok || e.Code != code || (reason != "" && e.APICode() != reason) {
		t.Fatalf("err = %v, want %s %s", err, code, reason)
	}
}

func TestBookAppliesTheRules(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	emp := f.emps[0]
	cases := []struct {
		name   string
		in     booking.NewBooking
		code   apperr.Code
		reason string
	}{
		{"theme not offered", booking.NewBooking{Start: jst("2026-03-03T09:00:00"), Theme: "mental_health", Format: "video"}, apperr.CodeUnprocessable, "theme_not_offered"},
		{"theme offered but no credential allows it", booking.NewBooking{Start: jst("2026-03-03T09:00:00"), Theme: "harassment", Format: "video"}, apperr.CodeUnprocessable, "theme_not_offered"},
		{"format not offered", booking.NewBooking{Start: jst("2026-03-03T09:00:00"), Theme: "career", Format: "phone", Phone: "090-1234-5678"}, apperr.CodeUnprocessable, "format_not_offered"},
		{"unknown theme code", booking.NewBooking{Start: jst("2026-03-03T09:00:00"), Theme: "chat", Format: "video"}, apperr.CodeInvalid, ""},
		{"start in the past", booking.NewBooking{Start: jst("2026-03-01T09:00:00"), Theme: "career", Format: "video"}, apperr.CodeUnprocessable, "start_in_past"},
		{"inside the notice", booking.NewBooking{Start: jst("2026-03-02T11:00:00"), Theme: "career", Format: "video"}, apperr.CodeConflict, "slot_unavailable"},
		{"off the grid", booking.NewBooking{Start: jst("2026-03-03T09:30:00"), Theme: "career", Format: "video"}, apperr.CodeConflict, "slot_unavailable"},
		{"a Saturday", booking.NewBooking{Start: jst("2026-03-07T09:00:00"), Theme: "career", Format: "video"}, apperr.CodeConflict, "slot_unavailable"},
		{"beyond the horizon", booking.NewBooking{Start: jst("2026-04-06T09:00:00"), Theme: "career", Format: "video"}, apperr.CodeConflict, "slot_unavailable"},
		{"the first slot after the notice", booking.NewBooking{Start: jst("2026-03-02T12:00:00"), Theme: "career", Format: "video"}, "", ""},
		{"the last slot inside the horizon", booking.NewBooking{Start: jst("2026-03-31T16:00:00"), Theme: "career", Format: "video"}, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			c.in.CounselorID = f.cid
			_, err := f.svc.Book(context.Background(), emp, c.in, "")
			wantErr(t, err, c.code, c.reason)
		})
	}
	_, err := f.svc.Book(context.Background(), emp, booking.NewBooking{CounselorID: uuid.New(), Start: jst("2026-03-03T09:00:00"), Theme: "career", Format: "video"}, "")
	wantErr(t, err, apperr.CodeNotFound, "")
	exec(t, f.env, `UPDATE counselors SET status = 'suspended' WHERE id = $1`, f.cid)
	_, err = f.book(emp, "2026-03-03T09:00:00")
	wantErr(t, err, apperr.CodeNotFound, "")
}

func TestBookedSlotIsTakenAndTheCounsellorsBufferHolds(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 3)
	b := f.mustBook(t, f.emps[0], "2026-03-03T09:00:00")
	if b.Status != booking.StatusConfirmed || !b.End.Equal(jst("2026-03-03T09:50:00")) || b.Sequence != 0 ||
		b.MeetingURL != "/meet/"+b.ID.String() || b.CounselorName != "山田 花子" || b.EmployeeName != "" {
		t.Fatalf("booked %+v", b)
	}
	_, err := f.book(f.emps[1], "2026-03-03T09:00:00")
	wantErr(t, err, apperr.CodeConflict, "slot_unavailable")
	f.mustBook(t, f.emps[1], "2026-03-03T10:00:00") // back to back after the buffer
	slots, err := f.svc.Slots(context.Background(), f.emps[2], f.cid, jst("2026-03-03T00:00:00"), jst("2026-03-04T00:00:00"))
	wantErr(t, err, "", "")
	if len(slots) != 6 || !slots[0].Start.Equal(jst("2026-03-03T11:00:00")) {
		t.Fatalf("slots after two bookings: %+v", slots)
	}
	var next time.Time
	if err := f.env.DB.Get(&next, `SELECT next_available_at FROM counselors WHERE id = $1`, f.cid); err != nil || !next.Equal(jst("2026-03-02T12:00:00")) {
		t.Fatalf("next_available_at = %v (%v), want Monday 12:00", next, err)
	}
}

func TestDailyCapClosesTheDay(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 3)
	a, _ := f.svc.GetAvailability(context.Background(), f.counselor)
	a.MaxPerDay = 2
	if _, err := f.svc.SetAvailability(context.Background(), f.counselor, a); err != nil {
		t.Fatal(err)
	}
	f.mustBook(t, f.emps[0], "2026-03-03T09:00:00")
	f.mustBook(t, f.emps[1], "2026-03-03T13:00:00")
	_, err := f.book(f.emps[2], "2026-03-03T15:00:00")
	wantErr(t, err, apperr.CodeConflict, "slot_unavailable")
	f.mustBook(t, f.emps[2], "2026-03-04T15:00:00")
}

func TestPlanLimits(t *testing.T) {
	t.Parallel()
	t.Run("no contract", func(t *testing.T) {
		f := newFixture(t, "", 1)
		_, err := f.book(f.emps[0], "2026-03-03T09:00:00")
		wantErr(t, err, apperr.CodeUnprocessable, "plan_exhausted")
	})
	t.Run("contract ended", func(t *testing.T) {
		f := newFixture(t, "subscription", 1)
		exec(t, f.env, `UPDATE contracts SET ends_on = '2026-03-01'`)
		_, err := f.book(f.emps[0], "2026-03-03T09:00:00")
		wantErr(t, err, apperr.CodeUnprocessable, "plan_exhausted")
	})
	t.Run("trial cap counts late cancellations, not timely ones", func(t *testing.T) {
		f := newFixture(t, "", 3)
		exec(t, f.env, `INSERT INTO plans (code, name_ja, name_en, kind, is_trial, session_cap) VALUES ('trial_two', 'お試し', 'Trial', 'per_session', true, 2)`)
		exec(t, f.env, `INSERT INTO contracts (company_id, plan_code, seats, starts_on, status) VALUES ($1, 'trial_two', 10, '2026-01-01', 'trial')`, f.companyID)
		first := f.mustBook(t, f.emps[0], "2026-03-03T09:00:00")
		f.mustBook(t, f.emps[1], "2026-03-10T09:00:00")
		_, err := f.book(f.emps[2], "2026-03-04T09:00:00")
		wantErr(t, err, apperr.CodeUnprocessable, "plan_exhausted")
		if _, err := f.svc.Cancel(context.Background(), f.emps[0], first.ID, ""); err != nil {
			t.Fatal(err)
		}
		late := f.mustBook(t, f.emps[2], "2026-03-04T09:00:00")
		f.clock.Set(jst("2026-03-04T08:00:00"))
		c, err := f.svc.Cancel(context.Background(), f.emps[2], late.ID, "")
		if err != nil || c.Status != booking.StatusLateCancelled {
			t.Fatalf("late cancel: %+v %v", c, err)
		}
		_, err = f.book(f.emps[0], "2026-03-05T09:00:00")
		wantErr(t, err, apperr.CodeUnprocessable, "plan_exhausted")
	})
}

func TestCancelIsLateOnlyInsideTheNoticeWindow(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name    string
		at      string
		byStaff bool
		want    string
	}{
		{"exactly 24 h before is in time", "2026-03-03T09:00:00", false, booking.StatusCancelled},
		{"one second later is late", "2026-03-03T09:00:01", false, booking.StatusLateCancelled},
		{"an hour before is late", "2026-03-04T08:00:00", false, booking.StatusLateCancelled},
		{"the counsellor is never late", "2026-03-04T08:00:00", true, booking.StatusCancelled},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := newFixture(t, "subscription", 1)
			b := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
			f.clock.Set(jst(c.at))
			actor := f.emps[0]
			if c.byStaff {
				actor = f.counselor
			}
			late, hours, err := f.svc.CancelPreview(context.Background(), actor, b.ID)
			if err != nil || late != (c.want == booking.StatusLateCancelled) || hours != 24 {
				t.Fatalf("preview: late=%v hours=%d err=%v", late, hours, err)
			}
			got, err := f.svc.Cancel(context.Background(), actor, b.ID, "体調不良")
			if err != nil || got.Status != c.want || got.Sequence != 1 || got.CancelledAt == nil || got.CancelReason != "体調不良" {
				t.Fatalf("cancel: %+v %v", got, err)
			}
			_, err = f.svc.Cancel(context.Background(), actor, b.ID, "")
			wantErr(t, err, apperr.CodeConflict, "booking_not_confirmed")
			// The freed slot can be booked again.
			f.clock.Set(jst("2026-03-02T00:00:00"))
			f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
		})
	}
}

func TestCancelAfterTheStartAndByOthersIsRefused(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 2)
	b := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	_, err := f.svc.Cancel(context.Background(), f.emps[1], b.ID, "")
	wantErr(t, err, apperr.CodeNotFound, "")
	_, err = f.svc.Cancel(context.Background(), f.admin, b.ID, "")
	wantErr(t, err, apperr.CodeForbidden, "")
	f.clock.Set(jst("2026-03-04T09:00:00"))
	_, err = f.svc.Cancel(context.Background(), f.emps[0], b.ID, "")
	wantErr(t, err, apperr.CodeConflict, "booking_started")
}

func TestRescheduleMovesTheSameBooking(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 2)
	b := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	f.mustBook(t, f.emps[1], "2026-03-04T11:00:00")
	_, err := f.svc.Reschedule(context.Background(), f.emps[0], b.ID, jst("2026-03-04T11:00:00"))
	wantErr(t, err, apperr.CodeConflict, "slot_unavailable")
	_, err = f.svc.Reschedule(context.Background(), f.emps[0], b.ID, jst("2026-03-01T11:00:00"))
	wantErr(t, err, apperr.CodeUnprocessable, "start_in_past")
	// One step later: the session's own time does not block its move.
	got, err := f.svc.Reschedule(context.Background(), f.emps[0], b.ID, jst("2026-03-04T10:00:00"))
	if err != nil || got.ID != b.ID || !got.Start.Equal(jst("2026-03-04T10:00:00")) || !got.End.Equal(jst("2026-03-04T10:50:00")) || got.Sequence != 1 {
		t.Fatalf("reschedule: %+v %v", got, err)
	}
	got, err = f.svc.Reschedule(context.Background(), f.counselor, b.ID, jst("2026-03-05T10:00:00"))
	if err != nil || got.Sequence != 2 || got.EmployeeName != "社員" {
		t.Fatalf("counsellor's reschedule: %+v %v", got, err)
	}
	f.mustBook(t, f.emps[1], "2026-03-04T10:00:00") // the old time is free again
	_, err = f.svc.Reschedule(context.Background(), f.emps[1], b.ID, jst("2026-03-06T10:00:00"))
	wantErr(t, err, apperr.CodeNotFound, "")
}

func TestNoShowAndCompletionWaitForTheirTime(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx := context.Background()
	a := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	b := f.mustBook(t, f.emps[0], "2026-03-04T10:00:00")
	f.clock.Set(jst("2026-03-04T09:09:59"))
	_, err := f.svc.MarkNoShow(ctx, f.counselor, a.ID)
	wantErr(t, err, apperr.CodeConflict, "too_early")
	_, err = f.svc.MarkNoShow(ctx, f.emps[0], a.ID)
	wantErr(t, err, apperr.CodeForbidden, "")
	f.clock.Set(jst("2026-03-04T09:10:00"))
	if got, err := f.svc.MarkNoShow(ctx, f.counselor, a.ID); err != nil || got.Status != booking.StatusNoShow {
		t.Fatalf("no-show: %+v %v", got, err)
	}
	_, err = f.svc.Complete(ctx, f.counselor, b.ID)
	wantErr(t, err, apperr.CodeConflict, "too_early")
	f.clock.Set(jst("2026-03-04T10:00:00"))
	if got, err := f.svc.Complete(ctx, f.counselor, b.ID); err != nil || got.Status != booking.StatusCompleted || got.CompletedAt == nil {
		t.Fatalf("complete: %+v %v", got, err)
	}
	_, err = f.svc.Complete(ctx, f.counselor, b.ID)
	wantErr(t, err, apperr.CodeConflict, "booking_not_confirmed")
}

func TestIdempotencyKeyReplaysTheFirstAnswer(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 2)
	ctx := context.Background()
	in := booking.NewBooking{CounselorID: f.cid, Start: jst("2026-03-04T09:00:00"), Theme: "career", Format: "video"}
	first, err := f.svc.Book(ctx, f.emps[0], in, "key-1")
	if err != nil {
		t.Fatal(err)
	}
	again, err := f.svc.Book(ctx, f.emps[0], in, "key-1")
	if err != nil || again.ID != first.ID || !again.Start.Equal(first.Start) || again.MeetingURL != first.MeetingURL {
		t.Fatalf("replay: %+v %v, want %+v", again, err, first)
	}
	other := in
	other.Start = jst("2026-03-04T10:00:00")
	_, err = f.svc.Book(ctx, f.emps[0], other, "key-1")
	wantErr(t, err, apperr.CodeConflict, "idempotency_key_reused")
	// Another employee's key of the same name is their own.
	_, err = f.svc.Book(ctx, f.emps[1], in, "key-1")
	wantErr(t, err, apperr.CodeConflict, "slot_unavailable")
	if n := f.count(t, db.System, `SELECT count(*) FROM bookings`); n != 1 {
		t.Fatalf("bookings = %d, want 1", n)
	}
	// A refused attempt remembers nothing: its key works for a retry.
	if b, err := f.svc.Book(ctx, f.emps[1], other, "key-1"); err != nil || b.ID == first.ID {
		t.Fatalf("retry after a refusal: %+v %v", b, err)
	}
}

func TestCompanyAdminSeesNoBookingEvenWithSQL(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 2)
	b := f.mustBook(t, f.emps[0], "2026-03-04T09:00:00")
	ctx := context.Background()
	if _, err := f.svc.Get(ctx, f.admin, b.ID); !apperr.Is(err, apperr.CodeNotFound) {
		t.Fatalf("admin Get: %v, want not found", err)
	}
	for name, c := range map[string]struct {
		scope db.Scope
		want  int
	}{
		"company admin":  {f.admin.Scope(), 0},
		"other employee": {f.emps[1].Scope(), 0},
		"the employee":   {f.emps[0].Scope(), 1},
		"the counsellor": {f.counselor.Scope(), 1},
		"no scope":       {db.Scope{}, 0},
		"operator":       {db.Scope{Role: "operator"}, 1},
	} {
		if n := f.count(t, c.scope, `SELECT count(*) FROM bookings`); n != c.want {
			t.Errorf("%s sees %d bookings, want %d", name, n, c.want)
		}
	}
	if n := f.count(t, f.admin.Scope(), `SELECT count(*) FROM waitlist`); n != 0 {
		t.Errorf("admin sees %d waitlist rows", n)
	}
	mine, err := f.svc.MyBookings(ctx, f.counselor)
	if err != nil || len(mine) != 1 || mine[0].EmployeeName != "社員" {
		t.Fatalf("counsellor's list: %+v %v", mine, err)
	}
	mine, err = f.svc.MyBookings(ctx, f.emps[1])
	if err != nil || len(mine) != 0 {
		t.Fatalf("other employee's list: %+v %v", mine, err)
	}
}

func TestAvailabilityRoundTripsAndWaitlistJoinsOnce(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "subscription", 1)
	ctx := context.Background()
	in := booking.Availability{Timezone: "Europe/London", SlotMinutes: 60, BufferMinutes: 0, MinNoticeMinutes: 0, HorizonDays: 14, MaxPerDay: 8,
		Weekly:    []booking.WeeklyRange{{Weekday: 1, Start: "18:00", End: "24:00"}, {Weekday: 2, Start: "00:00", End: "01:00"}},
		Overrides: []booking.Override{{Date: "2026-03-03", Available: false}, {Date: "2026-03-04", Start: ptr("09:00"), End: ptr("10:00"), Available: true}}}
	if _, err := f.svc.SetAvailability(ctx, f.counselor, in); err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.GetAvailability(ctx, f.counselor)
	if err != nil || got.Timezone != "Europe/London" || len(got.Weekly) != 2 || got.Weekly[0].End != "24:00" ||
		len(got.Overrides) != 2 || got.Overrides[0].Start != nil || *got.Overrides[1].End != "10:00" {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	created, err := f.svc.Waitlist(ctx, f.emps[0], f.cid)
	if err != nil || !created {
		t.Fatalf("join: %v %v", created, err)
	}
	if created, err = f.svc.Waitlist(ctx, f.emps[0], f.cid); err != nil || created {
		t.Fatalf("join again: %v %v", created, err)
	}
	_, err = f.svc.Waitlist(ctx, f.emps[0], uuid.New())
	wantErr(t, err, apperr.CodeNotFound, "")
}
