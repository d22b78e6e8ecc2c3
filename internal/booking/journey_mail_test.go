package booking_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/uuid"
	"github.com/jmoiron/sqlx"

	"github.com/taiwa/taiwa/internal/apptest"
	"github.com/taiwa/taiwa/internal/booking"
	"github.com/taiwa/taiwa/internal/demo"
	"github.com/taiwa/taiwa/internal/platform/db"
	"github.com/taiwa/taiwa/internal/platform/mail"
)

// TestBookRescheduleCancelThroughTheAPIMailsOneCalendarEvent runs the
// whole server on the demo data: an employee books, moves and cancels a
// session over the API; the outbox delivers to the real SMTP sink, and the
// .ics files caught there are read back with the calendar library.
func TestBookRescheduleCancelThroughTheAPIMailsOneCalendarEvent(t *testing.T) {
	t.Parallel()
	h := apptest.New(t)
	ctx := context.Background()
	if err := demo.SeedDemo(ctx, h.Env.DB, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	const empEmail = "emp0001@sample-shoji.example"
	emp := h.Login(empEmail, demo.Password)
	var c struct {
		ID     uuid.UUID `db:"id"`
		Email  string    `db:"email"`
		Theme  string    `db:"theme"`
		Format string    `db:"format"`
	}
	if err := h.Env.DB.InTx(ctx, db.System, func(tx *sqlx.Tx) error {
		return tx.GetContext(ctx, &c, `SELECT c.id, u.email, c.themes[1] AS theme, c.formats[1] AS format
			FROM counselors c JOIN users u ON u.id = c.user_id WHERE u.email = 'counselor002@taiwa.example'`)
	}); err != nil {
		t.Fatal(err)
	}
	var free struct{ Slots []booking.Slot }
	q := url.Values{"from": {time.Now().UTC().Format(time.RFC3339)}, "to": {time.Now().UTC().Add(14 * 24 * time.Hour).Format(time.RFC3339)}}
	if st := emp.Do("GET", "/api/v1/counselors/"+c.ID.String()+"/slots?"+q.Encode(), nil, &free); st != http.StatusOK || len(free.Slots) < 2 {
		t.Fatalf("slots: %d, %d slots", st, len(free.Slots))
	}
	// The employee's own demo sessions may clash with a slot: try the next.
	var b booking.Booking
	i := 0
	for ; i < len(free.Slots) && b.ID == uuid.Nil; i++ {
		st := emp.Do("POST", "/api/v1/bookings", map[string]any{"counselor_id": c.ID, "start": free.Slots[i].Start, "theme": c.Theme, "format": c.Format}, &b)
		if st != http.StatusCreated {
			b = booking.Booking{}
		}
	}
	var moved booking.Booking
	for ; i < len(free.Slots) && moved.ID == uuid.Nil; i++ {
		if emp.Do("POST", "/api/v1/bookings/"+b.ID.String()+"/reschedule", map[string]any{"start": free.Slots[i].Start}, &moved) != http.StatusOK {
			moved = booking.Booking{}
		}
	}
	if b.ID == uuid.Nil || moved.ID != b.ID {
		t.Fatalf("could not book and move a session (booked %v, moved %v)", b.ID, moved.ID)
	}
	var cancelled booking.Booking
	if st := emp.Do("POST", "/api/v1/bookings/"+b.ID.String()+"/cancel", map[string]any{}, &cancelled); st != http.StatusOK {
		t.Fatalf("cancel: %d", st)
	}
	h.DrainOutbox()

	for _, addr := range []string{empEmail, c.Email} {
		list, err := mail.ListDevMail(ctx, h.Env.DB, addr, 10)
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 {
			t.Fatalf("%d mails to %s, want confirmation, reschedule and cancellation", len(list), addr)
		}
		var methods []string
		lastSeq := -1
		for j := len(list) - 1; j >= 0; j-- {
			m, err := mail.GetDevMail(ctx, h.Env.DB, list[j].ID)
			if err != nil || len(m.Attachments) != 1 {
				t.Fatalf("mail %q: %v, %d attachments", list[j].Subject, err, len(m.Attachments))
			}
			cal, err := ics.ParseCalendar(bytes.NewReader(m.Attachments[0].Data))
			if err != nil || len(cal.Events()) != 1 {
				t.Fatalf("%q: .ics: %v", m.Subject, err)
			}
			for _, p := range cal.CalendarProperties {
				if p.IANAToken == string(ics.PropertyMethod) {
					methods = append(methods, p.Value)
				}
			}
			ev := cal.Events()[0]
			if ev.Id() != b.ID.String()+"@taiwa.example" {
				t.Errorf("%s: UID %q", addr, ev.Id())
			}
			seq, _ := strconv.Atoi(ev.GetProperty(ics.ComponentPropertySequence).Value)
			if seq <= lastSeq {
				t.Errorf("%s: SEQUENCE %d after %d", addr, seq, lastSeq)
			}
			lastSeq = seq
			if start, _ := ev.GetStartAt(); j < 2 && !start.Equal(moved.Start) {
				t.Errorf("%s: %q starts %v, want the new time %v", addr, m.Subject, start, moved.Start)
			}
		}
		if got := methods; len(got) != 3 || got[0] != "REQUEST" || got[1] != "REQUEST" || got[2] != "CANCEL" {
			t.Errorf("%s: methods %v, want REQUEST, REQUEST, CANCEL", addr, got)
		}
		if lastSeq != cancelled.Sequence {
			t.Errorf("%s: last SEQUENCE %d, want the cancelled booking's %d", addr, lastSeq, cancelled.Sequence)
		}
	}
}
