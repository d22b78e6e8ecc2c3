package booking

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"github.com/google/uuid"
)

// parseInvite reads an invitation back with the calendar library.
func parseInvite(t *testing.T, data []byte) (*ics.Calendar, *ics.VEvent) {
	t.Helper()
	cal, err := ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("parse .ics: %v\n%s", err, data)
	}
	evs := cal.Events()
	if len(evs) != 1 {
		t.Fatalf("%d events in the .ics, want 1", len(evs))
	}
	return cal, evs[0]
}

func calProp(cal *ics.Calendar, p ics.Property) string {
	for _, cp := range cal.CalendarProperties {
		if cp.IANAToken == string(p) {
			return cp.Value
		}
	}
	return ""
}

func evProp(ev *ics.VEvent, p ics.ComponentProperty) string {
	if v := ev.GetProperty(p); v != nil {
		return v.Value
	}
	return ""
}

func TestBuildICSRequestAndCancelShareTheUIDWithAHigherSequence(t *testing.T) {
	id := uuid.MustParse("6f1c1b8e-6a52-4d5c-9a0f-0c7f3e2a9b11")
	tokyo, _ := time.LoadLocation("Asia/Tokyo")
	start := time.Date(2026, 3, 29, 10, 0, 0, 0, tokyo)
	req := icsEvent{BookingID: id, Start: start, End: start.Add(50 * time.Minute), Sequence: 1,
		MeetingURL: "https://meet.taiwa.example/r/abc", Attendee: "emp0001@sample-shoji.example", Name: "佐藤 花子",
		Stamp: start.Add(-48 * time.Hour)}
	cancel := req
	cancel.Sequence, cancel.Cancel = 2, true

	for _, tc := range []struct {
		name       string
		e          icsEvent
		method     string
		status     string
		contentTyp string
	}{
		{"request", req, "REQUEST", "CONFIRMED", "text/calendar; method=REQUEST; charset=UTF-8"},
		{"cancel", cancel, "CANCEL", "CANCELLED", "text/calendar; method=CANCEL; charset=UTF-8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := icsAttachment(tc.e)
			if a.Name != "invite.ics" || a.ContentType != tc.contentTyp {
				t.Errorf("attachment %q %q, want invite.ics %q", a.Name, a.ContentType, tc.contentTyp)
			}
			if !bytes.Contains(a.Data, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(a.Data, []byte("\r\n"), nil), []byte("\n")) {
				t.Errorf("lines must end with CRLF:\n%q", a.Data)
			}
			cal, ev := parseInvite(t, a.Data)
			if m := calProp(cal, ics.PropertyMethod); m != tc.method {
				t.Errorf("METHOD = %q, want %q", m, tc.method)
			}
			if ev.Id() != id.String()+"@taiwa.example" {
				t.Errorf("UID = %q", ev.Id())
			}
			if s := evProp(ev, ics.ComponentPropertySequence); s != map[string]string{"request": "1", "cancel": "2"}[tc.name] {
				t.Errorf("SEQUENCE = %q", s)
			}
			if s := evProp(ev, ics.ComponentPropertyStatus); s != tc.status {
				t.Errorf("STATUS = %q, want %q", s, tc.status)
			}
			if s := evProp(ev, ics.ComponentPropertyDtStart); s != "20260329T010000Z" {
				t.Errorf("DTSTART = %q, want UTC 20260329T010000Z", s)
			}
			if s := evProp(ev, ics.ComponentPropertyDtEnd); s != "20260329T015000Z" {
				t.Errorf("DTEND = %q, want UTC 20260329T015000Z", s)
			}
			if s := evProp(ev, ics.ComponentPropertySummary); s != "Taiwa 面談 / session" {
				t.Errorf("SUMMARY = %q", s)
			}
			if s := evProp(ev, ics.ComponentPropertyLocation); s != req.MeetingURL {
				t.Errorf("LOCATION = %q", s)
			}
			if s := evProp(ev, ics.ComponentPropertyOrganizer); s != "mailto:no-reply@taiwa.example" {
				t.Errorf("ORGANIZER = %q", s)
			}
			att := ev.Attendees()
			if len(att) != 1 || att[0].Email() != req.Attendee {
				t.Errorf("attendees = %v, want only the recipient", att)
			}
		})
	}
}

func TestBuildICSWithoutAWebLinkHasNoURL(t *testing.T) {
	start := time.Date(2026, 5, 1, 1, 0, 0, 0, time.UTC)
	data := buildICS(icsEvent{BookingID: uuid.New(), Start: start, End: start.Add(time.Hour), MeetingURL: "",
		Attendee: "a@example.com", Name: "A", Stamp: start})
	_, ev := parseInvite(t, data)
	if strings.Contains(string(data), "URL:") || evProp(ev, ics.ComponentPropertyLocation) != "" {
		t.Errorf("an empty meeting link must leave URL and LOCATION out:\n%s", data)
	}
}
