package booking_test

import (
	"strings"
	"testing"
	"time"

	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/platform/apperr"
)

func ptr(s string) *string { return &s }

// sched is a schedule with no notice, a long horizon and a high cap, so a
// case changes only what it tests.
func sched(tz string, weekly ...booking.WeeklyRange) booking.Availability {
	return booking.Availability{Timezone: tz, SlotMinutes: 50, BufferMinutes: 10, MinNoticeMinutes: 0,
		HorizonDays: 180, MaxPerDay: 24, Weekly: weekly}
}

func wr(day int, start, end string) booking.WeeklyRange {
	return booking.WeeklyRange{Weekday: day, Start: start, End: end}
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func starts(slots []booking.Slot) string {
	var out []string
	for _, s := range slots {
		out = append(out, s.Start.UTC().Format("01-02T15:04Z"))
	}
	return strings.Join(out, " ")
}

func TestComputeSlotsKeepsLocalHoursAcrossDSTAndZones(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		a        booking.Availability
		from, to string
		want     string
	}{
		{"Tokyo has no DST: 09:00-12:00 JST is 00:00Z", sched("Asia/Tokyo", wr(1, "09:00", "12:00")),
			"2026-03-09T00:00:00+09:00", "2026-03-10T00:00:00+09:00", "03-09T00:00Z 03-09T01:00Z 03-09T02:00Z"},
		{"London the day before spring forward is GMT", sched("Europe/London", wr(6, "09:00", "12:00")),
			"2026-03-28T00:00:00Z", "2026-03-29T00:00:00Z", "03-28T09:00Z 03-28T10:00Z 03-28T11:00Z"},
		{"London on spring forward (29 Mar) is BST", sched("Europe/London", wr(7, "09:00", "12:00")),
			"2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", "03-29T08:00Z 03-29T09:00Z 03-29T10:00Z"},
		{"London on fall back (25 Oct) is GMT again", sched("Europe/London", wr(7, "09:00", "12:00")),
			"2026-10-25T00:00:00Z", "2026-10-26T00:00:00Z", "10-25T09:00Z 10-25T10:00Z 10-25T11:00Z"},
		{"London the day before fall back is BST", sched("Europe/London", wr(6, "09:00", "12:00")),
			"2026-10-24T00:00:00Z", "2026-10-25T00:00:00Z", "10-24T08:00Z 10-24T09:00Z 10-24T10:00Z"},
		{"New York the day before spring forward is EST", sched("America/New_York", wr(6, "09:00", "12:00")),
			"2026-03-07T00:00:00Z", "2026-03-08T00:00:00Z", "03-07T14:00Z 03-07T15:00Z 03-07T16:00Z"},
		{"New York on spring forward (8 Mar) is EDT", sched("America/New_York", wr(7, "09:00", "12:00")),
			"2026-03-08T05:00:00Z", "2026-03-09T04:00:00Z", "03-08T13:00Z 03-08T14:00Z 03-08T15:00Z"},
		{"New York on fall back (1 Nov) is EST", sched("America/New_York", wr(7, "09:00", "12:00")),
			"2026-11-01T04:00:00Z", "2026-11-02T05:00:00Z", "11-01T14:00Z 11-01T15:00Z 11-01T16:00Z"},
		{"a range through the London spring gap holds its real three hours less one", sched("Europe/London", wr(7, "00:00", "04:00")),
			"2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z", "03-29T00:00Z 03-29T01:00Z 03-29T02:00Z"},
		{"a range through the New York fall-back repeat holds five real hours", sched("America/New_York", wr(7, "00:00", "04:00")),
			"2026-11-01T00:00:00Z", "2026-11-02T00:00:00Z", "11-01T04:00Z 11-01T05:00Z 11-01T06:00Z 11-01T07:00Z 11-01T08:00Z"},
		{"a night across midnight is two ranges, 22:00-24:00 and 00:00-02:00", sched("Asia/Tokyo", wr(1, "22:00", "24:00"), wr(2, "00:00", "02:00")),
			"2026-03-09T00:00:00+09:00", "2026-03-11T00:00:00+09:00", "03-09T13:00Z 03-09T14:00Z 03-09T15:00Z 03-09T16:00Z"},
		{"several ranges a day, sorted", sched("Asia/Tokyo", wr(1, "14:00", "15:00"), wr(1, "09:00", "10:00")),
			"2026-03-09T00:00:00+09:00", "2026-03-10T00:00:00+09:00", "03-09T00:00Z 03-09T05:00Z"},
		{"from and to cut the window", sched("Asia/Tokyo", wr(1, "09:00", "12:00")),
			"2026-03-09T10:00:00+09:00", "2026-03-09T11:00:00+09:00", "03-09T01:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			now := utc(c.from).Add(-7 * 24 * time.Hour)
			got := starts(booking.ComputeSlots(c.a, nil, utc(c.from), utc(c.to), now))
			if got != c.want {
				t.Fatalf("slots = %q\nwant     %q", got, c.want)
			}
		})
	}
}

func TestComputeSlotsAppliesNoticeHorizonCapBusyAndOverrides(t *testing.T) {
	t.Parallel()
	mon := "2026-03-09" // a Monday
	base := sched("Asia/Tokyo", wr(1, "09:00", "12:00"), wr(2, "09:00", "10:00"))
	with := func(f func(a *booking.Availability)) booking.Availability {
		a := base
		f(&a)
		return a
	}
	from, to := utc(mon+"T00:00:00+09:00"), utc("2026-03-11T00:00:00+09:00")
	farNow := utc("2026-01-01T00:00:00Z")
	cases := []struct {
		name string
		a    booking.Availability
		busy []booking.Interval
		now  time.Time
		want string
	}{
		{"no rules in the way", base, nil, farNow, "03-09T00:00Z 03-09T01:00Z 03-09T02:00Z 03-10T00:00Z"},
		{"notice: a slot exactly at now+notice stays", with(func(a *booking.Availability) { a.MinNoticeMinutes = 60 }),
			nil, utc(mon + "T09:00:00+09:00").Add(-time.Hour), "03-09T00:00Z 03-09T01:00Z 03-09T02:00Z 03-10T00:00Z"},
		{"notice: one minute later drops it", with(func(a *booking.Availability) { a.MinNoticeMinutes = 60 }),
			nil, utc(mon + "T08:01:00+09:00"), "03-09T01:00Z 03-09T02:00Z 03-10T00:00Z"},
		{"horizon: a slot exactly at now+horizon is out", with(func(a *booking.Availability) { a.HorizonDays = 1 }),
			nil, utc("2026-03-09T09:00:00+09:00"), "03-09T00:00Z 03-09T01:00Z 03-09T02:00Z"},
		{"horizon: one minute more lets it in", with(func(a *booking.Availability) { a.HorizonDays = 1 }),
			nil, utc("2026-03-09T09:01:00+09:00"), "03-09T01:00Z 03-09T02:00Z 03-10T00:00Z"},
		{"busy session drops its slot", base,
			[]booking.Interval{{utc(mon + "T10:00:00+09:00"), utc(mon + "T11:00:00+09:00")}}, farNow, "03-09T00:00Z 03-09T02:00Z 03-10T00:00Z"},
		{"a slot's own buffer may not run into a busy start", base,
			[]booking.Interval{{utc(mon + "T09:55:00+09:00"), utc(mon + "T10:05:00+09:00")}}, farNow, "03-09T02:00Z 03-10T00:00Z"},
		{"daily cap reached closes the day", with(func(a *booking.Availability) { a.MaxPerDay = 2 }),
			[]booking.Interval{{utc(mon + "T13:00:00+09:00"), utc(mon + "T14:00:00+09:00")}, {utc(mon + "T15:00:00+09:00"), utc(mon + "T16:00:00+09:00")}},
			farNow, "03-10T00:00Z"},
		{"daily cap one below leaves the free slots", with(func(a *booking.Availability) { a.MaxPerDay = 2 }),
			[]booking.Interval{{utc(mon + "T13:00:00+09:00"), utc(mon + "T14:00:00+09:00")}},
			farNow, "03-09T00:00Z 03-09T01:00Z 03-09T02:00Z 03-10T00:00Z"},
		{"the cap counts the counsellor's day, not UTC's", with(func(a *booking.Availability) { a.MaxPerDay = 1 }),
			[]booking.Interval{{utc("2026-03-09T23:30:00+09:00"), utc("2026-03-10T00:30:00+09:00")}}, // Monday in Tokyo, 14:30Z
			farNow, "03-10T00:00Z"},
		{"override: a day off", with(func(a *booking.Availability) {
			a.Overrides = []booking.Override{{Date: mon, Available: false}}
		}), nil, farNow, "03-10T00:00Z"},
		{"override: extra hours on a date", with(func(a *booking.Availability) {
			a.Overrides = []booking.Override{{Date: "2026-03-10", Start: ptr("14:00"), End: ptr("15:00"), Available: true}}
		}), nil, farNow, "03-09T00:00Z 03-09T01:00Z 03-09T02:00Z 03-10T00:00Z 03-10T05:00Z"},
		{"override: day off plus other hours that day", with(func(a *booking.Availability) {
			a.Overrides = []booking.Override{{Date: mon, Available: false}, {Date: mon, Start: ptr("18:00"), End: ptr("19:00"), Available: true}}
		}), nil, farNow, "03-09T09:00Z 03-10T00:00Z"},
		{"override: blocked hours", with(func(a *booking.Availability) {
			a.Overrides = []booking.Override{{Date: mon, Start: ptr("10:00"), End: ptr("11:00"), Available: false}}
		}), nil, farNow, "03-09T00:00Z 03-09T02:00Z 03-10T00:00Z"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := starts(booking.ComputeSlots(c.a, c.busy, from, to, c.now))
			if got != c.want {
				t.Fatalf("slots = %q\nwant     %q", got, c.want)
			}
		})
	}
}

func TestSlotsAreSlotMinutesLongInUTC(t *testing.T) {
	t.Parallel()
	a := sched("Europe/London", wr(7, "09:00", "10:00"))
	a.SlotMinutes = 45
	s := booking.ComputeSlots(a, nil, utc("2026-03-29T00:00:00Z"), utc("2026-03-30T00:00:00Z"), utc("2026-01-01T00:00:00Z"))
	if len(s) != 1 || s[0].End.Sub(s[0].Start) != 45*time.Minute || s[0].Start.Location() != time.UTC {
		t.Fatalf("slots = %+v, want one 45-minute slot in UTC", s)
	}
}

func TestValidateNamesEachBadField(t *testing.T) {
	t.Parallel()
	good := sched("Asia/Tokyo", wr(1, "09:00", "12:00"))
	cases := []struct {
		name  string
		edit  func(a *booking.Availability)
		field string
	}{
		{"unknown zone", func(a *booking.Availability) { a.Timezone = "Mars/Olympus" }, "timezone"},
		{"Local is not a zone", func(a *booking.Availability) { a.Timezone = "Local" }, "timezone"},
		{"slot too short", func(a *booking.Availability) { a.SlotMinutes = 10 }, "slot_minutes"},
		{"buffer too long", func(a *booking.Availability) { a.BufferMinutes = 121 }, "buffer_minutes"},
		{"horizon zero", func(a *booking.Availability) { a.HorizonDays = 0 }, "horizon_days"},
		{"cap too high", func(a *booking.Availability) { a.MaxPerDay = 25 }, "max_per_day"},
		{"weekday 8", func(a *booking.Availability) { a.Weekly = append(a.Weekly, wr(8, "09:00", "10:00")) }, "weekly[1].weekday"},
		{"bad start", func(a *booking.Availability) { a.Weekly = append(a.Weekly, wr(2, "9:00", "10:00")) }, "weekly[1].start"},
		{"across midnight refused", func(a *booking.Availability) { a.Weekly = append(a.Weekly, wr(2, "22:00", "02:00")) }, "weekly[1].end"},
		{"overlap on one weekday", func(a *booking.Availability) { a.Weekly = append(a.Weekly, wr(1, "11:00", "13:00")) }, "weekly[1]"},
		{"bad override date", func(a *booking.Availability) {
			a.Overrides = []booking.Override{{Date: "2026-02-30", Available: false}}
		}, "overrides[0].date"},
		{"extra hours without times", func(a *booking.Availability) {
			a.Overrides = []booking.Override{{Date: "2026-03-01", Available: true}}
		}, "overrides[0]"},
	}
	if err := good.Validate(); err != nil {
		t.Fatalf("a good schedule: %v", err)
	}
	ok := good
	ok.Weekly = append([]booking.WeeklyRange{}, wr(1, "09:00", "12:00"), wr(1, "12:00", "24:00"), wr(2, "00:00", "02:00"))
	if err := ok.Validate(); err != nil {
		t.Fatalf("touching ranges and a night split at midnight: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a := good
			a.Weekly = append([]booking.WeeklyRange{}, good.Weekly...)
			c.edit(&a)
			e, isApp := apperr.As(a.Validate())
			if !isApp || e.Code != apperr.CodeInvalid || e.Fields[c.field] == "" {
				t.Fatalf("err = %v, want invalid naming %s", e, c.field)
			}
		})
	}
}
